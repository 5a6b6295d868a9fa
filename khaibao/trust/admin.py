"""The trust list in the admin (foreign signing certificates), and the staff action that
revokes a person's QR (registered on the person admin, which lives in khaibao.people).

Trust-list certificates belong to no area: the superuser and the roles granted the
model's permissions (the province admin) import and withdraw them; nobody edits or
deletes one, so the audit trail always names what was trusted.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from khaibao.lib.clientip import client_ip

from .forms import RevokePersonalQrForm, TrustListImportForm
from .models import TrustedCertificate
from .services import person_qr_revoke, trust_list_import, trusted_certificate_withdraw
from .trustlist import parse_trust_list

USAGE_LABELS = {
    "t": gettext_lazy("xét nghiệm"),
    "v": gettext_lazy("tiêm chủng"),
    "r": gettext_lazy("khỏi bệnh"),
}


class WithdrawnFilter(admin.SimpleListFilter):
    title = gettext_lazy("trạng thái")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("Đang tin cậy")), ("yes", _("Đã rút"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(TrustedCertificate)
class TrustedCertificateAdmin(admin.ModelAdmin):
    list_display = (
        "country",
        "kid",
        "subject",
        "not_before",
        "not_after",
        "usage_display",
        "status",
        "source",
    )
    list_filter = ("country", WithdrawnFilter)
    search_fields = ("kid", "subject", "sha256")
    readonly_fields = (
        "country",
        "kid",
        "sha256",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "algorithm",
        "usage_display",
        "source",
        "imported_at",
        "imported_by",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
    )
    fields = readonly_fields
    list_select_related = ("imported_by", "withdrawn_by")
    actions = ["withdraw_selected"]
    change_list_template = "trust/admin/trustedcertificate_change_list.html"

    @admin.display(description=gettext_lazy("được ký loại"))
    def usage_display(self, obj) -> str:
        if not obj.usages:
            return _("mọi loại")
        return ", ".join(str(USAGE_LABELS[usage]) for usage in obj.usages.split(","))

    @admin.display(description=gettext_lazy("trạng thái"))
    def status(self, obj) -> str:
        return _("Đã rút") if obj.is_withdrawn else _("Đang tin cậy")

    # Certificates come in through an import only, and are withdrawn, never edited or
    # deleted: "change" is the right to withdraw, and the change page is read-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=name),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """GET: the form; POST: import one trust-list file, then back to the list."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = TrustListImportForm(request.POST, request.FILES) if posted else TrustListImportForm()
        if posted and form.is_valid():
            name = request.FILES["file"].name
            parsed = parse_trust_list(form.cleaned_data["file"], origin=name)
            report = trust_list_import(
                entries=parsed.entries,
                problems=parsed.problems,
                source=name,
                by=request.user,
                ip=client_ip(request),
                withdraw_missing=form.cleaned_data["withdraw_missing"],
            )
            self._report(request, report)
            return redirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Nhập danh sách tin cậy"),
        }
        status = 400 if posted else 200
        return TemplateResponse(
            request, "trust/admin/trust_list_import.html", context, status=status
        )

    def _report(self, request, report) -> None:
        messages.success(
            request,
            _(
                "Đã nhập %(source)s: thêm %(added)s chứng thư, %(unchanged)s đã có, "
                "rút %(withdrawn)s."
            )
            % {
                "source": report.source,
                "added": len(report.added),
                "unchanged": report.unchanged,
                "withdrawn": len(report.withdrawn),
            },
        )
        for problem in report.problems[:20]:
            messages.warning(request, problem)

    @admin.action(description=gettext_lazy("Rút các chứng thư đã chọn"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        count = 0
        for certificate in queryset:
            if not certificate.is_withdrawn:
                trusted_certificate_withdraw(
                    certificate=certificate,
                    reason=_("Rút trong trang quản trị"),
                    by=request.user,
                    ip=client_ip(request),
                )
                count += 1
        self.message_user(
            request,
            ngettext("Đã rút %(count)d chứng thư.", "Đã rút %(count)d chứng thư.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.action(
    description=gettext_lazy("Thu hồi mã QR cá nhân (mọi mã đã cấp)"), permissions=["change"]
)
def revoke_personal_qr(modeladmin, request, queryset):
    """For the person admin: every personal QR of the chosen persons stops verifying.

    An intermediate page asks for the reason (as Django's delete action asks for a
    confirmation); the queryset is the admin's own, so it is already scoped.
    """
    form = RevokePersonalQrForm(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        persons = list(queryset)
        for person in persons:
            person_qr_revoke(
                person=person,
                reason=form.cleaned_data["reason"],
                by=request.user,
                ip=client_ip(request),
            )
        modeladmin.message_user(
            request,
            ngettext(
                "Đã thu hồi mã QR cá nhân của %(count)d người: mọi mã đã cấp không còn hợp lệ.",
                "Đã thu hồi mã QR cá nhân của %(count)d người: mọi mã đã cấp không còn hợp lệ.",
                len(persons),
            )
            % {"count": len(persons)},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Thu hồi mã QR cá nhân"),
        "opts": modeladmin.model._meta,
        "persons": queryset,
        "form": form,
        "action_name": "revoke_personal_qr",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "trust/admin/revoke_personal_qr.html", context)
