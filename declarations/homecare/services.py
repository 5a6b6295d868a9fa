"""Every state change of home care: enrolment, daily reports, alerts, the end of care.

The periodic chasing of missed reports and the re-sending of open alerts are in
`chasing.py`; they call the helpers here to write their SMS.
"""

import contextlib
import datetime
import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.areas.models import Area
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.dates import datetime_text
from khaibao.lib.links import public_link
from khaibao.notify.services import sms_queue
from khaibao.people.models import Person
from khaibao.rules.selectors import RulesInForce, rules_in_force, sms_text

from .models import (
    Alert,
    AlertStatus,
    CallNote,
    CareEnd,
    CareSource,
    CareStatus,
    DailyReport,
    HomeCarePatient,
    ReportDraft,
)
from .rules import HOMECARE, HOMECARE_SMS
from .scoring import Reading, danger_signs, screening_flags, signs_text
from .selectors import duty_phones, open_enrolment, province_duty_phones

# -- links and texts --------------------------------------------------------------------


def patient_code(patient: HomeCarePatient) -> str:
    """The patient's short code on the station's SMS and board: no name, no ID."""
    return f"CS-{patient.pk:06d}"


def patient_sms(patient: HomeCarePatient, text: str, **values) -> None:
    body = sms_text(
        HOMECARE_SMS,
        text,
        patient.area,
        ho_ten=patient.person.full_name,
        duong_dan=public_link(reverse("declarations:homecare-home")),
        **values,
    )
    sms_queue(to=patient.phone, body=body, purpose=f"homecare_{text}")


def staff_sms(
    patient: HomeCarePatient, text: str, *, path: str, to_province: bool = False, **values
) -> int:
    """Queue a staff text to every duty phone that follows the patient (or, escalated,
    to the province's); how many were queued."""
    phones = province_duty_phones(patient) if to_province else duty_phones(patient)
    for phone in phones:
        body = sms_text(
            HOMECARE_SMS,
            text,
            patient.area,
            ma_bn=patient_code(patient),
            phuong=patient.area.name,
            duong_dan=public_link(path),
            **values,
        )
        sms_queue(to=phone, body=body, purpose=f"homecare_{text}")
    return len(phones)


def homecare_rules(patient: HomeCarePatient, at: datetime.datetime | None = None) -> RulesInForce:
    return rules_in_force(HOMECARE, patient.area, at)


def _audit(patient: HomeCarePatient, *, by: User | None, ip: str | None, action: str, detail):
    log_action(
        actor=by,
        action=action,
        obj=patient,
        person=patient.person,
        area=patient.area,
        ip=ip,
        detail=detail,
    )


def _locked(patient: HomeCarePatient, *expected: str) -> HomeCarePatient:
    # Lock the patient row only (not the joined person and area rows).
    locked = (
        HomeCarePatient.objects.select_for_update(of=("self",))
        .select_related("person", "area")
        .get(pk=patient.pk)
    )
    if locked.status not in expected:
        raise ValidationError(
            _("Hồ sơ này đang ở trạng thái “%(status)s”, không thể thực hiện thao tác này.")
            % {"status": locked.get_status_display()},
            code="wrong_status",
        )
    return locked


# -- enrolment ----------------------------------------------------------------------------


@transaction.atomic
def homecare_enrol(
    *,
    person: Person,
    source: str,
    area: Area,
    street: str,
    phone: str,
    onset_date: datetime.date,
    by: User | None,
    declaration=None,
    facility=None,
    notify: bool = True,
    ip: str | None = None,
) -> HomeCarePatient:
    """Start home care at once (an accepted F0 declaration, a positive lab result, or the
    station registering a patient itself). A pending self-registration of the person is
    taken over; a patient already in care stays as they are.

    `notify=False` where the caller's own SMS already tells the patient (the F0
    acceptance text): one decision, one text."""
    existing = open_enrolment(person)
    now = timezone.now()
    if existing is not None:
        patient = _locked(existing, CareStatus.PENDING, CareStatus.ACTIVE)
        if patient.status == CareStatus.ACTIVE:
            if declaration is not None and patient.declaration_id is None:
                patient.declaration = declaration
                patient.save(update_fields=["declaration"])
            return patient
    else:
        patient = HomeCarePatient(person=person, registered_at=now, registered_by=by)
    patient.source = patient.source or source
    patient.status = CareStatus.ACTIVE
    patient.area, patient.street, patient.phone = area, street, phone
    patient.onset_date = min(onset_date, patient.onset_date or onset_date)
    patient.declaration = declaration or patient.declaration
    patient.facility = facility or patient.facility
    patient.decided_at, patient.decided_by = now, by
    patient.full_clean()
    patient.save()
    _audit(patient, by=by, ip=ip, action=AuditAction.CREATE, detail={"source": source})
    if notify:
        patient_sms(patient, "accepted", gio=homecare_rules(patient)["report_deadline"])
    return patient


def homecare_enrol_from_f0(*, declaration, by: User, ip: str | None = None) -> HomeCarePatient:
    """An accepted F0 declaration: care starts at the isolation address."""
    return homecare_enrol(
        person=declaration.person,
        source=CareSource.F0,
        area=declaration.isolation_area,
        street=declaration.isolation_street,
        phone=declaration.contact_phone,
        onset_date=declaration.test_date,
        declaration=declaration,
        by=by,
        notify=False,
        ip=ip,
    )


@transaction.atomic
def homecare_register(
    *,
    person: Person,
    account: User,
    area: Area,
    street: str,
    phone: str,
    onset_date: datetime.date,
    answers: dict,
    facility=None,
    ip: str | None = None,
) -> HomeCarePatient:
    """A citizen registers for home care (seed 002 part 1); the station decides.

    The screening answers are kept, and what in them rules home care out is flagged
    for the station (the page tells the citizen at once to call).
    """
    if open_enrolment(person) is not None:
        raise ValidationError(
            _("Người này đã đăng ký chăm sóc tại nhà. Xem trang Chăm sóc tại nhà."),
            code="open_enrolment",
        )
    now = timezone.now()
    today = timezone.localdate()
    rules = rules_in_force(HOMECARE, area)
    age_months = (today.year - person.date_of_birth.year) * 12 + (
        today.month - person.date_of_birth.month
    )
    if today.day < person.date_of_birth.day:
        age_months -= 1
    flags = screening_flags(answers, age=person.age(today), age_months=age_months, rules=rules)
    patient = HomeCarePatient(
        person=person,
        source=CareSource.SELF,
        status=CareStatus.PENDING,
        area=area,
        street=street,
        phone=phone,
        facility=facility,
        onset_date=onset_date,
        screening={**answers, "rules_version": rules.version_id},
        screening_flags=flags,
        registered_at=now,
        registered_by=account,
    )
    patient.full_clean()
    patient.save()
    log_action(
        actor=account,
        action=AuditAction.CREATE,
        obj=patient,
        person=person,
        area=area,
        ip=ip,
        detail={"source": CareSource.SELF, "flags": flags},
    )
    return patient


@transaction.atomic
def homecare_accept(
    *, patient: HomeCarePatient, by: User, facility=None, ip: str | None = None
) -> HomeCarePatient:
    patient = _locked(patient, CareStatus.PENDING)
    patient.status = CareStatus.ACTIVE
    patient.decided_at, patient.decided_by = timezone.now(), by
    if facility is not None:
        patient.facility = facility
    patient.full_clean()
    patient.save()
    _audit(patient, by=by, ip=ip, action=AuditAction.DECIDE, detail={"decision": "accept"})
    patient_sms(patient, "accepted", gio=homecare_rules(patient)["report_deadline"])
    return patient


@transaction.atomic
def homecare_reject(
    *, patient: HomeCarePatient, by: User, note: str, ip: str | None = None
) -> HomeCarePatient:
    note = " ".join(note.split())
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Ghi lý do không tiếp nhận."), code="required")}
        )
    patient = _locked(patient, CareStatus.PENDING)
    patient.status, patient.reject_note = CareStatus.REJECTED, note
    patient.decided_at, patient.decided_by = timezone.now(), by
    patient.full_clean()
    patient.save()
    _audit(patient, by=by, ip=ip, action=AuditAction.DECIDE, detail={"decision": "reject"})
    patient_sms(patient, "rejected", ly_do=note)
    return patient


@transaction.atomic
def homecare_end(
    *,
    patient: HomeCarePatient,
    reason: str,
    by: User | None,
    note: str = "",
    ip: str | None = None,
) -> HomeCarePatient:
    """End care: isolation completed, transfer to hospital, or death. Reports are no
    longer chased and open alerts are closed with the reason."""
    if reason not in CareEnd.values:
        raise ValidationError({"reason": ValidationError(_("Chọn lý do."), code="invalid")})
    patient = _locked(patient, CareStatus.ACTIVE, CareStatus.PENDING)
    now = timezone.now()
    patient.status, patient.end_reason = CareStatus.ENDED, reason
    patient.end_note = " ".join(note.split())
    patient.ended_at, patient.ended_by = now, by
    patient.full_clean()
    patient.save()
    label = CareEnd(reason).label
    patient.alerts.filter(status=AlertStatus.OPEN).update(
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_at=now,
        acknowledged_by=by,
        action_note=str(label) + (f": {patient.end_note}" if patient.end_note else ""),
        next_send_at=None,
    )
    _audit(patient, by=by, ip=ip, action=AuditAction.DECIDE, detail={"decision": f"end_{reason}"})
    return patient


def homecare_end_for_declaration(*, declaration, by: User, ip: str | None = None) -> None:
    """The F0 declaration's isolation completion was confirmed: care ends with it."""
    patient = HomeCarePatient.objects.filter(
        declaration=declaration, status=CareStatus.ACTIVE
    ).first()
    if patient is not None:
        homecare_end(patient=patient, reason=CareEnd.COMPLETED, by=by, ip=ip)


# -- daily reports ------------------------------------------------------------------------


def report_draft_save(*, account: User, patient: HomeCarePatient, data: dict) -> ReportDraft:
    draft, _created = ReportDraft.objects.update_or_create(
        account=account, patient=patient, defaults={"data": data}
    )
    return draft


def report_sent_with(patient: HomeCarePatient, submission_key) -> DailyReport | None:
    """The report a form's one-time key already filed (a double submit), or None."""
    try:
        key = uuid.UUID(str(submission_key or ""))
    except ValueError:
        return None
    return DailyReport.objects.filter(patient=patient, submission_key=key).first()


def report_submit(
    *,
    patient: HomeCarePatient,
    account: User | None,
    reading: Reading,
    measured_at: datetime.datetime,
    submission_key: uuid.UUID,
    spo2_first: int | None = None,
    note: str = "",
    rules: RulesInForce | None = None,
) -> DailyReport:
    """File a daily report and judge it by the rule in force (`rules`, when the caller
    has already read them for this request). Danger signs open an alert that reaches the
    station's duty phones at once (and its board).

    The same form sent twice (a double tap, a resent POST, two at once) files one report:
    the one-time key is unique, so the second INSERT fails and the first report is the
    answer. Nothing is looked up before the INSERT, which is the first statement of the
    transaction, so a failed one leaves nothing behind."""
    now = timezone.now()
    if measured_at > now + datetime.timedelta(minutes=5):
        raise ValidationError(
            {"measured_at": ValidationError(_("Giờ đo không được ở tương lai."), code="future")}
        )
    if patient.status != CareStatus.ACTIVE:
        raise ValidationError(
            _("Hồ sơ chăm sóc tại nhà này không còn nhận báo cáo."), code="not_in_care"
        )
    if rules is None:
        rules = homecare_rules(patient, now)
    day = timezone.localdate(measured_at)
    signs = danger_signs(reading, age=patient.person.age(day), rules=rules)
    report = DailyReport(
        patient=patient,
        measured_at=measured_at,
        day=day,
        submitted_by=account,
        temperature=reading.temperature,
        spo2=reading.spo2,
        spo2_first=spo2_first,
        pulse=reading.pulse,
        breathing_rate=reading.breathing_rate,
        short_of_breath=reading.short_of_breath,
        chest_pain=reading.chest_pain,
        symptoms=list(reading.symptoms),
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        note=" ".join(note.split()),
        danger_signs=signs,
        rules_version_id=rules.version_id,
        submission_key=submission_key,
    )
    _check_ranges(report)
    # The hot path: the foreign keys are the caller's own rows, the one-time key is
    # unique in the database, and the check constraints are checked just before in
    # Python (the database holds all of them as well), so full_clean() need not query.
    report.full_clean(
        exclude=["patient", "submitted_by", "rules_version"],
        validate_unique=False,
        validate_constraints=False,
    )
    # A normal report is one row, with nothing to keep atomic beside it: it is saved
    # alone (autocommit), the most common write of the portal. A danger sign's alert, a
    # streak of missed days set back, or a caller's own transaction take a transaction
    # (then a savepoint), so that a failed INSERT leaves nothing behind.
    atomic = bool(signs or patient.missed_days or transaction.get_connection().in_atomic_block)
    try:
        with transaction.atomic() if atomic else contextlib.nullcontext():
            report.save(force_insert=True)
            if patient.missed_days:
                HomeCarePatient.objects.filter(pk=patient.pk).update(missed_days=0)
            if signs:
                alert_open(report=report, rules=rules, now=now)
    except IntegrityError:
        earlier = report_sent_with(patient, submission_key)
        if earlier is None:
            # The key belongs to someone else's report: not a double submit.
            raise ValidationError(
                _("Mẫu báo cáo này đã hết hạn. Mở lại trang báo cáo và gửi lại."),
                code="key_taken",
            ) from None
        return earlier
    if account is not None:
        _drafts_delete(patient=patient, account=account)
    return report


def _drafts_delete(*, patient: HomeCarePatient, account: User) -> None:
    """The account's drafts for this patient, gone once a report is filed. One plain
    DELETE: no model has a foreign key to a draft and none listens for its deletion, so
    the ORM's delete collector (and its transaction) would only add cost to the hot
    path. A draft left by a failure here is harmless: the form ignores a draft whose
    one-time key has been sent."""
    meta, quote = ReportDraft._meta, connection.ops.quote_name
    patient_column = quote(meta.get_field("patient").column)
    account_column = quote(meta.get_field("account").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(meta.db_table)}"
            f" WHERE {patient_column} = %s AND {account_column} = %s",
            [patient.pk, account.pk],
        )


def _check_ranges(report: DailyReport) -> None:
    """DailyReport's check constraints, evaluated without a query (same codes)."""
    holds = {
        "spo2_range": 50 <= report.spo2 <= 100,
        "temperature_range": 34 <= report.temperature <= 43,
        "breathing_required": report.breathing_rate is not None or report.short_of_breath,
    }
    for constraint in DailyReport._meta.constraints:
        if not holds.get(constraint.violation_error_code, True):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: ValidationError(
                        constraint.get_violation_error_message(),
                        code=constraint.violation_error_code,
                    )
                }
            )


def alert_open(*, report: DailyReport, rules: RulesInForce, now: datetime.datetime) -> Alert:
    alert = Alert(
        patient=report.patient,
        report=report,
        signs=report.danger_signs,
        rules_version_id=rules.version_id,
        opened_at=now,
    )
    alert.full_clean()
    alert.save()
    alert_send(alert=alert, rules=rules, now=now)
    return alert


def alert_send(*, alert: Alert, rules: RulesInForce, now: datetime.datetime) -> None:
    """Text the duty phones about an open alert and set when it is sent again."""
    patient = alert.patient
    path = reverse("admin:declarations_homecarepatient_change", args=[patient.pk])
    staff_sms(
        patient,
        "alert",
        path=path,
        dau_hieu=signs_text(alert.signs, spo2=alert.report.spo2),
    )
    alert.sent_count += 1
    alert.last_sent_at = now
    alert.next_send_at = now + datetime.timedelta(minutes=rules["alert_resend_minutes"])
    alert.save(update_fields=["sent_count", "last_sent_at", "next_send_at"])


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str, ip: str | None = None) -> Alert:
    note = " ".join(note.split())
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Ghi lại đã xử lý thế nào."), code="required")}
        )
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("patient__person", "patient__area")
        .get(pk=alert.pk)
    )
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(
            _("Cảnh báo này đã được xử lý lúc %(time)s.")
            % {"time": datetime_text(alert.acknowledged_at)},
            code="already_acknowledged",
        )
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at, alert.acknowledged_by = timezone.now(), by
    alert.action_note, alert.next_send_at = note, None
    alert.full_clean()
    alert.save()
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=alert,
        person=alert.patient.person,
        area=alert.patient.area,
        ip=ip,
        detail={"decision": "acknowledge", "rules_version": alert.rules_version_id},
    )
    return alert


@transaction.atomic
def call_note_add(
    *, patient: HomeCarePatient, by: User, note: str, ip: str | None = None
) -> CallNote:
    note = " ".join(note.split())
    if not note:
        raise ValidationError({"note": ValidationError(_("Ghi nội dung."), code="required")})
    call = CallNote(patient=patient, created_by=by, created_at=timezone.now(), note=note)
    call.full_clean()
    call.save()
    _audit(patient, by=by, ip=ip, action=AuditAction.CHANGE, detail={"call_note": call.pk})
    return call
