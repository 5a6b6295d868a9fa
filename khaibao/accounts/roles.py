"""Staff roles and what each may do in the admin.

The platform's own permissions are listed here; each domain app grants the roles what
it needs on its own models in its AppConfig.ready() (khaibao.lib.registry.grant), so no
platform file names a domain app. A permission that does not exist yet is skipped.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from khaibao.lib import registry


class Role(models.TextChoices):
    WARD_STATION = "ward_station", _("Trạm Y tế phường / xã")
    TREATMENT_FACILITY = "treatment_facility", _("Cơ sở điều trị")
    VACCINATION_UNIT = "vaccination_unit", _("Đơn vị tiêm chủng")
    LAB = "lab", _("Đơn vị xét nghiệm")
    CHECKPOINT = "checkpoint", _("Chốt kiểm soát")
    VENUE_MANAGER = "venue_manager", _("Quản lý địa điểm")
    PROVINCE_ADMIN = "province_admin", _("Quản trị tỉnh (Sở Y tế)")


#: Roles whose staff work for one unit (khaibao.accounts.models.Unit) and see only that
#: unit's records where a record names its unit (a patient's treatment facility, a
#: result's lab); a ward station sees its whole ward.
UNIT_BOUND_ROLES = frozenset(
    {Role.TREATMENT_FACILITY, Role.VACCINATION_UNIT, Role.LAB, Role.CHECKPOINT}
)


def crud(label: str, *actions: str) -> list[str]:
    """["declarations.view_f0declaration", …] for a model label and actions."""
    app_label, model = label.split(".")
    return [f"{app_label}.{action}_{model}" for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.WARD_STATION: [
        *crud("people.person", "view", "add", "change"),
        *crud("areas.area", "view", "add", "change"),
        *crud("rules.ruleversion", "view"),
    ],
    Role.TREATMENT_FACILITY: [
        *crud("people.person", "view", "add", "change"),
        *crud("areas.area", "view"),
        *crud("rules.ruleversion", "view"),
    ],
    Role.VACCINATION_UNIT: [
        *crud("people.person", "view", "add"),
        *crud("areas.area", "view"),
        *crud("rules.ruleversion", "view"),
    ],
    Role.LAB: [
        *crud("people.person", "view", "add"),
        *crud("areas.area", "view"),
        *crud("rules.ruleversion", "view"),
    ],
    Role.CHECKPOINT: [
        *crud("people.person", "view"),
        *crud("areas.area", "view"),
        *crud("rules.ruleversion", "view"),
    ],
    Role.VENUE_MANAGER: [*crud("areas.area", "view")],
    Role.PROVINCE_ADMIN: [
        *crud("people.person", "view", "add", "change"),
        *crud("areas.area", "view", "add", "change"),
        *crud("accounts.user", "view", "add", "change"),
        *crud("accounts.unit", "view", "add", "change"),
        *crud("audit.auditevent", "view"),
        # Schedules the province's own versions of deadlines, thresholds and texts.
        *crud("rules.ruleversion", "view", "add"),
        # The trust list: imports foreign signing certificates ("add") and withdraws them
        # ("change"); certificates are never edited or deleted.
        *crud("trust.trustedcertificate", "view", "add", "change"),
    ],
}


def role_choices() -> list[tuple[str, str]]:
    """The platform's roles and those the domain apps registered."""
    return [*Role.choices, *registry.roles()]


def role_values() -> list[str]:
    return [value for value, _label in role_choices()]


def role_permissions(role: str) -> list[str]:
    """The platform's permissions of a role and those the domain apps granted it."""
    return [*ROLE_PERMISSIONS.get(role, ()), *registry.permissions_of(role)]


def group_name(role: str) -> str:
    return f"role:{role}"
