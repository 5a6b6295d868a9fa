"""What the health and entry declaration forms share: the persons ticked among the
account's, the one-time key of the page, the contact phone, the BHYT look-up box, and
showing a posted page again without its errors (the no-JavaScript buttons).

The forms themselves are in forms_health.py and forms_entry.py.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import AreaLevel
from khaibao.lib.normalize import clean_text, normalize_phone, phone_for_display
from khaibao.people.ids import IdType, normalize_id_number
from khaibao.people.models import ManagedPerson, Relationship

PHONE_REQUIRED = _("Nhập số điện thoại di động để liên hệ.")
AREA_MESSAGES = {
    "province": (_("Chọn tỉnh / thành phố."), _("Chọn tỉnh / thành phố trong danh sách.")),
    "ward": (_("Chọn phường / xã."), _("Chọn phường / xã trong danh sách.")),
    "village": (_("Chọn thôn / tổ dân phố."), _("Chọn thôn / tổ dân phố trong danh sách.")),
}


def posted_initial(form: forms.BaseForm) -> dict:
    """The values a bound form was posted with, as initial values: the same form shown
    again without error messages (after "_refresh" or the BHYT button)."""
    if not form.is_bound:
        return dict(form.initial)
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def area_messages(form: forms.BaseForm) -> None:
    """The area pickers' errors in Vietnamese, also for an id that is not in the list."""
    for name, (required, invalid) in AREA_MESSAGES.items():
        if name in form.fields:
            form.fields[name].error_messages.update(required=required, invalid_choice=invalid)


def contact_phone_field() -> forms.CharField:
    return forms.CharField(
        label=_("Số điện thoại liên hệ"),
        max_length=20,
        error_messages={"required": PHONE_REQUIRED},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


def submission_key_field() -> forms.UUIDField:
    message = _("Trang khai báo đã cũ. Tải lại trang rồi khai lại.")
    return forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": message, "invalid": message}
    )


class PersonsField(forms.MultipleChoiceField):
    """The persons a declaration is for, ticked among those the account manages; cleans
    to their ManagedPerson links, in the list's order."""

    def __init__(self, *, links: list[ManagedPerson], **kwargs):
        self.links = {str(link.person.public_id): link for link in links}
        super().__init__(
            label=_("Khai báo cho ai?"),
            choices=[(key, link.person.full_name) for key, link in self.links.items()],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": _("Chọn ít nhất một người."),
                "invalid_choice": _("Chọn người trong danh sách."),
                "invalid_list": _("Chọn người trong danh sách."),
            },
            **kwargs,
        )

    def clean(self, value):
        chosen = set(super().clean(value))
        return [link for key, link in self.links.items() if key in chosen]


class DeclarationBaseForm(forms.Form):
    """The fields both declarations start and end with."""

    submission_key = submission_key_field()
    contact_phone = contact_phone_field()

    def __init__(self, *args, links: list[ManagedPerson], **kwargs):
        super().__init__(*args, **kwargs)
        self.links = links
        self.fields["persons"] = PersonsField(links=links)
        # The persons first, as on the page.
        self.order_fields(["persons"])

    def clean_contact_phone(self) -> str:
        return normalize_phone(self.cleaned_data["contact_phone"])

    def ticked(self) -> set[str]:
        """The public ids of the persons ticked (posted or initial), valid or not."""
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("persons"))
        else:
            values = self.initial.get("persons") or []
        return {str(value) for value in values}

    @staticmethod
    def base_initial(*, account, links: list[ManagedPerson], submission_key) -> dict:
        """A new page: the account's own person ticked, the account's phone."""
        own = [
            str(link.person.public_id) for link in links if link.relationship == Relationship.SELF
        ]
        return {
            "submission_key": submission_key,
            "contact_phone": phone_for_display(account.phone),
            "persons": own or [str(links[0].person.public_id)],
        }


class BhytLookupForm(forms.Form):
    """ "Có thẻ bảo hiểm y tế": the card number that fills in a person's details."""

    bhyt_number = forms.CharField(
        label=_("Số thẻ bảo hiểm y tế"),
        max_length=32,
        help_text=_(
            "Nhập số thẻ BHYT (15 ký tự) của bạn hoặc người thân bạn quản lý để chọn "
            "nhanh người đó."
        ),
        error_messages={"required": _("Nhập số thẻ BHYT, ví dụ HS4790123456789.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_bhyt_number(self) -> str:
        typed = clean_text(self.cleaned_data["bhyt_number"])
        # "000000000" means "no document": never a card number.
        id_type, number = normalize_id_number(IdType.HEALTH_INSURANCE, typed)
        if id_type != IdType.HEALTH_INSURANCE:
            raise ValidationError(
                _("Nhập số thẻ BHYT, ví dụ HS4790123456789."), code="id_number_format"
            )
        return number


def area_of(form: forms.BaseForm):
    """The most specific area a bound or initial picker points at (for the rules shown
    before the form is sent), or None."""
    from khaibao.areas.models import Area

    for name in ("point", "village", "ward"):
        if name in form.fields:
            picked = form._picked(name)
            if picked:
                area = Area.objects.filter(pk=picked).first()
                if area is not None and area.level != AreaLevel.PROVINCE:
                    return area
    return None
