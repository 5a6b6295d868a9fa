"""Vaccination in the Django admin: the unit's work and the province's overview.

1. Doses (DoseRecordAdmin): the unit's list; "add" is a dose typed in for a person
   (found on file or created), the CSV upload is import/ (imports.py). A dose's page
   is read-only; "change" is its correction, a form on that page (dose_correct,
   audited). The province reads every unit's doses.
2. Uploads (DoseImportAdmin): each CSV file with its counts and its errors by row.
3. Correction requests (CorrectionRequestAdmin): the unit's queue, pending first and
   the oldest deadline first. The request's page is read-only: the request as typed,
   its photo (photo/), and beside it the person's existing doses. The decisions
   ("Duyệt", "Từ chối") are small views, each calling one service.
4. Certificates (VaccinationCertificateAdmin): read-only.
5. Ward default units (WardDefaultUnitAdmin): the province names the unit that takes a
   ward's requests when they name none.

Scope: unit staff see their own unit's rows; the province admin sees its province's.
Another unit's or province's row is a 404.
"""

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from declarations.f0.admin import _shown_date
from declarations.f0.admin_queue import EscalatedFilter
from khaibao.access.admin import DecisionsOnlyMixin, ScopedModelAdmin
from khaibao.accounts.models import Unit
from khaibao.accounts.scope import filter_to_scope, scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.lib.clientip import client_ip
from khaibao.lib.forms import apply_field_errors, apply_service_errors
from khaibao.lib.normalize import name_key
from khaibao.people.matching import person_find_or_create
from khaibao.uploads.views import photo_response

from .admin_forms import (
    DECISIONS,
    Decision,
    DoseAddForm,
    DoseCorrectForm,
    UploadForm,
    correct_form_initial,
)
from .imports import MAX_BYTES, dose_import_run, template_csv
from .models import (
    UNIT_ROLE,
    CorrectionRequest,
    CorrectionStatus,
    DoseImport,
    DoseRecord,
    DoseSource,
    VaccinationCertificate,
    WardDefaultUnit,
)
from .selectors import person_vaccination
from .services import dose_correct, dose_record

TEMPLATES = "admin/vaccination"
NOT_FOUND = _("Không tìm thấy hồ sơ.")


def unit_of(user) -> Unit | None:
    """The active vaccination unit a unit staff account belongs to, or None."""
    scope = scope_for(user)
    if scope.role != UNIT_ROLE or scope.unit_id is None:
        return None
    return Unit.objects.filter(pk=scope.unit_id, role=UNIT_ROLE, is_active=True).first()


def units_for(user):
    """The vaccination units a user not bound to a unit may choose (a superuser's)."""
    return filter_to_scope(
        Unit.objects.filter(role=UNIT_ROLE, is_active=True), user, "area__path"
    ).order_by("name")


def residence_areas_for(unit: Unit | None):
    """The wards and villages a dose's person may live in: the unit's province."""
    areas = Area.objects.filter(level__in=(AreaLevel.WARD, AreaLevel.VILLAGE))
    if unit is not None:
        areas = areas.filter(path__startswith=f"{unit.area.province_code}/")
    return areas.order_by("path")


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

    def _get_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(NOT_FOUND)
        return obj


# -- doses ------------------------------------------------------------------------------


@admin.register(DoseRecord)
class DoseRecordAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # Unit staff add doses; a dose's page is read-only, "change" is its correction.
    added_by_hand = True
    scope_path = "unit__area__path"
    scope_unit_lookup = "unit_id"
    changes_audited_by_service = True
    change_list_template = f"{TEMPLATES}/doserecord/change_list.html"
    change_form_template = f"{TEMPLATES}/doserecord/change_form.html"

    list_display = (
        "person_name",
        "number",
        "given_on_shown",
        "vaccine",
        "lot",
        "unit",
        "source_shown",
    )
    list_display_links = ("person_name",)
    list_filter = ("vaccine", "source", "number", ("given_on", admin.DateFieldListFilter))
    list_select_related = ("person", "unit", "correction")
    ordering = ("-given_on", "-id")
    # Names match in get_search_results(); these find an ID number or a lot exactly.
    search_fields = ("=person__id_number", "=lot")
    search_help_text = _("Tìm theo họ tên (gõ không dấu cũng được), số giấy tờ hoặc số lô.")
    list_per_page = 100
    empty_value_display = "—"
    view_on_site = False
    export_fields = (
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "number",
        "given_on",
        "vaccine",
        "lot",
        "unit",
        "source_shown",
        "entered_at",
    )
    fields = (
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "number",
        "given_on_shown",
        "vaccine",
        "lot",
        "unit",
        "after_recovery",
        "source_shown",
        "entered_by",
        "entered_at_shown",
    )
    readonly_fields = fields

    given_on_shown = _shown_date("given_on", _("ngày tiêm"))
    entered_at_shown = _shown_date("entered_at", _("nhập lúc"))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = name_key(search_term)
        if key:
            results = results | queryset.filter(
                Q(person__name_key__startswith=key) | Q(person__name_key__contains=f" {key}")
            )
        return results, may_have_duplicates

    def get_list_filter(self, request):
        if scope_for(request.user).unit_bound:
            return self.list_filter  # one unit: nothing to choose
        return (*self.list_filter, ("unit", admin.RelatedOnlyFieldListFilter))

    def audit_person(self, obj):
        return obj.person

    def audit_area(self, obj):
        return obj.unit.area

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("ngày sinh"))
    def person_date_of_birth(self, obj):
        return obj.person.date_of_birth

    @admin.display(description=_("số giấy tờ"))
    def person_id_number(self, obj):
        return obj.person.id_number

    @admin.display(description=_("nguồn"), ordering="source")
    def source_shown(self, obj):
        return obj.source_label

    # -- the dose's page and its correction ---------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self.correct_view(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._page_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _correct_form(self, request, record, data=None) -> DoseCorrectForm:
        unit = unit_of(request.user)
        return DoseCorrectForm(
            data,
            initial=correct_form_initial(record),
            unit=unit,
            units=None if unit else units_for(request.user),
        )

    def _page_context(self, request, record: DoseRecord, form=None) -> dict:
        may_correct = self.has_decision_permission(request)
        return {
            "record": record,
            "correct_form": (form or self._correct_form(request, record)) if may_correct else None,
        }

    def correct_view(self, request, object_id):
        """POST on the dose's page: the correction form → dose_correct → the dose's page."""
        if not self.has_decision_permission(request):
            raise PermissionDenied
        record = self._get_or_404(request, object_id)
        form = self._correct_form(request, record, request.POST)
        if form.is_valid():
            try:
                dose_correct(
                    record=record,
                    data=form.dose_data(record.number),
                    by=request.user,
                    note=form.cleaned_data["note"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Đã đính chính mũi %(number)s của %(name)s; chứng nhận đã được cấp lại."
                    )
                    % {"number": record.number, "name": record.person.full_name},
                )
                return redirect(reverse(f"admin:{self._url_name('change')}", args=[record.pk]))
        context = {"title": _("Đính chính mũi tiêm"), "record": record, "form": form}
        return self.page(request, "doserecord/correct.html", context, status=400)

    # -- one dose typed in -----------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """GET: the form. POST: the person (found or created) and dose_record (source
        "entered") in one transaction → the dose's page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        unit = unit_of(request.user)
        may_enter = unit is not None or not scope_for(request.user).unit_bound
        data = request.POST if request.method == "POST" and may_enter else None
        form = DoseAddForm(
            data,
            unit=unit,
            units=None if unit else units_for(request.user),
            areas=residence_areas_for(unit),
        )
        if data is not None and form.is_valid():
            try:
                with transaction.atomic():
                    person = person_find_or_create(
                        form.person_data(), by=request.user, ip=client_ip(request)
                    )
                    record, created = dose_record(
                        person=person,
                        data=form.dose_data(),
                        source=DoseSource.ENTERED,
                        by=request.user,
                        ip=client_ip(request),
                    )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                names = {"number": record.number, "name": person.full_name}
                if created:
                    messages.success(
                        request,
                        gettext("Đã lưu mũi %(number)s của %(name)s; chứng nhận đã được cấp.")
                        % names,
                    )
                else:
                    messages.info(
                        request,
                        gettext("Mũi %(number)s của %(name)s đã có, không thay đổi.") % names,
                    )
                return redirect(reverse(f"admin:{self._url_name('change')}", args=[record.pk]))
        context = {
            "title": _("Nhập mũi tiêm"),
            "form": form,
            "unit": unit,
            "may_enter": may_enter,
        }
        return self.page(
            request, "doserecord/add.html", context, status=400 if form.errors else 200
        )

    # -- the CSV upload ---------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=self._url_name("import"),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """GET: the upload form (?mau=1: the template file). POST: import the file →
        the upload's page (its counts and its errors by row)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method != "POST" and request.GET.get("mau"):
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="mau-mui-tiem.csv"'
            return response
        unit = unit_of(request.user)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and unit is not None and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                done = dose_import_run(
                    unit=unit,
                    file_name=upload.name,
                    content=upload.read(MAX_BYTES + 1),
                    by=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Đã nhập: %(added)d mũi mới, %(unchanged)d đã có (không thay đổi), "
                        "%(refused)d dòng lỗi."
                    )
                    % {"added": done.added, "unchanged": done.unchanged, "refused": done.refused},
                )
                return redirect(reverse("admin:vaccination_doseimport_change", args=[done.pk]))
        context = {"title": _("Tải tệp mũi tiêm (CSV)"), "form": form, "unit": unit}
        status = 400 if form.errors or (request.method == "POST" and unit is None) else 200
        return self.page(request, "doserecord/import.html", context, status=status)


# -- uploads ----------------------------------------------------------------------------


@admin.register(DoseImport)
class DoseImportAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # Uploads come through the doses' import page and are kept.
    scope_path = "unit__area__path"
    scope_unit_lookup = "unit_id"
    change_form_template = f"{TEMPLATES}/doseimport/change_form.html"
    list_display = (
        "file_name",
        "unit",
        "imported_at_shown",
        "imported_by",
        "rows",
        "added",
        "unchanged",
        "refused",
    )
    list_select_related = ("unit", "imported_by")
    list_per_page = 50
    view_on_site = False
    export_fields = (
        "file_name",
        "unit",
        "imported_at",
        "imported_by",
        "rows",
        "added",
        "unchanged",
        "refused",
    )
    fields = list_display
    readonly_fields = fields

    imported_at_shown = _shown_date("imported_at", _("nhập lúc"))

    def get_queryset(self, request):
        # The errors (up to one per row) only on the upload's own page.
        return super().get_queryset(request).defer("errors")

    def audit_area(self, obj):
        return obj.unit.area

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # The errors quote rows of named people: reading them is audited.
        if request.method == "GET" and response.status_code == 200:
            upload = response.context_data.get("original")
            if upload is not None:
                self._audit(request, upload, AuditAction.VIEW)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["row_errors"] = sorted(obj.errors or [], key=lambda item: item["row"])
            context["import_url"] = reverse("admin:vaccination_doserecord_import")
        return super().render_change_form(request, context, add, change, form_url, obj)


# -- correction requests ----------------------------------------------------------------


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(DecisionsOnlyMixin, _FramedPages, ScopedModelAdmin):
    # Citizens send requests; the unit (or the province, once escalated) decides.
    scope_path = "unit__area__path"
    scope_unit_lookup = "unit_id"
    changes_audited_by_service = True
    change_form_template = f"{TEMPLATES}/correctionrequest/change_form.html"

    list_display = (
        "tracking_code",
        "full_name",
        "kind",
        "status",
        "submitted_at_shown",
        "due_at_shown",
        "unit",
        "flags",
    )
    list_display_links = ("tracking_code", "full_name")
    # Pending requests first, then the oldest deadline first.
    ordering = (
        Case(
            When(status=CorrectionStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "due_at",
        "id",
    )
    list_filter = ("status", "kind", EscalatedFilter)
    list_select_related = ("unit",)
    search_fields = ("=tracking_code", "=id_number")
    search_help_text = _("Tìm theo mã phản ánh, số giấy tờ hoặc họ tên (gõ không dấu cũng được).")
    list_per_page = 50
    empty_value_display = "—"
    view_on_site = False
    export_fields = (
        "tracking_code",
        "full_name",
        "date_of_birth",
        "id_number",
        "phone",
        "kind",
        "status",
        "submitted_at",
        "due_at",
        "escalated_at",
        "unit",
        "reject_reason",
        "decision_note",
        "decided_at",
    )
    fieldsets = (
        (
            _("Phản ánh"),
            {
                "fields": (
                    "tracking_code",
                    "kind",
                    "status",
                    "unit",
                    "routed_to_default",
                    "submitted_at_shown",
                    "due_at_shown",
                    "escalated_at_shown",
                    "duplicate_of_link",
                )
            },
        ),
        (
            _("Người được tiêm (như người dân khai)"),
            {
                "fields": (
                    "full_name",
                    "date_of_birth_shown",
                    "sex",
                    "id_type",
                    "id_number",
                    "phone",
                    "area",
                    "workplace",
                )
            },
        ),
        (
            _("Kết quả xử lý"),
            {
                "fields": (
                    "decided_at_shown",
                    "decided_by",
                    "reject_reason",
                    "decision_note",
                    "certificate",
                )
            },
        ),
    )
    readonly_fields = tuple(name for _title, group in fieldsets for name in group["fields"])
    review_related = ("unit__area", "area", "person", "photo", "duplicate_of", "decided_by")

    submitted_at_shown = _shown_date("submitted_at", _("gửi lúc"))
    due_at_shown = _shown_date("due_at", _("hạn xử lý"))
    escalated_at_shown = _shown_date("escalated_at", _("chuyển Sở Y tế lúc"))
    decided_at_shown = _shown_date("decided_at", _("xử lý lúc"))
    date_of_birth_shown = _shown_date("date_of_birth", _("ngày sinh"))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        code = search_term.strip().upper()
        if code.startswith("PA") and len(code.replace("-", "")) == 10:
            results = results | queryset.filter(tracking_code=f"PA-{code[-9:-5]}-{code[-4:]}")
        key = name_key(search_term)
        if key:
            results = results | queryset.filter(
                Q(person__name_key__startswith=key) | Q(person__name_key__contains=f" {key}")
            )
        return results, may_have_duplicates

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with what the request's page shows in the same query.
        queryset = self.get_queryset(request).select_related(*self.review_related)
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def audit_person(self, obj):
        return obj.person

    def audit_area(self, obj):
        return obj.unit.area

    @admin.display(description=_("cảnh báo"))
    def flags(self, obj):
        shown = []
        if obj.escalated_at:
            shown.append(gettext("Đã chuyển Sở Y tế"))
        if obj.is_open and obj.due_at and obj.due_at < timezone.now():
            shown.append(gettext("Quá hạn"))
        if obj.routed_to_default:
            shown.append(gettext("Đơn vị mặc định của phường"))
        if not shown:
            return "—"
        return format_html(
            '<span class="vacc-flag">⚠ {}</span>', " · ".join(str(text) for text in shown)
        )

    @admin.display(description=_("trùng với phản ánh"))
    def duplicate_of_link(self, obj):
        if obj.duplicate_of_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse(f"admin:{self._url_name('change')}", args=[obj.duplicate_of_id]),
            obj.duplicate_of.tracking_code,
        )

    # -- the request's page ------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._review_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _review_context(self, request, obj: CorrectionRequest) -> dict:
        scoped = self.get_queryset(request)
        return {
            "stated_doses": list(obj.doses.select_related("unit").order_by("number")),
            "photo_url": reverse(f"admin:{self._url_name('request_photo')}", args=[obj.pk]),
            # The person's records as they stand, wherever they were given: what the
            # unit compares the request with.
            "vaccination": person_vaccination(obj.person),
            "duplicates": scoped.filter(duplicate_of=obj).order_by("submitted_at"),
            "decisions": self._decision_forms(request, obj),
            "decided_elsewhere": self.has_decision_permission(request)
            and obj.is_open
            and not self._may_decide(request, obj),
        }

    def _may_decide(self, request, obj: CorrectionRequest) -> bool:
        """The unit decides its requests; the province, those escalated to it."""
        if not self.has_decision_permission(request):
            return False
        scope = scope_for(request.user)
        return scope.unrestricted or scope.unit_bound or obj.escalated_at is not None

    def _decision_forms(self, request, obj: CorrectionRequest) -> list[dict]:
        if not obj.is_open or not self._may_decide(request, obj):
            return []
        return [
            {
                "decision": decision,
                "form": decision.form_class(auto_id=f"id_{decision.kind}_%s"),
                "url": self._with_filters(
                    request, reverse(f"admin:{self._url_name(decision.kind)}", args=[obj.pk])
                ),
            }
            for decision in DECISIONS
        ]

    def _with_filters(self, request, url: str) -> str:
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/photo/",
                self.admin_site.admin_view(self.photo_view),
                name=self._url_name("request_photo"),
            ),
            *self.object_action_paths(self.decision_view, DECISIONS, keyword="decision"),
            *super().get_urls(),
        ]

    def photo_view(self, request, object_id):
        """The request's photo, to staff whose scope covers the request's unit; audited
        by photo_response. Another unit's is a 404."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        correction = self._get_or_404(request, object_id)
        return photo_response(request, correction.photo, area=correction.unit.area)

    def decision_view(self, request, object_id, decision: Decision):
        """GET: the decision's page. POST: validate → the service → message → the queue.
        A refusal of the service (decided meanwhile, a dose on file that differs) is
        shown in Vietnamese with a 400, and nothing is saved."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not self.has_decision_permission(request):
            raise PermissionDenied
        correction = self._get_or_404(request, object_id)
        applies = correction.is_open and self._may_decide(request, correction)
        form = decision.form_class(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            status = 400  # unless decided below; the page says why not
            if applies and form.is_valid():
                try:
                    decided = decision.service(
                        request=correction,
                        by=request.user,
                        ip=client_ip(request),
                        **form.cleaned_data,
                    )
                except ValidationError as exc:
                    if not apply_field_errors(form, exc):
                        form.add_error(None, exc.messages)
                else:
                    messages.success(
                        request,
                        decision.done % {"code": decided.tracking_code, "name": decided.full_name},
                    )
                    return redirect(
                        self._with_filters(
                            request, reverse(f"admin:{self._url_name('changelist')}")
                        )
                    )
        context = {
            "title": decision.title,
            "decision": decision,
            "correction": correction,
            "form": form,
            "applies": applies,
            "not_applicable": "" if applies else self._not_applicable(correction),
            "change_url": self._with_filters(
                request, reverse(f"admin:{self._url_name('change')}", args=[correction.pk])
            ),
        }
        return self.page(request, "correctionrequest/decision.html", context, status=status)

    def _not_applicable(self, correction: CorrectionRequest) -> str:
        if not correction.is_open:
            return gettext("Phản ánh này đã được xử lý (%(status)s).") % {
                "status": correction.get_status_display()
            }
        return gettext("Phản ánh do đơn vị tiêm xử lý; Sở Y tế xử lý khi phản ánh đã quá hạn.")


# -- certificates -----------------------------------------------------------------------


@admin.register(VaccinationCertificate)
class VaccinationCertificateAdmin(DecisionsOnlyMixin, ScopedModelAdmin):
    # Issued and revoked by the services only (a new dose, a correction).
    scope_path = "dose__unit__area__path"
    scope_unit_lookup = "dose__unit_id"
    list_display = (
        "uvci",
        "person_name",
        "series",
        "issued_at_shown",
        "status",
        "revoked_at_shown",
    )
    list_filter = ("status",)
    list_select_related = ("person",)
    search_fields = ("=uvci",)
    list_per_page = 100
    view_on_site = False
    export_fields = ("uvci", "person_name", "series", "issued_at", "status", "revoked_at")
    fields = (
        "uvci",
        "person_name",
        "dose",
        "series",
        "issued_at_shown",
        "valid_days",
        "status",
        "revoked_at_shown",
        "replaced_by",
    )
    readonly_fields = fields

    issued_at_shown = _shown_date("issued_at", _("cấp lúc"))
    revoked_at_shown = _shown_date("revoked_at", _("thu hồi lúc"))

    def audit_person(self, obj):
        return obj.person

    def audit_area(self, obj):
        return obj.dose.unit.area

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("mũi (dn/sd)"))
    def series(self, obj):
        return f"{obj.dn}/{obj.sd}"


# -- ward default units -----------------------------------------------------------------


@admin.register(WardDefaultUnit)
class WardDefaultUnitAdmin(ScopedModelAdmin):
    scope_path = "ward__path"
    list_display = ("ward", "unit")
    list_select_related = ("ward", "unit")
    list_per_page = 100
    view_on_site = False
    export_fields = ("ward", "unit")
    fields = ("ward", "unit")

    def audit_area(self, obj):
        return obj.ward

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ward":
            kwargs["queryset"] = filter_to_scope(
                Area.objects.filter(level=AreaLevel.WARD), request.user, "path"
            ).order_by("path")
        elif db_field.name == "unit":
            kwargs["queryset"] = units_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
