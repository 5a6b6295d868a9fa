"""View guards."""

from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse


def citizen_required(view):
    """Signed-in citizens only; others go to the phone login and come back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.phone:
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper
