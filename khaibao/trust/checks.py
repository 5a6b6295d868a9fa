"""System checks: production must have a signing key before it issues a single code."""

import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .keys import PUBLIC_SUFFIX, read_keyring

_HINT = (
    "Put an ES256 (P-256) private key in SIGNING_KEYS_DIR as <name>.pem (mode 0600), e.g. "
    "openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt "
    "-out <name>.pem"
)


@register(Tags.security, deploy=True)
def check_signing_keys(app_configs, **kwargs):
    """trust.E001: no usable private key; trust.W001: a private key others can read."""
    directory = Path(settings.SIGNING_KEYS_DIR)
    try:
        ring = read_keyring(directory, settings.SIGNING_KEY_ACTIVE_KID)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint=_HINT, id="trust.E001")]
    if ring.active is None:
        return [
            Error(
                f"SIGNING_KEYS_DIR ({directory}) holds no loadable private key.",
                hint=_HINT,
                id="trust.E001",
            )
        ]
    loose = [
        path.name
        for path in sorted(directory.glob("*.pem"))
        if not path.name.endswith(PUBLIC_SUFFIX)
        and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]
    if loose:
        return [
            Warning(
                f"Private signing keys readable by other users: {', '.join(loose)}.",
                hint="chmod 600 the key files; only the portal's user should read them.",
                id="trust.W001",
            )
        ]
    return []
