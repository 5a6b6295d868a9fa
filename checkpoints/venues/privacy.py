"""The privacy page ("Quyền riêng tư"): what the portal keeps and for how long.

Under checkpoints because its numbers are this app's rules (khaibao/ imports no domain
app); the footer of templates/base.html links here. The numbers are read at request time,
so a new rule version changes the page the moment it is in force.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .rules import venue_rules


@require_GET
def privacy(request):
    return render(
        request,
        "checkpoints/venues/privacy.html",
        {"retention_days": venue_rules()["retention_days"]},
    )
