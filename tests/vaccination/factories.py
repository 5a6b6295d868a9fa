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


def certificate_photo(colour=(40, 120, 200)):
    """A photo of a paper certificate as the upload pipeline prepares it."""
    import io

    from khaibao.uploads.images import prepare_photo
    from tests.uploads.images import jpeg_bytes

    content = jpeg_bytes((1000, 800), colour)
    return prepare_photo(io.BytesIO(content), len(content))


def correction_data(*, area, kind="dose2", doses=None, **changes):
    """What the form would hand the service: Nguyễn Văn An (the citizen fixture's person
    by name, birth date and phone) asking for dose 2, given at `unit` (None: a place
    typed by name)."""
    from khaibao.people.ids import IdType
    from vaccination.services import CorrectionData

    values = {
        "kind": kind,
        "full_name": "Nguyễn Văn An",
        "date_of_birth": datetime.date(1988, 3, 14),
        "sex": "M",
        "id_type": IdType.CCCD,
        "id_number": "079088001234",
        "phone": "+84912345678",
        "area": area,
        "workplace": "Công ty ABC",
        "doses": tuple(doses or ()),
    }
    values.update(changes)
    return CorrectionData(**values)


def stated(number, *, unit, given_on=None, vaccine="pfizer", lot="FF2587", unit_name=""):
    from vaccination.services import StatedDose

    given_on = given_on or (
        datetime.date(2021, 8, 2) if number == 1 else datetime.date(2021, 10, 4)
    )
    return StatedDose(number, given_on, vaccine, lot, unit, unit_name)


def submit_correction(*, area, unit, kind="dose2", phone="+84912345678", **changes):
    """correction_submit as the form's OTP step makes it; returns the request."""
    from khaibao.accounts.otp import citizen_account_for
    from vaccination.models import KIND_DOSES
    from vaccination.services import correction_submit

    doses = changes.pop("doses", None) or [stated(n, unit=unit) for n in KIND_DOSES[kind]]
    data = correction_data(area=area, kind=kind, doses=doses, phone=phone, **changes)
    return correction_submit(
        data=data, photo=certificate_photo(), account=citizen_account_for(phone=phone)
    )
