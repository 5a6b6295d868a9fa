"""A citizen's "my people": self first, then relatives; someone else's person is a 404."""

import datetime

import pytest
from django.urls import reverse

from khaibao.audit.models import AuditAction
from khaibao.audit.services import log_action
from khaibao.people.models import ManagedPerson, Person, Relationship
from tests.factories import make_area, make_citizen, make_person


def address(area):
    ward = area.parent if area.level == "village" else area
    return {"province": ward.parent_id, "ward": ward.pk, "village": area.pk if area != ward else ""}


def person_data(area, **overrides):
    return {
        "full_name": "Lê  Thị   Hoa",
        "date_of_birth": "02/09/2016",
        "sex": "F",
        "id_type": "none",
        "id_number": "000000000",
        "phone": "",
        "street_address": "5 Hai Bà Trưng",
        **address(area),
        **overrides,
    }


def test_a_new_account_first_adds_itself_with_its_phone(client, db, village1):
    account = make_citizen(phone="+84987000111")
    client.force_login(account)

    first = client.get(reverse("people:mine"))
    assert first.status_code == 302
    assert first["Location"] == reverse("people:add")
    form = client.get(reverse("people:add"))
    assert "Thông tin của bạn" in form.content.decode()
    assert "0987000111" in form.content.decode() or "+84987000111" in form.content.decode()

    response = client.post(
        reverse("people:add"),
        {
            **person_data(village1),
            "relationship": "self",
            "full_name": "Phan Văn Đức",
            "date_of_birth": "01/02/1990",
            "sex": "M",
            "id_type": "cccd",
            "id_number": "079090123456",
            "phone": "0987000111",
        },
    )

    assert response.status_code == 302
    link = ManagedPerson.objects.get(account=account)
    assert link.relationship == Relationship.SELF
    assert link.person.full_name == "Phan Văn Đức"
    assert link.person.area == village1


def test_a_citizen_adds_a_child_without_id_and_sees_them(client, citizen, village1):
    client.force_login(citizen)

    response = client.post(
        reverse("people:add"), {**person_data(village1), "relationship": "child"}
    )

    assert response.status_code == 302
    child = Person.objects.get(name_key="le thi hoa")
    assert child.full_name == "Lê Thị Hoa"
    assert child.id_number == ""
    page = client.get(reverse("people:mine")).content.decode()
    cards = page[page.index("kb-person") :]
    assert "Lê Thị Hoa" in cards and "Nguyễn Văn An" in cards
    assert cards.index("Nguyễn Văn An") < cards.index("Lê Thị Hoa")  # self first


def test_an_adult_with_a_child_document_gets_a_vietnamese_error_and_nothing_is_saved(
    client, citizen, village1
):
    client.force_login(citizen)
    before = Person.objects.count()

    response = client.post(
        reverse("people:add"),
        {**person_data(village1, date_of_birth="02/09/1960"), "relationship": "parent"},
    )

    assert response.status_code == 400
    assert "chỉ dùng cho người dưới 15 tuổi" in response.content.decode()
    assert Person.objects.count() == before


def test_a_known_document_links_only_when_name_and_birth_date_match(
    client, citizen, ward2_person, village1
):
    client.force_login(citizen)
    data = {
        **person_data(village1),
        "relationship": "parent",
        "full_name": "TRẦN THỊ CÚC",
        "date_of_birth": "30/11/1975",
        "sex": "F",
        "id_type": "cccd",
        "id_number": ward2_person.id_number,
    }

    wrong = client.post(reverse("people:add"), {**data, "date_of_birth": "01/01/1975"})
    right = client.post(reverse("people:add"), data)

    assert wrong.status_code == 400
    assert "đã được khai cho một người khác" in wrong.content.decode()
    assert "Trần Thị Cúc" not in wrong.content.decode()  # stored data is never shown
    assert right.status_code == 302
    assert ManagedPerson.objects.filter(account=citizen, person=ward2_person).exists()


def test_choosing_the_ward_list_without_javascript_keeps_what_was_typed(
    client, citizen, ward2, village1
):
    client.force_login(citizen)

    response = client.post(
        reverse("people:add"),
        {
            **person_data(village1),
            "relationship": "child",
            "ward": "",
            "village": "",
            "_refresh": "1",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Phường Tân Định" in html and "Phường Sài Gòn" in html
    assert 'value="Lê  Thị   Hoa"' in html or 'value="Lê Thị Hoa"' in html
    assert not Person.objects.filter(name_key="le thi hoa").exists()


def test_editing_a_relative_goes_through_the_service(client, citizen, relative, village1):
    client.force_login(citizen)
    url = reverse("people:edit", args=[relative.public_id])
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            **person_data(village1),
            "relationship": "child",
            "full_name": "Nguyễn Thị Bình An",
            "date_of_birth": "02/09/2016",
        },
    )

    assert response.status_code == 302
    relative.refresh_from_db()
    assert relative.full_name == "Nguyễn Thị Bình An"
    assert relative.name_key == "nguyen thi binh an"


@pytest.mark.parametrize("name", ["people:edit", "trust:person-qr", "people:access-log"])
def test_someone_elses_person_is_a_404(client, citizen, ward2_person, name):
    client.force_login(citizen)
    assert client.get(reverse(name, args=[ward2_person.public_id])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_phone_login(client, db):
    response = client.get(reverse("people:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_choosing_who_to_declare_for(client, citizen, relative):
    client.force_login(citizen)
    page = client.get(reverse("people:choose") + "?next=/somewhere/")
    assert "Nguyễn Thị Bình" in page.content.decode()

    response = client.post(
        reverse("people:choose"), {"person": str(relative.public_id), "next": "/somewhere/"}
    )
    refused = client.post(
        reverse("people:choose"), {"person": "00000000-0000-0000-0000-000000000000"}
    )

    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    assert client.session["declaring_for"] == str(relative.public_id)
    assert refused.status_code == 400


def test_choose_never_redirects_off_site(client, citizen, relative):
    client.force_login(citizen)
    response = client.post(
        reverse("people:choose"),
        {"person": str(relative.public_id), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("people:mine")


def test_the_citizen_sees_which_unit_looked_at_their_record(
    client, citizen, citizen_person, ward1_staff
):
    ward1_staff.staff_profile.unit_name = "Trạm Y tế phường Sài Gòn"
    ward1_staff.staff_profile.save()
    log_action(
        actor=ward1_staff, action=AuditAction.VIEW, obj=citizen_person, person=citizen_person
    )
    client.force_login(citizen)

    page = client.get(
        reverse("people:access-log", args=[citizen_person.public_id])
    ).content.decode()

    assert "Trạm Y tế phường Sài Gòn" in page
    assert "Xem" in page


def test_ward_list_json_follows_the_province(client, province, ward1, ward2, village1):
    data = client.get(reverse("areas:children", args=[province.pk])).json()
    villages = client.get(reverse("areas:children", args=[ward1.pk])).json()

    assert [c["name"] for c in data["children"]] == ["Phường Sài Gòn", "Phường Tân Định"]
    assert [c["code"] for c in villages["children"]] == ["26734-001"]
    # A village lists its points (none here); a point has nothing under it.
    assert client.get(reverse("areas:children", args=[village1.pk])).json() == {"children": []}
    point = make_area(code="26734-001-01", name="Chợ Bến Thành", level="point", parent=village1)
    assert client.get(reverse("areas:children", args=[point.pk])).status_code == 404


def test_a_second_self_is_refused(client, citizen, village1):
    client.force_login(citizen)
    response = client.post(
        reverse("people:add"),
        {
            **person_data(village1),
            "relationship": "self",
            "date_of_birth": "01/01/1990",
            "id_type": "passport",
            "id_number": "C1234567",
        },
    )
    assert response.status_code == 400
    assert ManagedPerson.objects.filter(account=citizen).count() == 1


def test_making_a_person_for_tests(db, village1):
    # Guard the factory the suite relies on: consistent CCCD for the birth date.
    person = make_person(area=village1, date_of_birth=datetime.date(2005, 1, 1), sex="F")
    assert person.id_number[3] == "3" and person.id_number[4:6] == "05"


def test_editing_from_the_f0_form_returns_to_it_and_never_off_site(
    client, citizen, relative, village1
):
    client.force_login(citizen)
    url = reverse("people:edit", args=[relative.public_id])
    back = f"/f0/khai-bao/{relative.public_id}/"
    data = {**person_data(village1), "relationship": "child"}

    returned = client.post(f"{url}?next={back}", {**data, "next": back})
    offsite = client.post(url, {**data, "next": "https://evil.example/"})

    assert returned["Location"] == back
    assert offsite["Location"] == reverse("people:mine")


def test_adding_yourself_as_a_child_leads_to_your_own_record_unchanged(
    client, citizen, citizen_person, village1
):
    # Issue 17, reproduced on 0912000010: the relationship defaulted to "Con" and the
    # account's "Bản thân" record became "Con".
    client.force_login(citizen)

    response = client.post(
        reverse("people:add"),
        {
            **person_data(village1),
            "relationship": "child",
            "full_name": "NGUYỄN VĂN AN",
            "date_of_birth": "14/03/1988",
            "sex": "M",
            "id_type": "cccd",
            "id_number": citizen_person.id_number,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("people:mine")
    page = response.content.decode()
    assert "Nguyễn Văn An đã có trong danh sách của bạn (Bản thân)" in page
    assert "Đã lưu thông tin" not in page
    card = page[page.index("kb-person") :]
    assert "Bản thân" in card and "Con ·" not in card
    link = ManagedPerson.objects.get(account=citizen)
    assert (link.person, link.relationship) == (citizen_person, Relationship.SELF)


@pytest.mark.parametrize(
    ("field", "value", "code_text"),
    [
        ("date_of_birth", "01/01/1890", "Năm sinh 1890"),
        ("full_name", "Huy 123 @#", "chỉ gồm chữ cái"),
    ],
)
def test_an_impossible_birth_year_or_a_name_with_symbols_is_refused_in_vietnamese(
    client, citizen, village1, field, value, code_text
):
    client.force_login(citizen)
    before = Person.objects.count()

    response = client.post(
        reverse("people:add"),
        {**person_data(village1), "relationship": "child", "id_type": "none", field: value},
    )

    assert response.status_code == 400
    assert code_text in response.content.decode()
    assert Person.objects.count() == before
