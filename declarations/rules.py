"""The F0 declaration's rule kinds: its deadlines (and, with the SMS kinds, its texts).

Defaults follow the Ministry of Health's guidance of 2022; a province changes them in the
admin (Quy định → Phiên bản quy định) without a deploy.
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule
from khaibao.rules.kinds import RuleKind

from .models import F0Declaration, F0Status

F0_TIMING = "f0_timing"


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
                "when": timezone.localtime(effective_from).strftime("%H:%M %d/%m/%Y"),
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
