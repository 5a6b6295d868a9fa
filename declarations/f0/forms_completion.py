"""Forms of the isolation-completion flow: the negative test, and "find my declaration"."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import clean_text, normalize_phone
from khaibao.people.ids import Sex
from khaibao.people.matching import typed_id_number
from khaibao.people.models import Person
from khaibao.uploads.forms import PhotoField
from khaibao.uploads.models import Photo

from ..kinds import TEST_RESULT_PHOTO
from ..labresults.models import LabResult
from ..labresults.selectors import negative_results_for_completion
from .forms import photo_of

_DATE_WIDGET = forms.DateInput(
    attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}, format="%d/%m/%Y"
)


class LabResultChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LabResult) -> str:
        return _("Dùng kết quả xét nghiệm âm tính của %(lab)s lấy mẫu ngày %(date)s") % {
            "lab": obj.lab.name,
            "date": timezone.localdate(obj.sampled_at).strftime("%d/%m/%Y"),
        }


class CompletionForm(forms.Form):
    """The negative test that ends isolation. The service re-checks the date against the
    positive test under a lock; this only refuses what is wrong on its own.

    Like the F0 form, a photo is stored as soon as it arrives (the view does it), and the
    page shown again after an error carries it in `photo_id`: the citizen fixes the date
    without choosing the photo again.

    When the person has a current negative lab result sampled from the day completion
    opens (`opens_on`), the form offers it in place of the date and the photo
    (`lab_result`; the field is absent otherwise).
    """

    lab_result = LabResultChoiceField(
        label=_("Kết quả test âm tính"),
        queryset=LabResult.objects.none(),
        required=False,
        blank=True,
        empty_label=_("Tôi tải ảnh kết quả test lên"),
        widget=forms.RadioSelect,
    )
    negative_test_date = forms.DateField(
        label=_("Ngày test âm tính"),
        help_text=_("Dạng ngày/tháng/năm, ví dụ 21/03/2026."),
        widget=_DATE_WIDGET,
        error_messages={
            "required": _("Nhập ngày test âm tính."),
            "invalid": _("Nhập ngày dạng ngày/tháng/năm, ví dụ 21/03/2026."),
        },
    )
    photo = PhotoField(
        label=_("Ảnh kết quả test âm tính"),
        required=False,
        help_text=_("Chụp que test hoặc phiếu kết quả, thấy rõ họ tên và ngày test."),
    )
    photo_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, person: Person, opens_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        results = (
            negative_results_for_completion(person, sampled_from=opens_on)
            if opens_on is not None
            else LabResult.objects.none()
        )
        if results.exists():
            self.fields["lab_result"].queryset = results
            # The newest result is the likely choice; the photo stays one tap away.
            self.fields["lab_result"].initial = results.first().pk
            # The date is the sample's; only the photo path asks for it.
            self.fields["negative_test_date"].required = False
        else:
            del self.fields["lab_result"]

    @property
    def offers_lab_result(self) -> bool:
        return "lab_result" in self.fields

    def uses_lab_result(self) -> bool:
        return bool(self.offers_lab_result and self.cleaned_data.get("lab_result"))

    def _photo_by_id(self, public_id) -> Photo | None:
        return photo_of(self.person, TEST_RESULT_PHOTO, public_id)

    def clean_photo_id(self) -> Photo | None:
        public_id = self.cleaned_data.get("photo_id", "").strip()
        if not public_id:
            return None
        photo = self._photo_by_id(public_id)
        if photo is None:
            raise ValidationError(
                _("Không tìm thấy ảnh đã chọn trước đó. Hãy chọn lại ảnh."), code="photo_missing"
            )
        return photo

    def clean(self):
        cleaned = super().clean()
        if self.uses_lab_result():
            return cleaned
        if (
            self.offers_lab_result
            and not self.has_error("negative_test_date")
            and cleaned.get("negative_test_date") is None
        ):
            self.add_error(
                "negative_test_date",
                ValidationError(_("Nhập ngày test âm tính."), code="required"),
            )
        if (
            not self.has_error("photo")
            and not self.has_error("photo_id")
            and not cleaned.get("photo")
            and not cleaned.get("photo_id")
        ):
            self.add_error(
                "photo", ValidationError(_("Hãy chọn hoặc chụp một ảnh."), code="required")
            )
        return cleaned

    def chosen_photo(self) -> Photo | None:
        """The photo already stored for this form (shown as chosen), from its hidden id."""
        return self._photo_by_id(self.data.get("photo_id")) if self.is_bound else None

    def photo_for_service(self) -> Photo | None:
        """The photo to send: stored by the view from this POST, or chosen before (none
        when a lab result stands for it)."""
        if self.uses_lab_result():
            return None
        photo = self.cleaned_data.get("photo")
        return photo if isinstance(photo, Photo) else self.cleaned_data["photo_id"]

    def clean_negative_test_date(self):
        value = self.cleaned_data["negative_test_date"]
        if value is not None and value > timezone.localdate():
            raise ValidationError(
                _("Ngày test âm tính không thể ở tương lai."), code="negative_test_future"
            )
        return value


class CompletionFindForm(forms.Form):
    """Who the declaration was for, typed again by the citizen (tolerantly matched)."""

    full_name = forms.CharField(
        label=_("Họ và tên người bệnh"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        help_text=_("Dạng ngày/tháng/năm, ví dụ 14/03/1988."),
        widget=_DATE_WIDGET,
        error_messages={
            "required": _("Nhập ngày sinh."),
            "invalid": _("Nhập ngày sinh dạng ngày/tháng/năm, ví dụ 14/03/1988."),
        },
    )
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, widget=forms.RadioSelect)
    id_number = forms.CharField(
        label=_("Số giấy tờ (CCCD, CMND, hộ chiếu…)"),
        max_length=40,
        required=False,
        help_text=_("Trẻ em chưa có giấy tờ: để trống và nhập số điện thoại."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại đã khai báo"),
        max_length=20,
        required=False,
        help_text=_("Số điện thoại liên hệ trong khai báo F0, hoặc số đã dùng để khai báo."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def clean_full_name(self):
        name = clean_text(self.cleaned_data["full_name"])
        if not name:
            raise ValidationError(_("Nhập họ và tên."), code="required")
        return name

    def clean_id_number(self):
        return typed_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if clean_text(phone) else ""

    def clean(self):
        cleaned = super().clean()
        if (
            not self.has_error("id_number")
            and not self.has_error("phone")
            and not cleaned.get("id_number")
            and not cleaned.get("phone")
        ):
            raise ValidationError(
                _("Nhập số giấy tờ hoặc số điện thoại (ít nhất một trong hai)."),
                code="id_or_phone_required",
            )
        return cleaned
