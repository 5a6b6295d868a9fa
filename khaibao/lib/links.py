"""Absolute links to the portal's own pages, for texts sent to phones (SMS)."""

from django.conf import settings


def public_link(path: str) -> str:
    """`path` ("/khai-bao-y-te/") on the portal's public address (KHAIBAO_PUBLIC_URL)."""
    return settings.KHAIBAO_PUBLIC_URL.rstrip("/") + path
