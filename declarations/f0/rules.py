"""The F0 declaration's rule kinds: its deadlines (and, with the SMS kinds, its texts).

Defaults follow the Ministry of Health's guidance of 2022; a province changes them in the
admin (Quy định → Phiên bản quy định) without a deploy.
"""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khaibao.lib.dates import datetime_text
from khaibao.rules.fields import IntegerRule, SmsTextRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

from .models import F0Declaration, F0Status

F0_TIMING = "f0_timing"


def f0_timing(area, at: datetime.datetime | None = None) -> RulesInForce:
    """The F0 timing rules of `area`'s province in force at `at` (default now)."""
    return rules_in_force(F0_TIMING, area, at)


def _f0_timing_effect(province, old: dict, new: dict, effective_from: datetime.datetime):
    """How many of the province's open declarations get a new deadline or date."""
    declarations = F0Declaration.objects.all()
    if province is not None:
        declarations = declarations.filter(isolation_area__path__startswith=province.path)
    counts = declarations.aggregate(
        waiting=Count("pk", filter=Q(status=F0Status.SUBMITTED)),
        isolating=Count("pk", filter=Q(status=F0Status.ACCEPTED)),
    )
    sentences = []
    if old["decision_hours"] != new["decision_hours"]:
        sentences.append(
            gettext(
                "%(count)d khai báo đang chờ Trạm Y tế sẽ có hạn xử lý mới (%(old)d → %(new)d giờ)."
            )
            % {
                "count": counts["waiting"],
                "old": old["decision_hours"],
                "new": new["decision_hours"],
            }
        )
    if old["isolation_days"] != new["isolation_days"]:
        sentences.append(
            gettext(
                "%(count)d người đang cách ly sẽ có ngày được khai báo hoàn thành mới "
                "(%(old)d → %(new)d ngày), nếu chưa khai báo hoàn thành trước %(when)s."
            )
            % {
                "count": counts["isolating"],
                "old": old["isolation_days"],
                "new": new["isolation_days"],
                "when": datetime_text(effective_from),
            }
        )
    return sentences


F0_TIMING_KIND = RuleKind(
    slug=F0_TIMING,
    label=_("Khai báo F0: thời hạn"),
    description=_("Hạn khai báo sau ngày xét nghiệm, hạn xử lý của Trạm Y tế, số ngày cách ly."),
    fields=(
        IntegerRule(
            "test_date_window_days",
            _("Số ngày được khai báo sau ngày xét nghiệm"),
            help_text=_("0: chỉ trong ngày xét nghiệm."),
            min_value=0,
            max_value=14,
            unit=_("ngày"),
        ),
        IntegerRule(
            "decision_hours",
            _("Hạn Trạm Y tế xử lý khai báo"),
            help_text=_("Quá hạn này, lời nhắc của người dân được chuyển lên Sở Y tế."),
            min_value=1,
            max_value=168,
            unit=_("giờ"),
        ),
        IntegerRule(
            "isolation_days",
            _("Số ngày cách ly trước khi khai báo hoàn thành"),
            help_text=_("Tính từ ngày xét nghiệm dương tính."),
            min_value=1,
            max_value=30,
            unit=_("ngày"),
        ),
        IntegerRule(
            "certificate_valid_days",
            _("Hiệu lực giấy xác nhận hoàn thành cách ly"),
            min_value=1,
            max_value=3650,
            unit=_("ngày"),
        ),
    ),
    defaults={
        "test_date_window_days": 2,
        "decision_hours": 24,
        "isolation_days": 7,
        "certificate_valid_days": 180,
    },
    default_document=(
        "QĐ 261/QĐ-BYT ngày 31/01/2022 (cách ly 7 ngày); hiệu lực giấy xác nhận 180 ngày "
        "theo Quy định (EU) 2021/953"
    ),
    effect=_f0_timing_effect,
)


F0_SMS = "f0_sms"

_PERSON = {
    "ho_ten": "NGUYEN THI BICH NGOC",
    "duong_dan": "https://khaibao.example.gov.vn/f0/123456/",
}
_CASE = {"ma_ca": "F0-26734-000123"}
_REASON = {"ly_do": "Anh khong ro, khong doc duoc - Chup lai khay test cho ro ho ten"}

F0_SMS_KIND = RuleKind(
    slug=F0_SMS,
    label=_("Khai báo F0: tin nhắn SMS"),
    description=_("Tin nhắn gửi người khai báo ở mỗi bước của khai báo F0."),
    fields=(
        SmsTextRule("submitted", _("Đã nhận khai báo"), placeholders=_PERSON, max_segments=2),
        SmsTextRule(
            "accepted",
            _("Trạm Y tế tiếp nhận"),
            placeholders={**_PERSON, **_CASE, "ngay_hoan_thanh": "12/12/2026", "tong_dai": "1022"},
            max_segments=2,
        ),
        SmsTextRule(
            "rejected",
            _("Trạm Y tế chưa tiếp nhận"),
            placeholders={**_PERSON, **_REASON},
            max_segments=3,
        ),
        SmsTextRule(
            "completion_requested",
            _("Đã nhận khai báo hoàn thành cách ly"),
            placeholders={**_PERSON, **_CASE},
            max_segments=2,
        ),
        SmsTextRule(
            "completion_refused",
            _("Trạm Y tế chưa xác nhận hoàn thành cách ly"),
            placeholders={**_PERSON, **_REASON},
            max_segments=3,
        ),
        SmsTextRule(
            "completed", _("Hoàn thành cách ly"), placeholders={**_PERSON, **_CASE}, max_segments=2
        ),
    ),
    defaults={
        "submitted": "KhaiBao: Da nhan khai bao F0 cua {ho_ten}. Tram Y te se xac nhan. Theo doi: {duong_dan}",
        "accepted": (
            "Tram Y te da tiep nhan F0 {ho_ten}, ma {ma_ca}. Cach ly tai nha; tu {ngay_hoan_thanh} "
            "khai hoan thanh cach ly: {duong_dan} Kho tho, SpO2 duoi 96%: goi 115. Ho tro: {tong_dai}"
        ),
        "rejected": (
            "Tram Y te chua tiep nhan khai bao F0 cua {ho_ten}. Ly do: {ly_do}. Sua va gui lai: {duong_dan}"
        ),
        "completion_requested": (
            "KhaiBao: Da nhan khai bao hoan thanh cach ly cua {ho_ten} ({ma_ca}). Tram Y te se xac "
            "nhan. Theo doi: {duong_dan}"
        ),
        "completion_refused": (
            "Tram Y te chua xac nhan hoan thanh cach ly cua {ho_ten}. Ly do: {ly_do}. Xem: {duong_dan}"
        ),
        "completed": "{ho_ten} da hoan thanh cach ly ({ma_ca}). Giay xac nhan: {duong_dan}",
    },
    default_document="Quy trình tiếp nhận F0 của cổng KhaiBao (đầu số 1022)",
)
