"""Small factories for home-care tests: patients made and reports filed through the
real services, so every row is one a user could have made."""

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from declarations.homecare.models import CareSource
from declarations.homecare.scoring import Reading
from declarations.homecare.services import homecare_enrol, report_submit
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role


def make_unit(*, area, role=Role.WARD_STATION, code=None, name="Trạm Y tế", phone="+84281234567"):
    return Unit.objects.create(
        role=role, code=code or f"U-{uuid.uuid4().hex[:8]}", name=name, area=area, phone=phone
    )


def make_patient(*, person, by=None, area=None, phone="+84912345678", onset=None, **extra):
    return homecare_enrol(
        person=person,
        source=extra.pop("source", CareSource.STATION),
        area=area or person.area,
        street="12 Lê Lợi",
        phone=phone,
        onset_date=onset or timezone.localdate() - datetime.timedelta(days=2),
        by=by,
        **extra,
    )


def reading(**changes) -> Reading:
    values = {"temperature": Decimal("37.2"), "spo2": 98, "pulse": 82, "breathing_rate": 16}
    values.update(changes)
    return Reading(**values)


def submit(patient, *, account=None, measured_at=None, spo2_first=None, **changes):
    return report_submit(
        patient=patient,
        account=account,
        reading=reading(**changes),
        measured_at=measured_at or timezone.now(),
        submission_key=uuid.uuid4(),
        spo2_first=spo2_first,
    )
