"""What the station's queue and review page show about an F0 declaration: how long it
has waited against the decision hours of the F0 timing rules, what the CCCD check found,
and the queue's list filters (f0/admin.py uses them)."""

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.scope import filter_to_scope
from khaibao.areas.models import Area, AreaLevel
from khaibao.people.ids import IdType

from .checks import CCCD_FIELD_LABELS
from .models import F0Declaration, F0Status
from .services import decision_hours

#: Statuses in which the declaration waits for the station, and since when.
WAITING_SINCE = {
    F0Status.SUBMITTED: "submitted_at",
    F0Status.COMPLETION_REQUESTED: "completion_requested_at",
}


# -- the decision deadline ---------------------------------------------------------------


DEADLINE_LABELS = {
    "ok": _("Trong hạn"),
    "soon": _("Sắp hết hạn"),
    "overdue": _("Quá hạn"),
}


@dataclass(frozen=True)
class Deadline:
    """How long a declaration has waited for the station, against its decision hours."""

    waited: datetime.timedelta
    level: str  # "ok" (< 50 % of the time used), "soon" (< 100 %), "overdue"

    @property
    def label(self) -> str:
        return str(DEADLINE_LABELS[self.level])

    @property
    def text(self) -> str:
        return duration_text(self.waited)


def decision_deadline(
    declaration: F0Declaration, now: datetime.datetime | None = None
) -> Deadline | None:
    """None when the declaration is not waiting for the station."""
    field = WAITING_SINCE.get(declaration.status)
    since = getattr(declaration, field) if field else None
    if since is None:
        return None
    now = now or timezone.now()
    waited = max(now - since, datetime.timedelta(0))
    used = waited / datetime.timedelta(hours=decision_hours(declaration, now))
    return Deadline(waited=waited, level="ok" if used < 0.5 else "soon" if used < 1 else "overdue")


def duration_text(delta: datetime.timedelta) -> str:
    """ "45 phút", "3 giờ" (up to 3 days, so "30 giờ" reads against a 24-hour
    deadline), then "5 ngày"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(count)d phút", "%(count)d phút", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 72:
        return ngettext("%(count)d giờ", "%(count)d giờ", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d ngày", "%(count)d ngày", days) % {"count": days}


# -- what the checks found ----------------------------------------------------------------


def cccd_mismatch_text(fields: list[str]) -> str:
    names = ", ".join(str(CCCD_FIELD_LABELS.get(field, field)).lower() for field in fields)
    return gettext("Mã QR trên CCCD không khớp: %(fields)s") % {"fields": names}


def _cccd_qr_found(declaration: F0Declaration) -> bool:
    """Whether the stored ID photo shows a readable CCCD QR (read once, when stored).

    f0_submit() records only the disagreements, so an empty list means "agrees" or
    "nothing to read"; the photo's stored QR tells the two apart.
    """
    return declaration.id_photo_id is not None and declaration.id_photo.document_qr is not None


def cccd_check_result(declaration: F0Declaration) -> tuple[str, str]:
    """(level, Vietnamese text) of the CCCD-QR cross-check, level "ok" / "warn" / "unknown"."""
    if declaration.cccd_mismatch:
        return "warn", cccd_mismatch_text(declaration.cccd_mismatch)
    if declaration.id_photo_id is None:  # a case opened by a lab result: no photos
        return "unknown", gettext("Không áp dụng: ca mở từ kết quả xét nghiệm, không có ảnh.")
    if declaration.person.id_type not in (IdType.CCCD, IdType.CMND):
        return "unknown", gettext("Không áp dụng: giấy tờ không phải CCCD.")
    if _cccd_qr_found(declaration):
        return "ok", gettext("Mã QR trên CCCD khớp với thông tin khai báo.")
    return "unknown", gettext("Không đọc được mã QR trên ảnh CCCD: hãy đối chiếu bằng mắt.")


# -- list filters ------------------------------------------------------------------------


class VillageFilter(admin.SimpleListFilter):
    """The villages / residential groups inside the user's scope."""

    title = _("thôn / tổ dân phố")
    parameter_name = "village"
    NONE = "none"

    def lookups(self, request, model_admin):
        villages = filter_to_scope(
            Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent"),
            request.user,
            "path",
        )
        return [
            *((str(village.pk), str(village)) for village in villages),
            (self.NONE, _("Chưa ghi thôn / tổ")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.NONE:
            return queryset.filter(isolation_area__level=AreaLevel.WARD)
        if value and value.isdigit():
            return queryset.filter(isolation_area_id=int(value))
        return queryset


class QueueStatusFilter(admin.SimpleListFilter):
    """The queue opens on what waits for the station (submitted, completion declared);
    "Tất cả" shows every status, and a search looks through every status too (staff
    searching a case code or a phone mean any declaration)."""

    title = _("trạng thái")
    parameter_name = "status"
    WAITING = "waiting"
    ALL = "all"

    def __init__(self, request, params, model, model_admin):
        self.searching = bool(request.GET.get("q", "").strip())
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [
            (self.WAITING, _("Chờ quyết định")),
            *F0Status.choices,
            (self.ALL, _("Tất cả")),
        ]

    def value(self):
        value = super().value()
        if value is None:
            return self.ALL if self.searching else self.WAITING
        return value

    def choices(self, changelist):
        # No "All" row of Django's own: "Tất cả" is a lookup, the default is WAITING.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.WAITING:
            return queryset.filter(status__in=list(WAITING_SINCE))
        if value in F0Status.values:
            return queryset.filter(status=value)
        return queryset


class EscalatedFilter(admin.SimpleListFilter):
    title = _("đã chuyển Sở Y tế")
    parameter_name = "escalated"

    def lookups(self, request, model_admin):
        return [("yes", _("Đã chuyển")), ("no", _("Chưa chuyển"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(escalated_at__isnull=self.value() == "no")
        return queryset
