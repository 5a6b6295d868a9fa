"""The entry declaration ("khai báo vào tỉnh"): one trip for one or more persons of the
account, each with their vaccination and recent test.

The page is several forms posted together (EntryDeclarationForms): the trip, where from
(prefix "origin"), where to (prefix "dest") and one status form per person of the account
(prefix "p-<public id>"), of which only the ticked persons' are checked. It works without
JavaScript: "_refresh" re-renders the area lists; checkpoints-declare.js refills them.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.areas.forms import AreaChoiceField, AreaPickerMixin
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.forms import apply_service_errors, day_field
from khaibao.lib.normalize import clean_text
from khaibao.people.models import ManagedPerson

from .forms import DeclarationBaseForm, area_messages, area_of, posted_initial
from .models import MAX_VACCINE_DOSES, TestOutcome, TravelMeans
from .rules import declaring_rules
from .selectors import VerifiedStatus, verified_status
from .services import Traveller, Trip

# Where each of entry_declarations_submit's field errors is shown: (form, field).
SERVICE_FIELDS = {
    "origin_village_text": ("origin", "village_text"),
    "destination_area": ("destination", "ward"),
    "arrival_on": ("trip", "arrival_on"),
    "means": ("trip", "means"),
    "vehicle_number": ("trip", "vehicle_number"),
    "checkpoint": ("trip", "checkpoint"),
    "persons": ("trip", "persons"),
}


class EntryTripForm(DeclarationBaseForm):
    """When and how the persons travel, and which checkpoint they pass."""

    departed_on = day_field(_("Ngày khởi hành"))
    arrival_on = day_field(_("Ngày đến"))
    means = forms.ChoiceField(
        label=_("Phương tiện"),
        choices=[("", _("— Chọn phương tiện —")), *TravelMeans.choices],
        error_messages={
            "required": _("Chọn phương tiện."),
            "invalid_choice": _("Chọn phương tiện trong danh sách."),
        },
    )
    vehicle_number = forms.CharField(
        label=_("Số hiệu chuyến bay, chuyến tàu hoặc biển số xe"),
        max_length=20,
        required=False,
        help_text=_("Bắt buộc với máy bay, tàu hoả và xe khách."),
    )
    checkpoint = forms.ModelChoiceField(
        label=_("Chốt kiểm soát sẽ đi qua (nếu biết)"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— Không rõ —"),
        error_messages={"invalid_choice": _("Chọn chốt kiểm soát trong danh sách.")},
    )

    def __init__(self, *args, destination_province: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        # The active checkpoints of the destination's province (none before it is chosen).
        path = (
            Area.objects.filter(pk=destination_province or 0, level=AreaLevel.PROVINCE)
            .values_list("path", flat=True)
            .first()
        )
        self.fields["checkpoint"].queryset = (
            Unit.objects.filter(role=Role.CHECKPOINT, is_active=True, area__path__startswith=path)
            .select_related("area")
            .order_by("name")
            if path
            else Unit.objects.none()
        )

    def clean_vehicle_number(self) -> str:
        return clean_text(self.cleaned_data["vehicle_number"]).upper()

    def clean(self):
        cleaned = super().clean()
        departed, arrival = cleaned.get("departed_on"), cleaned.get("arrival_on")
        if departed and arrival and arrival < departed:
            self.add_error(
                "arrival_on",
                ValidationError(
                    _("Ngày đến không thể trước ngày khởi hành."),
                    code="arrival_before_departure",
                ),
            )
        return cleaned


class OriginForm(AreaPickerMixin, forms.Form):
    """Where from: province → ward → village or point of the tree (a ward's list holds
    its villages and the points directly under it) → a point of the village; or, where
    the ward's villages are not loaded, the village typed by hand."""

    point = AreaChoiceField(
        label=_("Điểm (khu vực nhỏ hơn thôn, nếu có)"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("— Không chọn —"),
        error_messages={"invalid_choice": _("Chọn điểm trong danh sách.")},
    )
    village_text = forms.CharField(label=_("Thôn / tổ dân phố"), max_length=120, required=False)
    street = forms.CharField(label=_("Số nhà, đường nơi đi"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area_messages(self)
        self.fields["province"].label = _("Nơi đi: tỉnh / thành phố")
        ward, village = self._picked("ward"), self._picked("village")
        self.fields["village"].queryset = Area.objects.filter(
            level__in=(AreaLevel.VILLAGE, AreaLevel.POINT), parent_id=ward or 0
        ).order_by("name_key")
        self.fields["point"].queryset = Area.objects.filter(
            level=AreaLevel.POINT, parent_id=village or 0, parent__level=AreaLevel.VILLAGE
        ).order_by("name_key")
        self.ward_picked = bool(ward)
        self.ward_has_villages = bool(ward) and self.fields["village"].queryset.exists()
        self.village_has_points = bool(village) and self.fields["point"].queryset.exists()
        if self.ward_has_villages:
            self.fields["village_text"].label = _(
                "Không có trong danh sách? Nhập tên thôn / tổ dân phố"
            )

    def clean_village_text(self) -> str:
        return clean_text(self.cleaned_data["village_text"])

    def clean_street(self) -> str:
        return clean_text(self.cleaned_data["street"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("point"):
            cleaned["area"] = cleaned["point"]
        return cleaned


class DestinationForm(AreaPickerMixin, forms.Form):
    street = forms.CharField(label=_("Số nhà, đường nơi đến"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area_messages(self)
        self.fields["province"].label = _("Nơi đến: tỉnh / thành phố")

    def clean_street(self) -> str:
        return clean_text(self.cleaned_data["street"])


class TravellerStatusForm(forms.Form):
    """A person's vaccination and recent test, asked only where the portal's records do
    not know them (the known parts are shown, marked verified, and not posted)."""

    vaccine_doses = forms.TypedChoiceField(
        label=_("Số mũi vắc xin COVID-19 đã tiêm"),
        choices=[(str(number), str(number)) for number in range(MAX_VACCINE_DOSES + 1)],
        coerce=int,
        initial="0",
        error_messages={
            "required": _("Chọn số mũi đã tiêm."),
            "invalid_choice": _("Chọn số mũi trong danh sách."),
        },
    )
    last_dose_on = day_field(_("Ngày tiêm mũi gần nhất"), required=False)
    test_outcome = forms.ChoiceField(
        label=_("Kết quả xét nghiệm gần nhất"),
        choices=TestOutcome.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Chọn một kết quả trong danh sách.")},
    )
    test_sampled_on = day_field(_("Ngày lấy mẫu"), required=False)

    def __init__(self, *args, link: ManagedPerson, known: VerifiedStatus, **kwargs):
        super().__init__(*args, **kwargs)
        self.link, self.person, self.known = link, link.person, known
        if known.vaccine_doses:
            del self.fields["vaccine_doses"], self.fields["last_dose_on"]
        if known.test_outcome:
            del self.fields["test_outcome"], self.fields["test_sampled_on"]

    @property
    def known_test_label(self) -> str:
        return TestOutcome(self.known.test_outcome).label if self.known.test_outcome else ""

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        if cleaned.get("vaccine_doses"):
            if cleaned.get("last_dose_on") is None and "last_dose_on" not in self.errors:
                self.add_error(
                    "last_dose_on",
                    ValidationError(_("Nhập ngày tiêm mũi gần nhất."), code="required"),
                )
        else:
            cleaned["last_dose_on"] = None
        if cleaned.get("last_dose_on") and cleaned["last_dose_on"] > today:
            self.add_error(
                "last_dose_on",
                ValidationError(_("Ngày tiêm không thể sau hôm nay."), code="dose_future"),
            )
        if cleaned.get("test_outcome"):
            if cleaned.get("test_sampled_on") is None and "test_sampled_on" not in self.errors:
                self.add_error(
                    "test_sampled_on",
                    ValidationError(_("Nhập ngày lấy mẫu xét nghiệm."), code="required"),
                )
        else:
            cleaned["test_sampled_on"] = None
        if cleaned.get("test_sampled_on") and cleaned["test_sampled_on"] > today:
            self.add_error(
                "test_sampled_on",
                ValidationError(_("Ngày lấy mẫu không thể sau hôm nay."), code="test_future"),
            )
        return cleaned

    def check_against_trip(self, *, arrival_on: datetime.date, recent_test_days: int) -> None:
        """The dates the trip decides: nothing after arrival, a "recent" test within the
        rule's days before it."""
        data = self.cleaned_data
        if data.get("last_dose_on") and data["last_dose_on"] > arrival_on:
            self.add_error(
                "last_dose_on",
                ValidationError(_("Ngày tiêm không thể sau ngày đến."), code="dose_after_arrival"),
            )
        sampled = data.get("test_sampled_on")
        if sampled and sampled > arrival_on:
            self.add_error(
                "test_sampled_on",
                ValidationError(
                    _("Ngày lấy mẫu không thể sau ngày đến."), code="test_after_arrival"
                ),
            )
        elif sampled and sampled < arrival_on - datetime.timedelta(days=recent_test_days):
            self.add_error(
                "test_sampled_on",
                ValidationError(
                    _(
                        "Xét nghiệm lấy mẫu quá %(days)d ngày trước ngày đến không được tính là "
                        "gần đây: chọn “Chưa xét nghiệm gần đây”."
                    ),
                    code="test_not_recent",
                    params={"days": recent_test_days},
                ),
            )

    def traveller(self) -> Traveller:
        data = self.cleaned_data
        return Traveller(
            person=self.person,
            relationship=self.link.relationship,
            vaccine_doses=data.get("vaccine_doses") or 0,
            last_dose_on=data.get("last_dose_on"),
            test_outcome=data.get("test_outcome") or TestOutcome.NONE,
            test_sampled_on=data.get("test_sampled_on"),
        )


class EntryDeclarationForms:
    """The page's forms, checked and shown together."""

    def __init__(self, data=None, *, links: list[ManagedPerson], initial: dict | None = None):
        initial = initial or {}
        self.links = links
        self.origin = OriginForm(data, prefix="origin", initial=initial.get("origin"))
        self.destination = DestinationForm(data, prefix="dest", initial=initial.get("dest"))
        self.trip = EntryTripForm(
            data,
            links=links,
            initial=initial.get("trip"),
            destination_province=self.destination._picked("province"),
        )
        self.rules = declaring_rules(area_of(self.destination))
        arrival_on = self._arrival_on()
        recent_from = arrival_on - datetime.timedelta(days=self.rules["recent_test_days"])
        ticked = self.trip.ticked()
        self.people = []
        for link in links:
            kwargs = {
                "prefix": self.person_prefix(link),
                "link": link,
                "known": verified_status(link.person, recent_from=recent_from, until=arrival_on),
            }
            form = TravellerStatusForm(data, initial=initial.get(kwargs["prefix"]), **kwargs)
            if form.is_bound and str(link.person.public_id) not in ticked:
                # Not travelling: what was typed stays on the page, never an error.
                form = TravellerStatusForm(initial=posted_initial(form), **kwargs)
            self.people.append(form)

    @staticmethod
    def person_prefix(link: ManagedPerson) -> str:
        return f"p-{link.person.public_id}"

    def _arrival_on(self) -> datetime.date:
        """The arrival day typed (for which tests count as recent), else today."""
        field = self.trip.fields["arrival_on"]
        value = (
            self.trip.data.get(self.trip.add_prefix("arrival_on"))
            if self.trip.is_bound
            else self.trip.initial.get("arrival_on")
        )
        today = timezone.localdate()
        try:
            day = field.clean(value) or today
        except ValidationError:
            return today
        # A year typed as 0001 or 9999 is refused by the trip's checks; here it must not
        # break the arithmetic of the recent-test window.
        return day if abs((day - today).days) <= 366 else today

    @property
    def forms(self) -> list[forms.Form]:
        return [self.trip, self.origin, self.destination, *self.chosen_people()]

    def chosen_people(self) -> list[TravellerStatusForm]:
        ticked = self.trip.ticked()
        return [form for form in self.people if str(form.person.public_id) in ticked]

    @property
    def has_errors(self) -> bool:
        return any(form.errors for form in self.forms)

    def is_valid(self) -> bool:
        for form in self.forms:
            form.is_valid()
        arrival_on = self.trip.cleaned_data.get("arrival_on")
        if arrival_on is not None:
            for form in self.chosen_people():
                form.check_against_trip(
                    arrival_on=arrival_on, recent_test_days=self.rules["recent_test_days"]
                )
        return not self.has_errors

    @property
    def submission_key(self) -> uuid.UUID:
        return self.trip.cleaned_data["submission_key"]

    def trip_value(self) -> Trip:
        trip, origin, destination = (
            self.trip.cleaned_data,
            self.origin.cleaned_data,
            self.destination.cleaned_data,
        )
        return Trip(
            origin_area=origin["area"],
            origin_village_text=origin["village_text"],
            origin_street=origin["street"],
            departed_on=trip["departed_on"],
            arrival_on=trip["arrival_on"],
            means=trip["means"],
            vehicle_number=trip["vehicle_number"],
            checkpoint=trip["checkpoint"],
            destination_area=destination["area"],
            destination_street=destination["street"],
            contact_phone=trip["contact_phone"],
        )

    def travellers(self) -> list[Traveller]:
        return [form.traveller() for form in self.chosen_people()]

    def apply_service_errors(self, exc: ValidationError) -> None:
        """entry_declarations_submit's errors next to the fields they are about; the
        origin's on the province (outside the destination's) or the ward."""
        errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
        for field, messages in errors.items():
            if field == "origin_area":
                codes = {error.code for error in messages}
                name = "province" if "origin_in_province" in codes else "ward"
                self.origin.add_error(name, messages)
            elif field in SERVICE_FIELDS:
                form_name, name = SERVICE_FIELDS[field]
                getattr(self, form_name).add_error(name, messages)
            else:
                apply_service_errors(self.trip, ValidationError(messages))

    def redisplayed(self, *, tick: ManagedPerson | None = None) -> "EntryDeclarationForms":
        """The same answers on a page without error messages (after "_refresh" or the
        BHYT button), with `tick`'s person ticked too."""
        initial = {
            "trip": posted_initial(self.trip),
            "origin": posted_initial(self.origin),
            "dest": posted_initial(self.destination),
            **{self.person_prefix(form.link): posted_initial(form) for form in self.people},
        }
        if tick is not None:
            persons = set(initial["trip"].get("persons") or [])
            initial["trip"]["persons"] = [*persons, str(tick.person.public_id)]
        return EntryDeclarationForms(links=self.links, initial=initial)

    @classmethod
    def new(cls, *, account, links: list[ManagedPerson]) -> "EntryDeclarationForms":
        """A new page: the account's own person ticked, going home."""
        trip = EntryTripForm.base_initial(account=account, links=links, submission_key=uuid.uuid4())
        home = next(
            link.person.area for link in links if str(link.person.public_id) in trip["persons"]
        )
        return cls(
            links=links,
            initial={
                "trip": trip,
                "dest": AreaPickerMixin.area_initial(home),
            },
        )
