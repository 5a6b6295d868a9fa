"""Every state change of vaccination: doses, certificates, correction requests.

Each is keyword-only and atomic, writes its audit event and its SMS outbox rows in the
same transaction; the admin, the CSV import, the citizen pages and the tasks call them.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.areas.models import Area
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.dates import date_text
from khaibao.lib.links import public_link
from khaibao.notify.services import sms_queue
from khaibao.people.matching import person_find_or_create
from khaibao.people.models import ManagedPerson, Person, Relationship
from khaibao.people.services import person_link_to_account
from khaibao.rules.selectors import sms_text
from khaibao.trust.hcert import uvci_new
from khaibao.trust.services import certificate_revoke
from khaibao.uploads.images import PreparedPhoto
from khaibao.uploads.services import photo_store

from .models import (
    KIND_DOSES,
    UNIT_ROLE,
    CertificateStatus,
    CorrectionDose,
    CorrectionRequest,
    CorrectionStatus,
    DoseImport,
    DoseRecord,
    DoseSource,
    RejectReason,
    VaccinationCertificate,
    WardDefaultUnit,
)
from .rules import VACCINATION_SMS, vaccination_rules
from .vaccines import DoseFacts, Vaccine, dose_series

#: Vietnam's first COVID-19 vaccination (8 March 2021): no dose is older.
FIRST_VACCINATION_DAY = datetime.date(2021, 3, 8)
PHOTO_KIND = "vaccination_certificate"


def _error(field_name: str, message: str, code: str) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code)})


# --- Doses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseData:
    """One dose as staff, a CSV row or an approved request state it."""

    number: int
    given_on: datetime.date
    vaccine: str
    lot: str
    unit: Unit
    after_recovery: bool = False


def dose_problems(
    *, person: Person, data: DoseData, today: datetime.date, ignore: int | None = None
) -> list[ValidationError]:
    """Why `data` cannot be a dose of `person`, each error naming its field; `ignore`
    is the id of the record being replaced by it."""
    problems = []
    if data.vaccine not in Vaccine.values:
        problems.append(_error("vaccine", _("Chọn vắc xin trong danh sách."), "vaccine_unknown"))
    if not 1 <= data.number <= 10:
        problems.append(_error("number", _("Mũi thứ phải từ 1 đến 10."), "number_range"))
    if data.given_on > today:
        problems.append(
            _error("given_on", _("Ngày tiêm không thể sau hôm nay."), "given_on_future")
        )
    elif data.given_on < FIRST_VACCINATION_DAY:
        problems.append(
            _error(
                "given_on",
                _("Ngày tiêm không thể trước %(day)s, ngày bắt đầu tiêm vắc xin COVID-19.")
                % {"day": date_text(FIRST_VACCINATION_DAY)},
                "given_on_too_early",
            )
        )
    elif data.given_on < person.date_of_birth:
        problems.append(
            _error("given_on", _("Ngày tiêm không thể trước ngày sinh."), "given_on_before_birth")
        )
    if not data.lot.strip():
        problems.append(_error("lot", _("Nhập số lô vắc xin."), "lot_required"))
    if data.unit.role != UNIT_ROLE:
        problems.append(_error("unit", _("Chọn một đơn vị tiêm chủng."), "unit_role"))
    problems += _interval_problems(person=person, data=data, ignore=ignore)
    return problems


def _interval_problems(*, person: Person, data: DoseData, ignore: int | None):
    """The dose must come after the dose before it and before the dose after it, with
    the rule's interval between them."""
    gap = datetime.timedelta(days=vaccination_rules(person.area)["min_days_between_doses"])
    others = DoseRecord.objects.filter(person=person).exclude(pk=ignore)
    earlier = others.filter(number__lt=data.number).order_by("-number").first()
    later = others.filter(number__gt=data.number).order_by("number").first()
    if earlier is not None and data.given_on < earlier.given_on + gap:
        return [
            _error(
                "given_on",
                _("Mũi %(number)s phải cách mũi %(earlier)s (ngày %(day)s) ít nhất %(gap)s ngày.")
                % {
                    "number": data.number,
                    "earlier": earlier.number,
                    "day": date_text(earlier.given_on),
                    "gap": gap.days,
                },
                "interval_too_short",
            )
        ]
    if later is not None and data.given_on > later.given_on - gap:
        return [
            _error(
                "given_on",
                _("Mũi %(number)s phải trước mũi %(later)s (ngày %(day)s) ít nhất %(gap)s ngày.")
                % {
                    "number": data.number,
                    "later": later.number,
                    "day": date_text(later.given_on),
                    "gap": gap.days,
                },
                "interval_too_short",
            )
        ]
    return []


def _raise(problems: list[ValidationError]) -> None:
    if problems:
        merged: dict[str, list] = {}
        for problem in problems:
            for name, errors in problem.error_dict.items():
                merged.setdefault(name, []).extend(errors)
        raise ValidationError(merged)


def same_dose(record: DoseRecord, data: DoseData) -> bool:
    return (record.given_on, record.vaccine, record.lot.strip().upper(), record.unit_id) == (
        data.given_on,
        data.vaccine,
        data.lot.strip().upper(),
        data.unit.pk,
    )


@transaction.atomic
def dose_record(
    *,
    person: Person,
    data: DoseData,
    source: str,
    by: User | None,
    correction: CorrectionRequest | None = None,
    dose_import: DoseImport | None = None,
    ip: str | None = None,
    reissue: bool = True,
) -> tuple[DoseRecord, bool]:
    """Record a dose; returns (record, created). The same dose again (a CSV imported
    twice) returns the record as it is; another dose with the same number is refused.

    The person's certificate is reissued for their latest dose (the old one revoked),
    unless `reissue` is False (a caller recording several doses reissues once).
    """
    existing = DoseRecord.objects.select_for_update().filter(person=person, number=data.number)
    existing = existing.first()
    if existing is not None:
        if same_dose(existing, data):
            return existing, False
        raise _error(
            "number",
            _(
                "Người này đã có mũi %(number)s (ngày %(day)s) với thông tin khác. Kiểm tra "
                "lại mũi thứ, hoặc sửa mũi đã có."
            )
            % {"number": data.number, "day": date_text(existing.given_on)},
            "dose_exists",
        )
    _raise(dose_problems(person=person, data=data, today=timezone.localdate()))
    record = DoseRecord(
        person=person,
        number=data.number,
        given_on=data.given_on,
        vaccine=data.vaccine,
        lot=data.lot.strip().upper(),
        unit=data.unit,
        after_recovery=data.after_recovery,
        source=source,
        correction=correction,
        dose_import=dose_import,
        entered_by=by,
        entered_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    if by is not None and by.is_staff:
        log_action(
            actor=by,
            action=AuditAction.CREATE,
            obj=record,
            person=person,
            area=data.unit.area,
            ip=ip,
            detail={"number": data.number, "source": source},
        )
    if reissue:
        certificate_reissue(person=person, reason=_("Có mũi tiêm mới"))
    return record, True


@transaction.atomic
def dose_correct(
    *, record: DoseRecord, data: DoseData, by: User, note: str, ip: str | None = None
) -> DoseRecord:
    """Staff correct a dose they recorded wrongly (date, vaccine, lot, unit); audited with
    the old values, and the certificate reissued."""
    record = DoseRecord.objects.select_for_update().get(pk=record.pk)
    if data.number != record.number:
        raise _error("number", _("Không đổi được mũi thứ của một mũi đã có."), "number_fixed")
    _raise(
        dose_problems(person=record.person, data=data, today=timezone.localdate(), ignore=record.pk)
    )
    before = {
        "given_on": record.given_on.isoformat(),
        "vaccine": record.vaccine,
        "lot": record.lot,
        "unit": record.unit_id,
        "after_recovery": record.after_recovery,
    }
    record.given_on = data.given_on
    record.vaccine = data.vaccine
    record.lot = data.lot.strip().upper()
    record.unit = data.unit
    record.after_recovery = data.after_recovery
    record.full_clean()
    record.save()
    log_action(
        actor=by,
        action=AuditAction.CHANGE,
        obj=record,
        person=record.person,
        area=data.unit.area,
        ip=ip,
        detail={"before": before, "note": note},
    )
    certificate_reissue(person=record.person, reason=_("Đính chính mũi tiêm"), force=True)
    return record


# --- Certificates ------------------------------------------------------------------------


def person_doses(person: Person) -> list[DoseRecord]:
    return list(DoseRecord.objects.filter(person=person).order_by("number").select_related("unit"))


def series_of(doses: list[DoseRecord]):
    return dose_series([DoseFacts(dose.vaccine, dose.after_recovery) for dose in doses])


@transaction.atomic
def certificate_reissue(
    *, person: Person, reason: str, force: bool = False
) -> VaccinationCertificate | None:
    """Make the person's certificate that of their latest dose.

    1. Nothing to do when the current certificate already states the latest dose with
       the same dn/sd (idempotent), unless `force` (the dose itself was corrected).
    2. Otherwise a new certificate (a fresh UVCI) is issued and the current one is
       revoked: its UVCI goes on the revocation list, so its QR verifies as revoked.
    """
    # Serialises reissues of one person: the partial unique constraint would refuse the
    # second "current" row of two concurrent approvals anyway.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    doses = person_doses(person)
    current = (
        VaccinationCertificate.objects.select_for_update()
        .filter(person=person, status=CertificateStatus.CURRENT)
        .first()
    )
    if not doses:
        if current is not None:
            _revoke(current, reason=reason, replaced_by=None)
        return None
    latest, series = doses[-1], series_of(doses)[-1]
    if (
        not force
        and current is not None
        and current.dose_id == latest.pk
        and (current.dn, current.sd) == (series.dn, series.sd)
    ):
        return current
    if current is not None:
        _revoke(current, reason=reason, replaced_by=None)
    certificate = VaccinationCertificate(
        person=person,
        uvci=uvci_new(),
        dose=latest,
        dn=series.dn,
        sd=series.sd,
        issued_at=timezone.now().replace(microsecond=0),
        valid_days=vaccination_rules(person.area)["certificate_valid_days"],
    )
    certificate.full_clean()
    certificate.save()
    if current is not None:
        VaccinationCertificate.objects.filter(pk=current.pk).update(replaced_by=certificate)
    return certificate


def _revoke(certificate: VaccinationCertificate, *, reason: str, replaced_by) -> None:
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.replaced_by = replaced_by
    certificate.save(update_fields=["status", "revoked_at", "replaced_by"])
    certificate_revoke(cert_id=certificate.uvci, reason=reason, person=certificate.person)


# --- Correction requests -------------------------------------------------------------------


@dataclass(frozen=True)
class StatedDose:
    number: int
    given_on: datetime.date
    vaccine: str
    lot: str
    unit: Unit | None
    unit_name: str = ""


@dataclass(frozen=True)
class CorrectionData:
    """A request as the form cleaned it (forms.CorrectionForm.correction_data())."""

    kind: str
    full_name: str
    date_of_birth: datetime.date
    sex: str
    id_type: str
    id_number: str
    phone: str
    area: Area
    workplace: str
    doses: tuple[StatedDose, ...] = field(default_factory=tuple)


def correction_problems(data: CorrectionData, *, today: datetime.date) -> list[ValidationError]:
    """The checks of each kind: the doses it is about, each with a date after the last
    and no later than today, and a second dose after the first by the rule's interval."""
    problems = []
    wanted = KIND_DOSES.get(data.kind)
    if wanted is None:
        return [_error("kind", _("Chọn một trong 3 loại phản ánh."), "kind_invalid")]
    if tuple(dose.number for dose in data.doses) != wanted:
        problems.append(
            _error(
                "kind",
                _("Loại phản ánh này cần thông tin của mũi %(doses)s.")
                % {"doses": ", ".join(str(number) for number in wanted)},
                "doses_for_kind",
            )
        )
        return problems
    gap = datetime.timedelta(days=vaccination_rules(data.area)["min_days_between_doses"])
    previous = None
    for dose in data.doses:
        prefix = f"dose{dose.number}_"
        if dose.given_on > today:
            problems.append(
                _error(
                    prefix + "given_on", _("Ngày tiêm không thể sau hôm nay."), "given_on_future"
                )
            )
        elif dose.given_on < FIRST_VACCINATION_DAY:
            problems.append(
                _error(
                    prefix + "given_on",
                    _("Ngày tiêm không thể trước %(day)s, ngày bắt đầu tiêm vắc xin COVID-19.")
                    % {"day": date_text(FIRST_VACCINATION_DAY)},
                    "given_on_too_early",
                )
            )
        elif dose.given_on < data.date_of_birth:
            problems.append(
                _error(
                    prefix + "given_on",
                    _("Ngày tiêm không thể trước ngày sinh."),
                    "given_on_before_birth",
                )
            )
        if previous is not None and dose.given_on < previous.given_on + gap:
            problems.append(
                _error(
                    prefix + "given_on",
                    _("Mũi 2 phải sau mũi 1 ít nhất %(gap)s ngày.") % {"gap": gap.days},
                    "interval_too_short",
                )
            )
        if dose.unit is None and not dose.unit_name.strip():
            problems.append(
                _error(
                    prefix + "unit",
                    _("Chọn nơi tiêm, hoặc ghi tên nơi tiêm nếu không có trong danh sách."),
                    "place_required",
                )
            )
        previous = dose
    return problems


def route_unit(data: CorrectionData) -> tuple[Unit | None, bool]:
    """(unit, routed to the ward's default): the unit named for the earliest dose, else
    the default unit of the citizen's ward."""
    for dose in data.doses:
        if dose.unit is not None and dose.unit.is_active:
            return dose.unit, False
    default = WardDefaultUnit.objects.filter(ward=data.area, unit__is_active=True).first()
    return (default.unit, True) if default is not None else (None, True)


def _first_request_for(person: Person, numbers: tuple[int, ...]) -> CorrectionRequest | None:
    """An earlier request, pending or approved, about one of the same doses."""
    return (
        CorrectionRequest.objects.filter(
            person=person,
            status__in=[CorrectionStatus.PENDING, CorrectionStatus.APPROVED],
            duplicate_of__isnull=True,
            doses__number__in=numbers,
        )
        .order_by("submitted_at", "id")
        .first()
    )


def status_url() -> str:
    """The status page's full address, for the texts."""
    return public_link(reverse("vaccination:correction-lookup"))


def _sms(request: CorrectionRequest, name: str, *, code: str | None = None, reason="") -> None:
    sms_queue(
        to=request.phone,
        body=sms_text(
            VACCINATION_SMS,
            name,
            request.area,
            ma_tra_cuu=code or request.tracking_code,
            ho_ten=request.full_name,
            don_vi=request.unit.name,
            ly_do=reason,
            duong_dan=status_url(),
        ),
        purpose=f"vaccination_{name}",
    )


@transaction.atomic
def correction_submit(
    *, data: CorrectionData, photo: PreparedPhoto, account: User, ip: str | None = None
) -> CorrectionRequest:
    """Store a request once its phone is confirmed (the code was right).

    1. The kind's checks (correction_problems); the routing needs a unit.
    2. The person: found on file or created; the photo stored for them.
    3. A request about a dose an earlier request (pending or approved) is about is
       stored as its duplicate, linked to it, and never queued.
    4. The deadline from the SLA rule; the SMS with the tracking code.
    """
    now = timezone.now()
    _raise(correction_problems(data, today=timezone.localdate()))
    unit, routed_to_default = route_unit(data)
    if unit is None:
        raise _error(
            "dose1_unit",
            _(
                "Phường / xã này chưa có đơn vị tiêm nhận phản ánh. Chọn nơi tiêm trong danh "
                "sách, hoặc gọi tổng đài để được hỗ trợ."
            ),
            "no_unit",
        )
    person = person_find_or_create(data)
    stored_photo = photo_store(upload=photo, kind=PHOTO_KIND, person=person, uploaded_by=account)
    rules = vaccination_rules(data.area)
    first = _first_request_for(person, KIND_DOSES[data.kind])
    request = CorrectionRequest(
        kind=data.kind,
        status=CorrectionStatus.DUPLICATE if first else CorrectionStatus.PENDING,
        full_name=data.full_name,
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        id_type=data.id_type,
        id_number=data.id_number,
        phone=data.phone,
        area=data.area,
        workplace=data.workplace,
        person=person,
        account=account,
        photo=stored_photo,
        unit=first.unit if first else unit,
        routed_to_default=routed_to_default,
        duplicate_of=first,
        submitted_at=now,
        due_at=now + datetime.timedelta(hours=rules["correction_sla_hours"]),
        rule_version=rules.version_id,
    )
    request.full_clean()
    request.save()
    for dose in data.doses:
        row = CorrectionDose(
            request=request,
            number=dose.number,
            given_on=dose.given_on,
            vaccine=dose.vaccine,
            lot=dose.lot.strip().upper(),
            unit=dose.unit,
            unit_name=dose.unit_name.strip() if dose.unit is None else "",
        )
        row.full_clean()
        row.save()
    log_action(
        actor=account,
        action=AuditAction.CREATE,
        obj=request,
        person=person,
        area=data.area,
        ip=ip,
        detail={"kind": data.kind, "duplicate_of": first.tracking_code if first else None},
    )
    if first is not None:
        _sms(request, "duplicate", code=first.tracking_code)
    else:
        _sms(request, "received")
    return request


def _locked_pending(request: CorrectionRequest) -> CorrectionRequest:
    locked = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != CorrectionStatus.PENDING:
        raise ValidationError(
            _("Phản ánh này đã được xử lý (%(status)s).") % {"status": locked.get_status_display()},
            code="not_pending",
        )
    return locked


def _link_to_account(request: CorrectionRequest) -> None:
    """The phone that sent the request sees the person's certificate from now on: as its
    own person when the account has none yet, else as a relative."""
    account, person = request.account, request.person
    if ManagedPerson.objects.filter(account=account, person=person).exists():
        return
    has_self = ManagedPerson.objects.filter(
        account=account, relationship=Relationship.SELF
    ).exists()
    person_link_to_account(
        account=account,
        person=person,
        relationship=Relationship.OTHER if has_self else Relationship.SELF,
    )


@transaction.atomic
def correction_approve(
    *, request: CorrectionRequest, by: User, ip: str | None = None
) -> CorrectionRequest:
    """The unit found the doses in its register: in one transaction the doses are
    recorded with this request as their source, a new certificate is issued, the old
    one revoked, and the citizen texted. A dose already on file with other details
    refuses the whole approval (nothing is written): reject it as "already recorded"."""
    request = _locked_pending(request)
    for dose in request.doses.select_related("unit"):
        dose_record(
            person=request.person,
            data=DoseData(
                number=dose.number,
                given_on=dose.given_on,
                vaccine=dose.vaccine,
                lot=dose.lot,
                # A place outside the list: the dose is on the approving unit's record.
                unit=dose.unit or request.unit,
            ),
            source=DoseSource.CORRECTION,
            correction=request,
            by=by,
            ip=ip,
            reissue=False,
        )
    certificate = certificate_reissue(
        person=request.person,
        reason=_("Cấp lại sau phản ánh %(code)s") % {"code": request.tracking_code},
    )
    _link_to_account(request)
    request.status = CorrectionStatus.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = by
    request.certificate = certificate
    request.full_clean()
    request.save(update_fields=["status", "decided_at", "decided_by", "certificate"])
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=request,
        person=request.person,
        area=request.unit.area,
        ip=ip,
        detail={"decision": "approve", "certificate": certificate.uvci if certificate else None},
    )
    _sms(request, "approved")
    return request


@transaction.atomic
def correction_reject(
    *, request: CorrectionRequest, by: User, reason: str, note: str = "", ip: str | None = None
) -> CorrectionRequest:
    """Not added, with a coded reason (and a note, required for "other"); texted."""
    request = _locked_pending(request)
    if reason not in RejectReason.values:
        raise _error("reason", _("Chọn lý do không cập nhật."), "reason_required")
    note = " ".join((note or "").split())
    if reason == RejectReason.OTHER and not note:
        raise _error("note", _("Ghi rõ lý do khác."), "note_required")
    request.status = CorrectionStatus.REJECTED
    request.reject_reason = reason
    request.decision_note = note[:500]
    request.decided_at = timezone.now()
    request.decided_by = by
    request.full_clean()
    request.save(
        update_fields=["status", "reject_reason", "decision_note", "decided_at", "decided_by"]
    )
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=request,
        person=request.person,
        area=request.unit.area,
        ip=ip,
        detail={"decision": "reject", "reason": reason, "note": request.decision_note},
    )
    _sms(request, "rejected", reason=str(RejectReason(reason).label))
    return request


def corrections_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Mark the requests past their deadline as escalated to the province (its admins
    see them in their list), and text each citizen once. Returns how many."""
    now = now or timezone.now()
    count = 0
    overdue = CorrectionRequest.objects.filter(
        status=CorrectionStatus.PENDING, escalated_at__isnull=True, due_at__lt=now
    ).values_list("pk", flat=True)
    for pk in list(overdue[:500]):
        with transaction.atomic():
            request = (
                CorrectionRequest.objects.select_for_update()
                .select_related("unit", "area")
                .get(pk=pk)
            )
            if request.status != CorrectionStatus.PENDING or request.escalated_at is not None:
                continue
            request.escalated_at = now
            request.save(update_fields=["escalated_at"])
            log_action(
                actor=None,
                action=AuditAction.DECIDE,
                obj=request,
                person=request.person,
                area=request.unit.area,
                detail={"decision": "escalate", "due_at": request.due_at.isoformat()},
            )
            _sms(request, "escalated")
            count += 1
    return count
