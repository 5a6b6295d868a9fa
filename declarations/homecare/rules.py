"""Home care's rule kinds: when reports are due, when missing ones are chased, the
danger signs that alert the station at once, and the SMS texts.

Defaults: Ministry of Health, QĐ 4038/QĐ-BYT (21/8/2021) and QĐ 261/QĐ-BYT (31/01/2022):
monitor twice a day; danger signs include SpO2 < 96 %, breathing ≥ 20/min for adults,
≥ 30 for children of 5–11, ≥ 40 for 1–4, ≥ 50 under one year, pulse > 120 or < 50,
blood pressure below 90/60, chest pain, confusion, blue lips, and not being able to drink.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import ChoiceListRule, IntegerRule, SmsTextRule, TimeOfDayRule
from khaibao.rules.kinds import RuleKind

HOMECARE = "homecare"

#: The signs a daily report can tick (questions 4–6 of seed 002), and which of them
#: the rule counts as danger signs.
REPORT_SIGNS = (
    ("short_of_breath", _("Khó thở, thở hụt hơi")),
    ("chest_pain", _("Đau tức ngực")),
    ("confusion", _("Lơ mơ, lú lẫn, khó đánh thức")),
    ("blue_lips", _("Môi, đầu ngón tay tím tái")),
    ("cannot_drink", _("Không uống được, không ăn / bú được")),
    ("cough", _("Ho")),
    ("loss_of_smell", _("Mất khứu giác, vị giác")),
)
#: The checklist of question 6 ("other signs").
OTHER_SIGNS = ("confusion", "blue_lips", "cannot_drink", "cough", "loss_of_smell")


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
    if values["call_list_at"] <= values["report_deadline"]:
        errors["call_list_at"] = ValidationError(
            gettext("Giờ đưa vào danh sách gọi điện phải sau hạn báo cáo."),
            code="call_list_before_deadline",
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
        TimeOfDayRule(
            "call_list_at",
            _("Giờ đưa người chưa báo cáo vào danh sách gọi điện (tin nhắc gửi lúc hết hạn)"),
        ),
        IntegerRule(
            "escalate_after_days",
            _("Báo Sở Y tế khi không báo cáo liền"),
            min_value=1,
            max_value=14,
            unit=_("ngày"),
        ),
        IntegerRule(
            "alert_resend_minutes",
            _("Báo lại cảnh báo chưa xử lý sau"),
            min_value=5,
            max_value=240,
            unit=_("phút"),
        ),
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
            "danger_symptoms", _("Triệu chứng là dấu hiệu nguy hiểm"), choices=REPORT_SIGNS
        ),
    ),
    defaults={
        "report_deadline": "10:00",
        "reports_per_day": 2,
        "call_list_at": "14:00",
        "escalate_after_days": 2,
        "alert_resend_minutes": 15,
        "spo2_below": 96,
        "breathing_adult_from": 20,
        "breathing_5_11_from": 30,
        "breathing_1_4_from": 40,
        "breathing_under_1_from": 50,
        "pulse_above": 120,
        "pulse_below": 50,
        "systolic_below": 90,
        "diastolic_below": 60,
        "danger_symptoms": [
            "short_of_breath",
            "chest_pain",
            "confusion",
            "blue_lips",
            "cannot_drink",
        ],
    },
    default_document="QĐ 4038/QĐ-BYT ngày 21/8/2021; QĐ 261/QĐ-BYT ngày 31/01/2022",
    check=_check,
)


HOMECARE_SMS = "homecare_sms"

_PATIENT = {
    "ho_ten": "NGUYEN THI BICH NGOC",
    "duong_dan": "https://khaibao.example.gov.vn/cham-soc/",
}
_STATION = {
    "ma_bn": "CS-000123",
    "phuong": "Phuong Thanh Binh",
    "dau_hieu": "SpO2 93%, kho tho",
    "duong_dan": "https://khaibao.example.gov.vn/admin/",
}

HOMECARE_SMS_KIND = RuleKind(
    slug=HOMECARE_SMS,
    label=_("Chăm sóc tại nhà: tin nhắn SMS"),
    description=_("Tin nhắn gửi người bệnh và số trực của Trạm Y tế."),
    fields=(
        SmsTextRule(
            "accepted",
            _("Được tiếp nhận chăm sóc tại nhà"),
            placeholders={**_PATIENT, "gio": "10:00"},
            max_segments=3,
        ),
        SmsTextRule(
            "rejected",
            _("Không tiếp nhận chăm sóc tại nhà"),
            placeholders={**_PATIENT, "ly_do": "Can theo doi tai co so y te"},
            max_segments=3,
        ),
        SmsTextRule(
            "reminder",
            _("Nhắc gửi báo cáo"),
            placeholders={**_PATIENT, "gio": "10:00"},
            max_segments=2,
        ),
        SmsTextRule(
            "alert", _("Cảnh báo nguy hiểm tới số trực"), placeholders=_STATION, max_segments=2
        ),
        SmsTextRule(
            "escalated",
            _("Báo Sở Y tế người bệnh nhiều ngày không báo cáo"),
            placeholders={**_STATION, "so_ngay": "2"},
            max_segments=2,
        ),
    ),
    defaults={
        "accepted": (
            "Tram Y te da tiep nhan cham soc tai nha cho {ho_ten}. Bao cao suc khoe truoc {gio} "
            "moi ngay: {duong_dan} Dang nhap bang so dien thoai nay va ma OTP. Nguy hiem: goi 115."
        ),
        "rejected": (
            "Tram Y te chua tiep nhan cham soc tai nha cho {ho_ten}. Ly do: {ly_do}. "
            "Lien he Tram Y te hoac goi 115 neu kho tho."
        ),
        "reminder": "KhaiBao: {ho_ten} chua gui bao cao suc khoe hom nay (han {gio}). Gui ngay: {duong_dan}",
        "alert": "KhaiBao CANH BAO: BN {ma_bn} ({phuong}) co dau hieu nguy hiem: {dau_hieu}. Xu ly: {duong_dan}",
        "escalated": (
            "KhaiBao: BN {ma_bn} ({phuong}) {so_ngay} ngay khong bao cao, Tram chua lien lac duoc. "
            "Xem: {duong_dan}"
        ),
    },
    default_document="Quy trình chăm sóc F0 tại nhà của cổng KhaiBao",
)
