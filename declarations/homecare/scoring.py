"""Danger signs of a daily report, and the screening of a self-registration, judged by
the home-care rule in force (declarations/homecare/rules.py). Pure functions: no
database, so every threshold and age band is tested at its boundary cheaply."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .rules import REPORT_SIGNS

#: Sign codes of the measurements (the symptom codes are REPORT_SIGNS').
SPO2 = "spo2"
BREATHING = "breathing"
PULSE_HIGH = "pulse_high"
PULSE_LOW = "pulse_low"
PRESSURE_LOW = "pressure_low"

MEASURED_SIGN_LABELS = {
    SPO2: _("SpO2 thấp"),
    BREATHING: _("Thở nhanh"),
    PULSE_HIGH: _("Mạch nhanh"),
    PULSE_LOW: _("Mạch chậm"),
    PRESSURE_LOW: _("Huyết áp thấp"),
}
SIGN_LABELS = {**MEASURED_SIGN_LABELS, **dict(REPORT_SIGNS)}


@dataclass(frozen=True)
class Reading:
    """The answers of one daily report, already validated by the form."""

    temperature: Decimal
    spo2: int
    pulse: int
    breathing_rate: int | None = None
    short_of_breath: bool = False
    chest_pain: bool = False
    symptoms: tuple[str, ...] = field(default_factory=tuple)
    systolic: int | None = None
    diastolic: int | None = None

    def ticked(self) -> set[str]:
        """The sign codes the patient ticked (questions 4, 5 and 6)."""
        signs = set(self.symptoms)
        if self.short_of_breath:
            signs.add("short_of_breath")
        if self.chest_pain:
            signs.add("chest_pain")
        return signs


def breathing_threshold(age: int, rules: Mapping) -> int:
    """Breaths a minute from which breathing is too fast at this age (in whole years).

    Bands of QĐ 261/QĐ-BYT: under 1 year, 1–4, 5–11, and 12 and over as adults.
    """
    if age < 1:
        return rules["breathing_under_1_from"]
    if age < 5:
        return rules["breathing_1_4_from"]
    if age < 12:
        return rules["breathing_5_11_from"]
    return rules["breathing_adult_from"]


def spo2_low(spo2: int, rules: Mapping) -> bool:
    return spo2 < rules["spo2_below"]


def danger_signs(reading: Reading, *, age: int, rules: Mapping) -> list[str]:
    """The danger-sign codes in a reading, in a fixed order (measurements first)."""
    signs = []
    if spo2_low(reading.spo2, rules):
        signs.append(SPO2)
    if reading.breathing_rate is not None and reading.breathing_rate >= breathing_threshold(
        age, rules
    ):
        signs.append(BREATHING)
    if reading.pulse > rules["pulse_above"]:
        signs.append(PULSE_HIGH)
    if reading.pulse < rules["pulse_below"]:
        signs.append(PULSE_LOW)
    if (reading.systolic is not None and reading.systolic < rules["systolic_below"]) or (
        reading.diastolic is not None and reading.diastolic < rules["diastolic_below"]
    ):
        signs.append(PRESSURE_LOW)
    ticked = reading.ticked()
    signs.extend(code for code in rules["danger_symptoms"] if code in ticked)
    return signs


def sign_labels(signs: list[str], *, spo2: int | None = None) -> list[str]:
    """The signs as people read them: "SpO2 thấp (93%)", "Đau tức ngực"."""
    labels = []
    for code in signs:
        label = str(SIGN_LABELS.get(code, code))
        labels.append(f"{label} ({spo2}%)" if code == SPO2 and spo2 is not None else label)
    return labels


def signs_text(signs: list[str], *, spo2: int | None = None) -> str:
    """ "SpO2 thấp (93%), Đau tức ngực": the signs as staff and the SMS read them."""
    return ", ".join(sign_labels(signs, spo2=spo2))


# -- screening (self-registration) -------------------------------------------------------

#: Why home care may not be safe, by the criteria of QĐ 261/QĐ-BYT §2 ("người bệnh
#: đủ điều kiện cách ly tại nhà"): code → what the station reads.
SCREENING_FLAGS = {
    "danger_signs": _("Có dấu hiệu nguy hiểm"),
    "spo2_low": _("SpO2 thấp"),
    "breathing_fast": _("Thở nhanh"),
    "unstable_condition": _("Bệnh nền chưa ổn định"),
    "pregnant_late": _("Có thai từ 36 tuần"),
    "age_over_65_unvaccinated": _("Trên 65 tuổi, chưa tiêm đủ vắc xin"),
    "infant": _("Trẻ dưới 3 tháng tuổi"),
    "no_carer": _("Không có người chăm sóc"),
}


def screening_flags(answers: Mapping, *, age: int, age_months: int, rules: Mapping) -> list[str]:
    """What in the screening answers rules home care out (empty: home care may do).

    `answers` holds: spo2 (int or None), breathing_rate (int or None), danger_symptoms
    (codes), condition_unstable (bool), pregnancy_weeks (int or None), vaccine_doses
    (int), has_carer (bool).
    """
    flags = []
    ticked = set(answers.get("danger_symptoms") or ())
    if ticked & set(rules["danger_symptoms"]):
        flags.append("danger_signs")
    spo2 = answers.get("spo2")
    if spo2 is not None and spo2_low(spo2, rules):
        flags.append("spo2_low")
    breathing = answers.get("breathing_rate")
    if breathing is not None and breathing >= breathing_threshold(age, rules):
        flags.append("breathing_fast")
    if answers.get("condition_unstable"):
        flags.append("unstable_condition")
    weeks = answers.get("pregnancy_weeks")
    if weeks is not None and weeks >= 36:
        flags.append("pregnant_late")
    if age > 65 and (answers.get("vaccine_doses") or 0) < 2:
        flags.append("age_over_65_unvaccinated")
    if age_months < 3:
        flags.append("infant")
    if not answers.get("has_carer", True):
        flags.append("no_carer")
    return flags
