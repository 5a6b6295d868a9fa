"""The in-province health declaration ("KBYT"): one page for one or more persons of the
account, who answer the same questions about the last days (the rule's window)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.areas.forms import AreaPickerMixin
from khaibao.lib.normalize import clean_text

from .forms import DeclarationBaseForm, area_messages
from .models import Exposure, Symptom

YES, NO = "yes", "no"


class HealthDeclarationForm(AreaPickerMixin, DeclarationBaseForm):
    """Symptoms, contact with a case and travel in the last `lookback_days` days, the
    place the persons are now and a phone to reach them."""

    symptoms = forms.MultipleChoiceField(
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không có triệu chứng thì để trống."),
        error_messages={"invalid_choice": _("Triệu chứng không có trong danh sách.")},
    )
    other_symptoms = forms.CharField(
        label=_("Triệu chứng khác (nếu có)"), max_length=300, required=False
    )
    contact_with_case = forms.ChoiceField(
        choices=Exposure.choices,
        initial=Exposure.NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Trả lời câu hỏi về tiếp xúc."),
            "invalid_choice": _("Chọn một câu trả lời trong danh sách."),
        },
    )
    travelled = forms.TypedChoiceField(
        choices=[(NO, _("Không")), (YES, _("Có"))],
        coerce=lambda value: value == YES,
        initial=NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Trả lời câu hỏi về đi lại."),
            "invalid_choice": _("Chọn một câu trả lời trong danh sách."),
        },
    )
    travel_places = forms.CharField(
        label=_("Nơi đã đến"),
        max_length=300,
        required=False,
        help_text=_("Tỉnh / thành phố, địa điểm đã đến, ngày đến."),
    )
    street_address = forms.CharField(label=_("Số nhà, đường"), max_length=200, required=False)

    def __init__(self, *args, lookback_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        area_messages(self)
        self.lookback_days = lookback_days
        days = {"days": lookback_days}
        self.fields["symptoms"].label = (
            _("Trong %(days)d ngày gần đây, có triệu chứng nào sau đây không?") % days
        )
        self.fields["contact_with_case"].label = (
            _(
                "Trong %(days)d ngày gần đây, có tiếp xúc gần với người bệnh hoặc người nghi "
                "mắc COVID-19 không?"
            )
            % days
        )
        self.fields["travelled"].label = (
            _("Trong %(days)d ngày gần đây, có đi khỏi tỉnh / thành phố nơi ở không?") % days
        )
        self.fields["province"].label = _("Nơi ở hiện tại: tỉnh / thành phố")

    def clean_other_symptoms(self) -> str:
        return clean_text(self.cleaned_data["other_symptoms"])

    def clean_street_address(self) -> str:
        return clean_text(self.cleaned_data["street_address"])

    def clean(self):
        cleaned = super().clean()
        places = clean_text(cleaned.get("travel_places", ""))
        if cleaned.get("travelled") and not places:
            self.add_error("travel_places", ValidationError(_("Ghi nơi đã đến."), code="required"))
        cleaned["travel_places"] = places if cleaned.get("travelled") else ""
        return cleaned

    def service_kwargs(self) -> dict:
        """What health_declaration_submit takes, besides the person and the key."""
        data = self.cleaned_data
        names = (
            "area",
            "street_address",
            "symptoms",
            "other_symptoms",
            "contact_with_case",
            "travelled",
            "travel_places",
            "contact_phone",
        )
        return {name: data[name] for name in names}

    @classmethod
    def initial_for(cls, *, account, links, submission_key) -> dict:
        """A new page: the account's own person ticked, living where their record says."""
        initial = cls.base_initial(account=account, links=links, submission_key=submission_key)
        person = next(
            link.person for link in links if str(link.person.public_id) in initial["persons"]
        )
        return {
            **initial,
            **cls.area_initial(person.area),
            "street_address": person.street_address,
        }
