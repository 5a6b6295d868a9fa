"""Writing lab results: the one service behind the admin form, the CSV upload and the
token API (seed 004), and what a positive result sets off.

A result is keyed by its lab's own sample id. The same result sent again changes
nothing; a different result under the same sample id is refused ("sample_conflict"):
a wrong result is corrected with result_correct(), which issues a new certificate and
revokes the old one.

A positive result, in one transaction with the result itself (seed 004 and the F0
flow of seed 000): the accepted F0 case in the ward of the person's address (or the
citizen's own open declaration, accepted if it was waiting: one case, never two), the
station's text, the home-care enrolment and the citizen's text. If any step fails,
none of it happens.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import Unit, User
from khaibao.accounts.roles import Role
from khaibao.areas.models import Area, ward_of
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.links import public_link
from khaibao.lib.normalize import clean_text, normalize_phone
from khaibao.notify.services import sms_queue
from khaibao.people.ids import IdType
from khaibao.people.matching import person_find_or_create, typed_id_number
from khaibao.people.models import Person
from khaibao.rules.selectors import sms_text
from khaibao.trust.hcert import uvci_new
from khaibao.trust.services import certificate_revoke

from ..f0.models import OPEN_STATUSES, CaseSource, F0Declaration, F0Status, TestType
from ..f0.services import _case_code, _event, f0_accept
from ..homecare.models import CareSource
from ..homecare.services import homecare_enrol
from .models import LabResult, LabToken, ResultStatus, TestOutcome
from .rules import LABRESULTS_SMS, lab_rules

# A lab's clock and ours may differ a little; a result "from the future" beyond this is
# a typing error.
FUTURE_SLACK = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class ResultData:
    """One result as a lab sends it, already parsed (form, CSV row or API record)."""

    sample_id: str
    full_name: str
    date_of_birth: datetime.date
    sex: str
    id_type: str
    id_number: str
    phone: str
    area: Area
    street_address: str
    test_type: str
    outcome: str
    sampled_at: datetime.datetime
    resulted_at: datetime.datetime


@dataclass(frozen=True)
class Recorded:
    result: LabResult
    created: bool


# -- checks -------------------------------------------------------------------------------


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _checked(data: ResultData, now: datetime.datetime) -> ResultData:
    """The fields every way in must get right, with the same messages and codes."""
    sample_id = clean_text(data.sample_id)
    if not sample_id:
        raise _error("sample_id", _("Nhập mã mẫu của đơn vị."), "required")
    if not clean_text(data.phone):
        raise _error("phone", _("Nhập số điện thoại khi lấy mẫu (bắt buộc)."), "required")
    try:
        phone = normalize_phone(data.phone)
    except ValidationError:
        raise _error(
            "phone",
            _("Số điện thoại khi lấy mẫu không đúng, ví dụ 0912 345 678."),
            "invalid_phone",
        ) from None
    if data.sampled_at > now + FUTURE_SLACK:
        raise _error("sampled_at", _("Giờ lấy mẫu không được ở tương lai."), "future")
    if data.resulted_at > now + FUTURE_SLACK:
        raise _error("resulted_at", _("Giờ có kết quả không được ở tương lai."), "future")
    if data.resulted_at < data.sampled_at:
        raise _error(
            "resulted_at", _("Giờ có kết quả phải sau giờ lấy mẫu."), "result_before_sample"
        )
    if data.area.level not in ("ward", "village"):
        raise _error(
            "area", _("Chọn phường / xã (hoặc thôn) nơi ở của người được xét nghiệm."), "area"
        )
    id_number = typed_id_number(data.id_number)
    id_type = data.id_type if id_number else IdType.NONE
    return ResultData(
        **{
            **data.__dict__,
            "sample_id": sample_id,
            "phone": phone,
            "id_number": id_number,
            "id_type": id_type,
            "full_name": clean_text(data.full_name),
        }
    )


def _same(result: LabResult, data: ResultData) -> bool:
    """Whether a stored result is this one sent again (the person is not compared: it
    was matched, and may have been merged since)."""
    return (
        result.outcome == data.outcome
        and result.test_type == data.test_type
        and result.sampled_at == data.sampled_at
        and result.resulted_at == data.resulted_at
    )


# -- the person ---------------------------------------------------------------------------


def person_for_result(data: ResultData, *, by: User | None) -> Person:
    """The person a result is about, by the portal's one matching rule."""
    return person_find_or_create(data, by=by)


# -- recording ----------------------------------------------------------------------------


def _lateness(resulted_at, entered_at, rules) -> tuple[int, bool]:
    delay = max(0, int((entered_at - resulted_at).total_seconds()))
    return delay, delay > rules["entry_deadline_hours"] * 3600


def result_record(
    *,
    lab: Unit,
    data: ResultData,
    source: str,
    by: User | None = None,
    token: LabToken | None = None,
    ip: str | None = None,
) -> Recorded:
    """Record one result (see the module's docstring). Raises ValidationError with a
    field and a code for anything wrong; nothing is saved then."""
    if lab.role != Role.LAB or not lab.is_active:
        raise ValidationError(
            _("Đơn vị này không phải đơn vị xét nghiệm đang hoạt động."), code="lab"
        )
    now = timezone.now()
    data = _checked(data, now)
    existing = LabResult.objects.filter(
        lab=lab, sample_id=data.sample_id, status=ResultStatus.CURRENT
    ).first()
    if existing is not None:
        return _again(existing, data)
    try:
        with transaction.atomic():
            result = _create(lab=lab, data=data, source=source, by=by, token=token, now=now)
            if by is not None:
                log_action(
                    actor=by,
                    action=AuditAction.CREATE,
                    obj=result,
                    person=result.person,
                    area=result.area,
                    ip=ip,
                    detail={"sample_id": result.sample_id, "source": source},
                )
    except IntegrityError:
        # The same sample filed a moment ago by a concurrent request (a retried batch).
        existing = LabResult.objects.filter(
            lab=lab, sample_id=data.sample_id, status=ResultStatus.CURRENT
        ).first()
        if existing is None:
            raise
        return _again(existing, data)
    return Recorded(result, created=True)


def _again(existing: LabResult, data: ResultData) -> Recorded:
    if _same(existing, data):
        return Recorded(existing, created=False)
    raise _error(
        "sample_id",
        _(
            "Mã mẫu %(sample)s đã có kết quả khác. Nếu kết quả trước bị sai, hãy đính chính "
            "kết quả đó thay vì gửi lại."
        )
        % {"sample": data.sample_id},
        "sample_conflict",
    )


def _create(*, lab, data: ResultData, source, by, token, now, replaces=None, note="") -> LabResult:
    rules = lab_rules(data.area, now)
    if replaces is not None:
        # A correction is not a late entry: the result keeps the timeliness it had.
        delay, late = replaces.delay_seconds, replaces.is_late
    else:
        delay, late = _lateness(data.resulted_at, now, rules)
    result = LabResult(
        lab=lab,
        sample_id=data.sample_id,
        person=person_for_result(data, by=by),
        area=data.area,
        phone=data.phone,
        test_type=data.test_type,
        outcome=data.outcome,
        sampled_at=data.sampled_at,
        resulted_at=data.resulted_at,
        entered_at=now,
        delay_seconds=delay,
        is_late=late,
        source=source,
        entered_by=by,
        token=token,
        replaces=replaces,
        correction_note=note,
        certificate_id=uvci_new() if data.outcome != TestOutcome.INVALID else "",
        rules_version_id=rules.version_id,
    )
    result.full_clean(exclude=["person", "lab", "area", "entered_by", "token", "replaces"])
    result.save()
    if result.outcome == TestOutcome.POSITIVE:
        case_open_from_result(result, by=by)
    result_ready_sms(result)
    return result


def result_data_of(result: LabResult, **changes) -> ResultData:
    person = result.person
    fields = {
        "sample_id": result.sample_id,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "phone": result.phone,
        "area": result.area,
        "street_address": person.street_address,
        "test_type": result.test_type,
        "outcome": result.outcome,
        "sampled_at": result.sampled_at,
        "resulted_at": result.resulted_at,
    }
    return ResultData(**{**fields, **changes})


@transaction.atomic
def result_correct(
    *, result: LabResult, outcome: str, note: str, by: User, ip: str | None = None
) -> LabResult:
    """The lab's correction of a wrong result: a new result replaces it with its own
    certificate; the old certificate is revoked. A correction to positive opens the case
    as any positive result does; a case opened by the wrong positive stays for the
    station to close (a person may be ill whatever the test said)."""
    locked = LabResult.objects.select_for_update().get(pk=result.pk)
    if locked.status != ResultStatus.CURRENT:
        raise ValidationError(
            _("Kết quả này đã được đính chính trước đó."), code="already_corrected"
        )
    if outcome == locked.outcome:
        raise _error("outcome", _("Kết quả đính chính giống kết quả cũ."), "unchanged")
    note = clean_text(note)
    if not note:
        raise _error("note", _("Ghi lý do đính chính."), "required")
    locked.status = ResultStatus.CORRECTED
    locked.save(update_fields=["status"])
    if locked.certificate_id:
        certificate_revoke(
            cert_id=locked.certificate_id,
            reason="superseded",
            by=by,
            person=locked.person,
            ip=ip,
        )
    now = timezone.now()
    data = _checked(result_data_of(locked, outcome=outcome), now)
    corrected = _create(
        lab=locked.lab,
        data=data,
        source=locked.source,
        by=by,
        token=None,
        now=now,
        replaces=locked,
        note=note,
    )
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=corrected,
        person=corrected.person,
        area=corrected.area,
        ip=ip,
        detail={"decision": "correct", "from": locked.outcome, "to": outcome, "note": note},
    )
    return corrected


# -- what a result sets off ----------------------------------------------------------------


def result_ready_sms(result: LabResult) -> None:
    """The citizen's text: the result is ready, with the link. Never the result itself
    (health data, on a phone that others may read)."""
    body = sms_text(
        LABRESULTS_SMS,
        "ready",
        result.area,
        ho_ten=result.person.full_name,
        duong_dan=public_link(reverse("declarations:labresults-home")),
    )
    sms_queue(to=result.phone, body=body, purpose="labresult_ready")


def station_phones(area: Area) -> list[str]:
    """The duty phones of the ward station of `area` (a ward or a village)."""
    ward = ward_of(area)
    return list(
        Unit.objects.filter(role=Role.WARD_STATION, area=ward, is_active=True)
        .exclude(phone="")
        .values_list("phone", flat=True)
    )


def _tell_station(declaration: F0Declaration, result: LabResult) -> None:
    """The station's text: a case (new, or its own waiting declaration) accepted on a
    lab's positive result, with the link to the case."""
    for phone in station_phones(declaration.isolation_area):
        body = sms_text(
            LABRESULTS_SMS,
            "station_case",
            declaration.isolation_area,
            ma_f0=declaration.case_code,
            phuong=ward_of(declaration.isolation_area).name,
            don_vi=result.lab.name,
            duong_dan=public_link(
                reverse("admin:declarations_f0declaration_change", args=[declaration.pk])
            ),
        )
        sms_queue(to=phone, body=body, purpose="labresult_station_case")


def case_open_from_result(result: LabResult, *, by: User | None) -> F0Declaration:
    """The F0 case of a positive result (the pipeline; see the module's docstring)."""
    person = result.person
    # Serialise with the citizen's own F0 submit for this person (f0_submit locks it).
    Person.objects.select_for_update().filter(pk=person.pk).first()
    declaration = (
        F0Declaration.objects.filter(person=person, status__in=OPEN_STATUSES)
        .select_related("person", "isolation_area")
        .first()
    )
    if declaration is not None:
        # The same infection: the result joins the citizen's own declaration. One still
        # waiting for the station is accepted on the lab's result, and the station told.
        if declaration.status == F0Status.SUBMITTED:
            declaration = f0_accept(declaration=declaration, by=by)
            _tell_station(declaration, result)
        LabResult.objects.filter(pk=result.pk).update(case=declaration)
        result.case = declaration
        return declaration
    now = timezone.now()
    declaration = F0Declaration(
        person=person,
        source=CaseSource.LAB,
        declared_by=None,
        relationship="",
        status=F0Status.ACCEPTED,
        isolation_area=result.area,
        isolation_street=person.street_address or "",
        contact_phone=result.phone,
        test_date=timezone.localdate(result.sampled_at),
        test_type=TestType.PCR if result.test_type == "pcr" else TestType.RAPID,
        submitted_at=now,
        decided_at=now,
        decided_by=by,
        submission_key=uuid.uuid4(),
        case_code=f"tmp-{uuid.uuid4().hex[:24]}",  # the real code needs the row's id
    )
    declaration.full_clean(exclude=["person", "isolation_area", "declared_by", "decided_by"])
    declaration.save()
    declaration.case_code = _case_code(declaration)
    declaration.save(update_fields=["case_code"])
    _event(
        declaration,
        actor=by,
        note=_("Mở từ kết quả xét nghiệm %(sample)s") % {"sample": result.sample_id},
    )
    LabResult.objects.filter(pk=result.pk).update(case=declaration)
    result.case = declaration
    _tell_station(declaration, result)
    homecare_enrol(
        person=person,
        source=CareSource.LAB,
        area=result.area,
        street=declaration.isolation_street,
        phone=result.phone,
        onset_date=declaration.test_date,
        declaration=declaration,
        by=by,
        # The citizen's "result ready" text follows; home care's page is one tap away.
        notify=False,
    )
    return declaration
