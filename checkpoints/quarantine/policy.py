"""Quarantine policy by origin area: the rule kind and its resolution.

A province (the one travellers arrive in) keeps one table of policies, each for an area
anywhere in the country: a point, a village or residential group, a ward, or a whole
province. The table is a version of the rule kind "quarantine_policy", so it is
scheduled, audited, cached and kept in history like every other rule. For a traveller,
the row of the most specific area on the origin's path wins (point over village, village
over ward, ward over province), among the rows whose dates cover the arrival day.

A row may make exceptions for a verified full vaccination or a verified recent negative
test (records the portal holds; self-declared statuses are shown to the station but
never lighten the policy).
"""

import datetime
import json
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from khaibao.lib.dates import date_text
from khaibao.rules.fields import IntegerRule, RuleField
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

QUARANTINE_POLICY = "quarantine_policy"
MAX_DAYS = 60
MAX_ROWS = 2000


class Measure(models.TextChoices):
    NONE = "none", gettext_lazy("Không áp dụng biện pháp")
    TEST_ON_ARRIVAL = "test_on_arrival", gettext_lazy("Xét nghiệm khi đến")
    SELF_MONITOR = "self_monitor", gettext_lazy("Tự theo dõi sức khoẻ tại nhà")
    HOME_QUARANTINE = "home_quarantine", gettext_lazy("Cách ly tại nhà")
    CENTRAL_QUARANTINE = "central_quarantine", gettext_lazy("Cách ly tập trung")


#: From the lightest to the strictest: where two exceptions apply, the lighter one wins.
SEVERITY = [
    Measure.NONE,
    Measure.TEST_ON_ARRIVAL,
    Measure.SELF_MONITOR,
    Measure.HOME_QUARANTINE,
    Measure.CENTRAL_QUARANTINE,
]
#: Measures that last a number of days.
DAYS_MEASURES = frozenset(
    {Measure.SELF_MONITOR, Measure.HOME_QUARANTINE, Measure.CENTRAL_QUARANTINE}
)


class Exception_(models.TextChoices):
    NONE = "", gettext_lazy("Không")
    VACCINATED = "vaccinated", gettext_lazy("Đã tiêm đủ liều (dữ liệu tiêm chủng)")
    NEGATIVE_TEST = "negative_test", gettext_lazy("Có kết quả xét nghiệm âm tính gần đây")


# -- the table field --------------------------------------------------------------------


def _clean_measure(value, *, where: str) -> tuple[str, int]:
    if not isinstance(value, dict):
        raise ValidationError(
            _("%(where)s: thiếu biện pháp.") % {"where": where}, code="bad_policy"
        )
    measure = value.get("measure")
    if measure not in Measure.values:
        raise ValidationError(
            _("%(where)s: biện pháp “%(measure)s” không có trong danh sách.")
            % {"where": where, "measure": measure},
            code="bad_measure",
        )
    days = value.get("days", 0)
    # ASCII digits only: "²".isdigit() is true, and int("²") fails.
    if isinstance(days, str) and days.strip().isascii() and days.strip().isdigit():
        days = int(days)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        raise ValidationError(
            _("%(where)s: số ngày phải từ 0 đến %(max)d.") % {"where": where, "max": MAX_DAYS},
            code="bad_days",
        )
    if measure in DAYS_MEASURES and days < 1:
        raise ValidationError(
            _("%(where)s: “%(measure)s” cần số ngày (ít nhất 1).")
            % {"where": where, "measure": Measure(measure).label},
            code="days_required",
        )
    if measure not in DAYS_MEASURES:
        days = 0
    return measure, days


def _clean_day(value, *, where: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(
            _("%(where)s: ngày “%(value)s” không hợp lệ.") % {"where": where, "value": value},
            code="bad_date",
        ) from None


def clean_policy_row(row) -> dict:
    """One row of the table, typed and checked (its area code is checked by the table)."""
    if not isinstance(row, dict):
        raise ValidationError(_("Mỗi dòng chính sách phải là một mục."), code="bad_policy")
    area = str(row.get("area") or "").strip()
    if not area:
        raise ValidationError(_("Mỗi chính sách cần mã vùng áp dụng."), code="area_required")
    where = area
    measure, days = _clean_measure(row, where=where)
    cleaned = {
        "area": area,
        "measure": measure,
        "days": days,
        "test_on_arrival": bool(row.get("test_on_arrival")) and measure != Measure.TEST_ON_ARRIVAL,
        "from": _clean_day(row.get("from"), where=where),
        "until": _clean_day(row.get("until"), where=where),
        "vaccinated": None,
        "negative_test": None,
    }
    if cleaned["from"] and cleaned["until"] and cleaned["from"] > cleaned["until"]:
        raise ValidationError(
            _("%(where)s: ngày bắt đầu sau ngày kết thúc.") % {"where": where},
            code="dates_reversed",
        )
    for name in ("vaccinated", "negative_test"):
        if row.get(name):
            exception_measure, exception_days = _clean_measure(row[name], where=where)
            if SEVERITY.index(exception_measure) > SEVERITY.index(measure) or (
                exception_measure == measure and exception_days > days
            ):
                raise ValidationError(
                    _("%(where)s: ngoại lệ không được nặng hơn biện pháp chung.")
                    % {"where": where},
                    code="exception_stricter",
                )
            cleaned[name] = {"measure": exception_measure, "days": exception_days}
    return cleaned


@dataclass(frozen=True)
class PolicyListRule(RuleField):
    """The table of policies by origin area. Stored as a list of rows sorted by area code:
    {"area", "measure", "days", "test_on_arrival", "from", "until", "vaccinated",
    "negative_test"}; in the generic rules form it is edited as JSON, in the province's
    "Chính sách cách ly" page one area at a time."""

    def clean(self, value) -> list[dict]:
        if isinstance(value, str):
            try:
                value = json.loads(value or "[]")
            except ValueError:
                raise ValidationError(
                    _("Bảng chính sách phải là JSON hợp lệ."), code="bad_json"
                ) from None
        if not isinstance(value, list | tuple):
            raise ValidationError(_("Bảng chính sách phải là một danh sách."), code="bad_policy")
        if len(value) > MAX_ROWS:
            raise ValidationError(
                _("Nhiều nhất %(max)d chính sách.") % {"max": MAX_ROWS}, code="too_many"
            )
        rows = [clean_policy_row(row) for row in value]
        codes = [row["area"] for row in rows]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValidationError(
                _("Mỗi vùng chỉ có một chính sách: %(codes)s lặp lại.")
                % {"codes": ", ".join(duplicates)},
                code="duplicate_area",
            )
        if codes:
            from khaibao.areas.models import Area

            known = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = sorted(set(codes) - known)
            if unknown:
                raise ValidationError(
                    _("Không có đơn vị hành chính mã: %(codes)s.") % {"codes": ", ".join(unknown)},
                    code="unknown_area",
                )
        return sorted(rows, key=lambda row: row["area"])

    def display(self, value) -> str:
        if not value:
            return gettext("Chưa có chính sách nào.")
        from khaibao.areas.models import Area

        names = dict(
            Area.objects.filter(code__in=[row["area"] for row in value]).values_list("code", "name")
        )
        return "; ".join(
            f"{names.get(row['area'], row['area'])} ({row['area']}): {row_text(row)}"
            for row in value
        )

    def to_form(self, value) -> str:
        return json.dumps(value or [], ensure_ascii=False, indent=1)

    def widget(self) -> forms.Widget:
        return forms.Textarea(attrs={"rows": 8, "spellcheck": "false"})


def measure_text(measure: str, days: int) -> str:
    """ "Cách ly tập trung 14 ngày", "Xét nghiệm khi đến"."""
    label = str(Measure(measure).label)
    if measure in DAYS_MEASURES:
        return gettext("%(measure)s %(days)d ngày") % {"measure": label, "days": days}
    return label


def row_text(row: dict) -> str:
    parts = [measure_text(row["measure"], row["days"])]
    if row.get("test_on_arrival"):
        parts.append(gettext("xét nghiệm khi đến"))
    if row.get("vaccinated"):
        parts.append(
            gettext("đã tiêm đủ liều: %(what)s")
            % {"what": measure_text(row["vaccinated"]["measure"], row["vaccinated"]["days"])}
        )
    if row.get("negative_test"):
        parts.append(
            gettext("có kết quả âm tính: %(what)s")
            % {"what": measure_text(row["negative_test"]["measure"], row["negative_test"]["days"])}
        )
    if row.get("from"):
        parts.append(
            gettext("từ %(day)s") % {"day": date_text(datetime.date.fromisoformat(row["from"]))}
        )
    if row.get("until"):
        parts.append(
            gettext("đến hết %(day)s")
            % {"day": date_text(datetime.date.fromisoformat(row["until"]))}
        )
    return ", ".join(parts)


QUARANTINE_POLICY_KIND = RuleKind(
    slug=QUARANTINE_POLICY,
    label=gettext_lazy("Khai báo vào tỉnh: chính sách cách ly theo nơi đi"),
    description=gettext_lazy(
        "Biện pháp áp dụng cho người đến từ từng điểm, thôn / tổ, phường / xã hoặc tỉnh; "
        "vùng nhỏ nhất có chính sách được áp dụng."
    ),
    fields=(
        PolicyListRule(
            "policies",
            gettext_lazy("Chính sách theo vùng"),
            help_text=gettext_lazy(
                "Sửa từng vùng ở trang “Chính sách cách ly theo vùng”; ở đây là cả bảng (JSON)."
            ),
        ),
        IntegerRule(
            "vaccinated_days_after_dose",
            gettext_lazy("Tiêm đủ liều: số ngày sau mũi cuối"),
            help_text=gettext_lazy(
                "Ngoại lệ “đã tiêm đủ liều” áp dụng khi mũi cuối tiêm trước ngày đến ít nhất "
                "chừng này ngày."
            ),
            min_value=0,
            max_value=365,
            unit=gettext_lazy("ngày"),
        ),
        IntegerRule(
            "negative_test_hours",
            gettext_lazy("Xét nghiệm âm tính: trong vòng"),
            help_text=gettext_lazy(
                "Ngoại lệ “có kết quả âm tính” áp dụng khi mẫu lấy trong chừng này giờ trước "
                "ngày đến."
            ),
            min_value=1,
            max_value=14 * 24,
            unit=gettext_lazy("giờ"),
        ),
    ),
    defaults={"policies": [], "vaccinated_days_after_dose": 14, "negative_test_hours": 72},
    default_document="Công văn 1346/UBND-GD ngày 17/02/2021 (Thừa Thiên Huế)",
    # on_change (recompute the declarations) is attached in tasks.py: the task reads the
    # declarations, whose models import this module.
)


# -- resolution -------------------------------------------------------------------------


@dataclass(frozen=True)
class VaccinationFacts:
    """What the portal's own records say (vaccination.selectors.vaccination_status)."""

    primary_complete: bool
    last_dose_on: datetime.date | None


@dataclass(frozen=True)
class ResultFacts:
    """The person's latest verified negative result (declarations.labresults.selectors)."""

    negative_sampled_at: datetime.datetime | None


@dataclass(frozen=True)
class PolicyOutcome:
    """What applies to one traveller: the measure, for how long, and where it comes from."""

    measure: str
    days: int
    test_on_arrival: bool
    exception: str
    #: The code of the area whose row applied ("" when no row applies).
    area_code: str
    version_id: int
    version_number: int
    arrival_on: datetime.date

    @property
    def ends_on(self) -> datetime.date | None:
        """The last day of the measure (the arrival day counts as day 1)."""
        if self.measure not in DAYS_MEASURES:
            return None
        return self.arrival_on + datetime.timedelta(days=self.days - 1)

    @property
    def summary(self) -> str:
        """ "Cách ly tập trung 14 ngày", "Không áp dụng biện pháp": for lists and SMS."""
        text = measure_text(self.measure, self.days)
        if self.test_on_arrival:
            text = gettext("%(measure)s, xét nghiệm khi đến") % {"measure": text}
        return text

    def text(self) -> str:
        """What to do and for how long, in plain Vietnamese, for the citizen."""
        sentences = []
        if self.measure == Measure.NONE:
            sentences.append(gettext("Không phải cách ly hay xét nghiệm khi đến."))
        elif self.measure == Measure.TEST_ON_ARRIVAL:
            sentences.append(
                gettext("Xét nghiệm COVID-19 ngay khi đến (ngày %(day)s).")
                % {"day": date_text(self.arrival_on)}
            )
        else:
            sentences.append(
                gettext("%(measure)s, từ ngày đến %(start)s đến hết ngày %(end)s.")
                % {
                    "measure": measure_text(self.measure, self.days),
                    "start": date_text(self.arrival_on),
                    "end": date_text(self.ends_on),
                }
            )
        if self.test_on_arrival:
            sentences.append(gettext("Xét nghiệm COVID-19 ngay khi đến."))
        if self.exception == Exception_.VACCINATED:
            sentences.append(
                gettext("Được áp dụng vì hệ thống có dữ liệu bạn đã tiêm đủ liều vắc xin.")
            )
        elif self.exception == Exception_.NEGATIVE_TEST:
            sentences.append(
                gettext("Được áp dụng vì hệ thống có kết quả xét nghiệm âm tính gần đây của bạn.")
            )
        if self.measure != Measure.NONE:
            sentences.append(
                gettext("Báo Trạm Y tế nơi đến khi có sốt, ho, khó thở; gọi %(hotline)s khi cần.")
                % {"hotline": settings.KHAIBAO_HOTLINE}
            )
        return " ".join(sentences)


def policy_moment(arrival_on: datetime.date, now: datetime.datetime | None = None):
    """When the policy is read for an arrival: the start of the arrival day, or now if that
    has passed. A future arrival gets the version scheduled for its day; someone who has
    arrived gets the version in force today (a relaxed policy frees them at once)."""
    now = now or timezone.now()
    start = datetime.datetime.combine(
        arrival_on, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    return max(start, now)


def quarantine_rules(destination, arrival_on: datetime.date, now=None) -> RulesInForce:
    return rules_in_force(QUARANTINE_POLICY, destination, at=policy_moment(arrival_on, now))


def _covers(row: dict, day: datetime.date) -> bool:
    return (not row["from"] or row["from"] <= day.isoformat()) and (
        not row["until"] or day.isoformat() <= row["until"]
    )


def matching_row(rows, origin_path: str, arrival_on: datetime.date) -> dict | None:
    """The row of the most specific area on `origin_path` ("01/00004/00004-001/") that
    covers the arrival day, or None."""
    chain = [code for code in origin_path.split("/") if code]
    by_area = {row["area"]: row for row in rows if _covers(row, arrival_on)}
    for code in reversed(chain):
        if code in by_area:
            return by_area[code]
    return None


def _vaccinated(facts: VaccinationFacts | None, arrival_on, days_after: int) -> bool:
    return bool(
        facts
        and facts.primary_complete
        and facts.last_dose_on is not None
        and facts.last_dose_on <= arrival_on - datetime.timedelta(days=days_after)
    )


def _recent_negative(facts: ResultFacts | None, arrival_on, hours: int) -> bool:
    if facts is None or facts.negative_sampled_at is None:
        return False
    start = datetime.datetime.combine(
        arrival_on, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    return start - datetime.timedelta(hours=hours) <= facts.negative_sampled_at


def policy_resolve(
    *,
    origin_path: str,
    destination,
    arrival_on: datetime.date,
    vaccination: VaccinationFacts | None = None,
    test: ResultFacts | None = None,
    now: datetime.datetime | None = None,
) -> PolicyOutcome:
    """The policy of `destination`'s province for a traveller from `origin_path` arriving
    on `arrival_on`, with the exceptions their verified records earn."""
    rules = quarantine_rules(destination, arrival_on, now)
    row = matching_row(rules["policies"], origin_path, arrival_on)
    if row is None:
        return PolicyOutcome(
            Measure.NONE, 0, False, Exception_.NONE, "", rules.version_id, rules.number, arrival_on
        )
    chosen = {"measure": row["measure"], "days": row["days"]}
    exception = Exception_.NONE
    candidates = []
    if row["vaccinated"] and _vaccinated(
        vaccination, arrival_on, rules["vaccinated_days_after_dose"]
    ):
        candidates.append((Exception_.VACCINATED, row["vaccinated"]))
    if row["negative_test"] and _recent_negative(test, arrival_on, rules["negative_test_hours"]):
        candidates.append((Exception_.NEGATIVE_TEST, row["negative_test"]))
    for name, lighter in candidates:
        if (SEVERITY.index(lighter["measure"]), lighter["days"]) < (
            SEVERITY.index(chosen["measure"]),
            chosen["days"],
        ):
            chosen, exception = lighter, name
    return PolicyOutcome(
        measure=chosen["measure"],
        days=chosen["days"],
        test_on_arrival=row["test_on_arrival"],
        exception=exception,
        area_code=row["area"],
        version_id=rules.version_id,
        version_number=rules.number,
        arrival_on=arrival_on,
    )
