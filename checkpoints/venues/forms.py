"""The venues' forms: registering a venue, the persons of a check-in, and the ward's
reason for not approving one. They validate and normalise; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.areas.forms import AreaPickerMixin
from khaibao.lib.normalize import clean_text, normalize_phone, phone_for_display
from khaibao.people.models import ManagedPerson

from ..declaring.forms import (
    PersonsField,
    area_messages,
    contact_phone_field,
    submission_key_field,
)
from .models import VenueKind
from .services import NAME_MAX_LENGTH

REASON_MAX_LENGTH = 300


class VenueRegisterForm(AreaPickerMixin, forms.Form):
    """A venue's name, kind, place and the phone the ward's answer is texted to."""

    submission_key = submission_key_field()
    name = forms.CharField(
        label=_("Tên địa điểm"),
        # Typed decomposed (NFD) text is longer before normalisation: the service checks
        # the stored length.
        max_length=2 * NAME_MAX_LENGTH,
        help_text=_("Tên in trên áp phích, ví dụ: Cửa hàng tạp hoá Minh Anh."),
        error_messages={
            "required": _("Nhập tên địa điểm."),
            "max_length": _("Tên địa điểm dài tối đa 200 ký tự."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Loại địa điểm"),
        choices=[("", _("— Chọn loại địa điểm —")), *VenueKind.choices],
        error_messages={
            "required": _("Chọn loại địa điểm."),
            "invalid_choice": _("Chọn loại địa điểm trong danh sách."),
        },
    )
    street_address = forms.CharField(
        label=_("Số nhà, đường"),
        max_length=200,
        error_messages={
            "required": _("Nhập số nhà, đường."),
            "max_length": _("Số nhà, đường dài tối đa 200 ký tự."),
        },
    )
    contact_phone = contact_phone_field()

    field_order = (
        "submission_key",
        "name",
        "kind",
        "province",
        "ward",
        "village",
        "street_address",
        "contact_phone",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area_messages(self)

    @staticmethod
    def initial_for(*, account, submission_key) -> dict:
        return {"submission_key": submission_key, "contact_phone": phone_for_display(account.phone)}

    def clean_name(self) -> str:
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Nhập tên địa điểm."), code="required")
        return name

    def clean_street_address(self) -> str:
        address = clean_text(self.cleaned_data["street_address"])
        if not address:
            raise ValidationError(_("Nhập số nhà, đường."), code="required")
        return address

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "name",
                "kind",
                "area",
                "street_address",
                "contact_phone",
                "submission_key",
            )
        }


class CheckinForm(forms.Form):
    """The persons of one tap (check-in or check-out), among the account's."""

    def __init__(self, *args, links: list[ManagedPerson], **kwargs):
        super().__init__(*args, **kwargs)
        self.links = links
        self.fields["persons"] = PersonsField(links=links)
        self.fields["persons"].label = _("Check-in cho ai?")

    def persons(self) -> list:
        return [link.person for link in self.cleaned_data["persons"]]


class VenueApproveForm(forms.Form):
    """Nothing to fill in: the button is the decision."""


class VenueRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do không duyệt"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Người quản lý địa điểm nhận nội dung này qua tin nhắn."),
        error_messages={
            "required": _("Ghi lý do không duyệt."),
            "max_length": _("Lý do dài tối đa %(limit_value)d ký tự."),
        },
    )

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"])
        if not reason:
            raise ValidationError(_("Ghi lý do không duyệt."), code="required")
        return reason
