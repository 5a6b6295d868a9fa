"""Factories for lab-result tests: labs, lab staff and results made through the real
services, so every row is one a lab could have made."""

import datetime

from django.utils import timezone

from declarations.labresults.models import ResultSource
from declarations.labresults.services import ResultData, result_record
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create, unit_save

STAFF_PASSWORD = "Mat-khau-kiem-thu-2026"


def make_lab(*, by, area, code="XN-CR", name="Phòng xét nghiệm BV Chợ Rẫy", phone="+84283855411"):
    return unit_save(
        by=by, unit=Unit(), role=Role.LAB, code=code, name=name, area=area, phone=phone
    )


def make_lab_staff(*, by, lab, username):
    return staff_create(
        by=by,
        username=username,
        password=STAFF_PASSWORD,
        full_name=username.title(),
        role=Role.LAB,
        area=lab.area,
        unit=lab,
    )


def result_data(*, area, **changes) -> ResultData:
    """A negative RT-PCR result of Nguyễn Văn An (found as the citizen fixture's person by
    name, birth date and phone), sampled two hours ago and resulted an hour ago."""
    now = timezone.now()
    values = {
        "sample_id": "S-0001",
        "full_name": "Nguyễn Văn An",
        "date_of_birth": datetime.date(1988, 3, 14),
        "sex": "M",
        "id_type": "cccd",
        "id_number": "079088001234",
        "phone": "0912345678",
        "area": area,
        "street_address": "12 Lê Lợi",
        "test_type": "pcr",
        "outcome": "negative",
        "sampled_at": now - datetime.timedelta(hours=2),
        "resulted_at": now - datetime.timedelta(hours=1),
    }
    values.update(changes)
    return ResultData(**values)


def record(lab, *, area, by=None, source=ResultSource.FORM, **changes):
    """result_record of result_data(**changes): the Recorded (result, created)."""
    return result_record(lab=lab, data=result_data(area=area, **changes), source=source, by=by)
