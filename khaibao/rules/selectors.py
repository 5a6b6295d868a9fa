"""Reading rules: `rules_in_force(kind, area, at)`, the one way every system reads them.

Each (kind, province) timeline, with versions scheduled for later, is cached as one
entry (Redis when configured), so a hot path reads a rule in 0 database queries, and a
version scheduled for tomorrow takes over tomorrow from the same cached entry, with no
restart and no expiry to wait for. Scheduling or withdrawing a version clears the entry
of its (kind, province) after commit.
"""

import datetime
from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.notify.gsm import gsm_fold, is_gsm7

from . import sms
from .cache import CACHE_SECONDS, NATIONAL, timeline_clear, timeline_key
from .defaults import rule_defaults_ensure
from .kinds import get_kind
from .models import RuleVersion


@dataclass(frozen=True)
class RulesInForce:
    """The values of one kind that apply somewhere at some time, and where they come from."""

    kind: str
    version_id: int
    number: int
    document: str
    effective_from: datetime.datetime
    #: The province code whose own version this is, or "VN" for the national default.
    scope: str
    values: MappingProxyType = field(repr=False)

    def __getitem__(self, name: str):
        return self.values[name]

    @property
    def label(self) -> str:
        """ "phiên bản 3, QĐ 261/QĐ-BYT ngày 31/01/2022", for audit and staff pages."""
        return _("phiên bản %(number)s, %(document)s") % {
            "number": self.number,
            "document": self.document,
        }


def _load(kind: str, scope: str) -> list[dict]:
    versions = RuleVersion.objects.filter(kind=kind, withdrawn_at__isnull=True)
    if scope == NATIONAL:
        versions = versions.filter(province__isnull=True)
    else:
        versions = versions.filter(province__code=scope)
    return [
        {
            "id": version.pk,
            "number": version.number,
            "document": version.document,
            "from": version.effective_from.timestamp(),
            "values": version.values,
        }
        for version in versions.order_by("effective_from", "number")
    ]


def _timelines(kind: str, scopes: list[str]) -> dict[str, list[dict]]:
    keys = {scope: timeline_key(kind, scope) for scope in scopes}
    found = cache.get_many(list(keys.values()))
    timelines = {}
    missing = {}
    for scope, key in keys.items():
        if key in found:
            timelines[scope] = found[key]
        else:
            timelines[scope] = missing[key] = _load(kind, scope)
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return timelines


def _in_force(timeline: list[dict], at: float) -> dict | None:
    current = None
    for entry in timeline:  # sorted by time, then number: the last one not after `at` wins
        if entry["from"] <= at:
            current = entry
        else:
            break
    return current


def rules_in_force(kind: str, area=None, at: datetime.datetime | None = None) -> RulesInForce:
    """The version of `kind` in force at `at` (default now) for `area`'s province.

    A province's own version wins from its effective time on; before it (or where the
    province has none) the national default applies. `area` may be any level, or None
    for the national default.
    """
    get_kind(kind)  # an unknown kind is a programming error, said plainly
    moment = (at or timezone.now()).timestamp()
    province = area.province_code if area is not None else None
    scopes = [NATIONAL] + ([province] if province else [])
    timelines = _timelines(kind, scopes)
    entry, scope = None, NATIONAL
    if province:
        entry, scope = _in_force(timelines[province], moment), province
    if entry is None:
        entry, scope = _in_force(timelines[NATIONAL], moment), NATIONAL
    if entry is None and not timelines[NATIONAL]:
        # A fresh database (or a test that flushed it) has no version yet: the kind's
        # defaults become national version 1. The timeline is read again but not cached:
        # the new row belongs to the caller's transaction until it commits (which clears
        # the cache entry), and may still be rolled back.
        rule_defaults_ensure(kind=kind)
        timeline_clear(kind, NATIONAL)
        timelines[NATIONAL] = _load(kind, NATIONAL)
    if entry is None:
        entry, scope = _in_force(timelines[NATIONAL], moment), NATIONAL
    if entry is None:
        # A moment before every version (the defaults start in 2020): the first applies.
        entry, scope = timelines[NATIONAL][0], NATIONAL
    return RulesInForce(
        kind=kind,
        version_id=entry["id"],
        number=entry["number"],
        document=entry["document"],
        effective_from=datetime.datetime.fromtimestamp(entry["from"], tz=datetime.UTC),
        scope=scope,
        values=MappingProxyType(entry["values"]),
    )


def rule_versions(kind: str, province=None):
    """Every version of a kind for a province (None: national), newest first."""
    versions = RuleVersion.objects.filter(kind=kind).select_related(
        "province", "created_by", "withdrawn_by"
    )
    if province is None:
        return versions.filter(province__isnull=True).order_by("-number")
    return versions.filter(province=province).order_by("-number")


def sms_text(kind: str, name: str, area=None, **values) -> str:
    """The SMS text `name` of `kind` in force for `area`, its placeholders filled.

    A text written without diacritics (GSM-7, 160 characters a segment) gets its values
    folded the same way, so a name like "Nguyễn Thị Ánh" does not turn a one-segment text
    into three UCS-2 segments; a text a province writes with diacritics keeps them.
    """
    text = rules_in_force(kind, area)[name]
    if is_gsm7(text):
        values = {key: gsm_fold(value) for key, value in values.items()}
    return sms.render(text, values)
