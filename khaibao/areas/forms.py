import csv
import io

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khaibao.lib.normalize import clean_text, name_key

from .models import Area, AreaLevel, ward_of

CSV_COLUMNS = ("ward_code", "name", "division_type")
CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 5000


class VillageForm(forms.ModelForm):
    """A village under a ward, or a point (a market, a building) under a village or ward."""

    level = forms.ChoiceField(
        label=_("Thêm"),
        choices=[
            (AreaLevel.VILLAGE, AreaLevel.VILLAGE.label),
            (AreaLevel.POINT, AreaLevel.POINT.label),
        ],
        initial=AreaLevel.VILLAGE,
        required=False,
    )

    class Meta:
        model = Area
        fields = ("level", "parent", "name", "division_type")
        labels = {"parent": _("Thuộc (phường / xã, hoặc thôn / tổ cho một điểm)")}

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Nhập tên thôn / tổ dân phố."), code="required")
        return name

    def clean(self):
        cleaned = super().clean()
        # On edit the ward is read-only and absent from cleaned_data: use the stored one.
        parent, name = cleaned.get("parent") or self.instance.parent, cleaned.get("name")
        if self.instance.pk is None:
            cleaned["level"] = cleaned.get("level") or AreaLevel.VILLAGE
            if (
                cleaned.get("parent") is not None
                and cleaned["level"] == AreaLevel.VILLAGE
                and cleaned["parent"].level != AreaLevel.WARD
            ):
                self.add_error(
                    "parent",
                    ValidationError(
                        _("Thôn / tổ dân phố phải thuộc một phường / xã."), code="not_a_ward"
                    ),
                )
        if parent is not None and name:
            same_name = Area.objects.filter(parent=parent, name_key=name_key(name)).exclude(
                pk=self.instance.pk
            )
            if same_name.exists():
                self.add_error(
                    "name",
                    ValidationError(
                        _("%(ward)s đã có “%(name)s”."),
                        code="duplicate",
                        params={"ward": parent.name, "name": name},
                    ),
                )
        return cleaned


class VillageCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV"),
        error_messages={
            "required": _("Chọn tệp CSV để tải lên."),
            "empty": _("Tệp trống: không có dòng tiêu đề và dữ liệu."),
        },
        help_text=_(
            "Mã hoá UTF-8, dòng đầu là tiêu đề: ward_code,name,division_type. "
            "Ví dụ: 00070,Tổ dân phố 1,tổ dân phố"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(_("Tệp quá lớn (tối đa 1 MB)."), code="too_big")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("Tệp không phải văn bản UTF-8. Lưu lại tệp dạng “CSV UTF-8”."), code="encoding"
            ) from None
        reader = csv.DictReader(io.StringIO(text))
        if (
            reader.fieldnames is None
            or tuple(name.strip() for name in reader.fieldnames) != CSV_COLUMNS
        ):
            raise ValidationError(
                _("Dòng tiêu đề phải đúng là: ward_code,name,division_type."), code="header"
            )
        rows = []
        for row in reader:
            # The reader skips blank lines, so count lines as the file has them.
            line = reader.line_num
            values = {key.strip(): clean_text(value or "") for key, value in row.items() if key}
            if not all(values.get(column) for column in CSV_COLUMNS):
                raise ValidationError(
                    _("Dòng %(line)d thiếu dữ liệu."), code="row_incomplete", params={"line": line}
                )
            if values["ward_code"].isdigit():
                # Ward codes have 5 digits; spreadsheets drop the leading zeros (00070 → 70).
                values["ward_code"] = values["ward_code"].zfill(5)
            values["line"] = line
            rows.append(values)
            if len(rows) > CSV_MAX_ROWS:
                raise ValidationError(_("Tối đa 5.000 dòng mỗi tệp."), code="too_many_rows")
        if not rows:
            raise ValidationError(_("Tệp không có dòng dữ liệu nào."), code="empty")
        return rows

    def clean(self):
        cleaned = super().clean()
        if "file" in cleaned:
            cleaned["rows"] = cleaned["file"]
        return cleaned


class AreaChoiceField(forms.ModelChoiceField):
    """An area list filtered to one parent: the name alone (no parent query per option)."""

    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class AreaPickerMixin(forms.Form):
    """Province → ward → village (optional) pickers, for any form with an address.

    Works without JavaScript: the ward list follows the province after the form's
    "_refresh" button re-renders it; with JavaScript static/js/area-picker.js refills
    the lists at once. `clean()` puts the chosen ward or village in cleaned["area"].
    """

    province = AreaChoiceField(
        label=_("Tỉnh / thành phố"),
        queryset=Area.objects.none(),
        empty_label=_("— Chọn tỉnh / thành phố —"),
    )
    ward = AreaChoiceField(
        label=_("Phường / xã"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("— Chọn phường / xã —"),
    )
    village = AreaChoiceField(
        label=_("Thôn / tổ dân phố (nếu có)"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("— Không chọn —"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Area.objects.filter(level=AreaLevel.PROVINCE).order_by(
            "name_key"
        )
        self.fields["ward"].queryset = Area.objects.filter(
            level=AreaLevel.WARD, parent_id=self._picked("province") or 0
        ).order_by("name_key")
        self.fields["village"].queryset = Area.objects.filter(
            level=AreaLevel.VILLAGE, parent_id=self._picked("ward") or 0
        ).order_by("name_key")

    def _picked(self, name):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        try:
            return int(value) if value else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        ward, village = cleaned.get("ward"), cleaned.get("village")
        if cleaned.get("province") and not ward:
            self.add_error("ward", ValidationError(_("Chọn phường / xã."), code="required"))
        cleaned["area"] = village or ward
        return cleaned

    @staticmethod
    def area_initial(area: Area) -> dict:
        ward = ward_of(area)
        return {
            "province": ward.parent_id,
            "ward": ward.pk,
            "village": area.pk if area.level == AreaLevel.VILLAGE else None,
        }
