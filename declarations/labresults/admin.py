"""Lab results in the Django admin (seed 004).

1. Results (LabResultAdmin): the list, filters and search; the result page is read-only
   and reading it is audited. Results are never edited in place or deleted: the lab's
   correction ("Đính chính") is a form on the result page whose POST calls
   result_correct(). Lab staff add one result by hand (result_record, source "form"),
   or many from a CSV file (import/: imports.py), and see how fast they enter
   results (timeliness/: timeliness.py).
2. Uploads (LabImportAdmin): each CSV upload, its preview (every row with its errors)
   and, once saved, its summary.
3. API keys (LabTokenAdmin): "add" asks for a name and shows the key once; the action
   "Thu hồi" revokes keys.

Scope: lab staff see only their own lab's rows (the result's lab, wherever the person
lives); a ward station sees the results of people living in its ward; the province admin
sees the province. Another scope's row is a 404.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from declarations.f0.admin import _shown_date
from khaibao.access.admin import DecisionsOnlyMixin, ScopedModelAdmin
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import filter_to_scope, scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.lib.clientip import client_ip
from khaibao.lib.forms import apply_service_errors
from khaibao.lib.normalize import name_key

from .admin_forms import CorrectForm, RangeForm, ResultForm, TokenForm, UploadForm
from .imports import (
    MAX_BYTES,
    import_preview,
    import_preview_create,
    import_save,
    template_csv,
)
from .models import LabImport, LabResult, LabToken, ResultSource, ResultStatus
from .rules import lab_rules
from .services import result_correct, result_record
from .timeliness import (
    EMPTY,
    delay_text,
    in_range,
    late_results,
    timeliness_by_lab,
)
from .tokens import token_create, token_revoke

TEMPLATES = "admin/declarations"


def lab_of(user) -> Unit | None:
    """The active lab a lab staff account belongs to, or None."""
    scope = scope_for(user)
    if scope.role != Role.LAB or scope.unit_id is None:
        return None
    return Unit.objects.filter(pk=scope.unit_id, role=Role.LAB, is_active=True).first()


def results_for_staff(queryset, user):
    """Lab staff (a unit-bound role): their lab's results, wherever the person lives.
    Anyone else: the results of people living in their area."""
    scope = scope_for(user)
    if scope.unit_bound:
        if scope.unit_id is None:
            return queryset.none()
        return queryset.filter(lab_id=scope.unit_id)
    return filter_to_scope(queryset, user, "area__path")


def labs_for_staff(user, results):
    """The labs a staff member's timeliness table lists: those of their area, and any
    other lab with results in their scope."""
    labs = Unit.objects.filter(role=Role.LAB)
    scope = scope_for(user)
    if scope.unrestricted:
        return labs
    if scope.area is None:
        return labs.none()
    return labs.filter(
        Q(area__path__startswith=scope.area.path) | Q(pk__in=results.values("lab_id"))
    )


class _FramedPages:
    """The frame of this module's own pages (breadcrumbs, title, the model's opts)."""

    def page(self, request, template: str, context: dict, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            **context,
        }
        return render(request, f"{TEMPLATES}/{template}", context, status=status)


# -- results --------------------------------------------------------------------------


@admin.register(LabResult)
class LabResultAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # Lab staff add results; the result page is read-only, "change" is the correction.
    added_by_hand = True
    scope_path = "area__path"
    changes_audited_by_service = True
    change_list_template = f"{TEMPLATES}/labresult/change_list.html"
    change_form_template = f"{TEMPLATES}/labresult/change_form.html"

    list_display = (
        "sample_id",
        "person_name",
        "outcome",
        "test_type",
        "resulted_at_shown",
        "entered_at_shown",
        "late_shown",
        "lab",
        "status",
    )
    list_display_links = ("sample_id", "person_name")
    list_filter = (
        "outcome",
        "is_late",
        "test_type",
        ("resulted_at", admin.DateFieldListFilter),
        "status",
    )
    list_select_related = ("person", "lab")
    # The name is matched in get_search_results(); this shows the box and finds a
    # sample id exactly.
    search_fields = ("=sample_id",)
    search_help_text = _("Tìm theo mã mẫu hoặc họ tên (gõ không dấu cũng được).")
    list_per_page = 100
    empty_value_display = "—"
    view_on_site = False
    export_fields = (
        "sample_id",
        "person_name",
        "phone",
        "area",
        "test_type",
        "outcome",
        "sampled_at",
        "resulted_at",
        "entered_at",
        "is_late",
        "delay_seconds",
        "source",
        "lab",
        "status",
        "certificate_id",
    )
    fieldsets = (
        (
            _("Kết quả"),
            {
                "fields": (
                    "sample_id",
                    "lab",
                    "test_type",
                    "outcome",
                    "status",
                    "correction_note",
                    "certificate_id",
                )
            },
        ),
        (_("Người được xét nghiệm"), {"fields": ("person_name", "phone", "area")}),
        (
            _("Thời gian"),
            {
                "fields": (
                    "sampled_at_shown",
                    "resulted_at_shown",
                    "entered_at_shown",
                    "late_shown",
                    "source",
                    "entered_by",
                )
            },
        ),
        (_("Ca F0"), {"fields": ("case_link",)}),
    )
    readonly_fields = (
        "sample_id",
        "lab",
        "test_type",
        "outcome",
        "status",
        "correction_note",
        "certificate_id",
        "person_name",
        "phone",
        "area",
        "sampled_at_shown",
        "resulted_at_shown",
        "entered_at_shown",
        "late_shown",
        "source",
        "entered_by",
        "case_link",
    )

    sampled_at_shown = _shown_date("sampled_at", _("lấy mẫu lúc"))
    resulted_at_shown = _shown_date("resulted_at", _("có kết quả lúc"))
    entered_at_shown = _shown_date("entered_at", _("nhập lúc"))

    # -- what staff may do -----------------------------------------------------------

    def get_queryset(self, request):
        queryset = super(ScopedModelAdmin, self).get_queryset(request)
        return results_for_staff(queryset, request.user)

    def get_list_filter(self, request):
        if scope_for(request.user).unit_bound:
            return self.list_filter  # one lab: nothing to choose
        return (*self.list_filter, ("lab", admin.RelatedOnlyFieldListFilter))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = name_key(search_term)
        if key:
            results = results | queryset.filter(
                Q(person__name_key__startswith=key) | Q(person__name_key__contains=f" {key}")
            )
        return results, may_have_duplicates

    def audit_person(self, obj):
        return obj.person

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("nhập trễ"), ordering="is_late")
    def late_shown(self, obj):
        if not obj.is_late:
            return "—"
        return format_html(
            '<span class="lab-late">⚠ {}</span>',
            gettext("Trễ %(delay)s") % {"delay": delay_text(obj.delay_seconds)},
        )

    @admin.display(description=_("ca F0"))
    def case_link(self, obj):
        if obj.case_id is None:
            return "—"
        # The F0 page checks its own scope (the isolation address).
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:declarations_f0declaration_change", args=[obj.case_id]),
            gettext("Xem ca F0"),
        )

    # -- the result page and its correction ----------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self.correct_view(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._page_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _page_context(self, request, result: LabResult, form=None) -> dict:
        scoped = self.get_queryset(request)
        may_correct = (
            self.has_decision_permission(request) and result.status == ResultStatus.CURRENT
        )
        return {
            "result": result,
            "correct_form": (form or CorrectForm()) if may_correct else None,
            "replaces": scoped.filter(pk=result.replaces_id).first()
            if result.replaces_id
            else None,
            "replaced_by": scoped.filter(replaces=result).first(),
        }

    def correct_view(self, request, object_id):
        """POST on the result page: the correction form → result_correct → the new result."""
        if not self.has_decision_permission(request):
            raise PermissionDenied
        result = self.get_object(request, object_id)
        if result is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        form = CorrectForm(request.POST)
        if form.is_valid():
            try:
                corrected = result_correct(
                    result=result, by=request.user, ip=client_ip(request), **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Đã đính chính kết quả mẫu %(sample)s: %(outcome)s. Chứng nhận cũ đã "
                        "bị thu hồi."
                    )
                    % {"sample": corrected.sample_id, "outcome": corrected.get_outcome_display()},
                )
                return redirect(reverse(f"admin:{self._url_name('change')}", args=[corrected.pk]))
        context = {"title": _("Đính chính kết quả xét nghiệm"), "result": result, "form": form}
        return self.page(request, "labresult/correct.html", context, status=400)

    # -- one result typed in ----------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """GET: the form. POST: result_record (source "form") → the result's page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        lab = lab_of(request.user)
        areas = None
        if lab is not None:
            areas = Area.objects.filter(
                path__startswith=f"{lab.area.province_code}/",
                level__in=(AreaLevel.WARD, AreaLevel.VILLAGE),
            )
        data = request.POST if request.method == "POST" and lab is not None else None
        form = ResultForm(data, areas=areas)
        if data is not None and form.is_valid():
            try:
                recorded = result_record(
                    lab=lab,
                    data=form.result_data(),
                    source=ResultSource.FORM,
                    by=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                names = {
                    "sample": recorded.result.sample_id,
                    "name": recorded.result.person.full_name,
                }
                if recorded.created:
                    messages.success(
                        request, gettext("Đã lưu kết quả mẫu %(sample)s của %(name)s.") % names
                    )
                else:
                    messages.info(
                        request,
                        gettext("Mã mẫu %(sample)s đã có, không thay đổi (cùng kết quả).") % names,
                    )
                return redirect(
                    reverse(f"admin:{self._url_name('change')}", args=[recorded.result.pk])
                )
        context = {"title": _("Nhập kết quả xét nghiệm"), "form": form, "lab": lab}
        return self.page(request, "labresult/add.html", context, status=400 if form.errors else 200)

    # -- the CSV upload ---------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=self._url_name("import"),
            ),
            path(
                "timeliness/",
                self.admin_site.admin_view(self.timeliness_view),
                name=self._url_name("timeliness"),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """GET: the upload form (?mau=1: the template file). POST a file: read it into a
        preview (LabImport) → its page. POST import_id: save its good rows → its summary."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method != "POST" and request.GET.get("mau"):
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="mau-ket-qua-xet-nghiem.csv"'
            return response
        lab = lab_of(request.user)
        if request.method == "POST" and lab is not None and "import_id" in request.POST:
            return self._import_save(request, request.POST["import_id"])
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and lab is not None and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = import_preview_create(
                    lab=lab,
                    file_name=upload.name,
                    content=upload.read(MAX_BYTES + 1),
                    by=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect(reverse("admin:declarations_labimport_change", args=[created.pk]))
        context = {"title": _("Tải tệp kết quả xét nghiệm (CSV)"), "form": form, "lab": lab}
        return self.page(
            request, "labresult/import.html", context, status=400 if form.errors else 200
        )

    def _import_save(self, request, import_id):
        uploads = self.admin_site._registry[LabImport].get_queryset(request)
        try:
            upload = uploads.filter(pk=int(import_id)).first()
        except ValueError:
            upload = None
        if upload is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        try:
            import_save(upload=upload, by=request.user, ip=client_ip(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            summary = upload.summary
            messages.success(
                request,
                gettext(
                    "Đã lưu: %(created)d kết quả mới, %(unchanged)d đã có (không thay đổi), "
                    "%(errors)d dòng lỗi."
                )
                % {
                    "created": len(summary["created"]),
                    "unchanged": len(summary["unchanged"]),
                    "errors": len(summary["errors"]),
                },
            )
        return redirect(reverse("admin:declarations_labimport_change", args=[upload.pk]))

    # -- timeliness --------------------------------------------------------------------------

    def timeliness_view(self, request):
        """Lab staff: their lab's page. Others: a row per lab (?lab=<id>: that lab's page)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RangeForm.for_request(request.GET)
        if not form.is_valid():
            context = {"title": _("Thời hạn nhập kết quả"), "form": form}
            return self.page(request, "labresult/timeliness.html", context, status=400)
        first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        scoped = self.get_queryset(request)
        results = in_range(scoped, first, last)
        labs = labs_for_staff(request.user, scoped)
        lab = None
        if scope_for(request.user).unit_bound:
            lab = lab_of(request.user)
            if lab is None:
                raise PermissionDenied
        elif request.GET.get("lab"):
            try:
                lab = labs.filter(pk=int(request.GET["lab"])).first()
            except ValueError:
                lab = None
            if lab is None:
                raise Http404(_("Không tìm thấy đơn vị."))
        if lab is not None:
            return self._lab_timeliness(request, form, lab, results.filter(lab=lab))
        by_lab = timeliness_by_lab(results)
        rows = []
        for unit in labs.order_by("name"):
            stats = by_lab.get(unit.pk, EMPTY)
            rows.append(
                {
                    "lab": unit,
                    "stats": stats,
                    "median": delay_text(stats.median_seconds),
                    "p95": delay_text(stats.p95_seconds),
                }
            )
        context = {
            "title": _("Thời hạn nhập kết quả của các đơn vị xét nghiệm"),
            "form": form,
            "rows": rows,
            "query": request.GET.urlencode(),
        }
        return self.page(request, "labresult/timeliness.html", context)

    def _lab_timeliness(self, request, form, lab: Unit, results):
        stats = timeliness_by_lab(results).get(lab.pk, EMPTY)
        late = list(late_results(results))
        for result in late:
            result.delay = delay_text(result.delay_seconds)
        log_action(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type=self.opts.label_lower,
            area=scope_for(request.user).area,
            ip=client_ip(request),
            detail={
                "page": "timeliness",
                "lab": lab.code,
                "from": form.cleaned_data["date_from"].isoformat(),
                "to": form.cleaned_data["date_to"].isoformat(),
                "late_listed": len(late),
            },
        )
        context = {
            "title": gettext("Thời hạn nhập kết quả: %(lab)s") % {"lab": lab.name},
            "form": form,
            "lab": lab,
            "stats": stats,
            "median": delay_text(stats.median_seconds),
            "p95": delay_text(stats.p95_seconds),
            "late_results": late,
            "deadline_hours": lab_rules(lab.area)["entry_deadline_hours"],
            "is_lab_staff": scope_for(request.user).unit_bound,
        }
        return self.page(request, "labresult/timeliness_lab.html", context)


# -- uploads ----------------------------------------------------------------------------


@admin.register(LabImport)
class LabImportAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # Uploads come through the results' import page.
    scope_path = "lab__area__path"
    scope_unit_lookup = "lab_id"
    change_form_template = f"{TEMPLATES}/labimport/change_form.html"
    list_display = ("file_name", "lab", "status", "created_at_shown", "created_by", "counts")
    list_filter = ("status",)
    list_select_related = ("lab", "created_by")
    list_per_page = 50
    view_on_site = False
    export_fields = ("file_name", "lab", "status", "created_at", "created_by", "counts")
    fields = ("file_name", "lab", "status", "created_at_shown", "created_by", "saved_at_shown")
    readonly_fields = fields

    created_at_shown = _shown_date("created_at", _("tải lên lúc"))
    saved_at_shown = _shown_date("saved_at", _("lưu lúc"))

    def get_queryset(self, request):
        # The rows (up to 5,000 per upload) only on the upload's own page.
        return super().get_queryset(request).defer("rows")

    def audit_area(self, obj):
        return obj.lab.area

    @admin.display(description=_("số dòng"))
    def counts(self, obj):
        summary = obj.summary or {}
        if not summary:
            return "—"
        return gettext("%(created)d mới, %(unchanged)d không đổi, %(errors)d lỗi") % {
            "created": len(summary.get("created", [])),
            "unchanged": len(summary.get("unchanged", [])),
            "errors": len(summary.get("errors", {})),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The rows are results of named people: reading them is audited.
        if request.method == "GET" and response.status_code == 200:
            upload = response.context_data.get("original")
            if upload is not None:
                self._audit(request, upload, AuditAction.VIEW)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._upload_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _upload_context(self, request, upload: LabImport) -> dict:
        if upload.status == LabImport.Status.SAVED:
            summary = upload.summary
            errors = [
                {"row": int(row), "errors": fields}
                for row, fields in sorted(summary["errors"].items(), key=lambda item: int(item[0]))
            ]
            return {"summary": summary, "summary_errors": errors}
        rows = import_preview(upload)
        good = sum(1 for row in rows if row.ok)
        results_admin = self.admin_site._registry[LabResult]
        return {
            "preview": rows,
            "good": good,
            "bad": len(rows) - good,
            "may_save": results_admin.has_add_permission(request)
            and lab_of(request.user) is not None
            and upload.saved_at is None,
            "import_url": reverse("admin:declarations_labresult_import"),
        }


# -- API keys ---------------------------------------------------------------------------


@admin.register(LabToken)
class LabTokenAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # "Add" makes a key; a key is never edited: "change" is revoking it.
    added_by_hand = True
    scope_path = "lab__area__path"
    scope_unit_lookup = "lab_id"
    list_display = (
        "name",
        "prefix_shown",
        "lab",
        "created_at_shown",
        "last_used_at_shown",
        "revoked_at_shown",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("lab",)
    list_per_page = 100
    view_on_site = False
    actions = ["revoke_selected", "export_csv"]
    export_fields = ("name", "prefix", "lab", "created_at", "last_used_at", "revoked_at")
    fields = (
        "name",
        "prefix_shown",
        "lab",
        "created_at_shown",
        "created_by",
        "last_used_at_shown",
        "revoked_at_shown",
        "revoked_by",
    )
    readonly_fields = fields

    created_at_shown = _shown_date("created_at", _("tạo lúc"))
    last_used_at_shown = _shown_date("last_used_at", _("dùng lần cuối"))
    revoked_at_shown = _shown_date("revoked_at", _("thu hồi lúc"))

    def audit_area(self, obj):
        return obj.lab.area

    @admin.display(description=_("đầu khoá"))
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    @admin.action(description=_("Thu hồi các khoá đã chọn"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, by=request.user, ip=client_ip(request))
            revoked += 1
        messages.success(
            request,
            ngettext(
                "Đã thu hồi %(count)d khoá. Hệ thống của đơn vị dùng khoá đó sẽ bị từ chối.",
                "Đã thu hồi %(count)d khoá. Hệ thống của đơn vị dùng khoá đó sẽ bị từ chối.",
                revoked,
            )
            % {"count": revoked},
        )

    def add_view(self, request, form_url="", extra_context=None):
        """GET: the name. POST: token_create → the key, shown on this one response.

        Not a redirect: the key is never stored (not even in the session), so the page
        that shows it is the answer to the POST, and is not cached."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        lab = lab_of(request.user)
        form = TokenForm(request.POST if request.method == "POST" and lab is not None else None)
        if form.is_bound and form.is_valid():
            try:
                token, secret = token_create(
                    lab=lab, name=form.cleaned_data["name"], by=request.user, ip=client_ip(request)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                context = {"title": _("Khoá liên thông mới"), "token": token, "secret": secret}
                response = self.page(request, "labtoken/created.html", context)
                response["Cache-Control"] = "no-store"
                return response
        context = {"title": _("Tạo khoá liên thông"), "form": form, "lab": lab}
        return self.page(request, "labtoken/add.html", context, status=400 if form.errors else 200)
