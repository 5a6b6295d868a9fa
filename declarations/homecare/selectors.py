"""Reads with rules for home care: who sees which patient, the station's day board, and
where a patient's alerts go."""

import datetime
import functools

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import filter_to_scope
from khaibao.areas.models import Area, ward_of
from khaibao.people.models import ManagedPerson, Person

from .models import (
    OPEN_CARE_STATUSES,
    Alert,
    AlertStatus,
    CallNote,
    CareStatus,
    ChaseStep,
    ChaseStepKind,
    DailyReport,
    GuidanceDocument,
    HomeCarePatient,
)

# -- citizens -----------------------------------------------------------------------------


def open_enrolment(person) -> HomeCarePatient | None:
    """The person's enrolment that is pending or in care (at most one: a constraint)."""
    return HomeCarePatient.objects.filter(person=person, status__in=OPEN_CARE_STATUSES).first()


def patients_for_citizen(account) -> QuerySet[HomeCarePatient]:
    """Enrolments of the persons this account manages; anyone else's look absent."""
    # Not the area's parent: the rules need only the area's path, and the pages that
    # name the ward of a village address (the danger page, the closed page) are rare.
    return HomeCarePatient.objects.filter(person__manager_links__account=account).select_related(
        "person", "area"
    )


def patient_for_citizen_or_404(account, pk) -> HomeCarePatient:
    return get_object_or_404(patients_for_citizen(account), pk=pk)


# What filing a report reads, per model: the enrolment's state and streak of missed
# days, the person's name and age, and the area's path (the rules' province), level and
# parent (the ward whose station an alert goes to). Any other field loads on first use.
_REPORT_COLUMNS = {
    HomeCarePatient: ("id", "person", "area", "facility", "status", "missed_days", "phone"),
    Person: ("id", "full_name", "date_of_birth"),
    Area: ("id", "code", "name", "level", "parent", "path"),
}


@functools.cache
def _report_lookup() -> tuple[str, list]:
    """The SELECT of patient_to_report_or_404, written once per process from the
    models' own table and column names, and how to read each model from its row: the
    attnames in the model's field order (the order from_db takes) and the converters
    the ORM would apply to each column (dates read from SQLite, for instance)."""
    quote = connection.ops.quote_name
    readers, selected = [], []
    for model, names in _REPORT_COLUMNS.items():
        chosen = [field for field in model._meta.concrete_fields if field.name in names]
        alias = model._meta.db_table
        converters = []
        for field in chosen:
            col = field.get_col(alias)
            converters.append(
                (col, connection.ops.get_db_converters(col) + field.get_db_converters(connection))
            )
            selected.append(f"{quote(alias)}.{quote(field.column)}")
        readers.append((model, [field.attname for field in chosen], converters))

    def name(model, field=None):
        return quote(model._meta.get_field(field).column if field else model._meta.db_table)

    patients, people, areas, links = HomeCarePatient, Person, Area, ManagedPerson
    sql = (
        f"SELECT {', '.join(selected)} FROM {name(patients)}"
        f" JOIN {name(people)} ON {name(people)}.{name(people, 'id')}"
        f" = {name(patients)}.{name(patients, 'person')}"
        f" JOIN {name(areas)} ON {name(areas)}.{name(areas, 'id')}"
        f" = {name(patients)}.{name(patients, 'area')}"
        f" WHERE {name(patients)}.{name(patients, 'id')} = %s AND EXISTS ("
        f"SELECT 1 FROM {name(links)} WHERE {name(links)}.{name(links, 'person')}"
        f" = {name(patients)}.{name(patients, 'person')}"
        f" AND {name(links)}.{name(links, 'account')} = %s)"
    )
    return sql, readers


def patient_to_report_or_404(account, pk) -> HomeCarePatient:
    """patient_for_citizen_or_404 for the report POST, the hot path of home care.

    The same row and the same rule (an enrolment of a person the account manages, else
    404), in one SELECT written once per process: building the equivalent queryset (a
    reverse join, two related models, a column mask) costs the ORM four times the query
    itself, on every report. The instances are the ORM's own (from_db, with the fields
    not listed deferred), so anything else they are asked for loads as usual."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    sql, readers = _report_lookup()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, account.pk])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No enrolment of this account's persons has this id.")
    values, objects = iter(row), []
    for model, attnames, converters in readers:
        converted = []
        for col, functions in converters:
            value = next(values)
            for function in functions:
                value = function(value, col, connection)
            converted.append(value)
        objects.append(model.from_db(connection.alias, attnames, converted))
    patient, person, area = objects
    patient.person, patient.area = person, area
    return patient


def enrolments_by_person(account, today: datetime.date) -> dict[int, HomeCarePatient]:
    """Each managed person's latest enrolment, with today's report count and last time:
    one query whatever the number of persons."""
    today_reports = Q(reports__day=today)
    enrolments = patients_for_citizen(account).annotate(
        reports_today=Count("reports", filter=today_reports),
        last_today=Max("reports__measured_at", filter=today_reports),
    )
    latest: dict[int, HomeCarePatient] = {}
    for patient in enrolments:  # newest first (the model's ordering)
        latest.setdefault(patient.person_id, patient)
    return latest


def reports_of(patient: HomeCarePatient, days: int | None = None) -> QuerySet[DailyReport]:
    """The patient's reports, oldest first (the history table and chart); the last
    `days` days of illness when given."""
    reports = DailyReport.objects.filter(patient=patient).order_by("measured_at", "id")
    if days is not None:
        since = timezone.localdate() - datetime.timedelta(days=days - 1)
        reports = reports.filter(day__gte=since)
    return reports


def station_contact(patient: HomeCarePatient) -> dict:
    """Who the patient calls: the ward station (its duty phone) or the facility."""
    ward = ward_of(patient.area)
    unit = patient.facility or (
        Unit.objects.filter(role=Role.WARD_STATION, area=ward, is_active=True)
        .exclude(phone="")
        .first()
    )
    return {
        "ward": ward,
        "name": unit.name if unit else "",
        "phone": unit.phone if unit else "",
        "emergency": "115",
        "hotline": settings.KHAIBAO_HOTLINE,
    }


def duty_phones(patient: HomeCarePatient) -> list[str]:
    """The duty phones an alert about this patient goes to: the ward station's, and the
    treatment facility's when the patient is registered at one."""
    ward = ward_of(patient.area)
    units = Unit.objects.filter(is_active=True).exclude(phone="")
    stations = units.filter(role=Role.WARD_STATION, area=ward)
    if patient.facility_id:
        stations = stations | units.filter(pk=patient.facility_id)
    phones = []
    for phone in stations.order_by("pk").values_list("phone", flat=True):
        if phone not in phones:
            phones.append(phone)
    return phones


def province_duty_phones(patient: HomeCarePatient) -> list[str]:
    """The province health department's duty phones (units of the province-admin role
    in the patient's province): where escalations go."""
    province_path = patient.area.path.split("/", 1)[0] + "/"
    return list(
        Unit.objects.filter(
            role=Role.PROVINCE_ADMIN, is_active=True, area__path__startswith=province_path
        )
        .exclude(phone="")
        .order_by("pk")
        .values_list("phone", flat=True)
        .distinct()
    )


# -- staff --------------------------------------------------------------------------------


def patients_for_staff(user) -> QuerySet[HomeCarePatient]:
    """The patients a staff account may see: its area's, and for treatment-facility
    staff only those registered at its facility. Anything else is a 404."""
    return filter_to_scope(
        HomeCarePatient.objects.all(), user, "area__path", unit_lookup="facility_id"
    )


def patient_for_staff_or_404(user, pk) -> HomeCarePatient:
    return get_object_or_404(patients_for_staff(user).select_related("person", "area"), pk=pk)


def board(queryset: QuerySet[HomeCarePatient], today: datetime.date) -> QuerySet:
    """The day's board: each patient with today's report count, the last SpO2 and
    report time, open alerts, whether the patient is on today's call list and was
    called today. Danger first, then those who have not reported. A fixed number of
    queries whatever the number of patients (subqueries, no per-row reads)."""
    last = DailyReport.objects.filter(patient=OuterRef("pk")).order_by("-measured_at", "-id")
    today_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return (
        queryset.select_related("person", "area", "facility")
        .annotate(
            reports_today=Coalesce(
                Subquery(
                    DailyReport.objects.filter(patient=OuterRef("pk"), day=today)
                    .values("patient")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
            open_alerts=Coalesce(
                Subquery(
                    Alert.objects.filter(patient=OuterRef("pk"), status=AlertStatus.OPEN)
                    .values("patient")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
            last_spo2=Subquery(last.values("spo2")[:1]),
            last_report_at=Subquery(last.values("measured_at")[:1]),
            on_call_list=Exists(
                ChaseStep.objects.filter(
                    patient=OuterRef("pk"), day=today, kind=ChaseStepKind.CALL_LIST
                )
            ),
            called_today=Exists(
                CallNote.objects.filter(patient=OuterRef("pk"), created_at__gte=today_start)
            ),
        )
        .order_by("-open_alerts", "reports_today", "person__name_key", "pk")
    )


class BoardState:
    DANGER = "danger"
    REPORTED = "reported"
    MISSED = "missed"
    NOT_YET = "not_yet"
    PENDING = "pending"
    ENDED = "ended"


def board_state(patient: HomeCarePatient, *, deadline_passed: bool) -> str:
    """Today's state of a board row (annotated by `board`)."""
    if patient.status == CareStatus.PENDING:
        return BoardState.PENDING
    if patient.status != CareStatus.ACTIVE:
        return BoardState.ENDED
    if patient.open_alerts:
        return BoardState.DANGER
    if patient.reports_today:
        return BoardState.REPORTED
    return BoardState.MISSED if deadline_passed else BoardState.NOT_YET


# -- guidance -----------------------------------------------------------------------------


def guidance_for(area) -> list[GuidanceDocument]:
    """The published guidance a patient in `area` reads: the province's own pages, and
    the portal's pages the province has not replaced (same slug)."""
    province_code = area.province_code if area is not None else None
    documents = GuidanceDocument.objects.filter(is_published=True).filter(
        Q(province__isnull=True) | Q(province__code=province_code)
    )
    chosen: dict[str, GuidanceDocument] = {}
    for document in documents.select_related("province"):
        if document.slug not in chosen or document.province_id is not None:
            chosen[document.slug] = document
    return sorted(chosen.values(), key=lambda doc: (doc.order, doc.title))


def guidance_document_or_404(area, slug: str) -> GuidanceDocument:
    for document in guidance_for(area):
        if document.slug == slug:
            return document
    raise Http404
