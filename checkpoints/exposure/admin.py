"""The exposure list in the admin: the station picks one of its F0 cases, sees who was at a
venue of the province at the same time, and texts them once.

ExposureNoticeAdmin lists the texts sent (scoped by the case's area). Its extra page,
cases/, lists the cases the account may trace, and cases/?case=<id> one case's exposure
list with the "send" button. Another area's case is a 404; each list read and each send
is audited.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from declarations.f0.selectors import cases_for_staff
from khaibao.access.admin import ScopedModelAdmin
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.clientip import client_ip

from .models import ExposureNotice
from .services import exposure_notices_send, exposures_for_case

#: The cases listed to choose from (the newest first).
CASES_SHOWN = 200


def case_url(case_id: int) -> str:
    return f"{reverse('admin:checkpoints_exposurenotice_cases')}?case={case_id}"


@admin.register(ExposureNotice)
class ExposureNoticeAdmin(ScopedModelAdmin):
    scope_path = "case__isolation_area__path"
    list_display = ("person", "venue", "met_from", "met_until", "phone", "sent_at", "sent_by")
    list_select_related = ("person", "venue", "sent_by")
    readonly_fields = ("case", "person", "venue", "met_from", "met_until", "phone", "sent_by")
    change_list_template = "checkpoints/admin/exposure/change_list.html"
    ordering = ("-sent_at",)

    def audit_person(self, obj):
        return obj.person

    def audit_area(self, obj):
        return obj.venue.ward

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "cases/",
                self.admin_site.admin_view(self.cases_view),
                name=self._url_name("cases"),
            ),
            *super().get_urls(),
        ]

    def _may_send(self, request) -> bool:
        return request.user.has_perm("checkpoints.add_exposurenotice")

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def cases_view(self, request):
        """The cases to choose from; with ?case=<id>, that case's exposure list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        chosen = request.GET.get("case", "")
        if chosen:
            if not chosen.isascii() or not chosen.isdigit():
                raise Http404
            return self.case_view(request, int(chosen))
        cases = cases_for_staff(request.user).order_by("-test_date", "-pk")[:CASES_SHOWN]
        return render(
            request,
            "checkpoints/admin/exposure/cases.html",
            self._context(
                request,
                title=_("Danh sách tiếp xúc theo ca bệnh"),
                cases=[(case, case_url(case.pk)) for case in cases],
            ),
        )

    def case_view(self, request, case_id: int):
        """GET: who met the case (audited as a read of each person listed). POST: text
        those not told yet, once each."""
        case = cases_for_staff(request.user).filter(pk=case_id).first()
        if case is None:
            raise Http404
        if request.method == "POST":
            if not self._may_send(request):
                raise PermissionDenied
            sent = exposure_notices_send(case=case, by=request.user, ip=client_ip(request))
            messages.success(
                request,
                ngettext(
                    "Đã gửi tin nhắn cho %(count)d người.",
                    "Đã gửi tin nhắn cho %(count)d người.",
                    len(sent),
                )
                % {"count": len(sent)},
            )
            return redirect(case_url(case.pk))
        exposures = exposures_for_case(case)
        for exposure in exposures:
            log_action(
                actor=request.user,
                action=AuditAction.VIEW,
                obj=case,
                person=exposure.person,
                area=exposure.venue.ward,
                ip=client_ip(request),
                detail={"exposure_of_case": case.pk},
            )
        return render(
            request,
            "checkpoints/admin/exposure/case.html",
            self._context(
                request,
                title=_("Danh sách tiếp xúc của ca %(code)s") % {"code": f"#{case.pk}"},
                case=case,
                exposures=exposures,
                may_send=self._may_send(request),
                unsent=sum(1 for e in exposures if e.notice is None and e.phone),
            ),
        )
