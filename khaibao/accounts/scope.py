"""Staff scope: which area's records a staff account may see.

Every staff queryset is filtered here. A superuser sees everything; a staff account
with a profile sees its area and everything under it; any other account sees nothing.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from khaibao.areas.models import Area

from .roles import UNIT_BOUND_ROLES


@dataclass(frozen=True)
class Scope:
    unrestricted: bool = False
    area: Area | None = None
    role: str = ""
    #: The unit of a unit-bound role (UNIT_BOUND_ROLES); None for any other role.
    unit_id: int | None = None

    @property
    def unit_bound(self) -> bool:
        return self.role in UNIT_BOUND_ROLES

    def covers(self, area: Area | None) -> bool:
        if self.unrestricted:
            return True
        return area is not None and self.area is not None and area.path.startswith(self.area.path)


NO_ACCESS = Scope()
EVERYTHING = Scope(unrestricted=True)


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return NO_ACCESS
    if user.is_superuser:
        return EVERYTHING
    # The profile (and its area) is cached on the user for the request.
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return NO_ACCESS
    return Scope(area=profile.area, role=profile.role, unit_id=profile.unit_id)


def filter_to_scope(
    queryset: QuerySet, user, path_lookup: str, unit_lookup: str | None = None
) -> QuerySet:
    """Keep the rows whose area path (reached by `path_lookup`) lies in the user's area.

    `path_lookup` is the ORM path to an Area.path, e.g. "area__path" for a Person.
    `unit_lookup`, where a record names the unit it belongs to (e.g. "facility_id"),
    narrows a unit-bound role to its own unit's rows; a unit-bound account without a
    unit sees none of them (fail closed).
    """
    scope = scope_for(user)
    if scope.unrestricted:
        return queryset
    if scope.area is None:
        return queryset.none()
    queryset = queryset.filter(Q(**{f"{path_lookup}__startswith": scope.area.path}))
    if unit_lookup and scope.unit_bound:
        if scope.unit_id is None:
            return queryset.none()
        queryset = queryset.filter(**{unit_lookup: scope.unit_id})
    return queryset
