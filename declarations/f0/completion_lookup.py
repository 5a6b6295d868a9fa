"""Finding a citizen's F0 declaration again from what they type (isolation completion),
by the tolerant matching of khaibao/people/matching.py. The typed phone is compared with
the declaration's contact phone, the person's phone and the phone that filed it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from khaibao.lib import ratelimit
from khaibao.lib.clientip import limit_key
from khaibao.lib.normalize import clean_text, name_key
from khaibao.people.matching import FieldGroup, phone_key, same_id_number, typed_id_number

from .models import F0Declaration, F0Status

# Which of one person's declarations the citizen most likely means: the one waiting
# for its completion first, a finished one last.
_STATUS_RANK = {
    F0Status.ACCEPTED: 0,
    F0Status.COMPLETION_REQUESTED: 1,
    F0Status.SUBMITTED: 2,
    F0Status.REJECTED: 3,
    F0Status.COMPLETED: 4,
}
# Persons sharing a name key and a birth date are few; this only bounds a pathological case.
_MAX_CANDIDATES = 50


@dataclass(frozen=True)
class MatchResult:
    """`declaration` when the person was found; otherwise `check`, the groups to re-type."""

    declaration: F0Declaration | None = None
    check: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return self.declaration is not None

    @property
    def message(self) -> str:
        if self.matched:
            return ""
        labels = [str(FieldGroup(group).label) for group in self.check]
        fields = labels[0]
        if len(labels) == 2:
            # Translators: two groups of fields ("số giấy tờ", "số điện thoại"); either one
            # matching is enough, so the citizen checks one or the other.
            fields = gettext("%(first)s hoặc %(second)s") % {
                "first": labels[0],
                "second": labels[1],
            }
        # Translators: %(fields)s is one or two of "họ tên và ngày sinh", "số giấy tờ",
        # "số điện thoại"; the stored values are never shown.
        return gettext(
            "Chưa tìm thấy khai báo F0 khớp với thông tin bạn nhập. Kiểm tra lại %(fields)s: "
            "nhập đúng như khi khai báo F0."
        ) % {"fields": fields}


def _phones_of(declaration: F0Declaration) -> set[str]:
    phones = {
        phone_key(declaration.contact_phone),
        phone_key(declaration.person.phone),
        phone_key(getattr(declaration.declared_by, "phone", "") or ""),
    }
    phones.discard("")
    return phones


def _preference(declaration: F0Declaration, sex: str) -> tuple:
    return (
        declaration.person.sex != sex,
        _STATUS_RANK.get(declaration.status, len(_STATUS_RANK)),
        -declaration.submitted_at.timestamp(),
    )


def f0_find_for_completion(
    *, full_name: str, date_of_birth: datetime.date, sex: str, id_number: str, phone: str
) -> MatchResult:
    """The declaration of the person these details describe, or which group to check.

    1. Candidates: declarations of persons with the same name key and birth date.
       None → "họ tên và ngày sinh".
    2. A candidate matches when the typed ID number equals the person's, or the typed
       phone equals one of the declaration's phones.
    3. Several matches (a person recorded twice, several declarations): the one whose
       sex agrees, then the one waiting for completion, then the newest.
    4. No match: the groups the citizen typed (ID number, phone) are the ones to check.

    Every status is returned, not only ACCEPTED: the completion page then says why
    it cannot be filed yet (still waiting for the station, already sent, finished),
    which helps more than "not found".
    """
    key = name_key(full_name)
    typed_id = typed_id_number(id_number)
    typed_phone = phone_key(clean_text(phone))
    candidates = (
        list(
            F0Declaration.objects.filter(person__name_key=key, person__date_of_birth=date_of_birth)
            .select_related("person", "declared_by")
            .order_by("-submitted_at")[:_MAX_CANDIDATES]
        )
        if key
        else []
    )
    if not candidates:
        return MatchResult(check=(FieldGroup.IDENTITY,))
    matches = [
        declaration
        for declaration in candidates
        if same_id_number(declaration.person.id_number, typed_id)
        or (typed_phone and typed_phone in _phones_of(declaration))
    ]
    if matches:
        return MatchResult(declaration=min(matches, key=lambda d: _preference(d, sex)))
    check = tuple(
        group
        for group, typed in ((FieldGroup.ID_NUMBER, typed_id), (FieldGroup.PHONE, typed_phone))
        if typed
    )
    return MatchResult(check=check or (FieldGroup.ID_NUMBER, FieldGroup.PHONE))


# --- rate limit --------------------------------------------------------------------------

LOOKUP_WINDOW_SECONDS = 3600


def lookups_per_hour() -> int:
    return settings.F0_COMPLETION_LOOKUPS_PER_HOUR


def completion_lookup_take(*, account, ip: str | None = None) -> bool:
    """Count one lookup for this account and this client; False once either has used
    up its hour.

    The find form answers "this identity has a declaration" and which group is wrong,
    so unbounded it would be an oracle on who had COVID-19: each account (a phone that
    passed OTP) and each IP address get a few tries an hour.
    """
    limit = lookups_per_hour()
    window = LOOKUP_WINDOW_SECONDS
    account_ok = ratelimit.allow(
        f"f0:completion-find:account:{account.pk}", limit=limit, window=window
    )
    ip_ok = ratelimit.allow(
        f"f0:completion-find:ip:{limit_key(ip)}", limit=limit * 3, window=window
    )
    return account_ok and ip_ok
