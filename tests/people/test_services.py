"""person_create / person_update / person_link_to_account: what is stored and audited."""

import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.lib.normalize import name_key
from khaibao.people.ids import IdType, Sex
from khaibao.people.models import ManagedPerson, Person, Relationship
from khaibao.people.services import (
    person_create,
    person_link_to_account,
    person_register_for_account,
    person_update,
)
from tests.factories import error_codes, make_citizen, make_person


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def person_fields(area, **overrides):
    fields = {
        "full_name": "Phạm Đức Trí",
        "date_of_birth": datetime.date(1988, 3, 14),
        "sex": Sex.MALE,
        "id_type": IdType.CCCD,
        "id_number": "079088000123",
        "phone": "",
        "area": area,
        "street_address": "12 Lê Lợi",
    }
    return {**fields, **overrides}


def change_events(person):
    return AuditEvent.objects.filter(person=person, action=AuditAction.CHANGE)


def test_person_create_stores_the_name_in_nfc_with_its_key_and_the_phone_in_e164(village1):
    person = person_create(
        **person_fields(
            village1,
            full_name=nfd("  Phạm  Đức   Trí "),
            phone="0912.345.678",
            street_address=nfd(" 12  Lê Lợi "),
        )
    )
    person.refresh_from_db()
    assert person.full_name == "Phạm Đức Trí"
    assert unicodedata.is_normalized("NFC", person.full_name)
    assert person.name_key == "pham duc tri"
    assert person.phone == "+84912345678"
    assert person.phone_display == "0912 345 678"
    assert person.street_address == "12 Lê Lợi"


def test_a_name_typed_on_ios_is_found_by_a_search_typed_on_a_pc(village1):
    person = person_create(
        **person_fields(
            village1, full_name=nfd("Huỳnh Ngọc Ánh"), sex=Sex.FEMALE, id_number="079188000123"
        )
    )
    found = Person.objects.filter(name_key=name_key("HUỲNH NGỌC ÁNH"))
    assert list(found) == [person]


def test_a_province_is_refused_as_the_place_a_person_lives(province):
    with pytest.raises(ValidationError) as caught:
        person_create(**person_fields(province))
    assert [error.code for error in caught.value.error_dict["area"]] == ["area_level"]
    assert "phường / xã" in caught.value.message_dict["area"][0]
    assert not Person.objects.exists()


def test_every_bad_field_is_reported_at_once(village1):
    with pytest.raises(ValidationError) as caught:
        person_create(
            **person_fields(
                village1, full_name="   ", phone="024 3825 1234", id_number="079188000123"
            )
        )
    assert error_codes(caught.value) == {
        "full_name": ["required"],
        "phone": ["phone_not_mobile"],
        "id_number": ["cccd_century_sex"],
    }
    assert not Person.objects.exists()


def test_staff_changes_are_audited_with_the_names_of_the_changed_fields(
    citizen_person, ward1_staff, village1
):
    person_update(
        person=citizen_person,
        by=ward1_staff,
        phone="0987 654 321",
        street_address="45 Hai Bà Trưng",
        full_name="Nguyễn Văn An",  # unchanged
    )
    citizen_person.refresh_from_db()
    assert citizen_person.phone == "+84987654321"
    assert citizen_person.street_address == "45 Hai Bà Trưng"
    event = change_events(citizen_person).get()
    assert event.actor == ward1_staff
    assert event.area == village1
    assert event.detail == {"fields": ["phone", "street_address"]}


def test_a_staff_update_that_changes_nothing_writes_no_audit_event(citizen_person, ward1_staff):
    person_update(person=citizen_person, by=ward1_staff, phone="0912 345 678")
    assert not change_events(citizen_person).exists()


def test_fields_already_set_on_the_instance_are_still_audited(citizen_person, ward1_staff):
    # The admin's ModelForm writes the new values onto the instance before the service
    # runs; the audit must compare with the stored row, not with that instance.
    citizen_person.full_name = "Nguyễn Văn Ân"
    citizen_person.phone = "+84987654321"
    person_update(
        person=citizen_person, by=ward1_staff, full_name="Nguyễn Văn Ân", phone="+84987654321"
    )
    assert change_events(citizen_person).get().detail == {"fields": ["full_name", "phone"]}
    citizen_person.refresh_from_db()
    assert citizen_person.full_name == "Nguyễn Văn Ân"


def test_a_citizen_editing_their_own_record_is_not_a_staff_audit_event(citizen, citizen_person):
    person_update(person=citizen_person, by=citizen, street_address="7 Pasteur")
    citizen_person.refresh_from_db()
    assert citizen_person.street_address == "7 Pasteur"
    assert not change_events(citizen_person).exists()


def test_an_update_that_breaks_the_cccd_cross_check_is_refused_and_nothing_changes(
    citizen_person, ward1_staff
):
    with pytest.raises(ValidationError) as caught:
        person_update(person=citizen_person, by=ward1_staff, sex=Sex.FEMALE)
    assert error_codes(caught.value) == {"id_number": ["cccd_century_sex"]}
    citizen_person.refresh_from_db()
    assert citizen_person.sex == Sex.MALE
    assert not change_events(citizen_person).exists()


def test_an_account_cannot_have_a_second_self(citizen, citizen_person, ward2_person):
    with pytest.raises(ValidationError) as caught:
        person_link_to_account(account=citizen, person=ward2_person, relationship=Relationship.SELF)
    assert error_codes(caught.value) == {"__all__": ["self_taken"]}
    assert "Bản thân" in caught.value.messages[0]
    assert list(
        ManagedPerson.objects.filter(account=citizen).values_list("person", "relationship")
    ) == [(citizen_person.pk, Relationship.SELF)]


def test_an_account_can_manage_several_children(citizen, village1):
    children = [
        make_person(
            area=village1,
            full_name=name,
            date_of_birth=datetime.date(2016, 9, 2),
            sex=Sex.FEMALE,
            id_type=IdType.NONE,
            id_number="000000000",
        )
        for name in ("Nguyễn Thị Bình", "Nguyễn Thị Chi")
    ]
    for child in children:
        person_link_to_account(account=citizen, person=child, relationship=Relationship.CHILD)
    links = ManagedPerson.objects.filter(account=citizen, relationship=Relationship.CHILD)
    assert {link.person for link in links} == set(children)


def test_linking_the_same_person_again_changes_the_relationship_not_the_count(
    citizen, ward2_person
):
    person_link_to_account(account=citizen, person=ward2_person, relationship=Relationship.OTHER)
    person_link_to_account(account=citizen, person=ward2_person, relationship=Relationship.PARENT)
    link = ManagedPerson.objects.get(account=citizen, person=ward2_person)
    assert link.relationship == Relationship.PARENT


def test_an_unknown_relationship_is_refused(citizen, ward2_person):
    with pytest.raises(ValidationError) as caught:
        person_link_to_account(account=citizen, person=ward2_person, relationship="boss")
    assert caught.value.error_dict["relationship"][0].code == "relationship_invalid"
    assert not ManagedPerson.objects.filter(person=ward2_person).exists()


def test_a_person_may_be_managed_by_two_accounts(citizen, citizen_person):
    # An adult manages their own record and their parent manages it too.
    parent_account = make_citizen(phone="+84987000111")
    person_link_to_account(
        account=parent_account, person=citizen_person, relationship=Relationship.CHILD
    )
    assert set(citizen_person.manager_links.values_list("account", "relationship")) == {
        (citizen.pk, Relationship.SELF),
        (parent_account.pk, Relationship.CHILD),
    }


def test_registering_your_own_identity_as_a_relative_keeps_your_self_link(
    citizen, citizen_person, village1
):
    # Issue 17: adding "a relative" with one's own details turned "Bản thân" into "Con".
    link, created = person_register_for_account(
        account=citizen,
        relationship=Relationship.CHILD,
        full_name=nfd("NGUYỄN  VĂN AN"),
        date_of_birth=citizen_person.date_of_birth,
        sex=citizen_person.sex,
        id_type=citizen_person.id_type,
        id_number=citizen_person.id_number,
        area=village1,
    )

    assert created is False
    assert link.person == citizen_person
    assert list(
        ManagedPerson.objects.filter(account=citizen).values_list("person", "relationship")
    ) == [(citizen_person.pk, Relationship.SELF)]
    assert Person.objects.count() == 1


def test_registering_a_relative_already_on_the_account_keeps_its_relationship(
    citizen, relative, village1
):
    link, created = person_register_for_account(
        account=citizen,
        relationship=Relationship.OTHER,
        full_name="nguyen thi binh",
        date_of_birth=relative.date_of_birth,
        sex=relative.sex,
        id_type=IdType.NONE,
        id_number="000000000",
        area=village1,
    )

    assert created is False
    assert (link.person, link.relationship) == (relative, Relationship.CHILD)


def test_registering_a_new_relative_creates_and_links_them(citizen, village1):
    link, created = person_register_for_account(
        account=citizen, relationship=Relationship.PARENT, **person_fields(village1)
    )

    assert created is True
    assert link.relationship == Relationship.PARENT
    assert link.person.full_name == "Phạm Đức Trí"


def test_linking_never_rewrites_a_self_link(citizen, citizen_person):
    link = person_link_to_account(
        account=citizen, person=citizen_person, relationship=Relationship.CHILD
    )

    assert link.relationship == Relationship.SELF
    assert ManagedPerson.objects.get(account=citizen).relationship == Relationship.SELF


# --- the health-insurance card number (seed 003: "Có thẻ bảo hiểm y tế") ---------------


def test_a_bhyt_number_is_stored_normalised_and_a_bhyt_document_fills_it(village1):
    adult = person_create(
        full_name="Lê Văn Cường",
        date_of_birth=datetime.date(1980, 1, 2),
        sex=Sex.MALE,
        id_type=IdType.PASSPORT,
        id_number="C1234567",
        area=village1,
        health_insurance_number=" dn 479 0123456789 ",
    )
    child = person_create(
        full_name="Lê Thị Dung",
        date_of_birth=datetime.date(2018, 6, 1),
        sex=Sex.FEMALE,
        id_type=IdType.HEALTH_INSURANCE,
        id_number="TE1790123456780",
        area=village1,
    )

    assert adult.health_insurance_number == "DN4790123456789"
    assert child.health_insurance_number == "TE1790123456780"


@pytest.mark.parametrize(
    ("id_type", "id_number", "card", "code"),
    [
        (IdType.PASSPORT, "C1234567", "DN47901234", "id_number_format"),
        (IdType.HEALTH_INSURANCE, "TE1790123456780", "TE1790123456781", "bhyt_mismatch"),
    ],
)
def test_a_bad_or_contradicting_bhyt_number_is_refused(village1, id_type, id_number, card, code):
    with pytest.raises(ValidationError) as caught:
        person_create(
            full_name="Lê Văn Cường",
            date_of_birth=datetime.date(2018, 1, 2),
            sex=Sex.MALE,
            id_type=id_type,
            id_number=id_number,
            area=village1,
            health_insurance_number=card,
        )

    assert error_codes(caught.value) == {"health_insurance_number": [code]}
    assert not Person.objects.filter(full_name="Lê Văn Cường").exists()
