"""Vaccination's rule kinds: how long a certificate is valid, the doses' timing checks,
how long a unit has to answer a correction request before it goes to the province, and
the texts sent to the citizen at each step of a request."""

import datetime

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

VACCINATION = "vaccination"
VACCINATION_SMS = "vaccination_sms"


def vaccination_rules(area=None, at: datetime.datetime | None = None) -> RulesInForce:
    """The vaccination rules of `area`'s province in force at `at` (default now)."""
    return rules_in_force(VACCINATION, area, at)


VACCINATION_KIND = RuleKind(
    slug=VACCINATION,
    label=_("Tiêm chủng: chứng nhận và phản ánh"),
    description=_(
        "Thời hạn mã QR chứng nhận tiêm chủng, khoảng cách tối thiểu giữa hai mũi và hạn đơn "
        "vị tiêm xử lý phản ánh trước khi chuyển Sở Y tế."
    ),
    fields=(
        IntegerRule(
            "certificate_valid_days",
            _("Thời hạn mã QR chứng nhận tiêm chủng"),
            min_value=30,
            max_value=3650,
            unit=_("ngày"),
        ),
        IntegerRule(
            "min_days_between_doses",
            _("Khoảng cách tối thiểu giữa hai mũi tiêm"),
            help_text=_("Mũi sau sớm hơn khoảng này bị từ chối khi nhập hoặc phản ánh."),
            min_value=1,
            max_value=180,
            unit=_("ngày"),
        ),
        IntegerRule(
            "correction_sla_hours",
            _("Hạn đơn vị tiêm xử lý phản ánh"),
            help_text=_("Quá hạn, phản ánh được chuyển Sở Y tế và người dân được báo."),
            min_value=1,
            max_value=720,
            unit=_("giờ"),
        ),
    ),
    defaults={
        # A year: the EU's acceptance period for a primary series (Regulation 2022/256).
        "certificate_valid_days": 365,
        # The shortest interval of the vaccines used in Vietnam (Pfizer: 21 days; the
        # Ministry allowed 14 days for Vero Cell in 2021 campaigns).
        "min_days_between_doses": 14,
        # Three working days, as the Ministry's letter on updating records asked.
        "correction_sla_hours": 72,
    },
    default_document="Công văn 7220/BYT-CNTT (2021) về cập nhật dữ liệu tiêm chủng COVID-19",
)

_CITIZEN = {
    "ma_tra_cuu": "PA-7K3M-9Q2X",
    "ho_ten": "NGUYEN VAN AN",
    "don_vi": "Tram Y te phuong Sai Gon",
    "ly_do": "Khong tim thay mui tiem trong so tiem cua don vi",
    "duong_dan": "https://khaibao.example.gov.vn/tiem-chung/phan-anh/tra-cuu/",
}


def _text(name: str, label) -> SmsTextRule:
    return SmsTextRule(name, label, placeholders=_CITIZEN, max_segments=2)


VACCINATION_SMS_KIND = RuleKind(
    slug=VACCINATION_SMS,
    label=_("Tiêm chủng: tin nhắn SMS về phản ánh"),
    description=_("Tin báo người dân ở mỗi bước của phản ánh thông tin tiêm chủng."),
    fields=(
        _text("received", _("Đã nhận phản ánh")),
        _text("duplicate", _("Phản ánh trùng với phản ánh trước")),
        _text("approved", _("Đã cập nhật mũi tiêm, có chứng nhận mới")),
        _text("rejected", _("Không cập nhật, kèm lý do")),
        _text("escalated", _("Quá hạn, đã chuyển Sở Y tế")),
    ),
    defaults={
        "received": (
            "KhaiBao: da nhan phan anh tiem chung {ma_tra_cuu} cua {ho_ten}, chuyen {don_vi} "
            "xu ly. Tra cuu: {duong_dan}"
        ),
        "duplicate": (
            "KhaiBao: phan anh cua {ho_ten} trung voi phan anh {ma_tra_cuu} dang xu ly, "
            "khong can gui lai. Tra cuu: {duong_dan}"
        ),
        "approved": (
            "KhaiBao: {don_vi} da cap nhat mui tiem cua {ho_ten} (phan anh {ma_tra_cuu}). "
            "Chung nhan moi: dang nhap {duong_dan} bang so nay."
        ),
        "rejected": (
            "KhaiBao: phan anh {ma_tra_cuu} chua duoc cap nhat. Ly do: {ly_do}. "
            "Chi tiet: {duong_dan}"
        ),
        "escalated": (
            "KhaiBao: phan anh {ma_tra_cuu} qua han xu ly, da chuyen So Y te theo doi. "
            "Tra cuu: {duong_dan}"
        ),
    },
    default_document="Quy trình phản ánh thông tin tiêm chủng COVID-19 (Bộ Y tế, 2021)",
)
