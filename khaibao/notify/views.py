from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from khaibao.lib.normalize import normalize_phone

from .models import SmsMessage


@never_cache
@require_GET
def dev_inbox(request):
    """Texts "delivered" by the database backend, for people trying the portal.

    Exists only when SMS_DEV_INBOX is on (development and demos; refused in production).
    """
    if not settings.SMS_DEV_INBOX:
        raise Http404
    messages = SmsMessage.objects.order_by("-created_at", "-id")
    phone = request.GET.get("phone", "").strip()
    if phone:
        try:
            messages = messages.filter(to=normalize_phone(phone))
        except ValidationError:  # a malformed phone simply matches nothing
            messages = messages.none()
    return render(request, "notify/dev_inbox.html", {"sms_messages": messages[:50], "phone": phone})
