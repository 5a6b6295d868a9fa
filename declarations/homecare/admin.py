"""The station's work on home care, in the Django admin.

1. The board (changelist): the station's patients, one row each with today's state,
   danger first; above it every open alert, each with a link to acknowledge it. The
   bulk action "Đã gọi điện" writes one call note on each selected patient.
2. The patient page (change view) is read-only: who the patient is, the screening of a
   self-registration, the reports (a table and the chart), the alerts with the rule
   version behind each, the call notes. Reading it is audited (ScopedModelAdmin).
3. Decisions are small admin views under the patient (accept, reject, end care, a call
   note, acknowledge an alert), each check access → validate a form → call one service →
   message → redirect. The services in homecare/services.py write the audit record.
4. CSV exports: of the selected rows (ScopedModelAdmin's action) and, one row per
   report, of a date range.

A ward station sees its ward's patients; staff of a treatment facility see only the
patients registered at their facility (scope_unit_lookup). Another scope's patient, or
an alert of another patient, is a 404.

Today's state, the board's order and filters are in admin_board.py; the forms, and
which service each decision calls, in admin_forms.py.
"""

import csv
import datetime

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from declarations.f0.admin import _date, _shown_date
from khaibao.access.admin import (
    DecisionsOnlyMixin,
    ScopedModelAdmin,
    _export_text,
    _spreadsheet_safe,
)
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import AreaLevel, ward_of
from khaibao.audit.models import AuditAction
from khaibao.audit.services import actor_role, audit_event_build, log_actions
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import date_text
from khaibao.lib.forms import apply_field_errors
from khaibao.lib.normalize import name_key, phone_for_display, phone_or_none
from khaibao.rules.selectors import rules_in_force

from .admin_board import (
    OPEN_ALERTS_SHOWN,
    REPORT_COLUMNS,
    BoardChangeList,
    BoardStateFilter,
    CallListFilter,
    CareStatusFilter,
    EscalatedFilter,
    board_row,
    open_alerts,
    report_cells,
    rule_version_label,
    screening_rows,
)
from .admin_forms import (
    PATIENT_ACTIONS,
    AcknowledgeForm,
    CalledForm,
    PatientAction,
    ReportRangeForm,
)
from .chart import report_chart
from .models import AlertStatus, CareSource, CareStatus, DailyReport, HomeCarePatient
from .rules import HOMECARE
from .scoring import SCREENING_FLAGS, SIGN_LABELS, signs_text, spo2_low
from .selectors import board, reports_of
from .services import alert_acknowledge, call_note_add, homecare_rules, patient_code

TEMPLATES = "admin/declarations/homecarepatient"


def _yes(value: bool) -> str:
    return gettext("Có") if value else "—"


@admin.register(HomeCarePatient)
class HomeCarePatientAdmin(DecisionsOnlyMixin, ScopedModelAdmin):
    # Patients come from accepted F0 declarations, lab results and registrations.
    scope_path = "area__path"
    scope_unit_lookup = "facility_id"
    changes_audited_by_service = True
    change_list_template = f"{TEMPLATES}/change_list.html"
    change_form_template = f"{TEMPLATES}/change_form.html"

    list_display = (
        "state",
        "person_name",
        "age",
        "ward",
        "illness_day",
        "last_spo2_shown",
        "last_report_shown",
        "open_alerts_shown",
        "call_list_shown",
        "called_today_shown",
    )
    list_display_links = ("person_name",)
    list_filter = (BoardStateFilter, CallListFilter, EscalatedFilter, CareStatusFilter)
    # Search runs through get_search_results(); this makes the search box appear and
    # matches an ID number exactly.
    search_fields = ("=person__id_number",)
    search_help_text = _(
        "Tìm theo họ tên (gõ không dấu cũng được), số giấy tờ, số điện thoại hoặc mã "
        "người bệnh (CS-…)."
    )
    list_per_page = 100
    empty_value_display = "—"
    # The public page of a patient is the citizen's own, not for staff.
    view_on_site = False
    actions = ["mark_called", "export_csv"]
    export_fields = (
        "code",
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "phone_shown",
        "status",
        "state_text",
        "area",
        "street",
        "facility",
        "onset_date",
        "illness_day",
        "last_spo2_value",
        "last_report_shown",
        "open_alerts_count",
        "call_list_shown",
        "called_today_shown",
        "missed_days",
        "escalated_at",
    )
    # The patient page: what it shows of the patient, in the same query.
    page_related = ("person", "area__parent", "facility", "decided_by", "ended_by")

    # -- what the station may do -----------------------------------------------------

    def has_acknowledge_permission(self, request) -> bool:
        return self.has_decision_permission(request) and request.user.has_perm(
            "declarations.change_alert"
        )

    # -- the board -------------------------------------------------------------------

    def scoped_queryset(self, request):
        """The patients the user may see, without the board's annotations."""
        return super().get_queryset(request)

    def get_queryset(self, request):
        return board(self.scoped_queryset(request), timezone.localdate()).select_related(
            "area__parent"
        )

    def get_changelist(self, request, **kwargs):
        return BoardChangeList

    def changelist_view(self, request, extra_context=None):
        # Before the alerts are read: a role that may not see the board reads nothing.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        area = scope_for(request.user).area
        alerts = open_alerts(self.scoped_queryset(request))
        context = {
            "title": gettext("Theo dõi chăm sóc tại nhà hôm nay, %(day)s")
            % {"day": date_text(today)},
            # The rule where the user works (the national default for a superuser).
            "rules": rules_in_force(HOMECARE, area),
            "open_alerts": alerts[:OPEN_ALERTS_SHOWN],
            "more_alerts": len(alerts) > OPEN_ALERTS_SHOWN,
            "may_acknowledge": self.has_acknowledge_permission(request),
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        # Names match on the accent-free key at the start of any word; phones as
        # 0912… or +84…; "CS-000123" is the patient's code on the staff SMS.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.upper().startswith("CS-") and term[3:].isdigit():
            return results | queryset.filter(pk=int(term[3:])), may_have_duplicates
        key = name_key(term)
        if key:
            results = results | queryset.filter(
                Q(person__name_key__startswith=key) | Q(person__name_key__contains=f" {key}")
            )
            phone = phone_or_none(term)
            if phone:
                results = results | queryset.filter(Q(phone=phone) | Q(person__phone=phone))
        return results, may_have_duplicates

    @admin.display(description=_("tình trạng hôm nay"))
    def state(self, obj):
        row = board_row(obj)
        escalated = (
            format_html(' <span class="hc-flag">{}</span>', gettext("Đã báo Sở Y tế"))
            if obj.escalated_at
            else ""
        )
        return format_html(
            '<span class="hc-state hc-state-{}">{}</span>{}', row.state, row.label, escalated
        )

    @admin.display(description=_("tình trạng hôm nay"))
    def state_text(self, obj):
        return board_row(obj).label

    @admin.display(description=_("mã người bệnh"), ordering="pk")
    def code(self, obj):
        return patient_code(obj)

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("tuổi"), ordering="-person__date_of_birth")
    def age(self, obj):
        return obj.person.age(timezone.localdate())

    @admin.display(description=_("ngày sinh"))
    def person_date_of_birth(self, obj):
        return _date(obj.person.date_of_birth)

    @admin.display(description=_("số giấy tờ"))
    def person_id_number(self, obj):
        return obj.person.id_number or "—"

    @admin.display(description=_("số điện thoại nhận tin"))
    def phone_shown(self, obj):
        return phone_for_display(obj.phone)

    @admin.display(description=_("phường / thôn"), ordering="area__path")
    def ward(self, obj):
        area = obj.area
        if area.level == AreaLevel.VILLAGE:
            return f"{ward_of(area).name} · {area.name}"
        return area.name

    @admin.display(description=_("ngày bệnh"), ordering="-onset_date")
    def illness_day(self, obj):
        return obj.illness_day(timezone.localdate())

    @admin.display(description=_("SpO2 gần nhất"), ordering="last_spo2")
    def last_spo2_shown(self, obj):
        if obj.last_spo2 is None:
            return "—"
        if board_row(obj).spo2_low:
            return format_html('<span class="hc-low">⚠ {}%</span>', obj.last_spo2)
        return f"{obj.last_spo2}%"

    @admin.display(description=_("SpO2 gần nhất (%)"))
    def last_spo2_value(self, obj):
        return obj.last_spo2

    @admin.display(description=_("báo cáo gần nhất"), ordering="last_report_at")
    def last_report_shown(self, obj):
        return _date(obj.last_report_at)

    @admin.display(description=_("cảnh báo chưa xử lý"), ordering="open_alerts")
    def open_alerts_shown(self, obj):
        if not obj.open_alerts:
            return "—"
        return format_html('<span class="hc-low">⚠ {}</span>', obj.open_alerts)

    @admin.display(description=_("cảnh báo chưa xử lý"))
    def open_alerts_count(self, obj):
        return obj.open_alerts

    @admin.display(description=_("danh sách gọi điện"))
    def call_list_shown(self, obj):
        return _yes(obj.on_call_list)

    @admin.display(description=_("đã gọi hôm nay"))
    def called_today_shown(self, obj):
        return _yes(obj.called_today)

    # -- the bulk action "Đã gọi điện" -------------------------------------------------

    @admin.action(description=_("Đã gọi điện"), permissions=["change"])
    def mark_called(self, request, queryset):
        """An intermediate page asks for the note; its POST writes it on each patient."""
        form = CalledForm(request.POST if "confirm" in request.POST else None)
        patients = list(queryset.select_related("person"))
        if form.is_bound and form.is_valid():
            for patient in patients:
                call_note_add(
                    patient=patient,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    ip=client_ip(request),
                )
            messages.success(
                request,
                ngettext(
                    "Đã ghi cuộc gọi cho %(count)d người bệnh.",
                    "Đã ghi cuộc gọi cho %(count)d người bệnh.",
                    len(patients),
                )
                % {"count": len(patients)},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Ghi cuộc gọi cho người bệnh đã chọn"),
            "form": form,
            "patients": patients,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
        }
        return TemplateResponse(
            request, f"{TEMPLATES}/mark_called.html", context, status=400 if form.is_bound else 200
        )

    # -- the patient page -----------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, on the scope without the board's annotations and
        # with what the page shows in the same query.
        queryset = self.scoped_queryset(request).select_related(*self.page_related)
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_fieldsets(self, request, obj=None):
        # Only what applies to the patient's status: no rows of dashes.
        status = [
            "code",
            "status",
            "source",
            "declaration_link",
            "facility",
            "registered_at_shown",
            "decided_at_shown",
            "decided_by",
        ]
        if obj is not None and obj.status == CareStatus.REJECTED:
            status.append("reject_note")
        if obj is not None and obj.status == CareStatus.ENDED:
            status += ["ended_at_shown", "end_reason", "end_note", "ended_by"]
        if obj is not None and obj.status in (CareStatus.ACTIVE, CareStatus.ENDED):
            status += ["missed_days", "escalated_at_shown"]
        person = (
            "person_name",
            "person_date_of_birth",
            "age",
            "person_id_number",
            "phone_shown",
            "area",
            "street",
            "onset_date_shown",
            "illness_day",
        )
        return [(_("Trạng thái"), {"fields": status}), (_("Người bệnh"), {"fields": person})]

    @admin.display(description=_("khai báo F0"))
    def declaration_link(self, obj):
        if obj.declaration_id is None:
            return "—"
        # The F0 review page checks its own scope (the isolation address).
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:declarations_f0declaration_change", args=[obj.declaration_id]),
            gettext("Xem khai báo F0"),
        )

    registered_at_shown = _shown_date("registered_at", _("đăng ký lúc"))
    decided_at_shown = _shown_date("decided_at", _("tiếp nhận / từ chối lúc"))
    ended_at_shown = _shown_date("ended_at", _("kết thúc lúc"))
    escalated_at_shown = _shown_date("escalated_at", _("báo Sở Y tế lúc"))
    onset_date_shown = _shown_date("onset_date", _("ngày xét nghiệm dương tính (ngày 1)"))

    def audit_person(self, obj):
        return obj.person

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._page_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _page_context(self, request, patient: HomeCarePatient) -> dict:
        rules = homecare_rules(patient)
        reports = list(reports_of(patient))
        may_acknowledge = self.has_acknowledge_permission(request)
        alerts = [
            {
                "alert": alert,
                "signs": signs_text(alert.signs, spo2=alert.report.spo2),
                "rule": rule_version_label(alert.rules_version),
                "form": (
                    AcknowledgeForm(auto_id=f"id_ack_{alert.pk}_%s")
                    if alert.status == AlertStatus.OPEN and may_acknowledge
                    else None
                ),
                "url": self._acknowledge_url(patient, alert),
                "form_id": f"ack_form_{alert.pk}",
            }
            for alert in patient.alerts.select_related(
                "report", "rules_version__province", "acknowledged_by"
            ).order_by("-opened_at", "-pk")
        ]
        return {
            "code": patient_code(patient),
            "rules": rules,
            "chart": report_chart(reports, rules, name=patient.person.full_name),
            "reports": [
                {
                    "report": report,
                    "day": patient.illness_day(report.day),
                    "spo2_low": spo2_low(report.spo2, rules),
                    "signs": signs_text(report.danger_signs, spo2=report.spo2),
                    "symptoms": ", ".join(
                        str(SIGN_LABELS.get(code, code)) for code in report.symptoms
                    ),
                }
                for report in reversed(reports)
            ],
            "alerts": alerts,
            "open_alert_items": [item for item in alerts if item["form"] is not None],
            "call_notes": patient.call_notes.select_related("created_by"),
            "screening": screening_rows(patient),
            "screening_flags": [
                str(SCREENING_FLAGS.get(flag, flag)) for flag in patient.screening_flags
            ],
            "is_pending_registration": patient.status == CareStatus.PENDING
            and patient.source == CareSource.SELF,
            "actions": self._action_forms(request, patient),
        }

    def _action_forms(self, request, patient: HomeCarePatient) -> list[dict]:
        if not self.has_decision_permission(request):
            return []
        return [
            {
                "action": action,
                "form": action.form_class(patient=patient, auto_id=f"id_{action.kind}_%s"),
                "url": self._action_url(request, action, patient),
                "form_id": f"{action.kind}_form",
            }
            for action in PATIENT_ACTIONS
            if patient.status in action.statuses
        ]

    # -- decisions -------------------------------------------------------------------

    def get_urls(self):
        action_urls = self.object_action_paths(
            self.patient_action_view, PATIENT_ACTIONS, keyword="action"
        )
        return [
            path(
                "xuat-bao-cao/",
                self.admin_site.admin_view(self.export_range_view),
                name=self._url_name("export_range"),
            ),
            path(
                "<path:object_id>/canh-bao/<int:alert_id>/xu-ly/",
                self.admin_site.admin_view(self.alert_acknowledge_view),
                name=self._url_name("alert_acknowledge"),
            ),
            *action_urls,
            *super().get_urls(),
        ]

    def _patient_for_decision(self, request, object_id, allowed: bool) -> HomeCarePatient:
        """The patient, if the user may act and the patient is inside their scope.

        The permission comes first, so a role that may not act gets 403 whatever the
        object; another scope's patient is a 404, like one that does not exist.
        """
        if not allowed:
            raise PermissionDenied
        patient = self.get_object(request, object_id)
        if patient is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        return patient

    def patient_action_view(self, request, object_id, action: PatientAction):
        """GET: the action's page (its form, or why it does not apply now).
        POST: validate → the service → message → back to the board or the patient."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        patient = self._patient_for_decision(
            request, object_id, self.has_decision_permission(request)
        )
        data = request.POST if request.method == "POST" else None
        form = action.form_class(data, patient=patient)
        applies = patient.status in action.statuses
        status = 200
        if data is not None:
            if not applies:
                messages.error(request, gettext("Thao tác này không áp dụng cho hồ sơ lúc này."))
                return redirect(self._change_url(request, patient))
            if form.is_valid():
                try:
                    action.service(
                        patient=patient, by=request.user, ip=client_ip(request), **form.cleaned_data
                    )
                except ValidationError as exc:
                    if not apply_field_errors(form, exc):
                        # Decided meanwhile, or no longer in the status the action needs.
                        messages.error(request, " ".join(exc.messages))
                        return redirect(self._change_url(request, patient))
                else:
                    messages.success(request, action.done % self._names(patient))
                    if action.to_board:
                        return redirect(self._changelist_url(request))
                    return redirect(self._change_url(request, patient))
            status = 400
        context = {
            **self._page_frame(request, action.title, patient),
            "action": action,
            "form": form,
            "applies": applies,
        }
        return render(request, f"{TEMPLATES}/action.html", context, status=status)

    def alert_acknowledge_view(self, request, object_id, alert_id):
        """GET: the alert and the form. POST: the note → alert_acknowledge → the board."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        patient = self._patient_for_decision(
            request, object_id, self.has_acknowledge_permission(request)
        )
        # Through the patient: an alert of another patient is a 404 here.
        alert = (
            patient.alerts.filter(pk=alert_id)
            .select_related("report", "rules_version__province", "acknowledged_by")
            .first()
        )
        if alert is None:
            raise Http404(_("Không tìm thấy cảnh báo."))
        form = AcknowledgeForm(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST" and alert.status == AlertStatus.OPEN:
            if form.is_valid():
                try:
                    alert_acknowledge(
                        alert=alert, by=request.user, ip=client_ip(request), **form.cleaned_data
                    )
                except ValidationError as exc:
                    if not apply_field_errors(form, exc):  # acknowledged meanwhile
                        messages.error(request, " ".join(exc.messages))
                        return redirect(self._change_url(request, patient))
                else:
                    messages.success(
                        request,
                        gettext("Đã ghi xử lý cảnh báo của %(name)s (%(code)s).")
                        % self._names(patient),
                    )
                    return redirect(self._changelist_url(request))
            status = 400
        context = {
            **self._page_frame(request, _("Xử lý cảnh báo nguy hiểm"), patient),
            "alert": alert,
            "signs": signs_text(alert.signs, spo2=alert.report.spo2),
            "rule": rule_version_label(alert.rules_version),
            "phone": phone_for_display(patient.phone),
            "form": form,
        }
        return render(request, f"{TEMPLATES}/acknowledge.html", context, status=status)

    def _names(self, patient: HomeCarePatient) -> dict:
        return {"name": patient.person.full_name, "code": patient_code(patient)}

    def _page_frame(self, request, title, patient: HomeCarePatient) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "patient": patient,
            "code": patient_code(patient),
            "change_url": self._change_url(request, patient),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            "preserved_filters": self.get_preserved_filters(request),
        }

    def _preserve(self, request, url: str) -> str:
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _action_url(self, request, action: PatientAction, patient) -> str:
        return self._preserve(
            request, reverse(f"admin:{self._url_name(action.kind)}", args=[patient.pk])
        )

    def _acknowledge_url(self, patient, alert) -> str:
        return reverse(f"admin:{self._url_name('alert_acknowledge')}", args=[patient.pk, alert.pk])

    def _change_url(self, request, patient) -> str:
        return self._preserve(
            request, reverse(f"admin:{self._url_name('change')}", args=[patient.pk])
        )

    def _changelist_url(self, request) -> str:
        return self._preserve(request, reverse(f"admin:{self._url_name('changelist')}"))

    # -- export of a date range ----------------------------------------------------------

    def export_range_view(self, request):
        """GET: the form. POST: the CSV of the reports measured in the range, one row per
        report with its patient's columns; one EXPORT audit event per patient."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        today = timezone.localdate()
        form = ReportRangeForm(
            request.POST if request.method == "POST" else None,
            initial={"date_from": today - datetime.timedelta(days=6), "date_to": today},
        )
        status = 200
        if request.method == "POST":
            if form.is_valid():
                first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
                return self._reports_csv(request, first, last)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Xuất báo cáo sức khoẻ theo khoảng ngày"),
            "form": form,
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
        }
        return render(request, f"{TEMPLATES}/export_range.html", context, status=status)

    def _reports_csv(self, request, first: datetime.date, last: datetime.date) -> HttpResponse:
        reports = (
            DailyReport.objects.filter(
                patient__in=self.scoped_queryset(request), day__gte=first, day__lte=last
            )
            .select_related(
                "patient__person",
                "patient__area__parent",
                "patient__facility",
                "rules_version__province",
            )
            .order_by("patient__person__name_key", "patient_id", "measured_at", "pk")
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="cham-soc-tai-nha-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
        )
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # BOM: Excel then opens Vietnamese text as UTF-8
        writer = csv.writer(response)
        writer.writerow([str(label) for label in REPORT_COLUMNS])
        exported: dict[int, list] = {}
        for report in reports.iterator(chunk_size=1000):
            writer.writerow(
                [_spreadsheet_safe(_export_text(value)) for value in report_cells(report)]
            )
            exported.setdefault(report.patient_id, [report.patient, 0])[1] += 1
        role, ip = actor_role(request.user), client_ip(request)
        log_actions(
            [
                audit_event_build(
                    actor=request.user,
                    action=AuditAction.EXPORT,
                    obj=patient,
                    person=patient.person,
                    area=patient.area,
                    ip=ip,
                    role=role,
                    detail={"from": first.isoformat(), "to": last.isoformat(), "reports": count},
                )
                for patient, count in exported.values()
            ]
        )
        return response
