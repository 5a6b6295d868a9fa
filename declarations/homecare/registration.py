"""Self-registration for home care (seed 002, part 1), anonymous or signed in.

1. The form (`register`): the patient, the positive test, the health status and the
   screening questions of QĐ 261/QĐ-BYT, the isolation address and a mobile number.
   Valid answers are kept in the session (as posted, so nothing is lost on a wrong code)
   and a code is sent to the number by the portal's own OTP machinery (accounts.otp:
   the same limits, captcha threshold and session binding as the login). A browser
   already signed in with that number skips the code.
2. The code (`register_verify`): a valid code signs the browser in with the number, as
   the login does; then the person is found or created and linked to the account, and
   the pending enrolment is written (homecare_self_register, one transaction).
3. The page after (`register_done`): waiting for the station, how to sign in later,
   and at once, when the answers rule home care out, "call the station or 115".
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.accounts.backends import BACKEND
from khaibao.accounts.citizen_forms import CodeForm, PhoneForm
from khaibao.accounts.models import User
from khaibao.accounts.otp import captcha_required, otp_request, otp_verify, seconds_until_resend
from khaibao.accounts.views import SESSION_BINDING, _session_binding
from khaibao.areas.forms import AreaPickerMixin
from khaibao.areas.models import Area
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import date_text
from khaibao.lib.forms import apply_service_errors, day_field
from khaibao.lib.normalize import clean_text, name_key, normalize_phone, phone_for_display
from khaibao.people.ids import (
    ADULT_AGE,
    CHILD_WITHOUT_ID,
    IdType,
    Sex,
    age_on,
    validate_id_document,
)
from khaibao.people.models import ManagedPerson, Person, Relationship
from khaibao.people.services import (
    check_date_of_birth,
    check_full_name,
    person_register_for_account,
)
from khaibao.rules.selectors import rules_in_force

from ..f0.forms import MAX_VACCINE_DOSES
from ..f0.models import Condition
from .models import HomeCarePatient
from .rules import HOMECARE, HOMECARE_KIND, REPORT_SIGNS
from .scoring import SCREENING_FLAGS, screening_flags
from .selectors import patient_for_citizen_or_404, station_contact
from .services import homecare_register

#: The step-1 answers between the steps: {"data": {field: [posted values]}, "phone": E.164}.
SESSION_REGISTRATION = "homecare_registration"

#: The longest home isolation in the Ministry's guidance (a patient not fully vaccinated
#: who still tests positive after day 7): an older positive test is not home care's.
ONSET_MAX_DAYS = 14

HEALTH_STATUSES = (
    ("none", gettext_lazy("Không có triệu chứng")),
    (
        "mild",
        gettext_lazy(
            "Có triệu chứng nhẹ: sốt, ho, đau họng, sổ mũi, mệt mỏi, đau mỏi người, mất vị "
            "giác hoặc khứu giác"
        ),
    ),
)
#: The checklist of danger signs: those of the national home-care rule.
DANGER_CHOICES = tuple(
    (code, label)
    for code, label in REPORT_SIGNS
    if code in HOMECARE_KIND.defaults["danger_symptoms"]
)
YES_NO = (("yes", gettext_lazy("Có")), ("no", gettext_lazy("Không")))


def _number_field(label, *, low: int, high: int, **kwargs) -> forms.IntegerField:
    """An optional whole number in [low, high]; its messages are set per form (below)."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


class RegistrationForm(AreaPickerMixin, forms.Form):
    """Step 1. Validates and normalises; homecare_self_register stores."""

    MULTI_VALUE_FIELDS = ("danger_symptoms", "conditions")

    # -- the patient ----------------------------------------------------------------------
    full_name = forms.CharField(
        label=gettext_lazy("Họ và tên người bệnh"),
        max_length=240,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": gettext_lazy("Nhập họ và tên.")},
    )
    date_of_birth = day_field(gettext_lazy("Ngày sinh"))
    sex = forms.ChoiceField(
        label=gettext_lazy("Giới tính"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Chọn giới tính.")},
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("Loại giấy tờ"), choices=IdType.choices, initial=IdType.CCCD
    )
    id_number = forms.CharField(
        label=gettext_lazy("Số giấy tờ"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Bắt buộc từ 15 tuổi. Trẻ em chưa có giấy tờ: để trống hoặc nhập 000000000."
        ),
    )
    relationship = forms.ChoiceField(
        label=gettext_lazy("Người bệnh là ai của chủ số điện thoại này?"),
        choices=Relationship.choices,
        initial=Relationship.SELF,
        help_text=gettext_lazy(
            "Chọn “Bản thân” nếu người bệnh dùng số điện thoại này; chọn “Con” nếu bạn đăng "
            "ký cho con bằng số của bạn."
        ),
    )
    # -- the test and the health status ------------------------------------------------------
    onset_date = day_field(gettext_lazy("Ngày xét nghiệm dương tính"))
    health_status = forms.ChoiceField(
        label=gettext_lazy("Tình trạng sức khoẻ hiện nay"),
        choices=HEALTH_STATUSES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Chọn tình trạng sức khoẻ hiện nay.")},
    )
    danger_symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Hiện có dấu hiệu nào dưới đây không?"),
        choices=DANGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Không có dấu hiệu nào thì để trống."),
    )
    spo2 = _number_field(
        gettext_lazy("SpO2 (%)"),
        low=50,
        high=100,
        help_text=gettext_lazy("Đo khi ngồi nghỉ. Không có máy đo thì để trống."),
    )
    breathing_rate = _number_field(
        gettext_lazy("Nhịp thở (lần/phút)"),
        low=5,
        high=80,
        help_text=gettext_lazy("Đếm số lần thở trong đủ 1 phút khi ngồi yên. Có thể để trống."),
    )
    # -- screening (QĐ 261/QĐ-BYT) -------------------------------------------------------------
    conditions = forms.MultipleChoiceField(
        label=gettext_lazy("Bệnh nền"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Không có bệnh nền thì để trống."),
    )
    condition_unstable = forms.BooleanField(
        label=gettext_lazy(
            "Bệnh nền chưa ổn định (đường huyết, huyết áp chưa kiểm soát được, vừa phải nằm "
            "viện hoặc đổi thuốc)"
        ),
        required=False,
    )
    pregnancy_weeks = _number_field(
        gettext_lazy("Đang mang thai: thai được bao nhiêu tuần?"),
        low=1,
        high=42,
        help_text=gettext_lazy("Không mang thai thì để trống."),
    )
    vaccine_doses = forms.TypedChoiceField(
        label=gettext_lazy("Số mũi vắc xin COVID-19 đã tiêm"),
        choices=[(str(number), str(number)) for number in range(MAX_VACCINE_DOSES + 1)],
        coerce=int,
        initial="0",
    )
    has_carer = forms.TypedChoiceField(
        label=gettext_lazy("Có người ở cùng nhà chăm sóc được người bệnh không?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Chọn có hoặc không.")},
    )
    # -- the isolation address and the phone (templates/declarations/_address_fields.html) --
    isolation_street = forms.CharField(
        label=gettext_lazy("Số nhà, đường"),
        max_length=200,
        error_messages={"required": gettext_lazy("Nhập số nhà, đường nơi cách ly.")},
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Số điện thoại di động"),
        max_length=20,
        help_text=gettext_lazy(
            "Mã xác thực (OTP), tin nhắn của Trạm Y tế và đăng nhập về sau đều dùng số này."
        ),
        error_messages={"required": gettext_lazy("Nhập số điện thoại di động.")},
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"},
        ),
    )

    def __init__(self, *args, with_captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].error_messages["required"] = _("Chọn tỉnh / thành phố nơi cách ly.")
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                # In the reader's language, with both bounds: "SpO2 150" is a typing slip.
                message = _("Nhập một số từ %(low)s đến %(high)s.") % {
                    "low": field.min_value,
                    "high": field.max_value,
                }
                field.error_messages.update(invalid=message, min_value=message, max_value=message)
        if with_captcha:
            # The login's own captcha (labels, messages, widget): one captcha for codes.
            self.fields["captcha"] = PhoneForm(with_captcha=True).fields["captcha"]

    # -- fields -----------------------------------------------------------------------------

    def clean_full_name(self) -> str:
        return check_full_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self) -> datetime.date:
        date_of_birth = self.cleaned_data["date_of_birth"]
        check_date_of_birth(date_of_birth, timezone.localdate())
        return date_of_birth

    def clean_onset_date(self) -> datetime.date:
        onset = self.cleaned_data["onset_date"]
        today = timezone.localdate()
        if onset > today:
            raise ValidationError(
                _("Ngày xét nghiệm không thể sau hôm nay. Kiểm tra lại ngày, tháng, năm."),
                code="onset_future",
            )
        if onset < today - datetime.timedelta(days=ONSET_MAX_DAYS):
            raise ValidationError(
                _(
                    "Ngày xét nghiệm %(date)s đã quá %(days)s ngày: không đăng ký chăm sóc tại "
                    "nhà được nữa. Liên hệ Trạm Y tế để được hướng dẫn."
                ),
                code="onset_too_old",
                params={"date": date_text(onset), "days": ONSET_MAX_DAYS},
            )
        return onset

    def clean_isolation_street(self) -> str:
        street = clean_text(self.cleaned_data["isolation_street"])
        if not street:
            raise ValidationError(_("Nhập số nhà, đường nơi cách ly."), code="required")
        return street

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    # -- the whole form -----------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        self._clean_id_document(cleaned)
        dob, onset = cleaned.get("date_of_birth"), cleaned.get("onset_date")
        if dob and onset and onset < dob:
            self.add_error(
                "onset_date",
                ValidationError(_("Ngày xét nghiệm không thể trước ngày sinh."), code="onset_dob"),
            )
        if cleaned.get("pregnancy_weeks") and cleaned.get("sex") == Sex.MALE:
            self.add_error(
                "pregnancy_weeks",
                ValidationError(
                    _("Người bệnh là nam: để trống ô mang thai."), code="pregnant_male"
                ),
            )
        if cleaned.get("condition_unstable") and not cleaned.get("conditions"):
            self.add_error(
                "conditions",
                ValidationError(
                    _("Chọn bệnh nền chưa ổn định trong danh sách."), code="conditions_required"
                ),
            )
        return cleaned

    def _clean_id_document(self, cleaned: dict) -> None:
        """An empty number (or 000000000) is a child without a document; from 15 years
        on a document is required (people.ids)."""
        dob, sex = cleaned.get("date_of_birth"), cleaned.get("sex")
        if dob is None or not sex or "id_type" not in cleaned:
            return
        number = clean_text(cleaned.get("id_number", ""))
        today = timezone.localdate()
        if number in ("", CHILD_WITHOUT_ID) and age_on(dob, today) >= ADULT_AGE:
            self.add_error(
                "id_number",
                ValidationError(
                    _("Người từ 15 tuổi: nhập số CCCD, CMND hoặc hộ chiếu."), code="id_required"
                ),
            )
            return
        try:
            cleaned["id_type"], cleaned["id_number"] = validate_id_document(
                id_type=IdType.NONE if number == "" else cleaned["id_type"],
                id_number=number,
                date_of_birth=dob,
                sex=sex,
                today=today,
            )
        except ValidationError as exc:
            self.add_error("id_number", exc)

    # -- what the steps keep and the service takes ---------------------------------------------

    def stored(self) -> dict:
        """The posted answers, as the session keeps them (not the captcha)."""
        names = [name for name in self.fields if name != "captcha"]
        return {name: self.data.getlist(name) for name in names}

    @classmethod
    def from_stored(cls, stored: dict) -> "RegistrationForm":
        data = QueryDict(mutable=True)
        for name, values in stored.items():
            data.setlist(name, values)
        return cls(data)

    @classmethod
    def initial_from(cls, data: dict[str, list[str]]) -> dict:
        """Answers posted (or kept) as the initial values of an unbound form: the
        no-JavaScript ward list, and "edit" from step 2, show them without errors."""
        initial = {}
        for name in cls.base_fields:
            values = list(data.get(name) or [""])
            initial[name] = values if name in cls.MULTI_VALUE_FIELDS else values[0]
        return initial

    def answers(self) -> dict:
        """The screening answers homecare_register keeps (JSON)."""
        data = self.cleaned_data
        return {
            "health_status": data["health_status"],
            "danger_symptoms": list(data["danger_symptoms"]),
            "spo2": data["spo2"],
            "breathing_rate": data["breathing_rate"],
            "conditions": list(data["conditions"]),
            "condition_unstable": data["condition_unstable"],
            "pregnancy_weeks": data["pregnancy_weeks"],
            "vaccine_doses": data["vaccine_doses"],
            "has_carer": data["has_carer"],
        }

    def flags(self) -> list[str]:
        """What in the answers rules home care out, before anything is stored (step 2
        shows it at once); the stored enrolment's flags are the service's."""
        data = self.cleaned_data
        today = timezone.localdate()
        dob = data["date_of_birth"]
        months = (today.year - dob.year) * 12 + today.month - dob.month - (today.day < dob.day)
        rules = rules_in_force(HOMECARE, data["area"])
        return screening_flags(
            self.answers(), age=age_on(dob, today), age_months=months, rules=rules
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "relationship": data["relationship"],
            "person_fields": {
                name: data[name]
                for name in ("full_name", "date_of_birth", "sex", "id_type", "id_number")
            },
            "area": data["area"],
            "street": data["isolation_street"],
            "phone": data["contact_phone"],
            "onset_date": data["onset_date"],
            "answers": self.answers(),
        }


# -- the service ------------------------------------------------------------------------------


def _managed_person(account: User, fields: dict) -> Person | None:
    """A person the account already manages with this identity (its owner registering
    themself again must not be refused as a second "Bản thân")."""
    persons = Person.objects.filter(
        manager_links__account=account,
        name_key=name_key(fields["full_name"]),
        date_of_birth=fields["date_of_birth"],
        sex=fields["sex"],
        id_type=fields["id_type"],
        id_number=fields["id_number"],
    )
    return persons.first()


@transaction.atomic
def homecare_self_register(
    *,
    account: User,
    relationship: str,
    person_fields: dict,
    area: Area,
    street: str,
    phone: str,
    onset_date: datetime.date,
    answers: dict,
    ip: str | None = None,
) -> HomeCarePatient:
    """A citizen's own registration for home care, after the phone is verified.

    1. The person: one the account manages with the same identity, else one found by
       its document or created (people services), linked to the account.
    2. The pending enrolment with its screening flags (homecare_register).
    One transaction: a refusal at 2 (an open enrolment) leaves no new person or link.
    """
    person = _managed_person(account, person_fields)
    if person is None:
        link, _created = person_register_for_account(
            account=account,
            relationship=relationship,
            area=area,
            phone=phone,
            street_address=street,
            **person_fields,
        )
        person = link.person
    return homecare_register(
        person=person,
        account=account,
        area=area,
        street=street,
        phone=phone,
        onset_date=onset_date,
        answers=answers,
        ip=ip,
    )


# -- pages ------------------------------------------------------------------------------------


def _signed_in_phone(request) -> str:
    user = request.user
    return user.phone if user.is_authenticated and user.phone else ""


def _initial(request) -> dict:
    """Step 1's starting values: the answers kept from an earlier try, else the signed-in
    account's phone and own person."""
    kept = request.session.get(SESSION_REGISTRATION)
    if kept:
        return RegistrationForm.initial_from(kept["data"])
    initial = {"relationship": Relationship.SELF, "id_type": IdType.CCCD, "vaccine_doses": "0"}
    phone = _signed_in_phone(request)
    if not phone:
        return initial
    initial["contact_phone"] = phone_for_display(phone)
    own = (
        ManagedPerson.objects.filter(account=request.user, relationship=Relationship.SELF)
        .select_related("person__area__parent")
        .first()
    )
    if own is not None:
        person = own.person
        initial.update(
            {
                "full_name": person.full_name,
                "date_of_birth": person.date_of_birth,
                "sex": person.sex,
                "id_type": person.id_type,
                "id_number": person.id_number,
                "isolation_street": person.street_address,
                **RegistrationForm.area_initial(person.area),
            }
        )
    return initial


def _register_page(request, form: RegistrationForm, status: int = 200):
    context = {"form": form, "signed_in_phone": phone_for_display(_signed_in_phone(request))}
    return render(request, "declarations/homecare/register.html", context, status=status)


def _keep(request, form: RegistrationForm) -> None:
    request.session[SESSION_REGISTRATION] = {
        "data": form.stored(),
        "phone": form.cleaned_data["contact_phone"],
    }


def _send_code(request, form: RegistrationForm, ip: str | None):
    """Ask the OTP machinery for a code to the form's phone; then on to step 2."""
    phone = form.cleaned_data["contact_phone"]
    kept = request.session.get(SESSION_REGISTRATION) or {}
    try:
        otp_request(phone=phone, ip=ip, binding=_session_binding(request))
    except ValidationError as exc:
        if exc.code == "cooldown" and kept.get("phone") == phone:
            # Back from step 2 to fix an answer: the code this browser was sent a
            # moment ago still works.
            _keep(request, form)
            messages.info(request, _("Dùng mã xác thực đã gửi trước đó đến số này."))
            return redirect("declarations:homecare-register-verify")
        form.add_error(None, exc)
        return _register_page(request, form, status=403 if exc.code == "phone_locked" else 429)
    _keep(request, form)
    return redirect("declarations:homecare-register-verify")


def _complete(request, form: RegistrationForm, account: User):
    """Write the registration for the verified `account`; its page, or why not."""
    try:
        patient = homecare_self_register(
            account=account, ip=client_ip(request), **form.service_kwargs()
        )
    except ValidationError as exc:
        codes = {error.code for error in _error_list(exc)}
        if "open_enrolment" in codes:
            request.session.pop(SESSION_REGISTRATION, None)
            context = {"full_name": form.cleaned_data["full_name"]}
            return render(
                request, "declarations/homecare/register_enrolled.html", context, status=409
            )
        apply_service_errors(form, exc)
        return _register_page(request, form, status=400)
    request.session.pop(SESSION_REGISTRATION, None)
    return redirect("declarations:homecare-register-done", pk=patient.pk)


def _error_list(exc: ValidationError) -> list[ValidationError]:
    if hasattr(exc, "error_dict"):
        return [error for errors in exc.error_dict.values() for error in errors]
    return exc.error_list


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    """Step 1. Signed in with the phone typed: registered at once; otherwise a code."""
    if request.method == "GET":
        return _register_page(request, RegistrationForm(initial=_initial(request)))
    ip = client_ip(request)
    # A signed-in citizen has proven a number already; the code limits still apply.
    with_captcha = not _signed_in_phone(request) and captcha_required(ip=ip)
    if "_refresh" in request.POST:
        initial = RegistrationForm.initial_from(dict(request.POST.lists()))
        return _register_page(request, RegistrationForm(initial=initial, with_captcha=with_captcha))
    form = RegistrationForm(request.POST, with_captcha=with_captcha)
    if not form.is_valid():
        return _register_page(request, form, status=400)
    if form.cleaned_data["contact_phone"] == _signed_in_phone(request):
        return _complete(request, form, account=request.user)
    return _send_code(request, form, ip)


def _verify_page(request, form, code_form, status: int = 200):
    phone = request.session[SESSION_REGISTRATION]["phone"]
    context = {
        "form": form,
        "code_form": code_form,
        "phone": phone_for_display(phone),
        "wait_seconds": seconds_until_resend(phone=phone),
        "flags": [SCREENING_FLAGS.get(code, code) for code in form.flags()],
    }
    return render(request, "declarations/homecare/register_verify.html", context, status=status)


def _sign_in(request, account: User) -> None:
    """Sign the browser in as the login does. Django empties the session when it held
    another account: the kept answers are put back, in case the registration is
    refused and the form is shown again."""
    kept = request.session.get(SESSION_REGISTRATION)
    login(request, account, backend=BACKEND)
    request.session.pop(SESSION_BINDING, None)
    if kept is not None:
        request.session[SESSION_REGISTRATION] = kept


@never_cache
@require_http_methods(["GET", "POST"])
def register_verify(request):
    """Step 2. The 6-digit code sent to the phone; a wrong one keeps every answer."""
    kept = request.session.get(SESSION_REGISTRATION)
    if not kept:
        messages.info(request, _("Nhập thông tin đăng ký để nhận mã xác thực."))
        return redirect("declarations:homecare-register")
    form = RegistrationForm.from_stored(kept["data"])
    if not form.is_valid():
        # The answers were valid at step 1; the day (or a rule) changed since.
        return _register_page(request, form, status=400)
    code_form = CodeForm(request.POST or None)
    if request.method == "GET":
        return _verify_page(request, form, code_form)
    if code_form.is_valid():
        result = otp_verify(
            phone=kept["phone"],
            code=code_form.cleaned_data["code"],
            binding=_session_binding(request),
        )
        if result.user is not None:
            _sign_in(request, result.user)
            return _complete(request, form, account=result.user)
        code_form.add_error("code", result.error)
    return _verify_page(request, form, code_form, status=400)


@require_POST
def register_resend(request):
    kept = request.session.get(SESSION_REGISTRATION)
    if not kept:
        return redirect("declarations:homecare-register")
    try:
        otp_request(phone=kept["phone"], ip=client_ip(request), binding=_session_binding(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Đã gửi mã mới. Mã cũ không còn dùng được."))
    return redirect("declarations:homecare-register-verify")


@never_cache
@citizen_required
@require_GET
def register_done(request, pk):
    """Step 3: waiting for the station; the flags first when there are any."""
    patient = patient_for_citizen_or_404(request.user, pk)
    context = {
        "patient": patient,
        "flags": [SCREENING_FLAGS.get(code, code) for code in patient.screening_flags],
        "contact": station_contact(patient),
        "phone": phone_for_display(patient.phone),
    }
    return render(request, "declarations/homecare/register_done.html", context)
