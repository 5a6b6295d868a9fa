"""“Có thẻ bảo hiểm y tế” (seed 003): a BHYT card number typed on a declare page selects
that person and shows their details, only among the persons the account manages.

Someone else's number and an unknown one get the same answer, so the look-up cannot be
used to learn whether a number exists.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration
from khaibao.people.ids import Sex
from khaibao.people.models import Relationship
from khaibao.people.services import person_link_to_account, person_update
from tests.checkpoints.test_citizen_pages import entry_data, health_data, text_of
from tests.factories import make_citizen, make_person

OWN_CARD = "HS4790123456789"
CHILD_CARD = "HS4790000000001"
OTHERS_CARD = "GD4790999999999"
UNKNOWN_CARD = "DN4791111111111"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def carded(citizen_person):
    return person_update(person=citizen_person, health_insurance_number=OWN_CARD)


@pytest.fixture
def carded_child(citizen, village1):
    """A child whose document is the BHYT card itself."""
    child = make_person(
        area=village1,
        full_name="Nguyễn Minh Khôi",
        date_of_birth=datetime.date(2019, 6, 1),
        sex=Sex.MALE,
        id_type="health_ins",
        id_number=CHILD_CARD,
    )
    person_link_to_account(account=citizen, person=child, relationship=Relationship.CHILD)
    return child


@pytest.fixture
def others_card(ward2_person):
    """A number held by a person of another account."""
    make_citizen(phone="+84987654321", person=ward2_person)
    return person_update(person=ward2_person, health_insurance_number=OTHERS_CARD)


def look_up(client, number, **extra):
    return client.post(reverse("checkpoints:bhyt-lookup"), {"bhyt_number": number}, **extra)


def test_the_accounts_own_number_fills_in_the_persons_details_without_the_id_number(
    citizen_client, carded
):
    response = look_up(citizen_client, "hs 4790 1234 56789", **JSON)

    assert response.status_code == 200
    assert response.json() == {
        "person": {
            "public_id": str(carded.public_id),
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "14/03/1988",
            "sex": "Nam",
            "address": "12 Lê Lợi, Khu phố 1, Phường Sài Gòn, Thành phố Hồ Chí Minh",
        }
    }
    assert carded.id_number not in text_of(response)
    assert OWN_CARD not in text_of(response)


def test_a_child_whose_document_is_the_card_is_found_by_it(citizen_client, carded_child):
    response = look_up(citizen_client, CHILD_CARD, **JSON)

    assert response.status_code == 200
    assert response.json()["person"]["public_id"] == str(carded_child.public_id)


def test_another_accounts_number_gets_the_same_answer_as_an_unknown_one(
    citizen_client, carded, others_card
):
    theirs = look_up(citizen_client, OTHERS_CARD, **JSON)
    unknown = look_up(citizen_client, UNKNOWN_CARD, **JSON)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.json()["error"] == (
        "Không tìm thấy số thẻ này trong danh sách người bạn quản lý."
    )
    assert "Trần Thị Cúc" not in text_of(theirs)


def test_without_javascript_another_accounts_number_is_the_same_form_error(
    citizen_client, carded, others_card
):
    pages = [
        citizen_client.post(
            reverse("checkpoints:bhyt-lookup"), {"bhyt_number": number, "page": "health"}
        )
        for number in (OTHERS_CARD, UNKNOWN_CARD)
    ]
    for shown in pages:
        assert shown.status_code == 400
        assert "Không tìm thấy số thẻ này trong danh sách người bạn quản lý." in text_of(shown)
        assert "Trần Thị Cúc" not in text_of(shown)


@pytest.mark.parametrize("number", ["12345", "HS9790123456789", "000000000", ""])
def test_a_badly_formed_number_is_a_vietnamese_400(citizen_client, carded, number):
    answer = look_up(citizen_client, number, **JSON)
    shown = citizen_client.post(
        reverse("checkpoints:bhyt-lookup"), {"bhyt_number": number, "page": "entry"}
    )

    assert answer.status_code == shown.status_code == 400
    assert "BHYT" in answer.json()["error"]
    assert answer.json()["error"] in text_of(shown)


def test_without_javascript_the_entry_page_comes_back_with_the_person_ticked_and_answers_kept(
    citizen_client, citizen_person, carded_child, village1, other_ward
):
    data = entry_data(
        [citizen_person],
        origin=other_ward,
        destination=village1,
        vehicle_number="29B-12345",
    )
    data.update({"bhyt_number": CHILD_CARD, "page": "entry"})
    response = citizen_client.post(reverse("checkpoints:bhyt-lookup"), data)

    html = text_of(response)
    assert response.status_code == 200
    assert "Đã chọn người có số thẻ này:" in html
    assert "Nguyễn Minh Khôi" in html and "01/06/2019" in html
    for person in (citizen_person, carded_child):
        assert re.search(rf'value="{person.public_id}" checked', html)
    assert 'value="29B-12345"' in html
    assert f'value="{data["submission_key"]}"' in html
    assert "Chưa gửi được" not in html
    # Links on the page lead back to the declare page, not to the look-up.
    assert "?next=%2Fkhai-bao-y-te%2Fvao-tinh%2F" in html
    assert "?next=%2Fkhai-bao-y-te%2Fbhyt%2F" not in html
    assert CHILD_CARD not in html.replace(f'value="{CHILD_CARD}"', "")  # only in its own box
    assert not EntryDeclaration.objects.exists()


def test_without_javascript_the_health_page_comes_back_with_the_person_ticked(
    citizen_client, citizen_person, carded_child, village1
):
    data = health_data([citizen_person], area=village1, other_symptoms="Đau đầu")
    data.update({"bhyt_number": CHILD_CARD, "page": "health"})
    response = citizen_client.post(reverse("checkpoints:bhyt-lookup"), data)

    html = text_of(response)
    assert response.status_code == 200
    assert re.search(rf'value="{carded_child.public_id}" checked', html)
    assert 'value="Đau đầu"' in html
    assert not HealthDeclaration.objects.exists()


def test_the_look_up_is_for_signed_in_citizens_by_post_with_csrf(db, citizen, carded):
    anonymous = Client()
    assert look_up(anonymous, OWN_CARD).status_code == 302

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert look_up(strict, OWN_CARD, **JSON).status_code == 403
    assert strict.get(reverse("checkpoints:bhyt-lookup")).status_code == 405
