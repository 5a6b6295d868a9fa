"""Recording lab results: the person matched or created, the 3-hour rule, idempotency by
the lab's sample id, corrections, and the pipeline a positive result sets off (seed 004):
the F0 case, the station's text, home care and the citizen's text, all or nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from declarations.f0.models import CaseSource, F0Declaration, F0Status
from declarations.f0.services import f0_accept
from declarations.homecare.models import CareSource, CareStatus
from declarations.labresults import services as lab_services
from declarations.labresults.models import LabResult, ResultStatus
from declarations.labresults.services import result_correct
from khaibao.audit.models import AuditEvent
from khaibao.notify.models import SmsMessage
from khaibao.people.models import Person
from khaibao.trust.models import RevokedCertificate
from tests.declarations.factories import make_declaration

from .factories import record

NOW = datetime.datetime(2026, 12, 3, 3, 0, tzinfo=datetime.UTC)  # 10:00 in Vietnam


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def texts(purpose):
    return list(SmsMessage.objects.filter(purpose=purpose).values_list("to", "body"))


# -- the person ----------------------------------------------------------------------------


def test_a_result_finds_the_person_by_id_document_however_it_is_typed(
    village1, lab_a, citizen_person
):
    Person.objects.filter(pk=citizen_person.pk).update(id_number="079088001234")
    recorded = record(lab_a, area=village1, id_number="79 088 001 234", full_name="NGUYEN VAN AN")
    assert recorded.created
    assert recorded.result.person == citizen_person
    assert Person.objects.count() == 1


def test_a_result_finds_the_person_by_name_and_birth_date(village1, lab_a, citizen_person):
    recorded = record(lab_a, area=village1, full_name="nguyễn  văn   an", phone="0912 345 678")
    assert recorded.result.person == citizen_person


def test_a_different_id_number_under_the_same_name_is_another_person(
    village1, lab_a, citizen_person
):
    Person.objects.filter(pk=citizen_person.pk).update(id_number="079088001234")
    recorded = record(lab_a, area=village1, id_number="079088009999", phone="0903111222")
    assert recorded.result.person != citizen_person
    assert recorded.result.person.id_number == "079088009999"
    assert Person.objects.count() == 2


def test_an_unknown_person_is_created_with_the_address_of_the_sample(village1, lab_a):
    recorded = record(lab_a, area=village1, full_name="Lê Thị Hoa", phone="0903000111")
    person = recorded.result.person
    assert (person.full_name, person.area, person.phone) == ("Lê Thị Hoa", village1, "+84903000111")


# -- the rules of a result -----------------------------------------------------------------


@pytest.mark.parametrize(("hours", "late"), [(2.99, False), (3.0, False), (3.02, True)])
def test_a_result_entered_more_than_three_hours_after_it_is_late(village1, lab_a, hours, late):
    resulted = NOW - datetime.timedelta(hours=hours)
    recorded = record(
        lab_a,
        area=village1,
        resulted_at=resulted,
        sampled_at=resulted - datetime.timedelta(hours=1),
    )
    assert recorded.result.is_late is late
    assert recorded.result.delay_seconds == round(hours * 3600)


def test_the_deadline_is_a_rule_a_province_changes(village1, lab_a, province, set_rule):
    set_rule("labresults", province=province, entry_deadline_hours=1)
    resulted = NOW - datetime.timedelta(hours=2)
    recorded = record(
        lab_a,
        area=village1,
        resulted_at=resulted,
        sampled_at=resulted - datetime.timedelta(hours=1),
    )
    assert recorded.result.is_late
    assert recorded.result.rules_version.province == province


def test_the_same_result_sent_again_changes_nothing(village1, lab_a):
    first = record(lab_a, area=village1)
    again = record(lab_a, area=village1)
    assert not again.created and again.result == first.result
    assert LabResult.objects.count() == 1
    assert len(texts("labresult_ready")) == 1


def test_another_result_under_the_same_sample_id_is_refused(village1, lab_a):
    record(lab_a, area=village1)
    with pytest.raises(ValidationError) as error:
        record(lab_a, area=village1, outcome="positive")
    assert error.value.error_dict["sample_id"][0].code == "sample_conflict"
    assert LabResult.objects.get().outcome == "negative"
    assert not F0Declaration.objects.exists()


def test_two_labs_may_use_the_same_sample_id(village1, lab_a, lab_b):
    record(lab_a, area=village1)
    record(lab_b, area=village1)
    assert LabResult.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"phone": ""}, "phone", "required"),
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"resulted_at": NOW + datetime.timedelta(hours=1)}, "resulted_at", "future"),
        (
            {
                "sampled_at": NOW - datetime.timedelta(hours=1),
                "resulted_at": NOW - datetime.timedelta(hours=2),
            },
            "resulted_at",
            "result_before_sample",
        ),
    ],
)
def test_bad_results_are_refused_with_a_code_and_nothing_saved(
    village1, lab_a, changes, field, code
):
    with pytest.raises(ValidationError) as error:
        record(lab_a, area=village1, **changes)
    assert error.value.error_dict[field][0].code == code
    assert not LabResult.objects.exists()
    assert not SmsMessage.objects.exists()


def test_the_citizens_text_says_the_result_is_ready_and_never_what_it_is(village1, lab_a):
    record(lab_a, area=village1, outcome="positive")
    [(to, body)] = texts("labresult_ready")
    assert to == "+84912345678"
    assert "/xet-nghiem/" in body
    for word in ("duong", "Duong", "DUONG", "am tinh", "positive", "negative"):
        assert word not in body


# -- a positive result ---------------------------------------------------------------------


def test_a_positive_result_opens_the_case_tells_the_station_and_starts_home_care(
    village1, ward1, lab_a, ward1_station, citizen_person
):
    recorded = record(lab_a, area=village1, outcome="positive", test_type="rapid")

    case = recorded.result.case
    assert case.source == CaseSource.LAB and case.status == F0Status.ACCEPTED
    assert case.case_code.endswith(f"{ward1.code}-{case.pk:06d}")
    assert case.person == citizen_person and case.isolation_area == village1
    assert case.declared_by is None and case.test_photo is None
    [(to, body)] = texts("labresult_station_case")
    assert to == ward1_station.phone and case.case_code in body
    patient = citizen_person.homecare_enrolments.get()
    assert patient.status == CareStatus.ACTIVE and patient.source == CareSource.LAB
    assert patient.declaration == case
    assert len(texts("labresult_ready")) == 1


def test_a_failure_in_the_last_step_leaves_nothing(
    village1, lab_a, ward1_station, citizen_person, monkeypatch
):
    def broken(result):
        raise RuntimeError("SMS outbox unavailable")

    monkeypatch.setattr(lab_services, "result_ready_sms", broken)
    with pytest.raises(RuntimeError):
        record(lab_a, area=village1, outcome="positive")

    assert not LabResult.objects.exists()
    assert not F0Declaration.objects.exists()
    assert not SmsMessage.objects.exists()
    assert not citizen_person.homecare_enrolments.exists()
    assert Person.objects.count() == 1


def test_the_citizens_own_declaration_and_the_labs_result_are_one_case(
    village1, lab_a, ward1_station, citizen, citizen_person
):
    declaration = make_declaration(person=citizen_person, account=citizen)
    assert declaration.status == F0Status.SUBMITTED

    recorded = record(lab_a, area=village1, outcome="positive")

    declaration.refresh_from_db()
    assert F0Declaration.objects.count() == 1
    assert recorded.result.case == declaration
    # The lab confirms the test: the waiting declaration is accepted, and the station
    # (whose queue it was in) is told.
    assert declaration.status == F0Status.ACCEPTED and declaration.case_code
    assert citizen_person.homecare_enrolments.count() == 1
    [(to, body)] = texts("labresult_station_case")
    assert to == ward1_station.phone and declaration.case_code in body


def test_a_positive_result_for_an_accepted_case_joins_it(
    village1, lab_a, ward1_station, ward1_staff, citizen, citizen_person
):
    declaration = f0_accept(
        declaration=make_declaration(person=citizen_person, account=citizen), by=ward1_staff
    )
    recorded = record(lab_a, area=village1, outcome="positive")
    assert recorded.result.case == declaration
    assert F0Declaration.objects.count() == 1
    assert not texts("labresult_station_case")  # the station has it already


def test_a_negative_result_opens_no_case(village1, lab_a, ward1_station):
    recorded = record(lab_a, area=village1)
    assert recorded.result.case is None
    assert not F0Declaration.objects.exists()
    assert not texts("labresult_station_case")


def test_an_invalid_result_has_no_certificate(village1, lab_a):
    assert record(lab_a, area=village1, outcome="invalid").result.certificate_id == ""
    assert record(lab_a, area=village1, sample_id="S-2").result.certificate_id.startswith(
        "URN:UVCI:01:VN:"
    )


# -- corrections ---------------------------------------------------------------------------


def test_a_correction_issues_a_new_certificate_and_revokes_the_old(
    village1, lab_a, lab_a_staff, ward1_station
):
    wrong = record(lab_a, area=village1, outcome="negative").result

    corrected = result_correct(
        result=wrong, outcome="positive", note="Nhầm mẫu khi nhập", by=lab_a_staff
    )

    wrong.refresh_from_db()
    assert wrong.status == ResultStatus.CORRECTED and wrong.replaced_by == corrected
    assert corrected.status == ResultStatus.CURRENT and corrected.sample_id == wrong.sample_id
    assert corrected.certificate_id and corrected.certificate_id != wrong.certificate_id
    assert RevokedCertificate.objects.filter(cert_id=wrong.certificate_id).exists()
    assert corrected.case is not None  # corrected to positive: the case opens
    assert AuditEvent.objects.filter(actor=lab_a_staff, action="decide").exists()


def test_a_correction_needs_a_reason_and_a_different_result(village1, lab_a, lab_a_staff):
    result = record(lab_a, area=village1).result
    with pytest.raises(ValidationError) as same:
        result_correct(result=result, outcome="negative", note="x", by=lab_a_staff)
    assert same.value.error_dict["outcome"][0].code == "unchanged"
    with pytest.raises(ValidationError) as no_reason:
        result_correct(result=result, outcome="positive", note="  ", by=lab_a_staff)
    assert no_reason.value.error_dict["note"][0].code == "required"
    assert LabResult.objects.count() == 1


def test_a_corrected_result_cannot_be_corrected_again(village1, lab_a, lab_a_staff):
    result = record(lab_a, area=village1).result
    result_correct(result=result, outcome="invalid", note="Mẫu hỏng", by=lab_a_staff)
    with pytest.raises(ValidationError) as error:
        result_correct(result=result, outcome="positive", note="Lần nữa", by=lab_a_staff)
    assert error.value.code == "already_corrected"


def test_after_a_correction_the_sample_id_takes_the_corrected_result_again(
    village1, lab_a, lab_a_staff
):
    result = record(lab_a, area=village1).result
    result_correct(result=result, outcome="invalid", note="Mẫu hỏng", by=lab_a_staff)
    again = record(lab_a, area=village1, outcome="invalid")
    assert not again.created


def test_a_correction_keeps_the_timeliness_of_the_result_it_corrects(
    village1, lab_a, lab_a_staff, clock
):
    result = record(lab_a, area=village1).result
    clock.move_to(NOW + datetime.timedelta(days=2))
    corrected = result_correct(result=result, outcome="positive", note="Nhầm mẫu", by=lab_a_staff)
    assert not corrected.is_late
    assert corrected.delay_seconds == result.delay_seconds == 3600
