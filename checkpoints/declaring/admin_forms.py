"""The staff forms of the declarations in the admin: a paper entry declaration, a paper
health declaration, the follow-up note. They validate and normalise; the services in
paper.py and services.py check again and save.

Each address is a row of lists, province → ward → village (→ point), named
"<prefix>_province", … (AreaPicker), so one form holds several: where the person lives,
where they come from, where they go. Without JavaScript the "_refresh" button reloads
the lists; with it static/js/area-picker.js refills them in each fieldset marked
data-area-picker.
"""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.areas.forms import AreaChoiceField
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.forms import day_field
from khaibao.lib.normalize import clean_text, normalize_phone
from khaibao.people.ids import IdType, Sex, validate_id_document
from khaibao.people.services import check_date_of_birth, check_full_name

from .models import MAX_VACCINE_DOSES, Exposure, Symptom, TestOutcome, TravelMeans
from .paper import PaperPerson, SelfDeclaredStatus
from .services import Trip, trip_check

NOTE_MAX = 300


# -- the address lists ----------------------------------------------------------------


class AreaPicker:
    """Province → ward → village (→ point) lists of one address in a form.

    Each list holds the children of what is picked above it (as posted, or as the
    initial value), so a ward of another province, or a village of another ward, is an
    invalid choice. `provinces` is what the first list offers (a staff member's own
    province, for a destination). The village list also offers the points directly under
    the ward (the JavaScript refills it with every child of the ward).
    """

    def __init__(
        self,
        prefix: str,
        *,
        provinces,
        with_point: bool = False,
        required: bool = True,
        ward_required: bool = True,
    ):
        self.prefix = prefix
        self.provinces = provinces
        self.levels = ("province", "ward", "village", *(("point",) if with_point else ()))
        self.required = required
        self.ward_required = ward_required

    def name(self, level: str) -> str:
        return f"{self.prefix}_{level}"

    def names(self) -> list[str]:
        return [self.name(level) for level in self.levels]

    def bound_fields(self, form: forms.BaseForm) -> list[forms.BoundField]:
        """The lists as the template shows them, in order."""
        return [form[name] for name in self.names()]

    def add_to(self, form: forms.BaseForm) -> None:
        picked = {level: self._picked(form, level) for level in self.levels}
        querysets = {
            "province": self.provinces,
            "ward": Area.objects.filter(level=AreaLevel.WARD, parent_id=picked["province"] or 0),
            "village": Area.objects.filter(
                level__in=(AreaLevel.VILLAGE, AreaLevel.POINT), parent_id=picked["ward"] or 0
            ),
            "point": Area.objects.filter(level=AreaLevel.POINT, parent_id=picked["village"] or 0),
        }
        labels = {
            "province": (_("Tỉnh / thành phố"), _("— Chọn tỉnh / thành phố —")),
            "ward": (_("Phường / xã"), _("— Chọn phường / xã —")),
            "village": (_("Thôn / tổ dân phố (nếu có)"), _("— Không chọn —")),
            "point": (_("Điểm (nếu có)"), _("— Không chọn —")),
        }
        for level in self.levels:
            label, empty_label = labels[level]
            form.fields[self.name(level)] = AreaChoiceField(
                label=label,
                queryset=querysets[level].order_by("name_key"),
                required=self.required and level == "province",
                empty_label=empty_label,
                error_messages={
                    "required": _("Chọn tỉnh / thành phố."),
                    "invalid_choice": _("Chọn trong danh sách (danh sách đã đổi: bấm cập nhật)."),
                },
            )

    def _picked(self, form: forms.BaseForm, level: str) -> int | None:
        name = self.name(level)
        if form.is_bound:
            value = form.data.get(form.add_prefix(name))
        else:
            value = form.initial.get(name)
        value = getattr(value, "pk", value)
        try:
            return int(value) if value else None
        except (TypeError, ValueError):
            return None

    def clean(self, form: forms.BaseForm, cleaned: dict) -> Area | None:
        """The most specific area picked, or None; "choose a ward" when only a province
        is and the ward is required."""
        picked = [cleaned.get(self.name(level)) for level in self.levels]
        if picked[0] and not picked[1] and self.ward_required:
            form.add_error(
                self.name("ward"), ValidationError(_("Chọn phường / xã."), code="required")
            )
            return None
        return next((area for area in reversed(picked) if area is not None), None)


def staff_provinces(province: Area | None):
    """The provinces a staff member files papers for: their own, or all (superuser)."""
    provinces = Area.objects.filter(level=AreaLevel.PROVINCE)
    return provinces.filter(pk=province.pk) if province is not None else provinces


# -- the person on the paper -----------------------------------------------------------


class PaperPersonForm(forms.Form):
    """Who the paper is about, and where they live (`residence_…` lists)."""

    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Trang đã cũ: tải lại trang rồi nhập lại."),
            "invalid": _("Trang đã cũ: tải lại trang rồi nhập lại."),
        },
    )
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=240,
        error_messages={"required": _("Nhập họ và tên.")},
    )
    date_of_birth = day_field(_("Ngày sinh"))
    sex = forms.ChoiceField(
        label=_("Giới tính"),
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn giới tính."), "invalid_choice": _("Chọn giới tính.")},
    )
    id_type = forms.ChoiceField(
        label=_("Loại giấy tờ"),
        choices=IdType.choices,
        initial=IdType.CCCD,
        error_messages={"invalid_choice": _("Chọn loại giấy tờ trong danh sách.")},
    )
    id_number = forms.CharField(
        label=_("Số giấy tờ"),
        max_length=40,
        required=False,
        help_text=_("Trẻ em chưa có giấy tờ: ghi 000000000."),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        help_text=_("Người khai nhận tin nhắn có đường dẫn mã QR ở số này. Để trống nếu không có."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    street_address = forms.CharField(label=_("Số nhà, đường"), max_length=200, required=False)

    #: Where service errors about the person go (the service's name → this form's).
    error_fields = {"area": "residence_ward", "persons": None}

    def __init__(self, *args, province: Area | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.province = province
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        self.residence = self.residence_picker()
        self.residence.add_to(self)

    def residence_picker(self) -> AreaPicker:
        return AreaPicker("residence", provinces=Area.objects.filter(level=AreaLevel.PROVINCE))

    @property
    def person_fields(self) -> list[forms.BoundField]:
        names = ("full_name", "date_of_birth", "sex", "id_type", "id_number", "phone")
        return [self[name] for name in names]

    @property
    def residence_fields(self) -> list[forms.BoundField]:
        return [*self.residence.bound_fields(self), self["street_address"]]

    def clean_full_name(self) -> str:
        return check_full_name(self.cleaned_data["full_name"])

    def clean_date_of_birth(self) -> datetime.date:
        value = self.cleaned_data["date_of_birth"]
        check_date_of_birth(value, timezone.localdate())
        return value

    def clean_phone(self) -> str:
        value = clean_text(self.cleaned_data["phone"])
        return normalize_phone(value) if value else ""

    def clean_street_address(self) -> str:
        return clean_text(self.cleaned_data["street_address"])

    def clean(self):
        cleaned = super().clean()
        if {"id_type", "date_of_birth", "sex"} <= cleaned.keys():
            number = cleaned.get("id_number", "")
            try:
                cleaned["id_type"], cleaned["id_number"] = validate_id_document(
                    id_type=cleaned["id_type"],
                    id_number=number,
                    date_of_birth=cleaned["date_of_birth"],
                    sex=cleaned["sex"],
                    today=timezone.localdate(),
                )
            except ValidationError as exc:
                self.add_error("id_number", exc)
        cleaned["area"] = self.residence.clean(self, cleaned)
        return cleaned

    def paper_person(self, area: Area | None = None) -> PaperPerson:
        data = self.cleaned_data
        return PaperPerson(
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            phone=data["phone"],
            area=area or data["area"],
            street_address=data["street_address"],
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's errors next to the fields they are about, the rest at the top."""
        mapping = getattr(exc, "error_dict", None) or {None: exc.error_list}
        for field, errors in mapping.items():
            name = self.error_fields.get(field, field)
            self.add_error(name if name in self.fields else None, errors)


# -- a paper entry declaration --------------------------------------------------------


class PaperEntryForm(PaperPersonForm):
    """A paper entry declaration: the person, the trip (origin down to the village or a
    village typed by hand, dates, means, checkpoint, destination in the staff member's
    province) and their vaccination and test as they declare them."""

    origin_village_text = forms.CharField(
        label=_("Thôn / tổ nơi đi (nếu không có trong danh sách)"),
        max_length=120,
        required=False,
    )
    origin_street = forms.CharField(label=_("Địa chỉ nơi đi"), max_length=200, required=False)
    departed_on = day_field(_("Ngày khởi hành"))
    arrival_on = day_field(_("Ngày đến"))
    means = forms.ChoiceField(
        label=_("Phương tiện"),
        choices=[("", "---------"), *TravelMeans.choices],
        error_messages={
            "required": _("Chọn phương tiện."),
            "invalid_choice": _("Chọn phương tiện trong danh sách."),
        },
    )
    vehicle_number = forms.CharField(
        label=_("Số hiệu chuyến bay, tàu, biển số xe"), max_length=20, required=False
    )
    checkpoint = forms.ModelChoiceField(
        label=_("Chốt kiểm soát"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— Không qua chốt —"),
        error_messages={"invalid_choice": _("Chọn chốt kiểm soát trong danh sách.")},
    )
    destination_street = forms.CharField(
        label=_("Số nhà, đường nơi đến"), max_length=200, required=False
    )
    vaccine_doses = forms.TypedChoiceField(
        label=_("Số mũi vắc xin đã tiêm (tự khai)"),
        choices=[(n, str(n)) for n in range(MAX_VACCINE_DOSES + 1)],
        coerce=int,
        initial=0,
        error_messages={"invalid_choice": _("Chọn số mũi trong danh sách.")},
    )
    last_dose_on = day_field(_("Ngày tiêm mũi cuối"), required=False)
    test_outcome = forms.ChoiceField(
        label=_("Kết quả xét nghiệm gần nhất (tự khai)"),
        choices=TestOutcome.choices,
        required=False,
        error_messages={"invalid_choice": _("Chọn kết quả trong danh sách.")},
    )
    test_sampled_on = day_field(_("Ngày lấy mẫu"), required=False)

    error_fields = {
        **PaperPersonForm.error_fields,
        "origin_area": "origin_ward",
        "destination_area": "destination_ward",
    }

    def __init__(self, *args, province: Area | None, checkpoint: Unit | None = None, **kwargs):
        super().__init__(*args, province=province, **kwargs)
        self.origin = AreaPicker(
            "origin", provinces=Area.objects.filter(level=AreaLevel.PROVINCE), with_point=True
        )
        self.origin.add_to(self)
        if province is not None:
            self.initial.setdefault("destination_province", province.pk)
        self.destination = AreaPicker("destination", provinces=staff_provinces(province))
        self.destination.add_to(self)
        units = Unit.objects.filter(role=Role.CHECKPOINT, is_active=True).select_related("area")
        if province is not None:
            units = units.filter(area__path__startswith=province.path)
        self.fields["checkpoint"].queryset = units.order_by("name")
        if checkpoint is not None:
            # A checkpoint's staff type in what was declared at their own checkpoint.
            self.initial["checkpoint"] = checkpoint.pk
            self.fields["checkpoint"].disabled = True

    def residence_picker(self) -> AreaPicker:
        return AreaPicker(
            "residence", provinces=Area.objects.filter(level=AreaLevel.PROVINCE), required=False
        )

    @property
    def origin_fields(self) -> list[forms.BoundField]:
        return [*self.origin.bound_fields(self), self["origin_village_text"], self["origin_street"]]

    @property
    def trip_fields(self) -> list[forms.BoundField]:
        names = ("departed_on", "arrival_on", "means", "vehicle_number", "checkpoint")
        return [self[name] for name in names]

    @property
    def destination_fields(self) -> list[forms.BoundField]:
        return [*self.destination.bound_fields(self), self["destination_street"]]

    @property
    def status_fields(self) -> list[forms.BoundField]:
        names = ("vaccine_doses", "last_dose_on", "test_outcome", "test_sampled_on")
        return [self[name] for name in names]

    def clean_origin_village_text(self) -> str:
        return clean_text(self.cleaned_data["origin_village_text"])

    def clean_origin_street(self) -> str:
        return clean_text(self.cleaned_data["origin_street"])

    def clean_vehicle_number(self) -> str:
        return clean_text(self.cleaned_data["vehicle_number"]).upper()

    def clean_destination_street(self) -> str:
        return clean_text(self.cleaned_data["destination_street"])

    def clean(self):
        cleaned = super().clean()
        cleaned["origin_area"] = origin = self.origin.clean(self, cleaned)
        cleaned["destination_area"] = destination = self.destination.clean(self, cleaned)
        if origin is None and not self.has_error("origin_ward"):
            self.add_error(
                "origin_province",
                ValidationError(_("Chọn nơi đi: tỉnh và phường / xã."), code="required"),
            )
        if destination is None and not self.has_error("destination_ward"):
            self.add_error(
                "destination_province",
                ValidationError(_("Chọn nơi đến: phường / xã."), code="required"),
            )
        if cleaned.get("area") is None and origin is not None:
            # No residence written: the person lives where they come from.
            cleaned["area"] = origin.parent if origin.level == AreaLevel.POINT else origin
        if not cleaned.get("vaccine_doses"):
            cleaned["last_dose_on"] = None
        if not cleaned.get("test_outcome"):
            cleaned["test_sampled_on"] = None
        trip_fields = ("origin_area", "destination_area", "departed_on", "arrival_on", "means")
        if all(cleaned.get(name) for name in trip_fields):
            try:
                trip_check(self.trip())
            except ValidationError as exc:
                self.add_service_errors(exc)
        return cleaned

    def trip(self) -> Trip:
        """The trip as typed; clean() checks it before the other fields are all valid,
        so the optional parts may still be missing."""
        data = self.cleaned_data
        return Trip(
            origin_area=data["origin_area"],
            departed_on=data["departed_on"],
            arrival_on=data["arrival_on"],
            means=data["means"],
            destination_area=data["destination_area"],
            origin_village_text=data.get("origin_village_text", ""),
            origin_street=data.get("origin_street", ""),
            vehicle_number=data.get("vehicle_number", ""),
            checkpoint=data.get("checkpoint"),
            destination_street=data.get("destination_street", ""),
            contact_phone=data.get("phone", ""),
        )

    def status(self) -> SelfDeclaredStatus:
        data = self.cleaned_data
        return SelfDeclaredStatus(
            vaccine_doses=data["vaccine_doses"],
            last_dose_on=data["last_dose_on"],
            test_outcome=data["test_outcome"],
            test_sampled_on=data["test_sampled_on"],
        )


# -- a paper health declaration -------------------------------------------------------


class PaperHealthForm(PaperPersonForm):
    """A paper health declaration: the person, where they live now (a ward or village of
    the staff member's province), symptoms, contact with a case, recent travel."""

    symptoms = forms.MultipleChoiceField(
        label=_("Triệu chứng"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Triệu chứng không có trong danh sách.")},
    )
    other_symptoms = forms.CharField(label=_("Triệu chứng khác"), max_length=300, required=False)
    contact_with_case = forms.ChoiceField(
        label=_("Tiếp xúc với ca bệnh"),
        choices=Exposure.choices,
        initial=Exposure.NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Chọn có tiếp xúc với ca bệnh hay không."),
            "invalid_choice": _("Chọn có tiếp xúc với ca bệnh hay không."),
        },
    )
    travelled = forms.BooleanField(label=_("Có đi khỏi tỉnh gần đây"), required=False)
    travel_places = forms.CharField(label=_("Nơi đã đến"), max_length=300, required=False)

    def residence_picker(self) -> AreaPicker:
        return AreaPicker("residence", provinces=staff_provinces(self.province))

    def __init__(self, *args, province: Area | None, **kwargs):
        super().__init__(*args, province=province, **kwargs)
        if province is not None:
            self.initial.setdefault("residence_province", province.pk)

    @property
    def health_fields(self) -> list[forms.BoundField]:
        names = ("symptoms", "other_symptoms", "contact_with_case", "travelled", "travel_places")
        return [self[name] for name in names]

    def clean_other_symptoms(self) -> str:
        return clean_text(self.cleaned_data["other_symptoms"])

    def clean_travel_places(self) -> str:
        return clean_text(self.cleaned_data["travel_places"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("area") is None and not self.has_error("residence_ward"):
            self.add_error(
                "residence_province",
                ValidationError(_("Chọn nơi ở hiện tại: phường / xã."), code="required"),
            )
        if cleaned.get("travelled") and not cleaned.get("travel_places"):
            self.add_error("travel_places", ValidationError(_("Ghi nơi đã đến."), code="required"))
        if not cleaned.get("travelled"):
            cleaned["travel_places"] = ""
        return cleaned

    def declaration_data(self) -> dict:
        data = self.cleaned_data
        return {
            "symptoms": data["symptoms"],
            "other_symptoms": data["other_symptoms"],
            "contact_with_case": data["contact_with_case"],
            "travelled": data["travelled"],
            "travel_places": data["travel_places"],
        }


# -- the station's follow-up ---------------------------------------------------------


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Ghi chú (nếu có)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Ví dụ: đã gọi điện, đã đến nhà, người dân đang tự theo dõi."),
        error_messages={"max_length": _("Ghi chú dài tối đa %(limit_value)d ký tự.")},
    )

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data["note"])
