"""Links to a declaration for texts sent to people without a login."""

from django.conf import settings
from django.urls import reverse


def access_url(declaration) -> str:
    """The declaration's QR page, reached by its unguessable token (paper declarations,
    policy changes): no login, only that one declaration."""
    return settings.KHAIBAO_PUBLIC_URL.rstrip("/") + reverse(
        "checkpoints:by-token", args=[declaration.access_token]
    )
