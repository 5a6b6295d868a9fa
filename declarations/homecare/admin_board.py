"""What the station's pages show (homecare/admin.py uses it): on the day board, today's
state of each row judged by the rule in force in the row's province, the open alerts
above the list, the board's order and its list filters; on the patient page, the
screening answers and the rule version behind an alert; the date-range export's columns.

The board's rows come from selectors.board(), whose annotations (reports_today,
open_alerts, last_spo2, …) the order and the filters use; nothing here reads per row.
"""

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from declarations.f0.admin_queue import QueueStatusFilter
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.normalize import phone_for_display
from khaibao.rules.selectors import RulesInForce, rules_in_force

from .models import Alert, AlertStatus, CareStatus, DailyReport, HomeCarePatient
from .rules import HOMECARE
from .scoring import SIGN_LABELS, signs_text, spo2_low
from .selectors import BoardState, board_state
from .services import patient_code

#: Open alerts shown above the board at most (the "Nguy hiểm" filter lists every patient).
OPEN_ALERTS_SHOWN = 50

STATE_LABELS = {
    BoardState.DANGER: _("Nguy hiểm"),
    BoardState.MISSED: _("Quá hạn, chưa báo cáo"),
    BoardState.NOT_YET: _("Chưa báo cáo, chưa đến hạn"),
    BoardState.REPORTED: _("Đã báo cáo"),
    BoardState.PENDING: _("Chờ tiếp nhận"),
    BoardState.ENDED: _("Không còn theo dõi"),
}

#: Danger first, then who has not reported today, registrations waiting for the
#: station, who has reported, and last the patients no longer in care.
STATE_RANK = Case(
    When(status=CareStatus.ACTIVE, open_alerts__gt=0, then=Value(0)),
    When(status=CareStatus.ACTIVE, reports_today=0, then=Value(1)),
    When(status=CareStatus.PENDING, then=Value(2)),
    When(status=CareStatus.ACTIVE, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)
BOARD_ORDER = (STATE_RANK.asc(), "-open_alerts", "person__name_key", "pk")


def report_deadline(day: datetime.date, rules: RulesInForce) -> datetime.datetime:
    hours, minutes = rules["report_deadline"].split(":")
    moment = datetime.datetime.combine(day, datetime.time(int(hours), int(minutes)))
    return timezone.make_aware(moment)


@dataclass(frozen=True)
class BoardRow:
    """Today's state of one patient, and whether the last SpO2 is below the rule."""

    state: str
    spo2_low: bool
    rules: RulesInForce

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


class ProvinceRules:
    """The home-care rule in force in each province, read once per page."""

    def __init__(self, now: datetime.datetime | None = None):
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self._rules: dict[str, RulesInForce] = {}

    def of(self, area: Area) -> RulesInForce:
        code = area.province_code
        if code not in self._rules:
            self._rules[code] = rules_in_force(HOMECARE, area, self.now)
        return self._rules[code]

    def deadline_passed(self, patient: HomeCarePatient) -> bool:
        """Today's report is overdue: the deadline has passed and the patient was in
        care before it (the chase task counts the same way)."""
        deadline = report_deadline(self.today, self.of(patient.area))
        decided = patient.decided_at
        return self.now >= deadline and (decided is None or decided < deadline)

    def row(self, patient: HomeCarePatient) -> BoardRow:
        rules = self.of(patient.area)
        low = patient.last_spo2 is not None and spo2_low(patient.last_spo2, rules)
        state = board_state(patient, deadline_passed=self.deadline_passed(patient))
        return BoardRow(state=state, spo2_low=low, rules=rules)


def board_row(patient: HomeCarePatient, rules: ProvinceRules | None = None) -> BoardRow:
    """The row's state, computed once (the board's ChangeList sets it for a whole page)."""
    row = getattr(patient, "_board_row", None)
    if row is None:
        row = patient._board_row = (rules or ProvinceRules()).row(patient)
    return row


class BoardChangeList(ChangeList):
    """The changelist in the board's order (unless a column is sorted), each row with
    its state judged once per province."""

    def get_ordering(self, request, queryset):
        if self.params.get(ORDER_VAR):
            return super().get_ordering(request, queryset)
        return list(BOARD_ORDER)

    def get_results(self, request):
        super().get_results(request)
        rules = ProvinceRules()
        self.result_list = list(self.result_list)
        for patient in self.result_list:
            board_row(patient, rules)


# -- the open alerts above the board -------------------------------------------------------


def open_alerts(patients: QuerySet[HomeCarePatient], limit: int = OPEN_ALERTS_SHOWN) -> list:
    """The open alerts of these patients, oldest first, in one query: at most `limit`,
    plus one to tell that there are more."""
    alerts = (
        Alert.objects.filter(status=AlertStatus.OPEN, patient__in=patients)
        .select_related("patient__person", "patient__area__parent", "report")
        .order_by("opened_at", "pk")[: limit + 1]
    )
    return [
        {
            "alert": alert,
            "patient": alert.patient,
            "signs": signs_text(alert.signs, spo2=alert.report.spo2),
        }
        for alert in alerts
    ]


# -- list filters ------------------------------------------------------------------------


def _overdue_q(request, rules: ProvinceRules) -> Q | None:
    """Active patients whose report is overdue today, province by province (each has
    its own deadline); None when no province's deadline has passed."""
    scope = scope_for(request.user)
    if scope.unrestricted:
        provinces = list(Area.objects.filter(level=AreaLevel.PROVINCE))
    else:
        provinces = [scope.area] if scope.area is not None else []
    overdue = None
    for area in provinces:
        deadline = report_deadline(rules.today, rules.of(area))
        if rules.now >= deadline:
            q = Q(area__path__startswith=f"{area.province_code}/", decided_at__lt=deadline)
            overdue = q if overdue is None else overdue | q
    return overdue


class BoardStateFilter(admin.SimpleListFilter):
    title = _("tình trạng hôm nay")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (state, STATE_LABELS[state])
            for state in (
                BoardState.DANGER,
                BoardState.MISSED,
                BoardState.NOT_YET,
                BoardState.REPORTED,
                BoardState.PENDING,
            )
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == BoardState.PENDING:
            return queryset.filter(status=CareStatus.PENDING)
        active = queryset.filter(status=CareStatus.ACTIVE)
        if value == BoardState.DANGER:
            return active.filter(open_alerts__gt=0)
        if value == BoardState.REPORTED:
            return active.filter(open_alerts=0, reports_today__gt=0)
        if value in (BoardState.MISSED, BoardState.NOT_YET):
            silent = active.filter(open_alerts=0, reports_today=0)
            overdue = _overdue_q(request, ProvinceRules())
            if value == BoardState.MISSED:
                return silent.filter(overdue) if overdue is not None else silent.none()
            return silent.exclude(overdue) if overdue is not None else silent
        return queryset


class CareStatusFilter(QueueStatusFilter):
    """As the F0 queue's: the board opens on the patients in care and the registrations
    waiting (WAITING); "Tất cả" shows every status, and so does a search (staff
    searching a name mean anyone)."""

    WAITING = "open"

    def lookups(self, request, model_admin):
        return [
            (self.WAITING, _("Đang theo dõi và chờ tiếp nhận")),
            *CareStatus.choices,
            (self.ALL, _("Tất cả")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.WAITING:
            return queryset.filter(status__in=[CareStatus.PENDING, CareStatus.ACTIVE])
        if value in CareStatus.values:
            return queryset.filter(status=value)
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    """A yes / no filter on one boolean condition (`condition`)."""

    condition: Q

    def lookups(self, request, model_admin):
        return [("yes", _("Có")), ("no", _("Không"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class CallListFilter(YesNoFilter):
    title = _("trong danh sách gọi điện hôm nay")
    parameter_name = "call_list"
    condition = Q(on_call_list=True)


class EscalatedFilter(YesNoFilter):
    title = _("đã báo Sở Y tế")
    parameter_name = "escalated"
    condition = Q(escalated_at__isnull=False)


# -- the patient page and the export ----------------------------------------------------


def rule_version_label(version) -> str:
    """ "phiên bản 3, QĐ 261/QĐ-BYT ngày 31/01/2022 (Thành phố Hồ Chí Minh)": the rule
    behind an alert, with where it applies (select_related("rules_version__province"))."""
    scope = version.province.name if version.province_id else gettext("Toàn quốc")
    return gettext("phiên bản %(number)s, %(document)s (%(scope)s)") % {
        "number": version.number,
        "document": version.document,
        "scope": scope,
    }


def screening_rows(patient: HomeCarePatient) -> list[tuple[str, str]]:
    """The answers of a self-registration's screening, as the station reads them."""
    answers = patient.screening or {}
    if not answers:
        return []

    def yes_no(value) -> str:
        return gettext("Có") if value else gettext("Không")

    def or_dash(value, unit: str = "") -> str:
        return "—" if value in (None, "") else f"{value}{unit}"

    symptoms = ", ".join(
        str(SIGN_LABELS.get(code, code)) for code in answers.get("danger_symptoms") or ()
    )
    return [
        (gettext("SpO2"), or_dash(answers.get("spo2"), "%")),
        (gettext("Nhịp thở (lần/phút)"), or_dash(answers.get("breathing_rate"))),
        (gettext("Dấu hiệu nguy hiểm đã chọn"), symptoms or gettext("Không có")),
        (gettext("Bệnh nền chưa ổn định"), yes_no(answers.get("condition_unstable"))),
        (gettext("Số tuần thai"), or_dash(answers.get("pregnancy_weeks"))),
        (gettext("Số mũi vắc xin đã tiêm"), or_dash(answers.get("vaccine_doses"))),
        (gettext("Có người chăm sóc"), yes_no(answers.get("has_carer", True))),
    ]


#: The columns of the date-range export: the patient's, then the report's.
REPORT_COLUMNS = (
    _("Mã người bệnh"),
    _("Họ và tên"),
    _("Ngày sinh"),
    _("Số giấy tờ"),
    _("Số điện thoại nhận tin"),
    _("Phường / thôn"),
    _("Số nhà, đường"),
    _("Trạng thái"),
    _("Cơ sở điều trị"),
    _("Ngày xét nghiệm dương tính"),
    _("Đo lúc"),
    _("Ngày bệnh"),
    _("Nhiệt độ (°C)"),
    _("SpO2 (%)"),
    _("SpO2 lần đo đầu (%)"),
    _("Mạch (lần/phút)"),
    _("Nhịp thở (lần/phút)"),
    _("Khó thở, không đếm được nhịp thở"),
    _("Huyết áp"),
    _("Dấu hiệu khác"),
    _("Dấu hiệu nguy hiểm"),
    _("Ghi chú"),
    _("Theo quy định"),
)


def report_cells(report: DailyReport) -> list:
    patient, person = report.patient, report.patient.person
    pressure = (
        f"{report.systolic}/{report.diastolic}"
        if report.systolic is not None and report.diastolic is not None
        else report.systolic or ""
    )
    return [
        patient_code(patient),
        person.full_name,
        person.date_of_birth,
        person.id_number,
        phone_for_display(patient.phone),
        patient.area,
        patient.street,
        patient.get_status_display(),
        patient.facility,
        patient.onset_date,
        report.measured_at,
        patient.illness_day(report.day),
        report.temperature,
        report.spo2,
        report.spo2_first,
        report.pulse,
        report.breathing_rate,
        report.short_of_breath,
        pressure,
        ", ".join(str(SIGN_LABELS.get(code, code)) for code in report.symptoms),
        signs_text(report.danger_signs, spo2=report.spo2),
        report.note,
        rule_version_label(report.rules_version),
    ]
