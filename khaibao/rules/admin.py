"""Rules in the admin: versions of each kind, a diff between two, scheduling a new one
with a preview of its effect, withdrawing one not yet in force.

Province admins see and change their province's rules (and read the national defaults);
the national admin (a superuser) sets the defaults; other staff read the rules that apply
to them. Versions are never edited in place.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khaibao.access.admin import ScopedModelAdmin
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import datetime_text

from .fields import SmsTextRule
from .forms import ScheduleForm
from .kinds import all_kinds, get_kind
from .models import RuleVersion
from .selectors import rules_in_force
from .services import rule_may_change, rule_version_schedule, rule_version_withdraw


def _kind_label(slug: str) -> str:
    try:
        return str(get_kind(slug).label)
    except LookupError:
        return slug


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("loại quy định")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.slug, kind.label) for kind in all_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(RuleVersion)
class RuleVersionAdmin(ScopedModelAdmin):
    list_display = ("kind_label", "where", "number", "effective_from", "status", "document")
    list_filter = (KindFilter,)
    list_select_related = ("province",)
    ordering = ("kind", "province__code", "-number")
    readonly_fields = (
        "kind_label",
        "where",
        "number",
        "effective_from",
        "status",
        "document",
        "note",
        "values_table",
        "created_by",
        "created_at",
        "withdrawn_at",
        "withdrawn_by",
    )
    fields = readonly_fields
    export_fields = ("kind", "where", "number", "effective_from", "document", "status")
    show_full_result_count = False

    # -- scope: a province's own rules and the national defaults ---------------------

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        scope = scope_for(request.user)
        if scope.unrestricted:
            return queryset
        if scope.area is None:
            return queryset.none()
        return queryset.filter(
            Q(province__isnull=True) | Q(province__code=scope.area.province_code)
        )

    def audit_area(self, obj):
        return obj.province

    def has_change_permission(self, request, obj=None):
        return False  # a version is never edited: a change is a new version

    def has_delete_permission(self, request, obj=None):
        return False

    # -- columns ---------------------------------------------------------------------

    @admin.display(description=gettext_lazy("Loại quy định"), ordering="kind")
    def kind_label(self, obj):
        return _kind_label(obj.kind)

    @admin.display(description=gettext_lazy("Áp dụng cho"), ordering="province__code")
    def where(self, obj):
        return obj.province.name if obj.province else _("Toàn quốc (mặc định)")

    @admin.display(description=gettext_lazy("Trạng thái"))
    def status(self, obj):
        if obj.is_withdrawn:
            return _("Đã rút lại")
        if not obj.has_taken_effect():
            return _("Đã lên lịch")
        try:
            current = rules_in_force(obj.kind, obj.province)
        except LookupError:  # a kind no app registers any more: its history stays readable
            return _("Đã được thay thế")
        if current.version_id == obj.pk:
            return _("Đang áp dụng")
        return _("Đã được thay thế")

    @admin.display(description=gettext_lazy("Giá trị"))
    def values_table(self, obj):
        try:
            kind = get_kind(obj.kind)
        except LookupError:
            return str(obj.values)
        rows = []
        for rule_field in kind.fields:
            value = obj.values.get(rule_field.name)
            shown = rule_field.display(value) if value is not None else "—"
            if isinstance(rule_field, SmsTextRule) and value:
                count = rule_field.segments(value)
                shown = _("%(text)s — %(segments)d phần SMS (%(encoding)s)") % {
                    "text": shown,
                    "segments": count.segments,
                    "encoding": count.encoding,
                }
            rows.append((rule_field.label, shown))
        return format_html(
            '<table class="kb-rule-values"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", rows),
        )

    # -- pages -----------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "schedule/<slug:kind>/",
                self.admin_site.admin_view(self.schedule_view),
                name="rules_ruleversion_schedule",
            ),
            path(
                "<path:object_id>/diff/<int:other_id>/",
                self.admin_site.admin_view(self.diff_view),
                name="rules_ruleversion_diff",
            ),
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="rules_ruleversion_withdraw",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        """ "Schedule a new version" starts by choosing the kind."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        kinds = [
            (kind, reverse("admin:rules_ruleversion_schedule", args=[kind.slug]))
            for kind in all_kinds()
        ]
        context = self._context(request, kinds=kinds, title=_("Lên lịch phiên bản quy định mới"))
        return render(request, "admin/rules/ruleversion/kinds.html", context)

    def _provinces(self, request):
        scope = scope_for(request.user)
        provinces = Area.objects.filter(level=AreaLevel.PROVINCE).order_by("name")
        if scope.unrestricted:
            return provinces
        if scope.area is None:
            return provinces.none()
        return provinces.filter(code=scope.area.province_code)

    def schedule_view(self, request, kind):
        """GET the form (values in force); POST "_preview" shows what would change; POST
        "_confirm" schedules it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            rule_kind = get_kind(kind)
        except LookupError:
            raise Http404(_("Không có loại quy định này.")) from None
        provinces = list(self._provinces(request))
        national = request.user.is_superuser
        default_area = provinces[0] if len(provinces) == 1 and not national else None
        in_force = rules_in_force(kind, default_area)
        form = ScheduleForm(
            request.POST or None,
            kind=rule_kind,
            provinces=provinces,
            initial_values=dict(in_force.values),
            national_allowed=national,
            initial={
                "province": str(default_area.pk) if default_area else "",
                "effective_date": timezone.localdate() + datetime.timedelta(days=1),
                "effective_time": "00:00",
            },
        )
        preview = None
        status = 200
        if request.method == "POST":
            if form.is_valid():
                preview = self._preview(form, rule_kind)
                if "_confirm" in request.POST and not preview["errors"]:
                    try:
                        version = rule_version_schedule(
                            kind=kind,
                            province=form.cleaned_data["province"],
                            values=preview["values"],
                            effective_from=form.cleaned_data["effective_from"],
                            document=form.cleaned_data["document"],
                            note=form.cleaned_data["note"],
                            by=request.user,
                            ip=client_ip(request),
                        )
                    except ValidationError as exc:
                        form.add_service_errors(exc)
                        preview = None
                    else:
                        messages.success(
                            request,
                            _("Đã lên lịch phiên bản %(number)d, có hiệu lực từ %(when)s.")
                            % {
                                "number": version.number,
                                "when": datetime_text(version.effective_from),
                            },
                        )
                        return redirect("admin:rules_ruleversion_change", version.pk)
                if preview and preview["errors"]:
                    form.add_service_errors(preview["errors"])
                    preview = None
            if form.errors:
                status = 400
        context = self._context(
            request,
            form=form,
            kind=rule_kind,
            in_force=in_force,
            preview=preview,
            title=_("Phiên bản mới: %(kind)s") % {"kind": rule_kind.label},
        )
        return render(request, "admin/rules/ruleversion/schedule.html", context, status=status)

    def _preview(self, form, rule_kind) -> dict:
        """What the new version changes against the one it replaces, and its effect."""
        province = form.cleaned_data["province"]
        effective_from = form.cleaned_data["effective_from"]
        try:
            values = rule_kind.clean(form.values())
        except ValidationError as exc:
            return {"errors": exc, "values": None}
        before = rules_in_force(rule_kind.slug, province, at=effective_from)
        changes = rule_kind.changes(dict(before.values), values)
        samples = [
            (f, f.sample(values[f.name]), f.segments(values[f.name]))
            for f in rule_kind.fields
            if isinstance(f, SmsTextRule)
        ]
        return {
            "errors": None,
            "values": values,
            "before": before,
            "changes": [(f, f.display(old), f.display(new)) for f, old, new in changes],
            "effect": rule_kind.preview(
                province=province,
                old=dict(before.values),
                new=values,
                effective_from=effective_from,
            ),
            "samples": samples,
        }

    def diff_view(self, request, object_id, other_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request)
        first = self.get_object(request, object_id)
        other = queryset.filter(pk=other_id).first()
        if first is None or other is None or first.kind != other.kind:
            raise Http404(_("Không tìm thấy hồ sơ."))
        older, newer = sorted([first, other], key=lambda v: (v.effective_from, v.number))
        try:
            rule_kind = get_kind(first.kind)
        except LookupError:
            raise Http404(_("Không có loại quy định này.")) from None
        rows = [
            (
                f.label,
                f.display(older.values.get(f.name)) if f.name in older.values else "—",
                f.display(newer.values.get(f.name)) if f.name in newer.values else "—",
                older.values.get(f.name) != newer.values.get(f.name),
            )
            for f in rule_kind.fields
        ]
        context = self._context(
            request,
            older=older,
            newer=newer,
            rows=rows,
            kind=rule_kind,
            title=_("So sánh hai phiên bản: %(kind)s") % {"kind": rule_kind.label},
        )
        return render(request, "admin/rules/ruleversion/diff.html", context)

    def withdraw_view(self, request, object_id):
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        if not rule_may_change(user=request.user, province=version.province):
            raise PermissionDenied
        try:
            rule_version_withdraw(version=version, by=request.user, ip=client_ip(request))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request, _("Đã rút lại phiên bản %(number)d.") % {"number": version.number}
            )
        return redirect("admin:rules_ruleversion_change", version.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if version is not None:
            previous = (
                self.get_queryset(request)
                .filter(kind=version.kind, province=version.province, number__lt=version.number)
                .order_by("-number")
                .first()
            )
            extra.update(
                previous=previous,
                may_withdraw=(
                    not version.is_withdrawn
                    and not version.has_taken_effect()
                    and rule_may_change(user=request.user, province=version.province)
                ),
            )
        return super().change_view(request, object_id, form_url, extra)
