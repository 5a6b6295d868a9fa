"""Home-care data as the staff admin tests need it, made through the real services: a
clock, a treatment facility and its staff, patients with reports and alerts, and the
admin's URLs. Tests define their fixtures from these factories."""

import datetime

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from declarations.homecare.services import homecare_register
from khaibao.accounts.models import Unit, User
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create
from khaibao.people.ids import Sex
from tests.conftest import STAFF_PASSWORD
from tests.factories import make_person

from .factories import make_patient, make_unit, submit

VN = datetime.timezone(datetime.timedelta(hours=7))


def at(hour: int, minute: int = 0, day: int = 2) -> datetime.datetime:
    """A moment of December 2026 in Vietnam (the report deadline is 10:00, the call
    list 14:00 by the defaults)."""
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=VN)


def url(kind: str, *args) -> str:
    return reverse(f"admin:declarations_homecarepatient_{kind}", args=[*args])


def acknowledge_url(alert) -> str:
    return url("alert_acknowledge", alert.patient_id, alert.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_facility(area, *, code: str = "BV-Q1", name: str = "Bệnh viện dã chiến số 1") -> Unit:
    return make_unit(area=area, role=Role.TREATMENT_FACILITY, code=code, name=name)


def make_facility_staff(*, by: User, unit: Unit, username: str = "co-so-dieu-tri-1") -> User:
    """A treatment facility's staff account: sees only the patients of `unit`."""
    return staff_create(
        by=by,
        username=username,
        password=STAFF_PASSWORD,
        full_name=username.title(),
        role=Role.TREATMENT_FACILITY,
        area=unit.area.parent or unit.area,
        unit=unit,
    )


def patient_with_alert(person, *, by, spo2: int = 92, **extra):
    """A patient in care whose report today (filed by `by`, as a station types in a
    report given on the phone) shows a danger sign: an open alert."""
    patient = make_patient(person=person, by=by, **extra)
    submit(patient, account=by, spo2=spo2)
    return patient


def self_registration(person, account, *, area=None, **answers):
    """A citizen's pending self-registration with its screening answers."""
    values = {
        "spo2": 97,
        "breathing_rate": 16,
        "danger_symptoms": [],
        "condition_unstable": False,
        "pregnancy_weeks": None,
        "vaccine_doses": 2,
        "has_carer": True,
        **answers,
    }
    area = area or person.area
    return homecare_register(
        person=person,
        account=account,
        area=area,
        street="12 Lê Lợi",
        phone="+84912345678",
        onset_date=timezone.localdate() - datetime.timedelta(days=2),
        answers=values,
    )


def many_patients(area, count: int, *, by, start: int = 0) -> list:
    """`count` patients in `area`, each with a normal report and a danger report today
    (so an open alert), and every third one with no report at all."""
    patients = []
    for number in range(start, start + count):
        person = make_person(
            area=area,
            full_name=f"Người Bệnh {number}",
            date_of_birth=datetime.date(1950 + number % 50, 1 + number % 12, 1 + number % 28),
            sex=Sex.FEMALE if number % 2 else Sex.MALE,
        )
        patient = make_patient(person=person, by=by, phone=f"+8491{number:07d}")
        if number % 3:
            submit(patient, account=by)
            submit(patient, account=by, spo2=93, chest_pain=True)
        patients.append(patient)
    return patients
