"""Adding villages / residential groups under a ward (the official list is loaded)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.normalize import clean_text, name_key

from .models import Area, AreaLevel, build_path


def _next_code(parent: Area, level: str) -> str:
    """Villages are numbered under their ward (00070-001), points under their village or
    ward (00070-001-01, 00070-P01)."""
    if level == AreaLevel.VILLAGE:
        pattern = "{parent}-{number:03d}"
    elif parent.level == AreaLevel.VILLAGE:
        pattern = "{parent}-{number:02d}"
    else:
        pattern = "{parent}-P{number:02d}"
    number = Area.objects.filter(parent=parent, level=level).count() + 1
    while Area.objects.filter(code=pattern.format(parent=parent.code, number=number)).exists():
        number += 1
    return pattern.format(parent=parent.code, number=number)


def _child_create(
    *, parent: Area, level: str, name: str, division_type: str, by: User | None, ip: str | None
) -> Area:
    name = clean_text(name)
    # Lock the parent row before looking: two staff adding areas to one ward at once
    # must get neither the same code nor the same name twice.
    Area.objects.select_for_update().filter(pk=parent.pk).first()
    if Area.objects.filter(parent=parent, name_key=name_key(name)).exists():
        raise ValidationError(
            {
                "name": ValidationError(
                    _("%(ward)s đã có “%(name)s”.") % {"ward": parent.name, "name": name},
                    code="duplicate",
                )
            }
        )
    code = _next_code(parent, level)
    area = Area(
        code=code,
        name=name,
        name_key=name_key(name),
        level=level,
        division_type=clean_text(division_type).lower(),
        parent=parent,
        path=build_path(parent=parent, code=code),
    )
    area.full_clean()
    area.save()
    if by is not None:
        log_action(actor=by, action=AuditAction.CREATE, obj=area, area=area, ip=ip)
    return area


@transaction.atomic
def village_create(
    *, ward: Area, name: str, division_type: str, by: User | None = None, ip: str | None = None
) -> Area:
    if ward.level != AreaLevel.WARD:
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("Thôn / tổ dân phố phải thuộc một phường / xã."), code="not_a_ward"
                )
            }
        )
    return _child_create(
        parent=ward,
        level=AreaLevel.VILLAGE,
        name=name,
        division_type=division_type,
        by=by,
        ip=ip,
    )


@transaction.atomic
def point_create(
    *, parent: Area, name: str, division_type: str, by: User | None = None, ip: str | None = None
) -> Area:
    """A point (a market, a building, a street section) under a village or a ward, for
    the policies that name one."""
    if parent.level not in (AreaLevel.WARD, AreaLevel.VILLAGE):
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("Điểm phải thuộc một thôn / tổ dân phố hoặc phường / xã."),
                    code="not_a_ward_or_village",
                )
            }
        )
    return _child_create(
        parent=parent,
        level=AreaLevel.POINT,
        name=name,
        division_type=division_type or "điểm",
        by=by,
        ip=ip,
    )


@transaction.atomic
def village_update(*, village: Area, name: str, division_type: str) -> Area:
    """Rename a village or point; its code, parent and path never change (records point
    at them)."""
    if village.level not in (AreaLevel.VILLAGE, AreaLevel.POINT):
        raise ValidationError(_("Chỉ sửa được thôn / tổ dân phố."), code="not_a_village")
    name = clean_text(name)
    Area.objects.select_for_update().filter(pk=village.parent_id).first()
    if (
        Area.objects.filter(parent_id=village.parent_id, name_key=name_key(name))
        .exclude(pk=village.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "name": ValidationError(
                    _("%(ward)s đã có “%(name)s”.") % {"ward": village.parent.name, "name": name},
                    code="duplicate",
                )
            }
        )
    village.name, village.name_key = name, name_key(name)
    village.division_type = clean_text(division_type).lower()
    village.full_clean()
    village.save(update_fields=["name", "name_key", "division_type"])
    return village


@transaction.atomic
def villages_import_csv(
    *, rows: list[dict], allowed_wards: QuerySet, by: User | None = None, ip: str | None = None
) -> list[Area]:
    """Create every row or none: one bad line rolls the whole file back.

    Each row is a dict with ward_code, name, division_type and, from VillageCsvForm,
    `line` (its line in the file, for the error message; else its position + 1).
    """
    wards = {
        area.code: area
        for area in allowed_wards.filter(code__in={row["ward_code"] for row in rows})
    }
    created = []
    for position, row in enumerate(rows, start=2):
        line = row.get("line", position)
        ward = wards.get(row["ward_code"])
        if ward is None:
            raise ValidationError(
                _(
                    "Dòng %(line)d: mã phường / xã %(code)s không có hoặc ngoài địa bàn bạn phụ trách."
                )
                % {"line": line, "code": row["ward_code"]},
                code="ward_unknown",
            )
        try:
            created.append(
                village_create(
                    ward=ward,
                    name=row["name"],
                    division_type=row["division_type"],
                    by=by,
                    ip=ip,
                )
            )
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError(
                _("Dòng %(line)d: %(error)s") % {"line": line, "error": messages},
                code="row_invalid",
            ) from None
    return created
