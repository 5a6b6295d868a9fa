"""The venues' rule kinds: check-in merging, retention, exposure window, texts."""

import datetime

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

VENUES = "venues"
VENUES_SMS = "venues_sms"


def venue_rules(area=None, at: datetime.datetime | None = None) -> RulesInForce:
    return rules_in_force(VENUES, area, at)


VENUES_KIND = RuleKind(
    slug=VENUES,
    label=_("Địa điểm và check-in: thời hạn"),
    description=_(
        "Check-in lặp lại trong vài phút là một lượt; số ngày giữ dữ liệu check-in; thời "
        "hạn mã QR của địa điểm; khoảng thời gian gần nhau khi lập danh sách tiếp xúc."
    ),
    fields=(
        IntegerRule(
            "merge_minutes",
            _("Check-in lại trong vòng (tính là một lượt)"),
            min_value=0,
            max_value=120,
            unit=_("phút"),
        ),
        IntegerRule(
            "retention_days",
            _("Giữ dữ liệu check-in"),
            help_text=_("Quá số ngày này, check-in bị xoá hẳn (SafeEntry giữ 25 ngày)."),
            min_value=1,
            max_value=365,
            unit=_("ngày"),
        ),
        IntegerRule(
            "open_checkin_hours",
            _("Chưa check-out: coi như ra sau"),
            help_text=_("Một lượt không check-out được coi là kết thúc sau chừng này giờ."),
            min_value=1,
            max_value=24,
            unit=_("giờ"),
        ),
        IntegerRule(
            "exposure_margin_minutes",
            _("Danh sách tiếp xúc: gần nhau trong vòng"),
            help_text=_("Hai lượt ở cùng địa điểm cách nhau không quá chừng này phút là tiếp xúc."),
            min_value=0,
            max_value=240,
            unit=_("phút"),
        ),
        IntegerRule(
            "infectious_days_before_test",
            _("Danh sách tiếp xúc: tính từ trước ngày xét nghiệm của ca bệnh"),
            help_text=_("Ca bệnh có thể lây từ chừng này ngày trước ngày xét nghiệm dương tính."),
            min_value=0,
            max_value=14,
            unit=_("ngày"),
        ),
        IntegerRule(
            "venue_qr_days",
            _("Mã QR của địa điểm có giá trị"),
            min_value=30,
            max_value=3650,
            unit=_("ngày"),
        ),
    ),
    defaults={
        "merge_minutes": 5,
        "retention_days": 25,
        "open_checkin_hours": 4,
        "exposure_margin_minutes": 30,
        "infectious_days_before_test": 2,
        "venue_qr_days": 365,
    },
    default_document="SafeEntry (Singapore, 2020): dữ liệu check-in giữ 25 ngày",
)

_PLACEHOLDERS = {
    "dia_diem": "Cho Ben Thanh",
    "ly_do": "Dia chi khong dung",
    "ngay": "05/12/2026",
    "duong_dan": "https://khaibao.example.gov.vn/dia-diem/",
}

VENUES_SMS_KIND = RuleKind(
    slug=VENUES_SMS,
    label=_("Địa điểm: tin nhắn SMS"),
    description=_("Tin báo người quản lý địa điểm được duyệt / không duyệt, tin báo tiếp xúc."),
    fields=(
        SmsTextRule("approved", _("Địa điểm đã được duyệt"), placeholders=_PLACEHOLDERS),
        SmsTextRule(
            "rejected", _("Địa điểm không được duyệt, kèm lý do"), placeholders=_PLACEHOLDERS
        ),
        SmsTextRule(
            "exposure",
            _("Báo người có mặt cùng lúc với ca bệnh tại một địa điểm"),
            placeholders=_PLACEHOLDERS,
        ),
    ),
    defaults={
        "approved": (
            "KhaiBao: dia diem {dia_diem} da duoc duyet. In ma QR check-in tai: {duong_dan}"
        ),
        "rejected": "KhaiBao: dia diem {dia_diem} chua duoc duyet. Ly do: {ly_do}. {duong_dan}",
        "exposure": (
            "KhaiBao: ban co mat tai {dia_diem} ngay {ngay} cung luc voi mot ca benh. Tu theo doi "
            "suc khoe, lien he Tram Y te phuong/xa. Chi tiet: {duong_dan}"
        ),
    },
    default_document="Nội dung tin nhắn mặc định của KhaiBao",
)
