"""Factories for vaccination tests: units, unit staff, doses and requests made through
the real services, so every row is one the portal could have made."""

import datetime

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create, unit_save
from vaccination.models import DoseSource
from vaccination.services import DoseData, dose_record

STAFF_PASSWORD = "Mat-khau-kiem-thu-2026"


def make_unit(*, by, area, code="TC-SG", name="Điểm tiêm Trạm Y tế Phường Sài Gòn", phone=""):
    return unit_save(
        by=by,
        unit=Unit(),
        role=Role.VACCINATION_UNIT,
        code=code,
        name=name,
        area=area,
        phone=phone,
    )


def make_unit_staff(*, by, unit, username):
    return staff_create(
        by=by,
        username=username,
        password=STAFF_PASSWORD,
        full_name=username.title(),
        role=Role.VACCINATION_UNIT,
        area=unit.area,
        unit=unit,
    )


def give_dose(
    person,
    unit,
    *,
    number=1,
    given_on=datetime.date(2021, 8, 2),
    vaccine="astrazeneca",
    lot="NJ0342",
    by=None,
    after_recovery=False,
):
    """dose_record of one dose, entered by staff (`by`); returns the record."""
    record, _created = dose_record(
        person=person,
        data=DoseData(
            number=number,
            given_on=given_on,
            vaccine=vaccine,
            lot=lot,
            unit=unit,
            after_recovery=after_recovery,
        ),
        source=DoseSource.ENTERED,
        by=by,
    )
    return record
