"""Staff accounts and role groups. Citizens' phone accounts come with OTP login."""

from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.normalize import clean_text

from .models import StaffProfile, Unit, User
from .roles import Role, group_name, role_permissions, role_values
from .scope import scope_for

# The level of area each role is tied to; roles not listed may sit at any level.
ROLE_AREA_LEVEL = {Role.WARD_STATION: AreaLevel.WARD, Role.PROVINCE_ADMIN: AreaLevel.PROVINCE}


def role_groups_sync(*, using: str = "default") -> None:
    """Create one group per role holding exactly the role's permissions."""
    for role in role_values():
        names = role_permissions(role)
        group, _created = Group.objects.using(using).get_or_create(name=group_name(role))
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    # A code on the inner error: ValidationError drops `code=` given beside a dict.
    return ValidationError({field: ValidationError(message, code=code)})


def staff_assignment_check(*, by: User, role: str, area: Area, unit: Unit | None = None) -> None:
    """May `by` give this role over this area (and unit)? Raises ValidationError naming
    the field."""
    if role not in role_values():
        raise _field_error("role", _("Chọn vai trò."), "role_invalid")
    level = ROLE_AREA_LEVEL.get(role)
    if level and area.level != level:
        raise _field_error(
            "area",
            _("Vai trò này phải gắn với một %(level)s.")
            % {"level": AreaLevel(level).label.lower()},
            "area_level",
        )
    scope = scope_for(by)
    if not scope.covers(area):
        raise _field_error("area", _("Chỉ tạo cán bộ trong địa bàn bạn phụ trách."), "area_scope")
    if role == Role.PROVINCE_ADMIN and not scope.unrestricted:
        raise _field_error(
            "role",
            _("Chỉ quản trị hệ thống mới tạo được tài khoản quản trị tỉnh."),
            "role_forbidden",
        )
    if unit is not None:
        if unit.role != role:
            raise _field_error("unit", _("Đơn vị này không dành cho vai trò đã chọn."), "unit_role")
        if not scope.covers(unit.area):
            raise _field_error(
                "unit", _("Chỉ chọn đơn vị trong địa bàn bạn phụ trách."), "unit_scope"
            )


def _assign_role_group(user: User, role: str) -> None:
    user.groups.set([Group.objects.get_or_create(name=group_name(role))[0]])


@transaction.atomic
def staff_create(
    *,
    by: User,
    username: str,
    password: str,
    full_name: str,
    role: str,
    area: Area,
    unit_name: str = "",
    unit: Unit | None = None,
    ip: str | None = None,
) -> User:
    staff_assignment_check(by=by, role=role, area=area, unit=unit)
    user = User(username=clean_text(username), full_name=clean_text(full_name), is_staff=True)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    profile = StaffProfile(
        user=user,
        role=role,
        area=area,
        unit=unit,
        unit_name=clean_text(unit_name),
        created_by=by,
    )
    profile.full_clean()
    profile.save()
    _assign_role_group(user, role)
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=user,
        area=area,
        ip=ip,
        detail={"role": role},
    )
    return user


@transaction.atomic
def staff_update(
    *,
    by: User,
    user: User,
    full_name: str,
    role: str,
    area: Area,
    unit_name: str = "",
    unit: Unit | None = None,
    is_active: bool = True,
    ip: str | None = None,
) -> User:
    profile = user.staff_profile
    scope = scope_for(by)
    if not scope.covers(profile.area):
        raise PermissionDenied
    if profile.role == Role.PROVINCE_ADMIN and not scope.unrestricted:
        # Demoting or locking a peer would take the province over: superusers only.
        raise _field_error(
            "role",
            _("Chỉ quản trị hệ thống mới sửa được tài khoản quản trị tỉnh."),
            "role_forbidden",
        )
    staff_assignment_check(by=by, role=role, area=area, unit=unit)
    if user.pk == by.pk and not is_active:
        raise _field_error(
            "is_active", _("Không thể tự khoá tài khoản của mình."), "self_deactivate"
        )
    before = _staff_fields(user, profile)
    user.full_name = clean_text(full_name)
    user.is_active = is_active
    user.full_clean(exclude=["password"])
    user.save()
    profile.role, profile.area, profile.unit = role, area, unit
    profile.unit_name = clean_text(unit_name)
    profile.full_clean()
    profile.save()
    _assign_role_group(user, role)
    after = _staff_fields(user, profile)
    changed = sorted(name for name in after if after[name] != before[name])
    if changed:
        log_action(
            actor=by,
            action=AuditAction.CHANGE,
            obj=user,
            area=area,
            ip=ip,
            detail={"fields": changed, "role": role, "area": area.code},
        )
    return user


def _staff_fields(user: User, profile: StaffProfile) -> dict:
    return {
        "full_name": user.full_name,
        "is_active": user.is_active,
        "role": profile.role,
        "area": profile.area_id,
        "unit_name": profile.unit_name,
        "unit": profile.unit_id,
    }


@transaction.atomic
def unit_save(
    *,
    by: User,
    unit: Unit,
    role: str,
    code: str,
    name: str,
    area: Area,
    phone: str = "",
    is_active: bool = True,
    ip: str | None = None,
) -> Unit:
    """Create or change a unit (`unit` unsaved to create) within `by`'s scope."""
    scope = scope_for(by)
    if unit.pk is not None and not scope.covers(unit.area):
        raise PermissionDenied
    if not scope.covers(area):
        raise _field_error("area", _("Chỉ chọn địa bàn bạn phụ trách."), "area_scope")
    if role not in role_values():
        raise _field_error("role", _("Chọn loại đơn vị."), "role_invalid")
    created = unit.pk is None
    unit.role, unit.code, unit.name, unit.area = (
        role,
        clean_text(code).upper(),
        clean_text(name),
        area,
    )
    unit.phone, unit.is_active = phone, is_active
    unit.full_clean()
    unit.save()
    log_action(
        actor=by,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        obj=unit,
        area=area,
        ip=ip,
        detail={"role": role, "code": unit.code},
    )
    return unit


def sessions_clear_expired() -> int:
    """Delete expired sessions; returns how many went. Run hourly by beat."""
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    count, _details = expired.delete()
    return count
