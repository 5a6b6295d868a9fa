"""Guards the services hold themselves, whatever a view checked first."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from declarations.f0.models import F0Declaration, F0Draft, F0Status
from declarations.f0.services import f0_accept, f0_completion_request, f0_draft_save, f0_submit
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.uploads.models import PhotoKind
from tests.declarations.factories import id_card_image, make_declaration, store_photo, tray_image


def test_completion_before_day_n_is_refused_by_the_service(citizen, citizen_person, ward1_staff):
    declaration = f0_accept(
        declaration=make_declaration(person=citizen_person, account=citizen), by=ward1_staff
    )
    photo = store_photo(citizen_person, citizen, tray_image(3), TEST_RESULT_PHOTO)

    with pytest.raises(ValidationError) as refused:
        f0_completion_request(
            declaration=declaration,
            account=citizen,
            negative_test_date=timezone.localdate(),
            photo=photo,
        )

    assert refused.value.code == "too_early"
    declaration.refresh_from_db()
    assert declaration.status == F0Status.ACCEPTED
    assert declaration.completion_photo is None


def test_another_persons_photo_cannot_be_attached_to_a_draft(citizen, citizen_person, relative):
    theirs = store_photo(relative, citizen, tray_image(4), TEST_RESULT_PHOTO)

    with pytest.raises(ValidationError) as refused:
        f0_draft_save(account=citizen, person=citizen_person, data={}, test_photo=theirs)

    assert refused.value.code == "photo_person"
    assert not F0Draft.objects.filter(test_photo=theirs).exists()


@pytest.mark.parametrize("which", ["test_photo", "id_photo"])
def test_another_persons_photo_cannot_be_submitted(citizen, citizen_person, relative, which):
    theirs = store_photo(relative, citizen, tray_image(5), TEST_RESULT_PHOTO)

    own = {
        "test_photo": store_photo(citizen_person, citizen, tray_image(6), TEST_RESULT_PHOTO),
        "id_photo": store_photo(citizen_person, citizen, id_card_image(), PhotoKind.ID_DOCUMENT),
    }

    with pytest.raises(ValidationError) as refused:
        f0_submit(
            account=citizen,
            person=citizen_person,
            relationship="self",
            submission_key=uuid.uuid4(),
            test_date=timezone.localdate(),
            test_type="rapid",
            isolation_area=citizen_person.area,
            isolation_street="12 Lê Lợi",
            contact_phone="+84912345678",
            **{**own, which: theirs},
        )

    assert refused.value.code == "photo_person"
    assert not F0Declaration.objects.exists()


def test_day_n_itself_is_allowed(citizen, citizen_person, ward1_staff, set_rule):
    set_rule("f0_timing", isolation_days=1)
    declaration = f0_accept(
        declaration=make_declaration(
            person=citizen_person,
            account=citizen,
            test_date=timezone.localdate() - datetime.timedelta(days=1),
        ),
        by=ward1_staff,
    )
    photo = store_photo(citizen_person, citizen, tray_image(7), TEST_RESULT_PHOTO)

    f0_completion_request(
        declaration=declaration,
        account=citizen,
        negative_test_date=timezone.localdate(),
        photo=photo,
    )

    declaration.refresh_from_db()
    assert declaration.status == F0Status.COMPLETION_REQUESTED
