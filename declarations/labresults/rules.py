"""Lab results' rule kinds: the deadline for entering a result (seed 004: within 3 hours
of the result), the API's batch size, how long a result's QR is valid, and the texts."""

import datetime

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

LABRESULTS = "labresults"
LABRESULTS_SMS = "labresults_sms"


def lab_rules(area, at: datetime.datetime | None = None) -> RulesInForce:
    """The lab-result rules of `area`'s province in force at `at` (default now)."""
    return rules_in_force(LABRESULTS, area, at)


LABRESULTS_KIND = RuleKind(
    slug=LABRESULTS,
    label=_("Kết quả xét nghiệm: thời hạn"),
    description=_(
        "Hạn nhập kết quả sau khi có kết quả, số kết quả tối đa một lần gửi qua liên thông, "
        "thời hạn mã QR kết quả."
    ),
    fields=(
        IntegerRule(
            "entry_deadline_hours",
            _("Hạn nhập kết quả vào hệ thống sau khi có kết quả"),
            help_text=_("Nhập sau hạn này thì kết quả bị đánh dấu trễ."),
            min_value=1,
            max_value=72,
            unit=_("giờ"),
        ),
        IntegerRule(
            "api_batch_max",
            _("Số kết quả tối đa trong một lần gửi qua liên thông"),
            min_value=1,
            max_value=1000,
            unit=_("kết quả"),
        ),
        IntegerRule(
            "certificate_valid_days",
            _("Thời hạn mã QR kết quả xét nghiệm"),
            min_value=1,
            max_value=365,
            unit=_("ngày"),
        ),
    ),
    defaults={"entry_deadline_hours": 3, "api_batch_max": 500, "certificate_valid_days": 30},
    default_document="Công văn trả kết quả xét nghiệm trên hệ thống khai báo y tế (TP HCM, 2021)",
)

_CITIZEN = {
    "ho_ten": "NGUYEN VAN AN",
    "duong_dan": "https://khaibao.example.gov.vn/xet-nghiem/",
}
_STATION = {
    "ma_f0": "F0-26734-000123",
    "phuong": "Phuong Sai Gon",
    "don_vi": "BV Nhiet doi",
    "duong_dan": "https://khaibao.example.gov.vn/admin/",
}

LABRESULTS_SMS_KIND = RuleKind(
    slug=LABRESULTS_SMS,
    label=_("Kết quả xét nghiệm: tin nhắn SMS"),
    description=_(
        "Tin báo người dân đã có kết quả (không ghi kết quả: đó là dữ liệu sức khoẻ) và tin "
        "báo Trạm Y tế có ca F0 mới từ kết quả dương tính."
    ),
    fields=(
        SmsTextRule(
            "ready", _("Báo người dân đã có kết quả"), placeholders=_CITIZEN, max_segments=2
        ),
        SmsTextRule(
            "station_case",
            _("Báo Trạm Y tế ca F0 mới từ kết quả xét nghiệm"),
            placeholders=_STATION,
            max_segments=2,
        ),
    ),
    defaults={
        "ready": (
            "KhaiBao: da co ket qua xet nghiem cua {ho_ten}. Xem tai {duong_dan} "
            "Dang nhap bang so dien thoai nay va ma OTP."
        ),
        "station_case": (
            "KhaiBao: ca F0 moi {ma_f0} ({phuong}) tu ket qua xet nghiem cua {don_vi}. "
            "Da dua vao cham soc tai nha. Xem: {duong_dan}"
        ),
    },
    default_document="Quy trình trả kết quả xét nghiệm của cổng KhaiBao",
)
