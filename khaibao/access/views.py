"""View guards."""

from functools import wraps
from urllib.parse import quote

from django.shortcuts import redirect
from django.urls import reverse


def citizen_required(view):
    """Signed-in citizens only; others go to the phone login and come back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.phone:
            # Encoded: a page's own query (a poster's signed code holds "+", "%", "/")
            # must come back whole after the login.
            next_path = quote(request.get_full_path(), safe="/")
            return redirect(f"{reverse('accounts:login')}?next={next_path}")
        return view(request, *args, **kwargs)

    return wrapper
