"""Every change to rules: scheduling a version, withdrawing one, seeding the defaults."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action

from .cache import NATIONAL, timeline_clear
from .kinds import get_kind
from .models import RuleVersion
from .selectors import rules_in_force

#: A version "from now" typed a little before it is saved is still from now, not the past.
PAST_TOLERANCE = datetime.timedelta(minutes=5)


def _scope(province: Area | None) -> str:
    return province.code if province is not None else NATIONAL


def rule_may_change(*, user, province: Area | None) -> bool:
    """Superusers (the national admin) set the defaults and any province's rules; a
    province admin only their own province's."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if province is None:
        return False
    profile = getattr(user, "staff_profile", None)
    return (
        profile is not None
        and profile.role == Role.PROVINCE_ADMIN
        and scope_for(user).covers(province)
    )


def _clear_after_commit(kind: str, scope: str, province: Area | None) -> None:
    """Clear the cached timeline, then tell the kind (its on_change), after commit."""
    transaction.on_commit(lambda: timeline_clear(kind, scope))
    on_change = get_kind(kind).on_change
    if on_change is not None:
        transaction.on_commit(lambda: on_change(province), robust=True)


@transaction.atomic
def rule_version_schedule(
    *,
    kind: str,
    province: Area | None,
    values: dict,
    effective_from: datetime.datetime,
    document: str,
    by: User,
    note: str = "",
    ip: str | None = None,
) -> RuleVersion:
    """A new version of `kind` for `province` (None: the national default).

    1. Check who may change it, then every value (ValidationError names each field
       with its code; nothing is saved).
    2. Number it after the last version of the same kind and province, under a lock.
    3. Save, audit (with what changed against the version that would otherwise apply),
       and clear the cached timeline after commit.
    """
    if not rule_may_change(user=by, province=province):
        raise PermissionDenied
    rule_kind = get_kind(kind)
    errors: dict[str, list[ValidationError]] = {}
    try:
        cleaned = rule_kind.clean(values)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        cleaned = None
    if effective_from < timezone.now() - PAST_TOLERANCE:
        errors["effective_from"] = [
            ValidationError(
                _("Không thể đặt hiệu lực trong quá khứ: phiên bản đã áp dụng không được sửa."),
                code="in_past",
            )
        ]
    if not document.strip():
        errors["document"] = [
            ValidationError(_("Ghi văn bản căn cứ, ví dụ QĐ 261/QĐ-BYT."), code="required")
        ]
    if province is not None and province.level != AreaLevel.PROVINCE:
        errors["province"] = [ValidationError(_("Chọn một tỉnh / thành phố."), code="not_province")]
    if errors:
        raise ValidationError(errors)

    before = rules_in_force(kind, province, at=effective_from)
    versions = RuleVersion.objects.select_for_update().filter(kind=kind, province=province)
    last = versions.aggregate(last=Max("number"))["last"] or 0
    version = RuleVersion(
        kind=kind,
        province=province,
        number=last + 1,
        effective_from=effective_from,
        document=document.strip(),
        note=note.strip(),
        values=cleaned,
        created_by=by,
    )
    version.full_clean()
    version.save()
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=version,
        area=province,
        ip=ip,
        detail={
            "kind": kind,
            "number": version.number,
            "effective_from": effective_from.isoformat(),
            "document": version.document,
            "replaces_version": before.version_id,
            "changes": {
                f.name: [old, new]
                for f, old, new in rule_kind.changes(dict(before.values), cleaned)
            },
        },
    )
    _clear_after_commit(kind, _scope(province), province)
    return version


@transaction.atomic
def rule_version_withdraw(*, version: RuleVersion, by: User, ip: str | None = None) -> RuleVersion:
    """Withdraw a version that has not taken effect yet; it stays in the history."""
    if not rule_may_change(user=by, province=version.province):
        raise PermissionDenied
    version = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_withdrawn:
        raise ValidationError(_("Phiên bản này đã được rút lại."), code="withdrawn")
    if version.has_taken_effect():
        raise ValidationError(
            _("Phiên bản đã có hiệu lực không thể rút lại: hãy tạo một phiên bản mới."),
            code="in_force",
        )
    version.withdrawn_at = timezone.now()
    version.withdrawn_by = by
    version.save(update_fields=["withdrawn_at", "withdrawn_by"])
    log_action(
        actor=by,
        action=AuditAction.CHANGE,
        obj=version,
        area=version.province,
        ip=ip,
        detail={"withdrawn": True, "kind": version.kind, "number": version.number},
    )
    _clear_after_commit(version.kind, _scope(version.province), version.province)
    return version
