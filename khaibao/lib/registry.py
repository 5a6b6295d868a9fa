"""What each app adds to the platform, registered in its AppConfig.ready(), so a new
system adds itself without an edit under khaibao/:

    registry.grant(Role.WARD_STATION, "declarations.view_f0declaration")
    registry.register_service(PortalService("f0", _("Khai báo F0"), _("…"), "declarations:start"))
    registry.register_photo_kind("test_result", _("Kết quả xét nghiệm"))

Role names are plain strings here (the values of khaibao.accounts.roles.Role), so this
module imports no room.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PortalService:
    """One of the portal's systems as the home page lists it; `url_name` is None until
    the system is built, and the page then says so plainly."""

    slug: str
    title: str
    summary: str
    url_name: str | None = None
    order: int = 100


_roles: dict[str, str] = {}
_permissions: dict[str, list[str]] = defaultdict(list)
_services: dict[str, PortalService] = {}
_photo_kinds: dict[str, str] = {}


def register_role(value: str, label) -> None:
    """A staff role of the app's own (the platform's roles are in accounts.roles.Role)."""
    if len(value) > 24:
        raise ImproperlyConfigured(f"Role {value!r}: 24 characters at most.")
    if _roles.get(value, label) != label:
        raise ImproperlyConfigured(f"Role {value!r} is registered twice.")
    _roles[value] = label


def unregister_role(value: str) -> None:
    _roles.pop(value, None)
    _permissions.pop(value, None)


def roles() -> list[tuple[str, str]]:
    return list(_roles.items())


def grant(role: str, *permissions: str) -> None:
    """Give `role` these permissions ("app_label.codename"); the role groups are synced
    after migrate (khaibao.accounts.services.role_groups_sync)."""
    for permission in permissions:
        if permission not in _permissions[role]:
            _permissions[role].append(permission)


def permissions_of(role: str) -> list[str]:
    return list(_permissions.get(role, ()))


def register_service(service: PortalService) -> None:
    existing = _services.get(service.slug)
    if existing is not None and existing != service:
        raise ImproperlyConfigured(f"Portal service {service.slug!r} is registered twice.")
    _services[service.slug] = service


def unregister_service(slug: str) -> None:
    """For tests that register a throw-away app."""
    _services.pop(slug, None)


def services() -> list[PortalService]:
    return sorted(_services.values(), key=lambda service: (service.order, service.slug))


_not_found_help: dict[str, str] = {}


def register_not_found_help(url_name: str, template: str) -> None:
    """A template the 404 page includes for missing pages under `url_name`'s address."""
    _not_found_help[url_name] = template


def not_found_help() -> list[tuple[str, str]]:
    return list(_not_found_help.items())


def register_photo_kind(value: str, label) -> None:
    if len(value) > 24:
        raise ImproperlyConfigured(f"Photo kind {value!r}: 24 characters at most.")
    if _photo_kinds.get(value, label) != label:
        raise ImproperlyConfigured(f"Photo kind {value!r} is registered twice.")
    _photo_kinds[value] = label


def unregister_photo_kind(value: str) -> None:
    _photo_kinds.pop(value, None)


def photo_kinds() -> list[tuple[str, str]]:
    return list(_photo_kinds.items())
