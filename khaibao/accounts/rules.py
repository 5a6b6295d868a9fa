"""Citizen login's rule kind: when the captcha appears, and the texts login sends."""

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind

LOGIN = "login"

LOGIN_KIND = RuleKind(
    slug=LOGIN,
    label=_("Đăng nhập bằng mã OTP: captcha và tin nhắn"),
    description=_("Khi nào hỏi captcha, và nội dung các tin nhắn gửi khi đăng nhập."),
    fields=(
        IntegerRule(
            "captcha_after_per_ip",
            _("Hỏi captcha từ lần yêu cầu mã thứ mấy trong một giờ (mỗi mạng)"),
            help_text=_(
                "Nhiều người dùng chung một địa chỉ mạng di động: đặt quá thấp thì ai cũng "
                "phải nhập captcha. 0: luôn hỏi."
            ),
            min_value=0,
            max_value=10_000,
        ),
        SmsTextRule(
            "otp",
            _("Tin nhắn mã đăng nhập"),
            placeholders={"ma_otp": "482913", "so_phut": "5"},
            max_segments=1,
        ),
        SmsTextRule(
            "otp_warning",
            _("Cảnh báo chủ số khi mã bị nhập sai nhiều lần"),
            placeholders={"so_lan": "10", "tong_dai": "1022"},
            max_segments=1,
        ),
        SmsTextRule(
            "otp_locked",
            _("Báo chủ số khi số bị tạm khoá đăng nhập"),
            placeholders={"so_lan": "100", "tong_dai": "1022"},
            max_segments=1,
        ),
    ),
    defaults={
        "captcha_after_per_ip": 3,
        "otp": "Ma xac thuc KhaiBao: {ma_otp}. Hieu luc {so_phut} phut. Khong dua ma nay cho bat ky ai.",
        "otp_warning": (
            "KhaiBao: ma dang nhap cho so cua ban bi nhap sai {so_lan} lan. Neu khong phai ban, "
            "dung dua ma cho ai; goi {tong_dai} neu can ho tro."
        ),
        "otp_locked": (
            "KhaiBao: so dien thoai cua ban da bi tam khoa dang nhap vi ma xac thuc bi nhap sai "
            "{so_lan} lan. Goi {tong_dai} de mo khoa."
        ),
    },
    default_document="Quy định của cổng KhaiBao; NIST SP 800-63B §5.2.2 (giới hạn nhập sai)",
)
