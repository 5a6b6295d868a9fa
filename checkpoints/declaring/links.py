"""Links to a declaration for texts sent to people without a login."""

from django.urls import reverse

from khaibao.lib.links import public_link


def access_url(declaration) -> str:
    """The declaration's QR page, reached by its unguessable token (paper declarations,
    policy changes): no login, only that one declaration."""
    return public_link(reverse("checkpoints:by-token", args=[declaration.access_token]))
