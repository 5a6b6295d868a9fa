"""Staff roles and what each may do in the admin.

Permissions are named as strings ("app_label.codename") so that this platform package
never imports a domain app; a permission that does not exist yet is skipped. Domain
apps add their permissions here as they are built.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WARD_STATION = "ward_station", _("Trạm Y tế phường / xã")
    TREATMENT_FACILITY = "treatment_facility", _("Cơ sở điều trị")
    VACCINATION_UNIT = "vaccination_unit", _("Đơn vị tiêm chủng")
    LAB = "lab", _("Đơn vị xét nghiệm")
    CHECKPOINT = "checkpoint", _("Chốt kiểm soát")
    VENUE_MANAGER = "venue_manager", _("Quản lý địa điểm")
    PROVINCE_ADMIN = "province_admin", _("Quản trị tỉnh (Sở Y tế)")


def _crud(label: str, *actions: str) -> list[str]:
    app_label, model = label.split(".")
    return [f"{app_label}.{action}_{model}" for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.WARD_STATION: [
        *_crud("people.person", "view", "add", "change"),
        *_crud("areas.area", "view", "add", "change"),
        # "change" is the right to decide (accept, reject, confirm completion): the
        # review page itself is read-only and declarations are never added or deleted.
        *_crud("declarations.f0declaration", "view", "change"),
        *_crud("rules.ruleversion", "view"),
    ],
    Role.TREATMENT_FACILITY: [
        *_crud("people.person", "view", "add", "change"),
        *_crud("areas.area", "view"),
        *_crud("declarations.f0declaration", "view", "change"),
        *_crud("rules.ruleversion", "view"),
    ],
    Role.VACCINATION_UNIT: [
        *_crud("people.person", "view", "add"),
        *_crud("areas.area", "view"),
        *_crud("rules.ruleversion", "view"),
    ],
    Role.LAB: [
        *_crud("people.person", "view", "add"),
        *_crud("areas.area", "view"),
        *_crud("rules.ruleversion", "view"),
    ],
    Role.CHECKPOINT: [
        *_crud("people.person", "view"),
        *_crud("areas.area", "view"),
        *_crud("rules.ruleversion", "view"),
    ],
    Role.VENUE_MANAGER: [*_crud("areas.area", "view")],
    Role.PROVINCE_ADMIN: [
        *_crud("people.person", "view", "add", "change"),
        *_crud("areas.area", "view", "add", "change"),
        *_crud("accounts.user", "view", "add", "change"),
        *_crud("audit.auditevent", "view"),
        # Schedules the province's own versions of deadlines, thresholds and texts.
        *_crud("rules.ruleversion", "view", "add"),
        # Decides the declarations escalated to it when a station is overdue.
        *_crud("declarations.f0declaration", "view", "change"),
    ],
}


def group_name(role: str) -> str:
    return f"role:{role}"
