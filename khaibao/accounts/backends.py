"""The portal's authentication backend: Django's ModelBackend, except how the signed-in
account is loaded for each request.

Every request of a signed-in browser loads its account, and every staff page then reads
the staff profile and its area (the role check, the area the account may see): lazily,
three queries. Here they are one statement, the account LEFT JOIN its profile and area,
written once from the models' own fields and run through khaibao.lib.sql (prepared on
PostgreSQL): no ORM compiling on each request, and a citizen's account (no profile)
costs what Django's own `get(pk=…)` costs the database.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from khaibao.areas.models import Area
from khaibao.lib.sql import fetch_rows

from .models import StaffProfile, User

#: The dotted path login() is given where a view signs an account in itself (OTP).
BACKEND = "khaibao.accounts.backends.AccountBackend"

_USER = tuple(User._meta.concrete_fields)
_PROFILE = tuple(StaffProfile._meta.concrete_fields)
_AREA = tuple(Area._meta.concrete_fields)
_COLUMNS = _USER + _PROFILE + _AREA


def _select(model, fields) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return ", ".join(f"{table}.{connection.ops.quote_name(field.column)}" for field in fields)


def _statement() -> str:
    quote = connection.ops.quote_name
    user, profile, area = (quote(m._meta.db_table) for m in (User, StaffProfile, Area))
    return (
        f"SELECT {_select(User, _USER)}, {_select(StaffProfile, _PROFILE)}, "
        f"{_select(Area, _AREA)} FROM {user} "
        f"LEFT JOIN {profile} ON {profile}.{quote(StaffProfile.user.field.column)} "
        f"= {user}.{quote(User._meta.pk.column)} "
        f"LEFT JOIN {area} ON {area}.{quote(Area._meta.pk.column)} "
        f"= {profile}.{quote(StaffProfile.area.field.column)} "
        f"WHERE {user}.{quote(User._meta.pk.column)} = %(id)s"
    )


_statements: dict[str, str] = {}


def account_with_profile(user_id) -> User | None:
    """The account `user_id` with `staff_profile` (and its `area`) already loaded: None
    cached for an account without a profile, so reading it raises as Django's would."""
    try:
        key = User._meta.pk.to_python(user_id)
    except ValidationError:  # a session holding something that is not an id
        return None
    sql = _statements.get(connection.vendor) or _statements.setdefault(
        connection.vendor, _statement()
    )
    rows = fetch_rows(sql, {"id": key}, _COLUMNS)
    if not rows:
        return None
    row = rows[0]
    user = User.from_db(connection.alias, [f.attname for f in _USER], row[: len(_USER)])
    profile = None
    profile_values = row[len(_USER) : len(_USER) + len(_PROFILE)]
    if profile_values[0] is not None:
        profile = StaffProfile.from_db(
            connection.alias, [f.attname for f in _PROFILE], profile_values
        )
        area = Area.from_db(
            connection.alias, [f.attname for f in _AREA], row[len(_USER) + len(_PROFILE) :]
        )
        StaffProfile.area.field.set_cached_value(profile, area)
        StaffProfile.user.field.set_cached_value(profile, user)
    User.staff_profile.related.set_cached_value(user, profile)
    return user


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user = account_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
