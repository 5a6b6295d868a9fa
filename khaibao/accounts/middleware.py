import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

SESSION_KEY = "citizen_last_seen"
# Write the timestamp at most this often: a session save per request costs a DB write.
_RESOLUTION_SECONDS = 60


class CitizenIdleTimeoutMiddleware:
    """Logs a citizen out after CITIZEN_IDLE_TIMEOUT_SECONDS without a request.

    Phones are shared in families; a forgotten login must not stay open for hours.
    Staff sessions keep SESSION_COOKIE_AGE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_staff:
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY, now)
            if now - last_seen > settings.CITIZEN_IDLE_TIMEOUT_SECONDS:
                logout(request)
                messages.info(
                    request,
                    _("Bạn đã được đăng xuất vì lâu không thao tác. Vui lòng đăng nhập lại."),
                )
            elif now - last_seen >= _RESOLUTION_SECONDS or SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = now
        return self.get_response(request)
