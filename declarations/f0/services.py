"""Every state change of an F0 declaration. Each writes its event, its audit record
(staff decisions) and its SMS in the same transaction."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.areas.models import Area, ward_of
from khaibao.audit.services import AuditAction, log_action
from khaibao.lib.dates import date_text
from khaibao.notify.services import sms_queue
from khaibao.people.models import ManagedPerson, Person
from khaibao.rules.selectors import RulesInForce, sms_text
from khaibao.trust.services import IssuedCode, kb1_cert_id_new, qr_issue_kb1
from khaibao.uploads.images import PreparedPhoto
from khaibao.uploads.models import Photo
from khaibao.uploads.services import photo_check_owner, photo_store

from ..homecare.services import homecare_end_for_declaration, homecare_enrol_from_f0
from ..labresults.models import LabResult, ResultStatus, TestOutcome
from .checks import cccd_check, reused_test_photo
from .models import (
    FORM_PHOTOS,
    OPEN_STATUSES,
    F0Declaration,
    F0Draft,
    F0Event,
    F0Status,
    RejectReason,
)
from .rules import F0_SMS, f0_timing

CASE_CODE_PREFIX = "F0"
REMIND_COOLDOWN = datetime.timedelta(hours=1)


# -- rules the citizen meets on the page -----------------------------------------------


def test_date_window(
    *, area: Area | None, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The test dates that may be declared today (inclusive), by the rules of `area`'s
    province (the isolation address; the person's home where it is not known yet)."""
    today = today or timezone.localdate()
    days = f0_timing(area)["test_date_window_days"]
    return today - datetime.timedelta(days=days), today


def test_date_allowed(test_date: datetime.date, *, area: Area | None) -> bool:
    first, last = test_date_window(area=area)
    return first <= test_date <= last


def completion_opens_on(
    declaration: F0Declaration, at: datetime.datetime | None = None
) -> datetime.date:
    """The first day isolation completion may be declared, by the isolation days in force
    at `at` (default now): a province that lengthens isolation moves open cases too."""
    days = f0_timing(declaration.isolation_area, at)["isolation_days"]
    return declaration.test_date + datetime.timedelta(days=days)


def decision_hours(declaration: F0Declaration, at: datetime.datetime | None = None) -> int:
    return f0_timing(declaration.isolation_area, at)["decision_hours"]


def decision_overdue(declaration: F0Declaration, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    hours = decision_hours(declaration, now)
    return now - declaration.submitted_at >= datetime.timedelta(hours=hours)


# -- drafts -------------------------------------------------------------------------------


def f0_draft_get_or_create(*, account: User, person: Person) -> F0Draft:
    draft, _created = F0Draft.objects.get_or_create(
        account=account, person=person, defaults={"submission_key": uuid.uuid4()}
    )
    return draft


@transaction.atomic
def f0_draft_save(
    *,
    account: User,
    person: Person,
    data: dict,
    test_photo: Photo | None = None,
    id_photo: Photo | None = None,
) -> F0Draft:
    """Merge what the citizen has typed so far (strings only) into their draft."""
    draft = f0_draft_get_or_create(account=account, person=person)
    draft = F0Draft.objects.select_for_update().get(pk=draft.pk)
    draft.data = {**draft.data, **{key: str(value)[:500] for key, value in data.items()}}
    photo_check_owner(test_photo, id_photo, person_id=person.pk)
    for name, photo in (("test_photo", test_photo), ("id_photo", id_photo)):
        if photo is not None:
            setattr(draft, name, photo)
    draft.save()
    return draft


@transaction.atomic
def f0_form_save(
    *,
    account: User,
    person: Person,
    data: dict | None,
    photos: dict[str, PreparedPhoto | Photo | None],
) -> tuple[dict[str, Photo], dict[str, ValidationError]]:
    """What a posted F0 form leaves behind before it is filed (or when it has errors).

    1. Each photo posted with the form (no JavaScript: a PreparedPhoto) is stored at
       once, so it is kept even when the rest of the form must be fixed.
    2. With `data` (the declaration form, not the resubmission), the draft is saved with
       those answers and the photos now chosen.
    Returns the photos stored, and each photo's refusal by field name.
    """
    stored: dict[str, Photo] = {}
    errors: dict[str, ValidationError] = {}
    for name, value in photos.items():
        if isinstance(value, PreparedPhoto):
            try:
                with transaction.atomic():
                    stored[name] = photo_store(
                        upload=value, kind=FORM_PHOTOS[name], person=person, uploaded_by=account
                    )
            except ValidationError as exc:
                errors[name] = exc
    if data is not None:
        chosen = {
            name: stored.get(name, value if isinstance(value, Photo) else None)
            for name, value in photos.items()
            if name not in errors
        }
        f0_draft_save(account=account, person=person, data=data, **chosen)
    return stored, errors


# -- submission ---------------------------------------------------------------------------


def _event(
    declaration: F0Declaration, *, actor=None, note: str = "", rules: RulesInForce | None = None
) -> None:
    """One step of the history, with the version of the rules it was decided under."""
    rules = rules or f0_timing(declaration.isolation_area)
    F0Event.objects.create(
        declaration=declaration,
        status=declaration.status,
        actor=actor,
        note=note[:500],
        rules_version_id=rules.version_id,
    )


def sms_recipients(declaration: F0Declaration) -> list[tuple[str, str]]:
    """Who gets a declaration's status texts, each with the link that opens for them.

    1. The account that filed the declaration: it manages the person, so its link is
       the declaration's status page.
    2. The contact phone, when it is another number (a relative declared for the
       patient, or the patient gave their own phone): the station calls this number, so
       it reads the same news. Its link is the status page too when an account of that
       phone manages the person; otherwise the status page would be a 404 for it, and
       the link is the lookup (/f0/hoan-thanh/tim/), where name, birth date and this
       phone find the declaration and add the person to that account.
    """
    public_url = settings.KHAIBAO_PUBLIC_URL.rstrip("/")
    status_link = public_url + declaration.get_absolute_url()
    lookup_link = public_url + reverse("declarations:completion-find")
    # A case a lab's result opened has nobody who declared it: the contact phone only.
    declarer_phone = getattr(declaration.declared_by, "phone", "") or ""
    phones = [declarer_phone, declaration.contact_phone]
    phones = [phone for index, phone in enumerate(phones) if phone and phone not in phones[:index]]
    managing = set(
        ManagedPerson.objects.filter(
            person=declaration.person_id, account__phone__in=phones
        ).values_list("account__phone", flat=True)
    )
    return [(phone, status_link if phone in managing else lookup_link) for phone in phones]


def _sms(declaration: F0Declaration, text: str, **values) -> None:
    """Queue the F0 text `text` (a field of the f0_sms rule in force for the isolation
    area) to each recipient, with the link that opens for that phone."""
    person = declaration.person
    for phone, link in sms_recipients(declaration):
        body = sms_text(
            F0_SMS,
            text,
            declaration.isolation_area,
            ho_ten=person.full_name,
            ma_ca=declaration.case_code or "",
            duong_dan=link,
            tong_dai=settings.KHAIBAO_HOTLINE,
            **values,
        )
        sms_queue(to=phone, body=body, purpose=f"f0_{text}")


@transaction.atomic
def f0_submit(
    *,
    account: User,
    person: Person,
    relationship: str,
    submission_key: uuid.UUID,
    test_date: datetime.date,
    test_type: str,
    test_photo: Photo,
    id_photo: Photo,
    isolation_area: Area,
    isolation_street: str,
    contact_phone: str,
    guardian_name: str = "",
    vaccine_doses: int = 0,
    last_dose_date: datetime.date | None = None,
    last_vaccine: str = "",
    symptoms: list[str] | None = None,
    conditions: list[str] | None = None,
    other_conditions: str = "",
    pregnant: bool = False,
) -> F0Declaration:
    """File a declaration from a validated form.

    1. The same `submission_key` again (a double tap, a resent POST) returns the
       declaration already filed: one declaration, never two.
    2. The test date window and "one open declaration per person" are checked; the
       view shows them as pages, this re-checks them under a lock.
    3. The CCCD photo's own QR and the test photo's perceptual hash are checked; what
       they find is recorded for the station, never a reason to refuse.
    4. The draft is removed, the event, and the "received" SMS are written.
    """
    existing = F0Declaration.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing
    # Serialise submissions for one person: the open check and the insert must not race.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    # A concurrent submit of the same page may have committed while this one waited for
    # the lock: it is the same declaration, not a second open one.
    existing = F0Declaration.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing
    if not test_date_allowed(test_date, area=isolation_area):
        raise ValidationError(
            {
                "test_date": ValidationError(
                    _("Ngày test nằm ngoài thời gian được khai báo."), code="test_date"
                )
            }
        )
    if F0Declaration.objects.filter(person=person, status__in=OPEN_STATUSES).exists():
        raise ValidationError(
            _("Người này đang có một khai báo F0 chưa kết thúc."), code="open_declaration"
        )
    photo_check_owner(test_photo, id_photo, person_id=person.pk)
    declaration = F0Declaration(
        person=person,
        declared_by=account,
        relationship=relationship,
        submission_key=submission_key,
        status=F0Status.SUBMITTED,
        submitted_at=timezone.now(),
        test_date=test_date,
        test_type=test_type,
        test_photo=test_photo,
        id_photo=id_photo,
        isolation_area=isolation_area,
        isolation_street=isolation_street,
        contact_phone=contact_phone,
        guardian_name=guardian_name,
        vaccine_doses=vaccine_doses,
        last_dose_date=last_dose_date,
        last_vaccine=last_vaccine,
        symptoms=sorted(set(symptoms or [])),
        conditions=sorted(set(conditions or [])),
        other_conditions=other_conditions,
        pregnant=pregnant,
        cccd_mismatch=cccd_check(person=person, id_photo=id_photo),
        reused_photo_of=reused_test_photo(person=person, test_photo=test_photo),
    )
    declaration.full_clean()
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        # The same key filed by a concurrent request a moment ago.
        existing = F0Declaration.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing
    F0Draft.objects.filter(account=account, person=person).delete()
    _event(declaration, actor=account)
    _sms(declaration, "submitted")
    return declaration


@transaction.atomic
def f0_resubmit(
    *,
    declaration: F0Declaration,
    account: User,
    test_date: datetime.date,
    test_type: str,
    test_photo: Photo,
    id_photo: Photo,
    isolation_area: Area,
    isolation_street: str,
    contact_phone: str,
    guardian_name: str = "",
) -> F0Declaration:
    """Fix a rejected declaration and send it back to the station; photos not replaced
    are kept."""
    declaration = F0Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != F0Status.REJECTED:
        raise ValidationError(
            _("Chỉ khai báo bị từ chối mới được sửa và gửi lại."), code="not_rejected"
        )
    if (
        not test_date_allowed(test_date, area=declaration.isolation_area)
        and test_date != declaration.test_date
    ):
        raise ValidationError(
            {
                "test_date": ValidationError(
                    _("Ngày test nằm ngoài thời gian được khai báo."), code="test_date"
                )
            }
        )
    declaration.test_date, declaration.test_type = test_date, test_type
    declaration.test_photo, declaration.id_photo = test_photo, id_photo
    declaration.isolation_area, declaration.isolation_street = isolation_area, isolation_street
    declaration.contact_phone, declaration.guardian_name = contact_phone, guardian_name
    declaration.cccd_mismatch = cccd_check(person=declaration.person, id_photo=id_photo)
    declaration.reused_photo_of = reused_test_photo(
        person=declaration.person, test_photo=test_photo, exclude=declaration.pk
    )
    declaration.status = F0Status.SUBMITTED
    declaration.submitted_at = timezone.now()
    declaration.reject_reason, declaration.reject_note = "", ""
    declaration.decided_at = declaration.decided_by = None
    declaration.reminded_at = declaration.escalated_at = None
    declaration.full_clean()
    declaration.save()
    _event(declaration, actor=account, note=_("Gửi lại sau khi bổ sung"))
    _sms(declaration, "submitted")
    return declaration


@transaction.atomic
def f0_remind(*, declaration: F0Declaration, account: User) -> bool:
    """The citizen's "remind the station". Returns True when it went to the province
    admin (the decision is overdue), False when the station was reminded."""
    declaration = F0Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != F0Status.SUBMITTED:
        raise ValidationError(_("Khai báo này đã được Trạm Y tế xử lý."), code="already_decided")
    now = timezone.now()
    escalated = decision_overdue(declaration, now)
    # One reminder an hour is enough for the station; a reminder that now escalates
    # (the deadline passed since the last one) always goes through.
    recently = declaration.reminded_at and now - declaration.reminded_at < REMIND_COOLDOWN
    if recently and not (escalated and declaration.escalated_at is None):
        raise ValidationError(
            _("Bạn đã nhắc lúc %(time)s. Trạm Y tế đã nhận được lời nhắc; vui lòng đợi thêm.")
            % {"time": timezone.localtime(declaration.reminded_at).strftime("%H:%M")},
            code="remind_cooldown",
        )
    declaration.reminded_at = now
    if escalated and declaration.escalated_at is None:
        declaration.escalated_at = now
    declaration.save(update_fields=["reminded_at", "escalated_at"])
    _event(
        declaration,
        actor=account,
        note=_("Người dân nhắc Sở Y tế vì quá hạn xử lý")
        if escalated
        else _("Người dân nhắc Trạm Y tế"),
    )
    return escalated


# -- staff decisions ----------------------------------------------------------------------


def _record_decision(
    declaration: F0Declaration,
    *,
    by: User,
    ip: str | None,
    detail: dict,
    sms: str,
    note: str = "",
    sms_values: dict | None = None,
) -> None:
    """What every staff decision leaves behind: its event and its audit record, each with
    the version of the rules it was decided under, and its SMS."""
    rules = f0_timing(declaration.isolation_area)
    _event(declaration, actor=by, note=note, rules=rules)
    log_action(
        actor=by,
        action=AuditAction.DECIDE,
        obj=declaration,
        person=declaration.person,
        area=declaration.isolation_area,
        ip=ip,
        detail={**detail, "rules_version": rules.version_id, "rules": rules.label},
    )
    _sms(declaration, sms, **(sms_values or {}))


def _locked_for_decision(declaration: F0Declaration, expected: str) -> F0Declaration:
    # Lock only the declaration row: decisions in one village must not queue on the
    # shared area row (PostgreSQL would lock every joined table otherwise).
    locked = (
        F0Declaration.objects.select_for_update(of=("self",))
        .select_related("person", "isolation_area")
        .get(pk=declaration.pk)
    )
    if locked.status != expected:
        raise ValidationError(
            _("Khai báo này đang ở trạng thái “%(status)s”, không thể thực hiện thao tác này.")
            % {"status": locked.get_status_display()},
            code="wrong_status",
        )
    return locked


def _case_code(declaration: F0Declaration) -> str:
    ward = ward_of(declaration.isolation_area)
    return f"{CASE_CODE_PREFIX}-{ward.code}-{declaration.pk:06d}"


@transaction.atomic
def f0_accept(*, declaration: F0Declaration, by: User, ip: str | None = None) -> F0Declaration:
    declaration = _locked_for_decision(declaration, F0Status.SUBMITTED)
    declaration.status = F0Status.ACCEPTED
    declaration.case_code = _case_code(declaration)
    declaration.decided_at, declaration.decided_by = timezone.now(), by
    declaration.full_clean()
    declaration.save()
    _record_decision(
        declaration,
        by=by,
        ip=ip,
        detail={"decision": "accept"},
        sms="accepted",
        sms_values={"ngay_hoan_thanh": date_text(completion_opens_on(declaration))},
    )
    # Home care starts at the isolation address; the acceptance text is its notice.
    homecare_enrol_from_f0(declaration=declaration, by=by, ip=ip)
    return declaration


@transaction.atomic
def f0_reject(
    *, declaration: F0Declaration, by: User, reason: str, note: str = "", ip: str | None = None
) -> F0Declaration:
    if reason not in RejectReason.values:
        raise ValidationError(
            {"reason": ValidationError(_("Chọn lý do từ chối."), code="reason_required")}
        )
    if reason == RejectReason.OTHER and not note.strip():
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Ghi rõ lý do để người dân biết cần sửa gì."), code="note_required"
                )
            }
        )
    declaration = _locked_for_decision(declaration, F0Status.SUBMITTED)
    declaration.status = F0Status.REJECTED
    declaration.reject_reason, declaration.reject_note = reason, note.strip()
    declaration.decided_at, declaration.decided_by = timezone.now(), by
    declaration.full_clean()
    declaration.save()
    reason_text = str(declaration.get_reject_reason_display())
    # One sentence for the text and the history: the template ends it with its own full
    # stop, so a note that ends with one ("... 02/12.") must not give "02/12..".
    sentence = (
        f"{reason_text} - {declaration.reject_note}" if declaration.reject_note else reason_text
    )
    _record_decision(
        declaration,
        by=by,
        ip=ip,
        detail={"decision": "reject", "reason": reason},
        sms="rejected",
        note=f"{reason_text}. {declaration.reject_note}"
        if declaration.reject_note
        else reason_text,
        sms_values={"ly_do": sentence.rstrip(" .")},
    )
    return declaration


# -- isolation completion -----------------------------------------------------------------


@transaction.atomic
def f0_completion_request(
    *,
    declaration: F0Declaration,
    account: User,
    negative_test_date: datetime.date | None = None,
    photo: Photo | None = None,
    lab_result: LabResult | None = None,
) -> F0Declaration:
    """The negative test that ends isolation: a photo of it, or one of the person's lab
    results. A lab result (current, negative, sampled on or after the day completion
    opens) stands for the photo and its sample day for the test date; it joins the case
    (LabResult.case, when it has none) and its sample id goes in the case's history.
    The station confirms either way."""
    declaration = F0Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != F0Status.ACCEPTED:
        raise ValidationError(
            _("Chỉ khai báo đã được tiếp nhận mới khai hoàn thành cách ly."), code="not_accepted"
        )
    today = timezone.localdate()
    if today < completion_opens_on(declaration):
        raise ValidationError(
            _("Từ ngày %(date)s mới khai báo hoàn thành cách ly được.")
            % {"date": date_text(completion_opens_on(declaration))},
            code="too_early",
        )
    note = ""
    if lab_result is not None:
        lab_result = LabResult.objects.select_for_update().get(pk=lab_result.pk)
        if (
            lab_result.person_id != declaration.person_id
            or lab_result.status != ResultStatus.CURRENT
            or lab_result.outcome != TestOutcome.NEGATIVE
            or timezone.localdate(lab_result.sampled_at) < completion_opens_on(declaration)
            or lab_result.case_id not in (None, declaration.pk)
        ):
            raise ValidationError(
                {
                    "lab_result": ValidationError(
                        _("Không dùng được kết quả xét nghiệm này. Hãy chọn lại."),
                        code="lab_result",
                    )
                }
            )
        if lab_result.case_id is None:
            LabResult.objects.filter(pk=lab_result.pk).update(case=declaration)
        negative_test_date, photo = timezone.localdate(lab_result.sampled_at), None
        note = _("Kết quả xét nghiệm âm tính %(sample)s của %(lab)s") % {
            "sample": lab_result.sample_id,
            "lab": lab_result.lab.name,
        }
    elif photo is None:
        raise ValidationError(
            {"photo": ValidationError(_("Hãy chọn hoặc chụp một ảnh."), code="required")}
        )
    if negative_test_date is None or not declaration.test_date < negative_test_date <= today:
        raise ValidationError(
            {
                "negative_test_date": ValidationError(
                    _("Ngày test âm tính phải sau ngày test dương tính và không sau hôm nay."),
                    code="negative_test_date",
                )
            }
        )
    photo_check_owner(photo, person_id=declaration.person_id)
    declaration.status = F0Status.COMPLETION_REQUESTED
    declaration.completion_test_date, declaration.completion_photo = negative_test_date, photo
    declaration.completion_requested_at, declaration.completion_refusal = timezone.now(), ""
    declaration.full_clean()
    declaration.save()
    _event(declaration, actor=account, note=note)
    _sms(declaration, "completion_requested")
    return declaration


def _completion_certificate(
    declaration: F0Declaration, *, cert_id: str, issued_at: datetime.datetime
) -> IssuedCode:
    """The KB1 "completion" code of a declaration. Signatures are deterministic (RFC 6979)
    and every input is stored on the declaration, so the same arguments give the same
    text: the certificate page re-issues it instead of storing it."""
    person = declaration.person
    completed_on = timezone.localdate(issued_at, timezone.get_default_timezone())
    return qr_issue_kb1(
        kind="completion",
        subject_id=str(person.public_id),
        claims={
            "name": person.full_name,
            "birth_date": person.date_of_birth.isoformat(),
            "case": declaration.case_code,
            "from": declaration.test_date.isoformat(),
            "to": completed_on.isoformat(),
        },
        # The validity in force when it was issued: re-issuing the text later must give
        # the same code even after the province changes the rule.
        valid_for=datetime.timedelta(
            days=f0_timing(declaration.isolation_area, issued_at)["certificate_valid_days"]
        ),
        cert_id=cert_id,
        issued_at=issued_at,
    )


def completion_certificate_text(declaration: F0Declaration) -> str:
    """The signed QR text of a completed declaration's certificate, identical on every call
    (as long as the person's name and the signing key stay)."""
    if declaration.status != F0Status.COMPLETED or not declaration.certificate_id:
        raise ValueError("only a completed declaration has a completion certificate")
    return _completion_certificate(
        declaration, cert_id=declaration.certificate_id, issued_at=declaration.completed_at
    ).text


@transaction.atomic
def f0_completion_confirm(
    *, declaration: F0Declaration, by: User, ip: str | None = None
) -> F0Declaration:
    declaration = _locked_for_decision(declaration, F0Status.COMPLETION_REQUESTED)
    # Whole seconds: the code's issued-at has no fraction, and completed_at must be it.
    now = timezone.now().replace(microsecond=0)
    issued = _completion_certificate(
        declaration, cert_id=kb1_cert_id_new("completion"), issued_at=now
    )
    declaration.status = F0Status.COMPLETED
    declaration.completed_at, declaration.certificate_id = now, issued.cert_id
    declaration.full_clean()
    declaration.save()
    _record_decision(
        declaration,
        by=by,
        ip=ip,
        detail={"decision": "completion_confirm"},
        sms="completed",
    )
    homecare_end_for_declaration(declaration=declaration, by=by, ip=ip)
    return declaration


@transaction.atomic
def f0_completion_refuse(
    *, declaration: F0Declaration, by: User, reason: str, ip: str | None = None
) -> F0Declaration:
    if not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Ghi rõ lý do để người dân biết cần làm gì."), code="reason_required"
                )
            }
        )
    declaration = _locked_for_decision(declaration, F0Status.COMPLETION_REQUESTED)
    declaration.status = F0Status.ACCEPTED
    declaration.completion_refusal = reason.strip()[:500]
    declaration.full_clean()
    declaration.save()
    _record_decision(
        declaration,
        by=by,
        ip=ip,
        detail={"decision": "completion_refuse"},
        sms="completion_refused",
        note=declaration.completion_refusal,
        sms_values={"ly_do": declaration.completion_refusal.rstrip(" .")},
    )
    return declaration
