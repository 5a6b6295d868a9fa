"""Home care's rule kind: when reports are due, when missing ones are chased, and the
danger signs that alert the station at once.

Defaults: Ministry of Health, QĐ 4038/QĐ-BYT (21/8/2021) and QĐ 261/QĐ-BYT (31/01/2022):
monitor twice a day; danger signs include SpO2 < 96 %, breathing ≥ 20/min for adults,
≥ 30 for children of 5–11, ≥ 40 for 1–4, ≥ 50 under one year, pulse > 120 or < 50,
blood pressure below 90/60, chest pain, confusion, blue lips, and not being able to drink.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import ChoiceListRule, IntegerRule, TimeListRule, TimeOfDayRule
from khaibao.rules.kinds import RuleKind

HOMECARE = "homecare"

DANGER_SYMPTOMS = (
    ("chest_pain", _("Đau tức ngực")),
    ("confusion", _("Lơ mơ, lú lẫn, khó đánh thức")),
    ("blue_lips", _("Môi, đầu ngón tay tím tái")),
    ("cannot_drink", _("Không uống được, nôn hết mọi thứ")),
    ("seizure", _("Co giật")),
    ("short_breath_at_rest", _("Khó thở cả khi nghỉ, không nói được thành câu")),
)


def _check(values: dict) -> dict[str, ValidationError]:
    errors = {}
    if values["pulse_below"] >= values["pulse_above"]:
        errors["pulse_below"] = ValidationError(
            gettext("Ngưỡng mạch chậm phải thấp hơn ngưỡng mạch nhanh."), code="pulse_band"
        )
    if values["diastolic_below"] >= values["systolic_below"]:
        errors["diastolic_below"] = ValidationError(
            gettext("Ngưỡng huyết áp tâm trương phải thấp hơn tâm thu."), code="pressure_band"
        )
    bands = [
        values[name]
        for name in (
            "breathing_adult_from",
            "breathing_5_11_from",
            "breathing_1_4_from",
            "breathing_under_1_from",
        )
    ]
    if bands != sorted(bands):
        errors["breathing_5_11_from"] = ValidationError(
            gettext(
                "Ngưỡng nhịp thở tăng dần khi trẻ nhỏ hơn (người lớn ≤ 5–11 tuổi ≤ 1–4 tuổi ≤ dưới 1 tuổi)."
            ),
            code="breathing_bands",
        )
    if any(time <= values["report_deadline"] for time in values["chase_times"]):
        errors["chase_times"] = ValidationError(
            gettext("Giờ nhắc báo cáo phải sau hạn báo cáo."), code="chase_before_deadline"
        )
    return errors


def _breathing(name: str, label, default_min: int) -> IntegerRule:
    return IntegerRule(name, label, min_value=default_min, max_value=80, unit=_("lần/phút"))


HOMECARE_KIND = RuleKind(
    slug=HOMECARE,
    label=_("Chăm sóc tại nhà: báo cáo và dấu hiệu nguy hiểm"),
    description=_("Hạn báo cáo hằng ngày, giờ nhắc, ngưỡng dấu hiệu nguy hiểm theo tuổi."),
    fields=(
        TimeOfDayRule("report_deadline", _("Hạn gửi báo cáo sức khoẻ hằng ngày")),
        IntegerRule("reports_per_day", _("Số lần báo cáo mỗi ngày"), min_value=1, max_value=6),
        TimeListRule("chase_times", _("Giờ nhắc người chưa báo cáo (cách nhau bằng dấu phẩy)")),
        IntegerRule(
            "spo2_below", _("SpO2 dưới (nguy hiểm)"), min_value=80, max_value=100, unit="%"
        ),
        _breathing("breathing_adult_from", _("Nhịp thở người lớn từ"), 10),
        _breathing("breathing_5_11_from", _("Nhịp thở trẻ 5–11 tuổi từ"), 10),
        _breathing("breathing_1_4_from", _("Nhịp thở trẻ 1–4 tuổi từ"), 10),
        _breathing("breathing_under_1_from", _("Nhịp thở trẻ dưới 1 tuổi từ"), 10),
        IntegerRule(
            "pulse_above", _("Mạch nhanh trên"), min_value=60, max_value=250, unit=_("lần/phút")
        ),
        IntegerRule(
            "pulse_below", _("Mạch chậm dưới"), min_value=20, max_value=100, unit=_("lần/phút")
        ),
        IntegerRule(
            "systolic_below", _("Huyết áp tâm thu dưới"), min_value=50, max_value=160, unit="mmHg"
        ),
        IntegerRule(
            "diastolic_below",
            _("Huyết áp tâm trương dưới"),
            min_value=30,
            max_value=120,
            unit="mmHg",
        ),
        ChoiceListRule(
            "danger_symptoms", _("Triệu chứng là dấu hiệu nguy hiểm"), choices=DANGER_SYMPTOMS
        ),
    ),
    defaults={
        "report_deadline": "10:00",
        "reports_per_day": 2,
        "chase_times": ["10:30", "14:00"],
        "spo2_below": 96,
        "breathing_adult_from": 20,
        "breathing_5_11_from": 30,
        "breathing_1_4_from": 40,
        "breathing_under_1_from": 50,
        "pulse_above": 120,
        "pulse_below": 50,
        "systolic_below": 90,
        "diastolic_below": 60,
        "danger_symptoms": [code for code, _label in DANGER_SYMPTOMS],
    },
    default_document="QĐ 4038/QĐ-BYT ngày 21/8/2021; QĐ 261/QĐ-BYT ngày 31/01/2022",
    check=_check,
)
