"""Citizen pages of home care (seed 002 part 2): today's state of each person the account
cares for, the daily report with SpO2 measured again when low (QĐ 261), the page that
says to call at once when the report holds danger signs, and the history with a chart.

Every page works without JavaScript; homecare-draft.js only saves drafts as one types.
"""

import datetime
import uuid

import phonenumbers
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khaibao.access.views import citizen_required
from khaibao.lib.forms import apply_service_errors
from khaibao.lib.normalize import phone_for_display
from khaibao.people.selectors import managed_links_for

from .chart import report_chart
from .forms import DailyReportForm, RemeasureForm
from .models import CareStatus, DailyReport, HomeCarePatient, ReportDraft
from .scoring import SPO2, danger_signs, sign_labels, spo2_low
from .selectors import (
    enrolments_by_person,
    patient_for_citizen_or_404,
    patient_to_report_or_404,
    reports_of,
    station_contact,
)
from .services import homecare_rules, report_draft_save, report_sent_with, report_submit

# -- access and small reads ---------------------------------------------------------------


def _get_patient_for_citizen(request, pk) -> HomeCarePatient:
    """One of the account's persons' enrolments; anyone else's is a 404."""
    return patient_for_citizen_or_404(request.user, pk)


def _station(patient: HomeCarePatient) -> dict:
    """station_contact, with the duty phone as people read it ("0283 812 3456")."""
    station = station_contact(patient)
    try:
        station["phone_text"] = phone_for_display(station["phone"])
    except phonenumbers.NumberParseException:
        station["phone_text"] = station["phone"]
    return station


def _deadline_passed(deadline: str, now: datetime.datetime) -> bool:
    hour, minute = (int(part) for part in deadline.split(":"))
    return timezone.localtime(now).time() >= datetime.time(hour, minute)


# -- home ---------------------------------------------------------------------------------


@never_cache
@citizen_required
@require_GET
def home(request):
    """Today's state of each person the account manages: in care (reported today or
    not, and the deadline), waiting for the station, not accepted, or ended."""
    now = timezone.now()
    today = timezone.localdate(now)
    links = list(managed_links_for(request.user))
    enrolments = enrolments_by_person(request.user, today)
    rules_by_province = {}
    rows = []
    for link in links:
        patient = enrolments.get(link.person_id)
        row = {"person": link.person, "link": link, "patient": patient}
        if patient is not None and patient.status == CareStatus.ACTIVE:
            # One rule read per province (and that one cached): not one per person.
            province = patient.area.province_code
            if province not in rules_by_province:
                rules_by_province[province] = homecare_rules(patient, now)
            rules = rules_by_province[province]
            row.update(
                deadline=rules["report_deadline"],
                reports_per_day=rules["reports_per_day"],
                overdue=not patient.reports_today
                and _deadline_passed(rules["report_deadline"], now),
                illness_day=patient.illness_day(today),
            )
        rows.append(row)
    return render(request, "declarations/homecare/home.html", {"rows": rows, "today": today})


# -- the daily report -----------------------------------------------------------------------


def _report_page(request, form: DailyReportForm, patient: HomeCarePatient, status: int = 200):
    return render(
        request,
        "declarations/homecare/report.html",
        {"form": form, "patient": patient, "person": patient.person},
        status=status,
    )


def _closed_page(request, patient: HomeCarePatient, status: int):
    """The enrolment takes no report (waiting, not accepted, ended): say so and why."""
    return render(
        request,
        "declarations/homecare/report_closed.html",
        {"patient": patient, "person": patient.person, "station": _station(patient)},
        status=status,
    )


def _remeasure_page(request, form: RemeasureForm, patient, first_spo2: int, status: int = 200):
    rules = homecare_rules(patient)
    return render(
        request,
        "declarations/homecare/remeasure.html",
        {
            "form": form,
            "patient": patient,
            "person": patient.person,
            "first_spo2": first_spo2,
            "spo2_below": rules["spo2_below"],
        },
        status=status,
    )


def _after_report(request, patient: HomeCarePatient, report: DailyReport):
    """Danger signs: the call-now page. Otherwise home, with what was sent."""
    if report.is_danger:
        return redirect("declarations:homecare-danger", pk=patient.pk, report_pk=report.pk)
    messages.success(
        request,
        _("Đã gửi báo cáo sức khoẻ của %(name)s (đo lúc %(time)s). Không có dấu hiệu nguy hiểm.")
        % {
            "name": patient.person.full_name,
            "time": timezone.localtime(report.measured_at).strftime("%H:%M"),
        },
    )
    return redirect("declarations:homecare-home")


def _file(request, form: DailyReportForm, patient, *, spo2=None, spo2_first=None, rules=None):
    """report_submit with the validated form (and the rules already read for this
    request, if any); the next page, or the form with the service's errors."""
    data = form.cleaned_data
    try:
        report = report_submit(
            patient=patient,
            account=request.user,
            reading=form.reading(spo2=spo2),
            measured_at=data["measured_at"],
            submission_key=data["submission_key"],
            spo2_first=spo2_first,
            note=data["note"],
            rules=rules,
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "not_in_care":
            # Care ended between opening the form and sending it.
            return _closed_page(request, patient, status=409)
        errors = getattr(exc, "error_dict", None)
        if errors and "measured_at" in errors:
            form.add_error("measured_time", errors.pop("measured_at"))
            exc = ValidationError(errors) if errors else None
        if exc is not None:
            apply_service_errors(form, exc)
        return _report_page(request, form, patient, status=400)
    return _after_report(request, patient, report)


def _remeasured(request, patient: HomeCarePatient):
    """The second SpO2 reading: the carried answers are checked again, then filed with
    the first reading kept beside the second."""
    remeasure = RemeasureForm(request.POST, patient=patient)
    if "answers" in remeasure.errors:
        messages.error(request, " ".join(remeasure.errors["answers"]))
        return redirect("declarations:homecare-report", pk=patient.pk)
    answers = MultiValueDict(remeasure.cleaned_data["answers"])
    form = DailyReportForm(answers, patient=patient)
    if not form.is_valid():
        return _report_page(request, form, patient, status=400)
    sent = report_sent_with(patient, form.cleaned_data["submission_key"])
    if sent is not None:
        return _after_report(request, patient, sent)
    first = form.cleaned_data["spo2"]
    if not remeasure.is_valid():
        return _remeasure_page(request, remeasure, patient, first, status=400)
    return _file(request, form, patient, spo2=remeasure.cleaned_data["spo2"], spo2_first=first)


def _measure_again(patient: HomeCarePatient, form: DailyReportForm, rules) -> bool:
    """A low SpO2 is measured again after a minute's rest (QĐ 261) before it is filed,
    unless the report has another danger sign: that one must reach the station now."""
    if not spo2_low(form.cleaned_data["spo2"], rules):
        return False
    day = timezone.localdate(form.cleaned_data["measured_at"])
    signs = danger_signs(form.reading(), age=patient.person.age(day), rules=rules)
    return signs == [SPO2]


def _draft_initial(request, patient: HomeCarePatient) -> dict:
    """The form's answers from the account's draft, unless the draft is what is left of
    a report already sent (an autosave that arrived after the submit)."""
    draft = ReportDraft.objects.filter(account=request.user, patient=patient).first()
    data = draft.data if draft else None
    if data and report_sent_with(patient, data.get("submission_key")) is not None:
        data = None
    return DailyReportForm.initial_for(draft_data=data, new_key=uuid.uuid4())


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def report(request, pk):
    """The daily report (seed 002 part 2, step 4). A low first SpO2 is not filed: the
    patient rests and measures again (QĐ 261), and the second reading is filed."""
    if request.method == "POST":
        patient = patient_to_report_or_404(request.user, pk)
    else:
        patient = _get_patient_for_citizen(request, pk)
    if patient.status != CareStatus.ACTIVE:
        return _closed_page(request, patient, status=200 if request.method == "GET" else 409)
    if request.method == "GET":
        initial = _draft_initial(request, patient)
        return _report_page(request, DailyReportForm(initial=initial, patient=patient), patient)
    if "answers" in request.POST:
        return _remeasured(request, patient)
    # The same page sent twice (a double tap, a resent POST) files one report:
    # report_submit finds the first by its one-time key, and the next page is its own.
    if "_save_draft" in request.POST:
        report_draft_save(
            account=request.user, patient=patient, data=DailyReportForm.draft_data(request.POST)
        )
        messages.success(request, _("Đã lưu nháp. Mở lại trang này để gửi tiếp."))
        return redirect("declarations:homecare-report", pk=patient.pk)
    form = DailyReportForm(request.POST, patient=patient)
    if not form.is_valid():
        return _report_page(request, form, patient, status=400)
    rules = homecare_rules(patient)  # read once: judged here and in report_submit
    if _measure_again(patient, form, rules):
        # Nothing is filed yet; the draft keeps the answers if the page is left.
        report_draft_save(
            account=request.user, patient=patient, data=DailyReportForm.draft_data(request.POST)
        )
        remeasure = RemeasureForm(initial={"answers": form.carried()}, patient=patient)
        return _remeasure_page(request, remeasure, patient, form.cleaned_data["spo2"])
    return _file(request, form, patient, rules=rules)


@never_cache
@require_POST
def draft_save(request, pk):
    """The autosave of homecare-draft.js: JSON in, JSON out, never a redirect to the
    login page (a fetch cannot show it)."""
    if not request.user.is_authenticated or not request.user.phone:
        return JsonResponse(
            {
                "error": _("Phiên đăng nhập đã hết. Đăng nhập lại để lưu và gửi báo cáo."),
                "code": "login_required",
            },
            status=403,
        )
    patient = _get_patient_for_citizen(request, pk)
    if patient.status != CareStatus.ACTIVE:
        return JsonResponse(
            {"error": _("Hồ sơ này không còn nhận báo cáo."), "code": "not_in_care"}, status=409
        )
    if report_sent_with(patient, request.POST.get("submission_key")) is not None:
        # Arrived after the submit: a draft now would bring the sent answers back.
        return JsonResponse(
            {"error": _("Báo cáo này đã được gửi."), "code": "submitted"}, status=409
        )
    draft = report_draft_save(
        account=request.user, patient=patient, data=DailyReportForm.draft_data(request.POST)
    )
    return JsonResponse({"saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M")})


# -- after the report ---------------------------------------------------------------------


@never_cache
@citizen_required
@require_GET
def danger(request, pk, report_pk):
    """Danger signs: call 115 or the station now. Red, first on the page, with the
    numbers as tel: links."""
    patient = _get_patient_for_citizen(request, pk)
    report = get_object_or_404(
        DailyReport.objects.filter(patient=patient).select_related("alert"), pk=report_pk
    )
    if not report.is_danger:
        return redirect("declarations:homecare-history", pk=patient.pk)
    alert = getattr(report, "alert", None)
    return render(
        request,
        "declarations/homecare/danger.html",
        {
            "patient": patient,
            "person": patient.person,
            "report": report,
            "signs": sign_labels(report.danger_signs, spo2=report.spo2),
            "alert": alert,
            "station": _station(patient),
        },
    )


@never_cache
@citizen_required
@require_GET
def history(request, pk):
    """Every report of the enrolment, newest first, and the chart of the days."""
    patient = _get_patient_for_citizen(request, pk)
    reports = list(reports_of(patient))
    rules = homecare_rules(patient)
    rows = [
        (report, sign_labels(report.danger_signs, spo2=report.spo2)) for report in reversed(reports)
    ]
    return render(
        request,
        "declarations/homecare/history.html",
        {
            "patient": patient,
            "person": patient.person,
            "rows": rows,
            "chart": report_chart(reports, rules, name=patient.person.full_name),
            "report_url": reverse("declarations:homecare-report", kwargs={"pk": patient.pk}),
        },
    )
