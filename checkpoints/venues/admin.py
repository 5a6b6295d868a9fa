"""Venues in the Django admin: the ward's station approves or rejects a registration.

The list is the ward's venues with a status filter; a venue's page is read-only, and its
two decisions are pages of their own (GET the form, POST decides), each calling its
service, which audits the decision and texts the manager. Another ward's venue is a 404
on its page and on both decisions (ScopedModelAdmin, scoped by the venue's ward).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khaibao.access.admin import DecisionsOnlyMixin, ScopedModelAdmin
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import datetime_text
from khaibao.lib.forms import apply_field_errors
from khaibao.lib.normalize import phone_for_display

from .forms import VenueApproveForm, VenueRejectForm
from .models import Venue, VenueStatus
from .services import venue_approve, venue_reject


@dataclass(frozen=True)
class Decision:
    """One decision on a pending venue: its form and the one service it calls."""

    kind: str  # URL name suffix: admin:checkpoints_venue_<kind>
    route: str
    form_class: type
    service: Callable[..., Venue]
    title: Promise
    button: Promise
    done: Promise  # success message; %(name)s
    danger: bool = False


DECISIONS = (
    Decision(
        kind="approve",
        route="approve",
        form_class=VenueApproveForm,
        service=venue_approve,
        title=_("Duyệt địa điểm"),
        button=_("Duyệt và cấp mã QR"),
        done=_("Đã duyệt %(name)s. Tin nhắn báo người quản lý đã được xếp gửi."),
    ),
    Decision(
        kind="reject",
        route="reject",
        form_class=VenueRejectForm,
        service=venue_reject,
        title=_("Không duyệt địa điểm"),
        button=_("Không duyệt và gửi lý do"),
        done=_("Đã không duyệt %(name)s. Tin nhắn báo lý do đã được xếp gửi."),
        danger=True,
    ),
)


@admin.register(Venue)
class VenueAdmin(DecisionsOnlyMixin, ScopedModelAdmin):
    scope_path = "ward__path"
    changes_audited_by_service = True
    empty_value_display = "—"
    view_on_site = False
    list_display = ("name", "kind", "status", "ward", "street_address", "created_at_shown")
    list_filter = ("status", "kind")
    list_select_related = ("ward",)
    search_fields = ("name", "street_address")
    ordering = ("-created_at",)
    export_fields = ("name", "kind", "status", "ward", "street_address", "contact_phone")
    fields = (
        "name",
        "kind",
        "status",
        "area",
        "street_address",
        "manager_phone",
        "contact_phone_shown",
        "created_at_shown",
        "decided_at_shown",
        "rejection_reason",
    )
    readonly_fields = fields
    change_form_template = "checkpoints/admin/venue/change_form.html"

    def audit_area(self, obj):
        return obj.ward

    @admin.display(description=_("đăng ký lúc"), ordering="created_at")
    def created_at_shown(self, obj):
        return datetime_text(obj.created_at)

    @admin.display(description=_("duyệt lúc"), ordering="decided_at")
    def decided_at_shown(self, obj):
        return datetime_text(obj.decided_at) if obj.decided_at else "—"

    @admin.display(description=_("số điện thoại liên hệ"))
    def contact_phone_shown(self, obj):
        return phone_for_display(obj.contact_phone)

    @admin.display(description=_("tài khoản người quản lý"))
    def manager_phone(self, obj):
        return phone_for_display(obj.manager.phone) or str(obj.manager)

    # -- decisions -------------------------------------------------------------------

    def get_urls(self):
        return [
            *self.object_action_paths(self.decision_view, DECISIONS, keyword="decision"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == VenueStatus.PENDING:
            context["decisions"] = self._decision_links(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _decision_links(self, request, obj: Venue) -> list[dict]:
        if not self.has_decision_permission(request):
            return []
        return [
            {"decision": decision, "url": self._url(request, decision.kind, obj)}
            for decision in DECISIONS
        ]

    def _url(self, request, kind: str, obj=None) -> str:
        url = reverse(f"admin:{self._url_name(kind)}", args=[obj.pk] if obj else [])
        context = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return add_preserved_filters(context, url)

    def _get_venue_for_decision(self, request, object_id) -> Venue:
        """The venue, if the user may decide and it is in their ward. The permission
        first: a role that may not decide gets 403 whatever the venue."""
        if not self.has_decision_permission(request):
            raise PermissionDenied
        venue = self.get_object(request, object_id)
        if venue is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        return venue

    def decision_view(self, request, object_id, decision: Decision):
        """GET: the decision's page. POST: validate → the service → message → the list."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        venue = self._get_venue_for_decision(request, object_id)
        form = decision.form_class(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    decided = decision.service(
                        venue=venue, by=request.user, ip=client_ip(request), **form.cleaned_data
                    )
                except ValidationError as exc:
                    if not apply_field_errors(form, exc):
                        # Decided meanwhile by someone else.
                        messages.error(request, " ".join(exc.messages))
                        return redirect(self._url(request, "change", venue))
                else:
                    messages.success(request, decision.done % {"name": decided.name})
                    return redirect(self._url(request, "changelist"))
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": decision.title,
            "decision": decision,
            "venue": venue,
            "form": form,
            "applies": venue.status == VenueStatus.PENDING,
            "change_url": self._url(request, "change", venue),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return render(request, "checkpoints/admin/venue/decision.html", context, status=status)
