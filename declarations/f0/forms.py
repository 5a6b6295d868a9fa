"""Citizen forms of the F0 declaration: declare, and fix-and-resubmit after a rejection.

Both work without JavaScript (photos post with the form; the ward list follows the
province after the "_refresh" button). With JavaScript, f0-draft.js uploads each photo as
soon as it is chosen and puts the photo's id in the hidden `<photo>_id` field.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from khaibao.areas.forms import AreaPickerMixin
from khaibao.areas.models import Area
from khaibao.lib.dates import date_text
from khaibao.lib.normalize import clean_text, normalize_phone, phone_for_display
from khaibao.people.ids import ADULT_AGE, UNDER_15_TYPES, IdType, Sex
from khaibao.people.models import Person
from khaibao.uploads.forms import PhotoField
from khaibao.uploads.images import PreparedPhoto
from khaibao.uploads.models import Photo

from .models import FORM_PHOTOS, Condition, F0Declaration, Symptom, TestType, VaccineName
from .services import test_date_window

# The photo fields and the kind each is stored as.
PHOTO_KINDS = FORM_PHOTOS  # the form's photo fields and the kind each stores
# The answers of F0DeclarationForm kept in a draft, as the browser posts them.
DRAFT_FIELDS = (
    "test_date",
    "test_type",
    "guardian_name",
    "vaccine_doses",
    "last_dose_date",
    "last_vaccine",
    "symptoms",
    "conditions",
    "other_conditions",
    "pregnant",
    "province",
    "ward",
    "village",
    "isolation_street",
    "contact_phone",
)
MULTI_VALUE_FIELDS = ("symptoms", "conditions")
MAX_VACCINE_DOSES = 5

OUTSIDE_WINDOW = "test_date_outside_window"


def faq_link(anchor: str, text) -> str:
    """A help text that ends with a link to the FAQ answer for this field."""
    return format_html(
        '{} <a href="{}#{}">{}</a>', text, reverse("declarations:faq"), anchor, _("Xem hỏi đáp.")
    )


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
            format="%d/%m/%Y",
        ),
        error_messages={
            "required": _("Nhập ngày dạng ngày/tháng/năm, ví dụ 21/11/2026."),
            "invalid": _("Nhập ngày dạng ngày/tháng/năm, ví dụ 21/11/2026."),
        },
        **kwargs,
    )


def photo_of(person: Person, kind: str, public_id) -> Photo | None:
    """The photo of `person` of this kind, by its public id; None for an unknown,
    malformed or someone else's id."""
    try:
        public_id = uuid.UUID(str(public_id or ""))
    except ValueError:
        return None
    return Photo.objects.filter(public_id=public_id, person=person, kind=kind).first()


def chosen_photo(person: Person, name: str, public_id) -> Photo | None:
    """The photo of `person` that the field `name` takes, by its public id."""
    return photo_of(person, PHOTO_KINDS[name], public_id)


class F0BaseForm(AreaPickerMixin, forms.Form):
    """What both the declaration and its resubmission ask: the test, the two photos,
    where the person isolates, a phone to reach them, and a guardian for children."""

    # The cleaned values the service takes, under the service's names.
    SERVICE_FIELDS = (
        "test_date",
        "test_type",
        "test_photo",
        "id_photo",
        "isolation_area",
        "isolation_street",
        "contact_phone",
        "guardian_name",
    )

    test_date = _date_field(_("Ngày test dương tính"))
    test_type = forms.ChoiceField(
        label=_("Loại test"),
        choices=TestType.choices,
        initial=TestType.RAPID,
        widget=forms.RadioSelect,
    )
    test_photo = PhotoField(
        label=_("Ảnh kết quả test"),
        required=False,
        help_text=_(
            "Chụp khay test (hoặc phiếu kết quả PCR) có ghi rõ họ tên người được test và ngày test."
        ),
    )
    test_photo_id = forms.CharField(required=False, widget=forms.HiddenInput)
    id_photo = PhotoField(label=_("Ảnh giấy tờ tuỳ thân"), required=False)
    id_photo_id = forms.CharField(required=False, widget=forms.HiddenInput)
    guardian_name = forms.CharField(
        label=_("Họ tên người giám hộ"),
        max_length=120,
        required=False,
        help_text=_("Cha, mẹ hoặc người trực tiếp chăm sóc trẻ trong thời gian cách ly."),
        error_messages={"required": _("Người dưới 15 tuổi: ghi họ tên người giám hộ.")},
    )
    isolation_street = forms.CharField(
        label=_("Số nhà, đường"),
        max_length=200,
        error_messages={"required": _("Nhập số nhà, đường nơi cách ly.")},
    )
    contact_phone = forms.CharField(
        label=_("Số điện thoại liên hệ"),
        max_length=20,
        help_text=_("Trạm Y tế gọi và nhắn tin đến số này."),
        error_messages={"required": _("Nhập số điện thoại di động để Trạm Y tế liên hệ.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        first, last = test_date_window(area=self.person.area)
        self.fields["test_date"].help_text = faq_link(
            "q11",
            _("Khai được kết quả test từ ngày %(first)s đến hôm nay (%(last)s).")
            % {"first": date_text(first), "last": date_text(last)},
        )
        self.fields["id_photo"].help_text = faq_link(
            "q4" if self.needs_guardian else "q5", self._id_photo_help()
        )
        self.fields["test_photo"].help_text = faq_link("q6", self.fields["test_photo"].help_text)
        self.fields["guardian_name"].required = self.needs_guardian
        self.fields["province"].error_messages["required"] = _("Chọn tỉnh / thành phố nơi cách ly.")

    @property
    def needs_guardian(self) -> bool:
        return self.person.age() < ADULT_AGE

    def _id_photo_help(self):
        if self.person.id_type == IdType.NONE:
            return _(
                "Trẻ chưa có giấy tờ: chụp giấy khai sinh, thẻ BHYT hoặc thẻ học sinh của trẻ."
            )
        return _("Chụp mặt trước của giấy tờ đã khai (%(type)s), rõ số và họ tên.") % {
            "type": self.person.get_id_type_display()
        }

    # -- fields ---------------------------------------------------------------------------

    def clean_test_date(self) -> datetime.date:
        test_date = self.cleaned_data["test_date"]
        first, last = test_date_window(area=self.person.area)
        if test_date > last:
            raise ValidationError(
                _("Ngày test không thể sau hôm nay. Kiểm tra lại ngày, tháng, năm."),
                code="test_date_future",
            )
        if test_date < first and not self.allows_earlier_test_date(test_date):
            raise ValidationError(
                _("Ngày test %(date)s đã quá thời hạn khai báo."),
                code=OUTSIDE_WINDOW,
                params={"date": date_text(test_date)},
            )
        return test_date

    def allows_earlier_test_date(self, test_date: datetime.date) -> bool:
        return False

    def clean_guardian_name(self) -> str:
        return clean_text(self.cleaned_data.get("guardian_name", ""))

    def clean_isolation_street(self) -> str:
        street = clean_text(self.cleaned_data["isolation_street"])
        if not street:
            raise ValidationError(_("Nhập số nhà, đường nơi cách ly."), code="required")
        return street

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def _clean_photo_id(self, name: str) -> Photo | None:
        public_id = self.cleaned_data.get(f"{name}_id", "").strip()
        if not public_id:
            return None
        photo = chosen_photo(self.person, name, public_id)
        if photo is None:
            raise ValidationError(
                _("Không tìm thấy ảnh đã chọn trước đó. Hãy chọn lại ảnh."), code="photo_missing"
            )
        return photo

    def clean_test_photo_id(self) -> Photo | None:
        return self._clean_photo_id("test_photo")

    def clean_id_photo_id(self) -> Photo | None:
        return self._clean_photo_id("id_photo")

    # -- the whole form ---------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        self._clean_photos(cleaned)
        cleaned["isolation_area"] = cleaned["area"]
        if self.person.age() >= ADULT_AGE and self.person.id_type in UNDER_15_TYPES:
            self.add_error(
                None,
                ValidationError(
                    _(
                        "%(name)s đã từ 15 tuổi: giấy tờ phải là CCCD, CMND hoặc hộ chiếu. "
                        "Hãy sửa thông tin giấy tờ trước khi khai báo."
                    ),
                    code="id_type_adult",
                    params={"name": self.person.full_name},
                ),
            )
        return cleaned

    def _clean_photos(self, cleaned: dict) -> None:
        """Each photo is the one chosen now (a PreparedPhoto, stored by the view) or the
        one uploaded before (a Photo, from the hidden id); one of the two is required."""
        required = {
            "test_photo": _("Chụp hoặc chọn ảnh kết quả test."),
            "id_photo": _("Chụp hoặc chọn ảnh giấy tờ tuỳ thân."),
        }
        for name, message in required.items():
            if name in self.errors or f"{name}_id" in self.errors:
                continue
            chosen = cleaned.get(name)
            if isinstance(chosen, PreparedPhoto):
                continue
            earlier = cleaned.get(f"{name}_id")
            if earlier is None:
                self.add_error(name, ValidationError(message, code="required"))
            else:
                cleaned[name] = earlier

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}

    @property
    def outside_window(self) -> bool:
        return self.has_error("test_date", OUTSIDE_WINDOW)

    def photo(self, name: str) -> Photo | None:
        """The photo to show as already chosen: the hidden id's, when it is valid."""
        source = self.data if self.is_bound else self.initial
        return chosen_photo(self.person, name, source.get(f"{name}_id"))

    @classmethod
    def address_initial(cls, area: Area, street: str) -> dict:
        return {**cls.area_initial(area), "isolation_street": street}


class F0DeclarationForm(F0BaseForm):
    """The declaration: the base form plus vaccination, symptoms, underlying conditions
    and pregnancy."""

    SERVICE_FIELDS = (
        *F0BaseForm.SERVICE_FIELDS,
        "vaccine_doses",
        "last_dose_date",
        "last_vaccine",
        "symptoms",
        "conditions",
        "other_conditions",
        "pregnant",
    )

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    vaccine_doses = forms.TypedChoiceField(
        label=_("Số mũi vắc xin COVID-19 đã tiêm"),
        choices=[(str(number), str(number)) for number in range(MAX_VACCINE_DOSES + 1)],
        coerce=int,
        initial="0",
    )
    last_dose_date = _date_field(_("Ngày tiêm mũi gần nhất"), required=False)
    last_vaccine = forms.ChoiceField(
        label=_("Vắc xin mũi gần nhất"),
        choices=[("", _("— Chọn vắc xin —")), *VaccineName.choices],
        required=False,
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Triệu chứng hiện có"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không có triệu chứng thì để trống."),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Bệnh nền"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_conditions = forms.CharField(
        label=_("Bệnh nền khác (nếu có)"), max_length=200, required=False
    )
    pregnant = forms.BooleanField(label=_("Đang mang thai"), required=False)

    def clean_other_conditions(self) -> str:
        return clean_text(self.cleaned_data.get("other_conditions", ""))

    def clean_last_dose_date(self) -> datetime.date | None:
        last_dose = self.cleaned_data.get("last_dose_date")
        if last_dose is not None and not (
            self.person.date_of_birth <= last_dose <= timezone.localdate()
        ):
            raise ValidationError(
                _("Ngày tiêm phải sau ngày sinh và không sau hôm nay."), code="last_dose_date"
            )
        return last_dose

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("vaccine_doses") == 0:
            # Left over from an earlier answer: no dose, so no last dose either.
            cleaned["last_dose_date"], cleaned["last_vaccine"] = None, ""
        if cleaned.get("pregnant") and self.person.sex == Sex.MALE:
            self.add_error(
                "pregnant",
                ValidationError(
                    _("Người được khai báo là nam: bỏ chọn “Đang mang thai”."), code="pregnant_male"
                ),
            )
        return cleaned

    @classmethod
    def initial_for(cls, *, person: Person, account, draft) -> dict:
        """Defaults (the person's address, the account's phone) overlaid by the draft."""
        initial = {
            **cls.address_initial(person.area, person.street_address),
            "contact_phone": phone_for_display(account.phone or person.phone),
            "test_type": TestType.RAPID,
            "vaccine_doses": "0",
            "submission_key": draft.submission_key,
        }
        for name in DRAFT_FIELDS:
            if name not in draft.data:
                continue
            value = draft.data[name]
            if name in MULTI_VALUE_FIELDS:
                value = [code for code in value.split(",") if code]
            elif name == "pregnant":
                value = value not in ("", "0", "False", "false", "off")
            initial[name] = value
        for name in PHOTO_KINDS:
            photo = getattr(draft, name)
            initial[f"{name}_id"] = str(photo.public_id) if photo is not None else ""
        return initial

    @staticmethod
    def draft_data(data) -> dict[str, str]:
        """What the browser posted, as strings, for f0_draft_save: every draft field is
        present, so an unticked box clears the one saved before."""
        return {
            name: ",".join(value.strip() for value in data.getlist(name))[:500]
            for name in DRAFT_FIELDS
        }


class F0ResubmitForm(F0BaseForm):
    """A rejected declaration, fixed. The test date the station saw may stay as it was
    even when it has since left the window; a new date must be inside it."""

    def __init__(self, *args, declaration: F0Declaration, **kwargs):
        self.declaration = declaration
        super().__init__(*args, person=declaration.person, **kwargs)

    def allows_earlier_test_date(self, test_date: datetime.date) -> bool:
        return test_date == self.declaration.test_date

    @classmethod
    def initial_for(cls, declaration: F0Declaration) -> dict:
        return {
            **cls.address_initial(declaration.isolation_area, declaration.isolation_street),
            "test_date": declaration.test_date,
            "test_type": declaration.test_type,
            "guardian_name": declaration.guardian_name,
            "contact_phone": phone_for_display(declaration.contact_phone),
            "test_photo_id": str(declaration.test_photo.public_id),
            "id_photo_id": str(declaration.id_photo.public_id),
        }
