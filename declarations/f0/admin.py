"""The ward health station's work on F0 declarations, in the Django admin.

1. The queue (changelist): the station's declarations, those waiting for it first,
   with how long each has waited against the decision hours of the F0 timing rules.
2. The review page (change view) is read-only: photos through the authorised photo
   view, what the automatic checks found, earlier declarations, the history.
3. Decisions are small admin views (accept, reject, confirm or refuse completion), each
   check access → validate a form → call one service → message → redirect. The
   services in declarations.f0.services write the event, the audit record and the SMS.
4. CSV exports: of the selected rows (ScopedModelAdmin's action) and of a date range.

The queue's deadline, check texts and list filters are in admin_queue.py; the decision
and export forms, and which service each decision calls, in admin_forms.py.
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from khaibao.access.admin import DecisionsOnlyMixin, ScopedModelAdmin
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import AreaLevel
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import date_text, datetime_text
from khaibao.lib.forms import apply_field_errors
from khaibao.lib.normalize import name_key, phone_for_display, phone_or_none
from khaibao.uploads.views import photo_response

from .admin_forms import DECISIONS, Decision, ExportRangeForm
from .admin_queue import (
    WAITING_SINCE,
    EscalatedFilter,
    QueueStatusFilter,
    VillageFilter,
    cccd_check_result,
    cccd_mismatch_text,
    decision_deadline,
    duration_text,
)
from .models import Condition, F0Declaration, F0Status, Symptom
from .rules import f0_timing
from .services import decision_hours, f0_accept


def _date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        return datetime_text(value)
    return date_text(value)


def _shown_date(name: str, label: Promise):
    """A read-only column showing a model's date or datetime as dd/mm/yyyy (HH:MM)."""

    @admin.display(description=label, ordering=name)
    def display(self, obj):
        return _date(getattr(obj, name))

    return display


# -- the admin ----------------------------------------------------------------------------


# The photos a review page shows, by the name used in their URL.
PHOTO_FIELDS = {"test": "test_photo", "id": "id_photo", "completion": "completion_photo"}


@admin.register(F0Declaration)
class F0DeclarationAdmin(DecisionsOnlyMixin, ScopedModelAdmin):
    # Citizens declare (or a lab's positive result opens the case); the station decides.
    scope_path = "isolation_area__path"
    changes_audited_by_service = True
    change_list_template = "admin/declarations/f0declaration/change_list.html"
    change_form_template = "admin/declarations/f0declaration/change_form.html"

    list_display = (
        "case_code",
        "person_name",
        "waiting",
        "status",
        "test_date_shown",
        "village",
        "flags",
    )
    list_display_links = ("case_code", "person_name")
    # Declarations waiting for the station first, then the oldest submitted first.
    ordering = (
        Case(
            When(status__in=list(WAITING_SINCE), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "submitted_at",
    )
    list_filter = (
        QueueStatusFilter,
        ("submitted_at", admin.DateFieldListFilter),
        VillageFilter,
        EscalatedFilter,
    )
    # Search runs through get_search_results(); these make the search box appear and
    # match a case code or an ID number exactly.
    search_fields = ("=case_code", "=person__id_number")
    search_help_text = _(
        "Tìm theo họ tên (gõ không dấu cũng được), số giấy tờ, số điện thoại hoặc mã F0."
    )
    list_select_related = ("person", "isolation_area", "isolation_area__parent")
    list_per_page = 50
    empty_value_display = "—"
    # The public page of a declaration is the citizen's status page, not for staff.
    view_on_site = False
    actions = ["accept_selected", "export_csv"]
    export_fields = (
        "case_code",
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "phone_shown",
        "status",
        "test_date",
        "test_type",
        "isolation_area",
        "isolation_street",
        "submitted_at",
        "decided_at",
        "reject_reason",
        "reject_note",
        "completed_at",
        "flags_text",
    )
    # The review page: everything the station reads before deciding (all read-only).
    review_related = (
        "person",
        "isolation_area__parent",
        "test_photo",
        "id_photo",
        "completion_photo",
        "decided_by",
    )

    test_date_shown = _shown_date("test_date", _("ngày test"))
    submitted_at_shown = _shown_date("submitted_at", _("gửi lúc"))
    decided_at_shown = _shown_date("decided_at", _("quyết định lúc"))
    reminded_at_shown = _shown_date("reminded_at", _("nhắc Trạm lúc"))
    escalated_at_shown = _shown_date("escalated_at", _("chuyển Sở Y tế lúc"))
    last_dose_date_shown = _shown_date("last_dose_date", _("ngày tiêm mũi gần nhất"))
    completion_test_date_shown = _shown_date("completion_test_date", _("ngày test âm tính"))
    completion_requested_at_shown = _shown_date("completion_requested_at", _("khai hoàn thành lúc"))
    completed_at_shown = _shown_date("completed_at", _("hoàn thành cách ly lúc"))

    # -- what the station may do -----------------------------------------------------

    # -- queue -----------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        hours = f0_timing(scope_for(request.user).area)["decision_hours"]
        context = {
            "title": _("Hàng chờ khai báo F0"),
            "decision_hours": hours,
            "decision_half_hours": f"{hours / 2:g}",
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        # Names match on the accent-free key at the start of any word ("van an" and
        # "Văn An" find "Nguyễn Văn An"); phones as 0912… or +84…, on the person or
        # the declaration's contact phone. ID numbers and case codes come from
        # search_fields (the parent also writes the search to the audit log).
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = name_key(search_term)
        if key:
            results = results | queryset.filter(person__name_key__startswith=key)
            results = results | queryset.filter(person__name_key__contains=f" {key}")
            phone = phone_or_none(search_term)
            if phone:
                results = results | queryset.filter(contact_phone=phone)
                results = results | queryset.filter(person__phone=phone)
        return results, may_have_duplicates

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("ngày sinh"))
    def person_date_of_birth(self, obj):
        return _date(obj.person.date_of_birth)

    @admin.display(description=_("số giấy tờ"))
    def person_id_number(self, obj):
        return obj.person.id_number

    @admin.display(description=_("số điện thoại liên hệ"))
    def phone_shown(self, obj):
        return phone_for_display(obj.contact_phone)

    @admin.display(description=_("đã chờ"), ordering="submitted_at")
    def waiting(self, obj):
        deadline = decision_deadline(obj)
        if deadline is None:
            return "—"
        return format_html(
            '<span class="f0-deadline f0-deadline-{}" title="{}">{} · {}</span>',
            deadline.level,
            gettext("Thời hạn quyết định: %(hours)d giờ") % {"hours": decision_hours(obj)},
            duration_text(deadline.waited),
            deadline.label,
        )

    @admin.display(description=_("thôn / tổ"), ordering="isolation_area__name")
    def village(self, obj):
        area = obj.isolation_area
        return area.name if area.level == AreaLevel.VILLAGE else "—"

    def _flags(self, obj) -> list[tuple[str, str]]:
        """(short label, explanation) for each thing the station should look at."""
        flags = []
        if obj.cccd_mismatch:
            flags.append((gettext("CCCD"), cccd_mismatch_text(obj.cccd_mismatch)))
        if obj.reused_photo_of_id:
            flags.append(
                (gettext("Ảnh trùng"), gettext("Ảnh test giống ảnh của một khai báo khác."))
            )
        if obj.escalated_at:
            flags.append(
                (gettext("Đã báo Sở"), gettext("Người dân đã nhắc Sở Y tế vì quá hạn xử lý."))
            )
        return flags

    @admin.display(description=_("cảnh báo"))
    def flags(self, obj):
        flags = self._flags(obj)
        if not flags:
            return "—"
        return format_html_join(
            " ",
            '<span class="f0-flag" title="{1}">⚠ {0}</span>',
            flags,
        )

    @admin.display(description=_("cảnh báo"))
    def flags_text(self, obj):
        return "; ".join(explanation for _label, explanation in self._flags(obj))

    # -- review page -------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with what the review page shows in the same query.
        queryset = self.get_queryset(request).select_related(*self.review_related)
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                _("Trạng thái"),
                {
                    "fields": (
                        "status",
                        "case_code",
                        "submitted_at_shown",
                        "decided_at_shown",
                        "decided_by",
                        "reject_reason",
                        "reject_note",
                        "reminded_at_shown",
                        "escalated_at_shown",
                    )
                },
            ),
            (
                _("Người mắc COVID-19"),
                {
                    "fields": (
                        "person_name",
                        "person_date_of_birth",
                        "person_id_type",
                        "person_id_number",
                        "relationship",
                        "guardian_name",
                        "phone_shown",
                    )
                },
            ),
            (
                _("Xét nghiệm và sức khoẻ"),
                {
                    "fields": (
                        "test_date_shown",
                        "test_type",
                        "vaccine_doses",
                        "last_dose_date_shown",
                        "last_vaccine",
                        "symptoms_shown",
                        "conditions_shown",
                        "other_conditions",
                        "pregnant",
                    )
                },
            ),
            (_("Nơi cách ly"), {"fields": ("isolation_area", "isolation_street")}),
        ]
        if obj is not None and obj.completion_requested_at:
            fieldsets.append(
                (
                    _("Hoàn thành cách ly"),
                    {
                        "fields": (
                            "completion_test_date_shown",
                            "completion_requested_at_shown",
                            "completion_refusal",
                            "completed_at_shown",
                            "certificate_id",
                        )
                    },
                )
            )
        return fieldsets

    @admin.display(description=_("loại giấy tờ"))
    def person_id_type(self, obj):
        return obj.person.get_id_type_display()

    @admin.display(description=_("triệu chứng"))
    def symptoms_shown(self, obj):
        return _choice_labels(Symptom, obj.symptoms)

    @admin.display(description=_("bệnh nền"))
    def conditions_shown(self, obj):
        return _choice_labels(Condition, obj.conditions)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._review_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _review_context(self, request, obj: F0Declaration) -> dict:
        scoped = self.get_queryset(request)
        # Served by photo_view: the declaration's scope decides, not where the person lives.
        labels = {
            "test": _("Ảnh kết quả test"),
            "id": _("Ảnh giấy tờ tuỳ thân"),
            "completion": _("Ảnh test âm tính (hoàn thành cách ly)"),
        }
        photos = [
            (
                labels[which],
                getattr(obj, field),
                reverse(f"admin:{self._url_name('photo')}", args=[obj.pk, which]),
            )
            for which, field in PHOTO_FIELDS.items()
            if getattr(obj, f"{field}_id") is not None
        ]
        reused = None
        if obj.reused_photo_of_id:
            reused = {
                "declaration": scoped.filter(pk=obj.reused_photo_of_id)
                .select_related("person")
                .first()
            }
        level, text = cccd_check_result(obj)
        return {
            "deadline": decision_deadline(obj),
            "photos": photos,
            "cccd_level": level,
            "cccd_text": text,
            "reused": reused,
            "earlier": scoped.filter(person_id=obj.person_id)
            .exclude(pk=obj.pk)
            .select_related("isolation_area__parent")
            .order_by("-submitted_at"),
            "events": obj.events.select_related("actor", "rules_version").order_by(
                "created_at", "id"
            ),
            "decisions": self._decision_forms(request, obj),
            # A case opened by a lab's positive result has no photos: its results instead
            # (their own page checks its scope).
            "lab_results": obj.lab_results.select_related("lab").order_by("resulted_at", "pk"),
        }

    def _decision_forms(self, request, obj: F0Declaration) -> list[dict]:
        if not self.has_decision_permission(request):
            return []
        preserved = self.get_preserved_filters(request)
        return [
            {
                "decision": decision,
                "form": decision.form_class(auto_id=f"id_{decision.kind}_%s"),
                "url": self._decision_url(decision, obj, preserved),
            }
            for decision in DECISIONS
            if decision.status == obj.status
        ]

    def _decision_url(self, decision: Decision, obj, preserved_filters: str) -> str:
        url = reverse(f"admin:{self._url_name(decision.kind)}", args=[obj.pk])
        return add_preserved_filters(
            {"preserved_filters": preserved_filters, "opts": self.opts}, url
        )

    def audit_person(self, obj):
        return obj.person

    def audit_area(self, obj):
        return obj.isolation_area

    # -- decisions -------------------------------------------------------------------

    def get_urls(self):
        decision_urls = self.object_action_paths(self.decision_view, DECISIONS, keyword="decision")
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_range_view),
                name=self._url_name("export_range"),
            ),
            path(
                "<path:object_id>/photo/<str:which>/",
                self.admin_site.admin_view(self.photo_view),
                name=self._url_name("photo"),
            ),
            *decision_urls,
            *super().get_urls(),
        ]

    def photo_view(self, request, object_id, which):
        """A declaration's photo, to staff whose scope covers the declaration (the
        isolation address), wherever the person lives. Audited by photo_response."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        declaration = self.get_object(request, object_id)
        photo = getattr(declaration, PHOTO_FIELDS.get(which, "-"), None) if declaration else None
        if photo is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        return photo_response(request, photo, area=declaration.isolation_area)

    def _get_declaration_for_decision(self, request, object_id) -> F0Declaration:
        """The declaration, if the user may decide and it is inside their scope.

        The permission comes first, so a role that may not decide gets 403 whatever the
        object; another area's declaration is a 404, like one that does not exist.
        """
        if not self.has_decision_permission(request):
            raise PermissionDenied
        declaration = self.get_object(request, object_id)
        if declaration is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        return declaration

    def decision_view(self, request, object_id, decision: Decision):
        """GET: the decision's page (its form, or why it does not apply now).
        POST: validate → the service → message → back to the queue."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        declaration = self._get_declaration_for_decision(request, object_id)
        form = decision.form_class(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    decided = decision.service(
                        declaration=declaration,
                        by=request.user,
                        ip=client_ip(request),
                        **form.cleaned_data,
                    )
                except ValidationError as exc:
                    if not apply_field_errors(form, exc):
                        # Decided meanwhile, or not in the status this decision needs.
                        messages.error(request, " ".join(exc.messages))
                        return redirect(self._change_url(request, declaration))
                else:
                    messages.success(
                        request,
                        decision.done
                        % {"name": decided.person.full_name, "code": decided.case_code or "—"},
                    )
                    return redirect(self._changelist_url(request))
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": decision.title,
            "decision": decision,
            "declaration": declaration,
            "form": form,
            "applies": declaration.status == decision.status,
            "change_url": self._change_url(request, declaration),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return render(
            request, "admin/declarations/f0declaration/decision.html", context, status=status
        )

    def _change_url(self, request, declaration) -> str:
        url = reverse(f"admin:{self._url_name('change')}", args=[declaration.pk])
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _changelist_url(self, request) -> str:
        url = reverse(f"admin:{self._url_name('changelist')}")
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    @admin.action(description=_("Tiếp nhận các khai báo đã chọn"), permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted, skipped = 0, []
        for declaration in queryset:
            if declaration.status != F0Status.SUBMITTED:
                skipped.append(declaration)
                continue
            try:
                f0_accept(declaration=declaration, by=request.user, ip=client_ip(request))
            except ValidationError:  # decided by someone else since the list was shown
                skipped.append(declaration)
            else:
                accepted += 1
        if accepted:
            messages.success(
                request,
                ngettext(
                    "Đã tiếp nhận %(count)d khai báo; tin nhắn báo mã F0 đã được xếp gửi.",
                    "Đã tiếp nhận %(count)d khai báo; tin nhắn báo mã F0 đã được xếp gửi.",
                    accepted,
                )
                % {"count": accepted},
            )
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "Bỏ qua %(count)d khai báo không ở trạng thái chờ xác nhận: %(names)s.",
                    "Bỏ qua %(count)d khai báo không ở trạng thái chờ xác nhận: %(names)s.",
                    len(skipped),
                )
                % {
                    "count": len(skipped),
                    "names": ", ".join(
                        f"{item.person.full_name} ({item.get_status_display()})"
                        for item in skipped[:10]
                    )
                    + (" …" if len(skipped) > 10 else ""),
                },
            )

    # -- export of a date range ----------------------------------------------------------

    def export_range_view(self, request):
        """GET: the form. POST: the CSV of the declarations submitted in the range."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        today = timezone.localdate()
        form = ExportRangeForm(
            request.POST if request.method == "POST" else None,
            initial={"date_from": today - datetime.timedelta(days=6), "date_to": today},
        )
        status = 200
        if request.method == "POST":
            if form.is_valid():
                start, end = form.submitted_between()
                rows = (
                    self.get_queryset(request)
                    .filter(submitted_at__gte=start, submitted_at__lt=end)
                    .select_related(*self.list_select_related)
                    .order_by("submitted_at", "pk")
                )
                response = self.export_csv(request, rows)
                first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
                response["Content-Disposition"] = (
                    f'attachment; filename="khai-bao-f0-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
                )
                return response
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Xuất khai báo F0 theo khoảng ngày"),
            "form": form,
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
        }
        return render(
            request, "admin/declarations/f0declaration/export_range.html", context, status=status
        )


def _choice_labels(choices, values: list[str]) -> str:
    labels = dict(choices.choices)
    return ", ".join(str(labels.get(value, value)) for value in values) or "—"
