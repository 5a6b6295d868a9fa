"""A kind's defaults as its national version 1, for a database that has none yet."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .cache import NATIONAL, timeline_clear
from .kinds import get_kind
from .models import RuleVersion

#: When seeded defaults take effect: before any record the portal holds.
DEFAULTS_EFFECTIVE_FROM = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def rule_defaults_ensure(*, kind: str, using: str = "default") -> RuleVersion | None:
    """National version 1 from the kind's defaults, unless the kind has a national version."""
    if RuleVersion.objects.using(using).filter(kind=kind, province__isnull=True).exists():
        return None
    rule_kind = get_kind(kind)
    version = RuleVersion(
        kind=kind,
        province=None,
        number=1,
        effective_from=DEFAULTS_EFFECTIVE_FROM,
        document=rule_kind.default_document,
        note=_("Giá trị mặc định, theo văn bản căn cứ."),
        values=rule_kind.clean(dict(rule_kind.defaults)),
    )
    try:
        with transaction.atomic(using=using):
            version.save(using=using)
    except IntegrityError:  # another process seeded it first
        return None
    transaction.on_commit(lambda: timeline_clear(kind, NATIONAL), using=using)
    return version
