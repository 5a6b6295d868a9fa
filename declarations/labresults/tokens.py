"""A lab's keys to the result API: made (and shown) once, stored as a hash, several active
at once so that a lab can rotate them, revoked at any time."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.accounts.roles import Role
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.normalize import clean_text

from .models import LabToken, token_digest

# "kbl_" says what the secret is when it turns up in a log or a repository.
TOKEN_PREFIX = "kbl_"
_PREFIX_SHOWN = 10


def token_create(*, lab: Unit, name: str, by: User, ip: str | None = None) -> tuple[LabToken, str]:
    """A new key for `lab`: the row, and the secret itself, which is never stored and
    must be shown to the lab staff now or never."""
    if lab.role != Role.LAB:
        raise ValidationError(_("Chỉ đơn vị xét nghiệm mới có khoá liên thông."), code="not_a_lab")
    name = clean_text(name)
    if not name:
        raise ValidationError({"name": ValidationError(_("Đặt tên cho khoá."), code="required")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = LabToken(
        lab=lab,
        name=name,
        prefix=secret[:_PREFIX_SHOWN],
        digest=token_digest(secret),
        created_by=by,
    )
    token.full_clean(exclude=["lab", "created_by"])
    token.save()
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=token,
        ip=ip,
        detail={"lab": lab.code, "name": name},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: LabToken, by: User, ip: str | None = None) -> LabToken:
    """Revoke a key; idempotent."""
    token = LabToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), by
        token.save(update_fields=["revoked_at", "revoked_by"])
        log_action(
            actor=by,
            action=AuditAction.DECIDE,
            obj=token,
            ip=ip,
            detail={"decision": "revoke", "lab": token.lab.code, "prefix": token.prefix},
        )
    return token


def token_authenticate(secret: str) -> LabToken | None:
    """The active key of this secret (with its lab, which must be an active lab), or
    None: unknown, revoked, or its lab closed."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        LabToken.objects.select_related("lab")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.lab.is_active or token.lab.role != Role.LAB:
        return None
    now = timezone.now()
    # At most one write a minute per key: "last used" is for the lab's rotation, not a log.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        LabToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
