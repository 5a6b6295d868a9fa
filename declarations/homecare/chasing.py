"""The periodic side of home care (run by beat, see tasks.py): missed reports are
chased, open alerts are sent again until someone acknowledges them.

Both are idempotent. A chase step is a row with a unique (patient, day, kind): the
step, its SMS and its counters are written in one transaction, so a second run, or
two runs at once, finds the row and does nothing. An alert is re-sent under a row
lock taken with SKIP LOCKED, and only when it is due.
"""

import datetime

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from khaibao.areas.models import Area, AreaLevel
from khaibao.rules.selectors import RulesInForce, rules_in_force

from .models import (
    Alert,
    AlertStatus,
    CareStatus,
    ChaseStep,
    ChaseStepKind,
    DailyReport,
    HomeCarePatient,
)
from .rules import HOMECARE
from .services import alert_send, patient_sms, staff_sms

#: Open alerts re-sent per run at most (the next run takes the rest).
RESEND_BATCH = 500


def _time(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


def _moment(day: datetime.date, value: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, _time(value)))


def homecare_chase(now: datetime.datetime | None = None) -> dict[str, int]:
    """Take today's chase steps that are due, province by province (each province's
    rule in force decides the times). Returns how many steps of each kind were taken."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    taken = dict.fromkeys(ChaseStepKind.values, 0)
    active = HomeCarePatient.objects.filter(status=CareStatus.ACTIVE)
    for province in Area.objects.filter(level=AreaLevel.PROVINCE).order_by("path"):
        in_province = active.filter(area__path__startswith=province.path)
        if not in_province.exists():
            continue
        rules = rules_in_force(HOMECARE, province, now)
        for kind, counted in _province_chase(in_province, rules, today=today, now=now).items():
            taken[kind] += counted
    return taken


def _province_chase(patients, rules: RulesInForce, *, today, now) -> dict[str, int]:
    deadline = _moment(today, rules["report_deadline"])
    call_list_at = _moment(today, rules["call_list_at"])
    taken = dict.fromkeys(ChaseStepKind.values, 0)
    if now < deadline:
        return taken
    # Patients in care before today's deadline who have sent nothing today.
    missing = patients.filter(decided_at__lt=deadline).exclude(
        Exists(DailyReport.objects.filter(patient=OuterRef("pk"), day=today))
    )
    steps = [ChaseStepKind.REMINDER]
    if now >= call_list_at:
        steps.append(ChaseStepKind.CALL_LIST)
    for kind in steps:
        pending = missing.exclude(
            Exists(ChaseStep.objects.filter(patient=OuterRef("pk"), day=today, kind=kind))
        ).select_related("person", "area")
        for patient in pending.iterator(chunk_size=500):
            if _step(patient, kind=kind, day=today, rules=rules, now=now):
                taken[kind] += 1
                if kind == ChaseStepKind.CALL_LIST and _escalate_due(patient, rules):
                    if _step(
                        patient, kind=ChaseStepKind.ESCALATED, day=today, rules=rules, now=now
                    ):
                        taken[ChaseStepKind.ESCALATED] += 1
    return taken


def _escalate_due(patient: HomeCarePatient, rules: RulesInForce) -> bool:
    patient.refresh_from_db(fields=["missed_days", "escalated_at"])
    return patient.missed_days >= rules["escalate_after_days"] and patient.escalated_at is None


def _step(patient: HomeCarePatient, *, kind: str, day, rules: RulesInForce, now) -> bool:
    """Take one step once: True when this call took it, False when it was taken."""
    with transaction.atomic():
        _step_row, created = ChaseStep.objects.get_or_create(
            patient=patient, day=day, kind=kind, defaults={"rules_version_id": rules.version_id}
        )
        if not created:
            return False
        if kind == ChaseStepKind.REMINDER:
            patient_sms(patient, "reminder", gio=rules["report_deadline"])
        elif kind == ChaseStepKind.CALL_LIST:
            missed = missed_days_in_a_row(patient, today=day, deadline=rules["report_deadline"])
            HomeCarePatient.objects.filter(pk=patient.pk).update(missed_days=missed)
        elif kind == ChaseStepKind.ESCALATED:
            HomeCarePatient.objects.filter(pk=patient.pk).update(escalated_at=now)
            staff_sms(
                patient,
                "escalated",
                path=reverse("admin:declarations_homecarepatient_change", args=[patient.pk]),
                so_ngay=str(patient.missed_days),
                to_province=True,
            )
    return True


def missed_days_in_a_row(patient: HomeCarePatient, *, today, deadline: str) -> int:
    """Days without a report up to today, counted from the data (a day the task did not
    run still counts). The first day due is the day care started, or the next day when
    it started after that day's deadline."""
    started = timezone.localtime(patient.decided_at)
    first_due = started.date()
    if started.time() >= _time(deadline):
        first_due += datetime.timedelta(days=1)
    last = patient.reports.aggregate(last=Max("day"))["last"]
    before_first = first_due - datetime.timedelta(days=1)
    base = last if last is not None and last > before_first else before_first
    return max((today - base).days, 0)


def alerts_resend_due(now: datetime.datetime | None = None) -> int:
    """Send again every open alert whose time has come; how many were sent."""
    now = now or timezone.now()
    due = list(
        Alert.objects.filter(status=AlertStatus.OPEN, next_send_at__lte=now)
        .order_by("next_send_at")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("patient__person", "patient__area", "report")
                .filter(pk=pk, status=AlertStatus.OPEN, next_send_at__lte=now)
                .first()
            )
            if alert is None:  # acknowledged meanwhile, or another run has it
                continue
            rules = rules_in_force(HOMECARE, alert.patient.area, now)
            alert_send(alert=alert, rules=rules, now=now)
            sent += 1
    return sent
