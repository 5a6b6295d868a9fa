"""The checkpoint officer's rule kind: how often an officer may look people up, and what
counts as recent for each of the three groups of an answer."""

import datetime

from django.utils.translation import gettext_lazy as _

from khaibao.rules.fields import IntegerRule
from khaibao.rules.kinds import RuleKind
from khaibao.rules.selectors import RulesInForce, rules_in_force

OFFICER = "checkpoint_officer"


def officer_rules(area=None, at: datetime.datetime | None = None) -> RulesInForce:
    return rules_in_force(OFFICER, area, at)


OFFICER_KIND = RuleKind(
    slug=OFFICER,
    label=_("Chốt kiểm soát: tra cứu"),
    description=_(
        "Số lần tra cứu một cán bộ được làm mỗi phút; thế nào là check-in, khai báo y tế và "
        "khai báo vào tỉnh gần đây trong kết quả tra cứu."
    ),
    fields=(
        IntegerRule(
            "lookups_per_minute",
            _("Số lần tra cứu mỗi phút của một cán bộ"),
            help_text=_("Quá số này, tra cứu bị tạm dừng đến phút sau."),
            min_value=1,
            max_value=600,
            unit=_("lần"),
        ),
        IntegerRule(
            "recent_checkin_hours",
            _("Check-in địa điểm được coi là gần đây trong"),
            min_value=1,
            max_value=24 * 14,
            unit=_("giờ"),
        ),
        IntegerRule(
            "recent_health_declaration_days",
            _("Khai báo y tế được coi là gần đây trong"),
            min_value=1,
            max_value=60,
            unit=_("ngày"),
        ),
        IntegerRule(
            "recent_entry_days",
            _("Khai báo vào tỉnh là của chuyến đi hiện tại nếu ngày đến cách hôm nay không quá"),
            help_text=_("Khai báo có ngày đến xa hơn được ghi là khai báo cũ."),
            min_value=1,
            max_value=60,
            unit=_("ngày"),
        ),
    ),
    defaults={
        "lookups_per_minute": 30,
        "recent_checkin_hours": 24,
        "recent_health_declaration_days": 7,
        "recent_entry_days": 14,
    },
    default_document="Công văn 391/STTTT-IOC ngày 03/03/2021 (Thừa Thiên Huế)",
)
