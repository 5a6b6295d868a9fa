"""The declarations' rule kinds: how long their QR codes last, the windows the forms
accept, and the SMS texts."""

import datetime

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

DECLARING = "checkpoint_declarations"
DECLARING_SMS = "checkpoint_declarations_sms"


def declaring_rules(area=None, at: datetime.datetime | None = None) -> RulesInForce:
    return rules_in_force(DECLARING, area, at)


DECLARING_KIND = RuleKind(
    slug=DECLARING,
    label=_("Khai báo y tế và khai báo vào tỉnh: thời hạn"),
    description=_(
        "Số ngày hỏi về triệu chứng và đi lại, thời hạn của mã QR tờ khai, khoảng ngày "
        "đến được khai trước hoặc sau."
    ),
    fields=(
        IntegerRule(
            "lookback_days",
            _("Khai báo y tế hỏi về số ngày gần đây"),
            min_value=1,
            max_value=30,
            unit=_("ngày"),
        ),
        IntegerRule(
            "health_qr_days",
            _("Mã QR khai báo y tế có giá trị"),
            min_value=1,
            max_value=60,
            unit=_("ngày"),
        ),
        IntegerRule(
            "entry_qr_days_after_arrival",
            _("Mã QR khai báo vào tỉnh có giá trị sau ngày đến"),
            min_value=1,
            max_value=90,
            unit=_("ngày"),
        ),
        IntegerRule(
            "arrival_days_ahead",
            _("Khai báo trước ngày đến tối đa"),
            min_value=1,
            max_value=90,
            unit=_("ngày"),
        ),
        IntegerRule(
            "arrival_days_late",
            _("Khai báo sau ngày đến tối đa"),
            min_value=0,
            max_value=30,
            unit=_("ngày"),
        ),
        IntegerRule(
            "recent_test_days",
            _("Xét nghiệm được coi là gần đây trong"),
            min_value=1,
            max_value=30,
            unit=_("ngày"),
        ),
    ),
    defaults={
        "lookback_days": 14,
        "health_qr_days": 14,
        "entry_qr_days_after_arrival": 14,
        "arrival_days_ahead": 14,
        "arrival_days_late": 3,
        "recent_test_days": 7,
    },
    default_document="Công văn 391/STTTT-IOC ngày 03/03/2021 (Thừa Thiên Huế)",
)

_PLACEHOLDERS = {
    "ho_ten": "NGUYEN VAN AN",
    "ngay_den": "05/12/2026",
    "bien_phap": "Tu theo doi suc khoe tai nha 7 ngay",
    "duong_dan": "https://khaibao.example.gov.vn/khai-bao-y-te/ma/AbCdEfGhIjKlMnOpQrStUvWx/",
}

DECLARING_SMS_KIND = RuleKind(
    slug=DECLARING_SMS,
    label=_("Khai báo y tế và khai báo vào tỉnh: tin nhắn SMS"),
    description=_("Tin gửi mã QR của tờ khai giấy, tin báo chính sách cách ly thay đổi."),
    fields=(
        SmsTextRule(
            "paper_entry",
            _("Tờ khai giấy đã được nhập, kèm đường dẫn mã QR"),
            placeholders=_PLACEHOLDERS,
        ),
        SmsTextRule(
            "paper_health",
            _("Tờ khai y tế giấy đã được nhập, kèm đường dẫn mã QR"),
            placeholders=_PLACEHOLDERS,
        ),
        SmsTextRule(
            "policy_changed",
            _("Chính sách cách ly áp dụng cho người đến đã thay đổi"),
            placeholders=_PLACEHOLDERS,
        ),
    ),
    defaults={
        "paper_entry": (
            "KhaiBao: to khai vao tinh cua {ho_ten} (ngay den {ngay_den}) da duoc nhap. "
            "Ma QR va huong dan: {duong_dan}"
        ),
        "paper_health": ("KhaiBao: to khai y te cua {ho_ten} da duoc nhap. Ma QR: {duong_dan}"),
        "policy_changed": (
            "KhaiBao: chinh sach cho {ho_ten} (den ngay {ngay_den}) da thay doi: {bien_phap}. "
            "Chi tiet: {duong_dan}"
        ),
    },
    default_document="Công văn 391/STTTT-IOC ngày 03/03/2021 (Thừa Thiên Huế)",
)
