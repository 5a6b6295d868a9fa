"""The citizen's health and entry declaration pages (seed 003): the list ("tra cứu"), the
two declare pages, the result and detail pages with their QR, and the token page.

The seed's cases each have a test: a child declared with 000000000 gets its own
declaration and QR; a village typed by hand outside the province is kept beside its
ward; bad input is a Vietnamese 400 that saves nothing; a page posted twice files once.
"""

import datetime
import re
import uuid

import pytest
import time_machine
from django.urls import reverse

from checkpoints.declaring.models import EntryDeclaration, HealthDeclaration, Source
from checkpoints.declaring.services import (
    Traveller,
    Trip,
    entry_declarations_submit,
    health_declaration_submit,
)
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import unit_save
from khaibao.areas.models import AreaLevel
from khaibao.people.models import Person, Relationship
from khaibao.trust.services import qr_verify
from tests.factories import make_area, make_citizen
from tests.vaccination.factories import give_dose, make_unit

TODAY = datetime.date(2026, 11, 22)
NOON = datetime.datetime(2026, 11, 22, 5, 0, tzinfo=datetime.UTC)  # 12:00 in Hồ Chí Minh City


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def other_account(ward2_person):
    return make_citizen(phone="+84987654321", person=ward2_person)


# -- helpers shared with test_bhyt.py ---------------------------------------------------------


def day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def picker(prefix: str, area) -> dict:
    """The province / ward / village a browser posts for `area` (a ward or a village)."""
    ward = area.parent if area.level == AreaLevel.VILLAGE else area
    name = (lambda field: f"{prefix}-{field}") if prefix else (lambda field: field)
    return {
        name("province"): str(ward.parent_id),
        name("ward"): str(ward.pk),
        name("village"): str(area.pk) if area != ward else "",
    }


def status(person, **values) -> dict:
    """A person's self-declared vaccination and test on the entry page."""
    fields = {"vaccine_doses": "0", "last_dose_on": "", "test_outcome": "", "test_sampled_on": ""}
    fields.update(values)
    return {f"p-{person.public_id}-{name}": value for name, value in fields.items()}


def entry_data(persons, /, *, origin, destination, key=None, **overrides) -> dict:
    data = {
        "submission_key": str(key or uuid.uuid4()),
        "persons": [str(person.public_id) for person in persons],
        **picker("origin", origin),
        "origin-point": "",
        "origin-village_text": "",
        "origin-street": "",
        "departed_on": day(TODAY - datetime.timedelta(days=1)),
        "arrival_on": day(TODAY),
        "means": "car",
        "vehicle_number": "",
        "checkpoint": "",
        **picker("dest", destination),
        "dest-street": "12 Lê Lợi",
        "contact_phone": "0912 345 678",
    }
    for person in persons:
        data.update(status(person))
    data.update(overrides)
    return data


def health_data(persons, /, *, area, key=None, **overrides) -> dict:
    return {
        "submission_key": str(key or uuid.uuid4()),
        "persons": [str(person.public_id) for person in persons],
        "symptoms": [],
        "other_symptoms": "",
        "contact_with_case": "no",
        "travelled": "no",
        "travel_places": "",
        **picker("", area),
        "street_address": "12 Lê Lợi",
        "contact_phone": "0912 345 678",
        **overrides,
    }


def file_entry(account, person, *, origin, destination, relationship=Relationship.SELF):
    (declaration,) = entry_declarations_submit(
        declared_by=account,
        travellers=[Traveller(person=person, relationship=relationship)],
        trip=Trip(
            origin_area=origin,
            departed_on=TODAY,
            arrival_on=TODAY,
            means="car",
            destination_area=destination,
        ),
        submission_key=uuid.uuid4(),
    )
    return declaration


def file_health(account, person, *, area):
    return health_declaration_submit(
        declared_by=account,
        person=person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=area,
    )


def qr_texts(html: str) -> list[str]:
    return re.findall(r">(KB1:[^<]+)</textarea>", html)


def text_of(response) -> str:
    return response.content.decode()


# -- the list ("tra cứu") -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "health-declare", "entry-declare"])
def test_a_visitor_signs_in_by_phone_and_comes_back(client, db, name):
    url = reverse(f"checkpoints:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_list_shows_each_persons_last_health_declaration_and_entries_with_qr_links(
    citizen_client, citizen, citizen_person, relative, village1, other_ward
):
    file_health(citizen, citizen_person, area=village1)
    latest = file_health(citizen, citizen_person, area=village1)
    entry = file_entry(
        citizen, relative, origin=other_ward, destination=village1, relationship="child"
    )
    EntryDeclaration.objects.filter(pk=entry.pk).update(
        policy_changed_at=NOON, previous_policy_summary="Cách ly tập trung 14 ngày"
    )

    response = citizen_client.get(reverse("checkpoints:home"))

    assert response.status_code == 200
    html = text_of(response)
    for label in ("Khai báo y tế trong tỉnh", "Khai báo vào tỉnh", "Thêm người thân"):
        assert label in html
    assert f'{reverse("people:add")}?next=%2Fkhai-bao-y-te%2F"' in html
    assert "Khai lần gần nhất lúc 12:00 22/11/2026" in html
    assert latest.get_absolute_url() in html
    assert entry.get_absolute_url() in html
    assert "Đến ngày 22/11/2026, từ Phường Hoàn Kiếm, Thành phố Hà Nội" in html
    assert "Không áp dụng biện pháp" in html
    assert (
        "Chính sách đã thay đổi lúc 12:00 22/11/2026. Trước đó: Cách ly tập trung 14 ngày." in html
    )
    for person in (citizen_person, relative):
        assert reverse("trust:person-qr", args=[person.public_id]) in html
    assert "Chưa khai báo vào tỉnh." in html  # the citizen's own
    assert "Chưa khai báo y tế trong tỉnh." in html  # the child's


def test_the_list_is_one_query_per_kind_whatever_the_number_of_declarations(
    citizen_client,
    citizen,
    citizen_person,
    relative,
    village1,
    other_ward,
    django_assert_max_num_queries,
):
    for person in (citizen_person, relative):
        file_health(citizen, person, area=village1)
        for _ in range(3):
            file_entry(citizen, person, origin=other_ward, destination=village1)
    # Session and user (with the session's idle-timeout update), the persons, their
    # last health declarations, the entry declarations, the origins' names: 9 in all,
    # however many declarations there are.
    with django_assert_max_num_queries(9):
        response = citizen_client.get(reverse("checkpoints:home"))
    assert text_of(response).count("Xem QR") == 8


# -- the health declaration -----------------------------------------------------------------


def test_the_health_page_asks_about_the_rules_days_and_ticks_the_account_owner(
    citizen_client, citizen_person, relative, province, set_rule
):
    set_rule("checkpoint_declarations", province, lookback_days=10)
    response = citizen_client.get(reverse("checkpoints:health-declare"))
    html = text_of(response)
    assert response.status_code == 200
    assert "Trong 10 ngày gần đây, có triệu chứng nào sau đây không?" in html
    assert re.search(rf'value="{citizen_person.public_id}" checked', html)
    assert not re.search(rf'value="{relative.public_id}" checked', html)
    assert 'value="0912 345 678"' in html  # the account's phone


def test_a_health_declaration_for_two_persons_files_one_each_with_its_own_qr(
    citizen_client, citizen, citizen_person, relative, village1
):
    key = uuid.uuid4()
    data = health_data(
        [citizen_person, relative],
        area=village1,
        key=key,
        symptoms=["fever", "cough"],
        travelled="yes",
        travel_places="Đà Nẵng, 18/11",
    )
    response = citizen_client.post(reverse("checkpoints:health-declare"), data, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("checkpoints:health-result", args=[key])
    html = text_of(response)
    assert "Đã khai báo y tế cho 2 người." in html
    rows = list(HealthDeclaration.objects.filter(submission_key=key).order_by("person__name_key"))
    assert {row.person for row in rows} == {citizen_person, relative}
    for row in rows:
        assert row.symptoms == ["fever", "cough"]
        assert row.travel_places == "Đà Nẵng, 18/11"
        assert row.area == village1
        assert row.contact_phone == "+84912345678"
        assert row.relationship == (
            Relationship.SELF if row.person == citizen_person else Relationship.CHILD
        )
    assert sorted(qr_texts(html)) == sorted(row.qr_text for row in rows)
    assert len(set(qr_texts(html))) == 2
    assert qr_verify(rows[0].qr_text).is_valid


def test_a_health_page_posted_twice_files_one_declaration_per_person(
    citizen_client, citizen_person, relative, village1
):
    data = health_data([citizen_person, relative], area=village1)
    first = citizen_client.post(reverse("checkpoints:health-declare"), data)
    second = citizen_client.post(reverse("checkpoints:health-declare"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert HealthDeclaration.objects.filter(submission_key=data["submission_key"]).count() == 2


def test_the_health_declaration_can_be_filed_again_later(citizen_client, citizen_person, village1):
    for _ in range(2):
        citizen_client.post(
            reverse("checkpoints:health-declare"), health_data([citizen_person], area=village1)
        )
    assert HealthDeclaration.objects.filter(person=citizen_person).count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"travelled": "yes", "travel_places": " "}, "Ghi nơi đã đến."),
        ({"persons": []}, "Chọn ít nhất một người."),
        ({"ward": "999999", "village": ""}, "Chọn phường / xã trong danh sách."),
        ({"province": "abc"}, "Chọn tỉnh / thành phố trong danh sách."),
        ({"contact_phone": "12345"}, "Số điện thoại không hợp lệ."),
        ({"symptoms": ["headache"]}, "Triệu chứng không có trong danh sách."),
        ({"submission_key": "not-a-key"}, "Trang khai báo đã cũ."),
    ],
)
def test_bad_health_answers_are_told_in_vietnamese_and_nothing_is_saved(
    citizen_client, citizen_person, village1, overrides, message
):
    data = health_data([citizen_person], area=village1, **overrides)
    response = citizen_client.post(reverse("checkpoints:health-declare"), data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not HealthDeclaration.objects.exists()


def test_a_person_the_account_does_not_manage_cannot_be_ticked(
    citizen_client, citizen_person, ward2_person, village1
):
    data = health_data([citizen_person, ward2_person], area=village1)
    response = citizen_client.post(reverse("checkpoints:health-declare"), data)

    assert response.status_code == 400
    assert "Chọn người trong danh sách." in text_of(response)
    assert not HealthDeclaration.objects.exists()


def test_the_refresh_button_keeps_the_answers_and_shows_no_errors(
    citizen_client, citizen_person, relative, village1, village2
):
    ward2 = village2.parent
    data = health_data(
        [relative], area=village1, ward=str(ward2.pk), village="", other_symptoms="Đau đầu"
    )
    data["_refresh"] = "1"
    response = citizen_client.post(reverse("checkpoints:health-declare"), data)

    html = text_of(response)
    assert response.status_code == 200
    assert "Chưa gửi được" not in html
    assert 'value="Đau đầu"' in html
    assert re.search(rf'value="{relative.public_id}" checked', html)
    assert re.search(rf'<option value="{ward2.pk}" selected>', html)
    assert "Khu phố 3" in html  # ward 2's villages now listed
    assert not HealthDeclaration.objects.exists()


# -- the entry declaration ------------------------------------------------------------------


def test_a_child_without_id_declared_with_its_parent_gets_its_own_declaration_and_qr(
    citizen_client, citizen, citizen_person, relative, village1, other_ward
):
    key = uuid.uuid4()
    data = entry_data([citizen_person, relative], origin=other_ward, destination=village1, key=key)
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data, follow=True)

    assert response.redirect_chain[-1][0] == reverse("checkpoints:entry-result", args=[key])
    html = text_of(response)
    assert "Đã khai báo vào tỉnh cho 2 người." in html
    rows = {row.person_id: row for row in EntryDeclaration.objects.filter(submission_key=key)}
    child = rows[relative.pk]
    assert child.relationship == Relationship.CHILD
    assert child.qr_text != rows[citizen_person.pk].qr_text
    assert child.policy_text in html
    assert sorted(qr_texts(html)) == sorted(row.qr_text for row in rows.values())
    assert qr_verify(child.qr_text).is_valid
    relative.refresh_from_db()
    assert (relative.id_type, relative.id_number) == ("none", "")
    assert not Person.objects.filter(id_number="000000000").exists()


def test_a_village_typed_by_hand_outside_the_province_is_kept_beside_its_ward(
    citizen_client, citizen_person, village1, other_ward
):
    shown = citizen_client.post(
        reverse("checkpoints:entry-declare"),
        {**entry_data([citizen_person], origin=other_ward, destination=village1), "_refresh": "1"},
    )
    assert "Thôn / tổ dân phố" in text_of(shown)  # the ward has no villages: typed

    data = entry_data(
        [citizen_person],
        origin=other_ward,
        destination=village1,
        **{"origin-village_text": "  Thôn   Đông ", "origin-street": "5 Hàng Bạc"},
    )
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert response.status_code == 302
    declaration = EntryDeclaration.objects.get()
    assert declaration.origin_area == other_ward
    assert declaration.origin_village_text == "Thôn Đông"
    assert declaration.origin_street == "5 Hàng Bạc"
    assert declaration.origin_text == "Thôn Đông, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert declaration.destination_area == village1


def test_a_point_of_a_village_of_the_tree_is_offered_and_kept(
    citizen_client, citizen_person, village1, other_ward, province, set_rule
):
    village = make_area(code="00070-001", name="Tổ 5", level=AreaLevel.VILLAGE, parent=other_ward)
    point = make_area(code="00070-001-01", name="Chung cư A", level=AreaLevel.POINT, parent=village)
    set_rule(
        "quarantine_policy",
        province,
        policies=[{"area": village.code, "measure": "central_quarantine", "days": 14}],
    )
    data = entry_data([citizen_person], origin=village, destination=village1)

    shown = citizen_client.post(reverse("checkpoints:entry-declare"), {**data, "_refresh": "1"})
    html = text_of(shown)
    assert "Không có trong danh sách? Nhập tên thôn / tổ dân phố" in html
    assert f'<option value="{point.pk}">Chung cư A</option>' in html

    response = citizen_client.post(
        reverse("checkpoints:entry-declare"), {**data, "origin-point": str(point.pk)}, follow=True
    )
    declaration = EntryDeclaration.objects.get()
    assert declaration.origin_area == point
    # The village's policy applies to its points, and the page says it in plain words.
    assert declaration.policy_measure == "central_quarantine"
    assert "Cách ly tập trung 14 ngày, từ ngày đến 22/11/2026 đến hết ngày 05/12/2026." in text_of(
        response
    )


def test_an_origin_inside_the_destination_province_is_refused_on_its_field(
    citizen_client, citizen_person, village1, ward2
):
    data = entry_data([citizen_person], origin=ward2, destination=village1)
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert response.status_code == 400
    assert "Nơi đi ở ngoài tỉnh nơi đến" in text_of(response)
    assert not EntryDeclaration.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"departed_on": day(TODAY), "arrival_on": day(TODAY - datetime.timedelta(days=1))},
            "Ngày đến không thể trước ngày khởi hành.",
        ),
        ({"arrival_on": "31/02/2026"}, "Nhập ngày dạng ngày/tháng/năm"),
        ({"dest-ward": "999999", "dest-village": ""}, "Chọn phường / xã trong danh sách."),
        ({"origin-ward": "abc"}, "Chọn phường / xã trong danh sách."),
        ({"origin-province": "", "origin-ward": ""}, "Chọn tỉnh / thành phố."),
        ({"means": "boat"}, "Chọn phương tiện trong danh sách."),
        ({"means": "coach"}, "Ghi số hiệu chuyến bay, chuyến tàu hoặc biển số xe khách."),
        ({"checkpoint": "999999"}, "Chọn chốt kiểm soát trong danh sách."),
        ({"arrival_on": day(TODAY + datetime.timedelta(days=30))}, "tối đa 14 ngày"),
    ],
)
def test_bad_entry_answers_are_told_in_vietnamese_and_nothing_is_saved(
    citizen_client, citizen_person, village1, other_ward, overrides, message
):
    data = entry_data([citizen_person], origin=other_ward, destination=village1, **overrides)
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not EntryDeclaration.objects.exists()


def test_a_persons_bad_dates_are_shown_on_that_persons_fields(
    citizen_client, citizen_person, relative, village1, other_ward
):
    data = entry_data(
        [citizen_person, relative],
        origin=other_ward,
        destination=village1,
        **status(relative, vaccine_doses="1", last_dose_on=""),
        **status(
            citizen_person,
            test_outcome="negative",
            test_sampled_on=day(TODAY - datetime.timedelta(days=20)),
        ),
    )
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    html = text_of(response)
    assert response.status_code == 400
    assert "Nhập ngày tiêm mũi gần nhất." in html
    assert "Xét nghiệm lấy mẫu quá 7 ngày trước ngày đến" in html
    assert not EntryDeclaration.objects.exists()


def test_a_relative_left_unticked_is_not_asked_anything(
    citizen_client, citizen_person, relative, village1, other_ward
):
    data = entry_data([citizen_person], origin=other_ward, destination=village1)
    data[f"p-{relative.public_id}-vaccine_doses"] = "many"
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert response.status_code == 302
    assert list(EntryDeclaration.objects.values_list("person", flat=True)) == [citizen_person.pk]


def test_an_entry_for_a_person_not_managed_by_the_account_is_refused(
    citizen_client, citizen_person, ward2_person, village1, other_ward
):
    data = entry_data([citizen_person, ward2_person], origin=other_ward, destination=village1)
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert response.status_code == 400
    assert "Chọn người trong danh sách." in text_of(response)
    assert not EntryDeclaration.objects.exists()


def test_an_entry_page_posted_twice_files_one_declaration_per_person(
    citizen_client, citizen_person, relative, village1, other_ward
):
    data = entry_data([citizen_person, relative], origin=other_ward, destination=village1)
    first = citizen_client.post(reverse("checkpoints:entry-declare"), data)
    second = citizen_client.post(reverse("checkpoints:entry-declare"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert EntryDeclaration.objects.filter(submission_key=data["submission_key"]).count() == 2


def test_a_repost_that_ticks_one_more_person_files_that_person_too(
    citizen_client, citizen_person, relative, village1, other_ward
):
    key = uuid.uuid4()
    alone = entry_data([citizen_person], origin=other_ward, destination=village1, key=key)
    both = entry_data([citizen_person, relative], origin=other_ward, destination=village1, key=key)

    citizen_client.post(reverse("checkpoints:entry-declare"), alone)
    response = citizen_client.post(reverse("checkpoints:entry-declare"), both)

    assert response.status_code == 302
    filed = EntryDeclaration.objects.filter(submission_key=key)
    assert sorted(filed.values_list("person__full_name", flat=True)) == sorted(
        [citizen_person.full_name, relative.full_name]
    )


def test_verified_records_are_shown_and_used_the_rest_is_self_declared(
    citizen_client, superuser, citizen_person, relative, village1, other_ward
):
    unit = make_unit(by=superuser, area=village1.parent)
    give_dose(citizen_person, unit, number=1, given_on=datetime.date(2021, 8, 2))
    give_dose(citizen_person, unit, number=2, given_on=datetime.date(2021, 10, 2))

    shown = citizen_client.get(reverse("checkpoints:entry-declare"))
    html = text_of(shown)
    own = html.split(f'data-person="{citizen_person.public_id}"')[1].split("kb-traveller")[0]
    child = html.split(f'data-person="{relative.public_id}"')[1].split("kb-traveller")[0]
    assert "Đã xác thực" in own and "2 mũi, mũi gần nhất ngày 02/10/2021." in own
    assert f'name="p-{citizen_person.public_id}-vaccine_doses"' not in html
    assert "Tự khai" in child and f'name="p-{relative.public_id}-vaccine_doses"' in html

    data = entry_data(
        [citizen_person, relative],
        origin=other_ward,
        destination=village1,
        **status(citizen_person, vaccine_doses="0"),
        **status(
            relative,
            vaccine_doses="1",
            last_dose_on="01/09/2026",
            test_outcome="negative",
            test_sampled_on=day(TODAY),
        ),
    )
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data)
    assert response.status_code == 302
    own_row = EntryDeclaration.objects.get(person=citizen_person)
    child_row = EntryDeclaration.objects.get(person=relative)
    assert (own_row.vaccination_source, own_row.vaccine_doses) == (Source.VERIFIED, 2)
    assert (child_row.vaccination_source, child_row.vaccine_doses) == (Source.SELF, 1)
    assert child_row.last_dose_on == datetime.date(2026, 9, 1)
    assert (child_row.test_source, child_row.test_outcome) == (Source.SELF, "negative")


def test_the_checkpoint_is_one_of_the_destination_provinces(
    citizen_client, superuser, citizen_person, village1, other_ward, province, other_province
):
    def checkpoint(code, area):
        return unit_save(
            by=superuser, unit=Unit(), role=Role.CHECKPOINT, code=code, name=code, area=area
        )

    ours, theirs = checkpoint("CHOT-SB", province), checkpoint("CHOT-HN", other_province)
    shown = citizen_client.get(reverse("checkpoints:entry-declare"))
    assert "CHOT-SB" in text_of(shown) and "CHOT-HN" not in text_of(shown)

    data = entry_data([citizen_person], origin=other_ward, destination=village1)
    refused = citizen_client.post(
        reverse("checkpoints:entry-declare"), {**data, "checkpoint": str(theirs.pk)}
    )
    assert refused.status_code == 400
    assert "Chọn chốt kiểm soát trong danh sách." in text_of(refused)
    citizen_client.post(reverse("checkpoints:entry-declare"), {**data, "checkpoint": str(ours.pk)})
    assert EntryDeclaration.objects.get().checkpoint == ours


# -- detail pages and the token page ----------------------------------------------------------


def test_the_entry_detail_shows_the_trip_policy_qr_and_my_qr_link(
    citizen_client, citizen, relative, village1, other_ward
):
    declaration = file_entry(
        citizen, relative, origin=other_ward, destination=village1, relationship="child"
    )
    response = citizen_client.get(declaration.get_absolute_url())

    html = text_of(response)
    assert response.status_code == 200
    assert "Nguyễn Thị Bình" in html
    assert "Phường Hoàn Kiếm, Thành phố Hà Nội" in html
    assert "Khu phố 1, Phường Sài Gòn, Thành phố Hồ Chí Minh" in html
    assert declaration.policy_text in html
    assert qr_texts(html) == [declaration.qr_text]
    assert reverse("trust:person-qr", args=[relative.public_id]) in html
    assert "In tờ khai" in html


def test_the_health_detail_shows_the_answers_and_the_qr(
    citizen_client, citizen, citizen_person, village1
):
    declaration = health_declaration_submit(
        declared_by=citizen,
        person=citizen_person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=village1,
        symptoms=["fever"],
        other_symptoms="Đau đầu",
    )
    response = citizen_client.get(declaration.get_absolute_url())

    html = text_of(response)
    assert response.status_code == 200
    assert "Sốt, Đau đầu" in html
    assert qr_texts(html) == [declaration.qr_text]
    assert reverse("trust:person-qr", args=[citizen_person.public_id]) in html


def test_another_accounts_declarations_are_404(
    citizen_client, other_account, ward2_person, village2, other_ward
):
    entry = file_entry(other_account, ward2_person, origin=other_ward, destination=village2)
    health = file_health(other_account, ward2_person, area=village2)
    urls = [
        entry.get_absolute_url(),
        health.get_absolute_url(),
        reverse("checkpoints:entry-result", args=[entry.submission_key]),
        reverse("checkpoints:health-result", args=[health.submission_key]),
    ]
    for url in urls:
        assert citizen_client.get(url).status_code == 404, url


def test_reposting_another_accounts_submission_key_files_for_this_account(
    citizen_client, citizen_person, other_account, ward2_person, village1, village2, other_ward
):
    """A key seen elsewhere never shows the other account's declarations."""
    theirs = file_entry(other_account, ward2_person, origin=other_ward, destination=village2)
    data = entry_data(
        [citizen_person], origin=other_ward, destination=village1, key=theirs.submission_key
    )
    response = citizen_client.post(reverse("checkpoints:entry-declare"), data, follow=True)

    assert response.status_code == 200
    assert "Trần Thị Cúc" not in text_of(response)
    assert EntryDeclaration.objects.filter(person=citizen_person).count() == 1


def test_the_token_page_works_without_login_and_shows_only_the_essentials(
    client, citizen, citizen_person, village1, other_ward
):
    declaration = file_entry(citizen, citizen_person, origin=other_ward, destination=village1)
    response = client.get(reverse("checkpoints:by-token", args=[declaration.access_token]))

    html = text_of(response)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert "Nguyễn Văn An" in html and "sinh năm 1988" in html
    assert "14/03/1988" not in html
    assert citizen_person.id_number not in html
    assert "Phường Hoàn Kiếm, Thành phố Hà Nội" in html
    assert declaration.policy_text in html
    assert qr_texts(html) == [declaration.qr_text]
    assert "12 Lê Lợi" not in html  # not the destination address


def test_the_token_page_of_a_health_declaration(client, citizen, citizen_person, village1):
    declaration = file_health(citizen, citizen_person, area=village1)
    response = client.get(reverse("checkpoints:by-token", args=[declaration.access_token]))

    assert response.status_code == 200
    assert qr_texts(text_of(response)) == [declaration.qr_text]
    assert "Tờ khai y tế trong tỉnh" in text_of(response)


@pytest.mark.parametrize("token", ["wrong-token", "x" * 200])
def test_a_wrong_token_is_404(client, citizen, citizen_person, village1, other_ward, token):
    file_entry(citizen, citizen_person, origin=other_ward, destination=village1)
    assert client.get(reverse("checkpoints:by-token", args=[token])).status_code == 404
