"""Home-care fixtures: ward 1's station (with the duty phone alerts go to) and the
citizen's own person in care, enrolled through the real service."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from declarations.homecare.models import CareSource
from declarations.homecare.services import homecare_enrol
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import unit_save

WARD1_STATION_PHONE = "+842838221234"


@pytest.fixture
def ward1_station(superuser, ward1):
    """Ward 1's health station: citizens call its duty phone, alerts are texted to it."""
    return unit_save(
        by=superuser,
        unit=Unit(),
        role=Role.WARD_STATION,
        code="TYT-26734",
        name="Trạm Y tế Phường Sài Gòn",
        area=ward1,
        phone=WARD1_STATION_PHONE,
    )


def enrol(person, *, by, area=None, onset_days_ago: int = 2):
    """`person` in home care from now, as the station enrols them (no acceptance SMS,
    so a test's outbox holds only what the test itself causes)."""
    return homecare_enrol(
        person=person,
        source=CareSource.STATION,
        area=area or person.area,
        street="12 Lê Lợi",
        phone=person.phone or "+84912345678",
        onset_date=timezone.localdate() - datetime.timedelta(days=onset_days_ago),
        by=by,
        notify=False,
    )


@pytest.fixture
def active_patient(citizen, citizen_person, ward1_staff, ward1_station):
    """The citizen's own person (Nguyễn Văn An, village 1 of ward 1), in care since the
    day before yesterday; ward 1's station has a duty phone."""
    return enrol(citizen_person, by=ward1_staff)


#: 08:00 on 21/11/2026 in Hồ Chí Minh City: before the default 10:00 deadline.
MORNING = datetime.datetime(
    2026, 11, 21, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
)


@pytest.fixture
def morning():
    """The clock stopped at MORNING (request it before fixtures that write rows)."""
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller
