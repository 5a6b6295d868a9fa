"""The citizen's F0 declaration: choose who, confirm identity, fill in, send once.

The seed's failures each have a test here: the overdue date (a page with the rule),
the duplicate (the open declaration's status page), the double submit (one row), the
under-15 documents, the photo checks and the CCCD-QR cross-check.
"""

import datetime
import re
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from declarations.f0.models import F0Declaration, F0Draft, F0Status
from declarations.f0.services import f0_accept
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.notify.models import SmsMessage
from khaibao.uploads.models import Photo, PhotoKind
from tests.concurrency import at_once
from tests.declarations.factories import make_declaration, tray_jpeg
from tests.factories import make_citizen
from tests.uploads.images import cccd_card_jpeg, jpeg_bytes, uploaded

TODAY = datetime.date(2026, 11, 22)
NOON = datetime.datetime(2026, 11, 22, 5, 0, tzinfo=datetime.UTC)  # 12:00 in Hồ Chí Minh City


def frozen_at_noon():
    return time_machine.travel(NOON, tick=False)


def use_private_media(settings, tmp_path):
    """Photos of each test go to its own directory, never under the repository's var/."""
    location = tmp_path / "private-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location


@pytest.fixture(autouse=True)
def clock():
    with frozen_at_noon() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    return use_private_media(settings, tmp_path)


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


# -- helpers shared with the other test_citizen_* modules ---------------------------------


def cccd_text(person, *, id_number=None, name=None, dob=None) -> str:
    """What a CCCD's own QR says: id|old id|name|ddmmyyyy|sex|address|issue date."""
    return "|".join(
        [
            id_number or person.id_number,
            "",
            name or person.full_name,
            (dob or person.date_of_birth).strftime("%d%m%Y"),
            "Nam" if person.sex == "M" else "Nữ",
            "12 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh",
            "01012021",
        ]
    )


def upload(client, person, content: bytes, kind=TEST_RESULT_PHOTO):
    """What f0-draft.js does as soon as a photo is chosen."""
    return client.post(
        reverse("uploads:upload"),
        {"file": uploaded(content), "kind": kind, "person": str(person.public_id)},
    )


def address(area) -> dict:
    ward = area.parent if area.level == "village" else area
    return {
        "province": str(ward.parent_id),
        "ward": str(ward.pk),
        "village": str(area.pk) if area != ward else "",
    }


def form_data(person, *, key=None, test_date=TODAY, **overrides) -> dict:
    return {
        "submission_key": str(key or uuid.uuid4()),
        "test_date": test_date.strftime("%d/%m/%Y"),
        "test_type": "rapid",
        "test_photo_id": "",
        "id_photo_id": "",
        "guardian_name": "",
        "vaccine_doses": "2",
        "last_dose_date": "15/08/2021",
        "last_vaccine": "astrazeneca",
        "symptoms": ["fever", "cough"],
        "other_conditions": "",
        **address(person.area),
        "isolation_street": "12 Lê Lợi",
        "contact_phone": "0912 345 678",
        **overrides,
    }


def uploaded_photos(client, person, *, seed: int = 1, card: bytes | None = None) -> dict:
    test = upload(client, person, tray_jpeg(seed))
    document = upload(client, person, card or jpeg_bytes((1200, 800)), PhotoKind.ID_DOCUMENT)
    assert (test.status_code, document.status_code) == (201, 201)
    return {"test_photo_id": test.json()["id"], "id_photo_id": document.json()["id"]}


def declare_url(person) -> str:
    return reverse("declarations:declare", kwargs={"public_id": person.public_id})


def file_declaration(account, person, *, seed: int = 1, card: bytes | None = None):
    """A submitted declaration, made the way the form's service call makes it."""
    return make_declaration(
        person=person,
        account=account,
        test_date=TODAY,
        test_content=tray_jpeg(seed),
        id_content=card or jpeg_bytes((1200, 800)),
        contact_phone="+84912345678",
    )


def section(html: str, element_id: str) -> str:
    """The markup from the element with this id to the next photo box or fieldset."""
    start = html.index(f'id="{element_id}"')
    ends = [html.find(marker, start + 1) for marker in ("data-photo-field", "</fieldset>")]
    return html[start : min(end for end in ends if end != -1)]


# -- start: who is declaring ----------------------------------------------------------------


def test_anonymous_visitors_sign_in_first_and_come_back(client, db):
    response = client.get(reverse("declarations:start"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/f0/"


def test_start_lists_the_accounts_persons_and_continues_to_the_form(
    citizen_client, citizen_person, relative
):
    page = citizen_client.get(reverse("declarations:start"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Khai báo cho ai?" in text
    assert "Nguyễn Văn An" in text and "Nguyễn Thị Bình" in text
    response = citizen_client.post(reverse("declarations:start"), {"person": relative.public_id})
    assert response.status_code == 302
    assert response["Location"] == declare_url(relative)
    assert citizen_client.session["declaring_for"] == str(relative.public_id)


def test_start_refuses_a_person_the_account_does_not_manage(citizen_client, ward2_person):
    response = citizen_client.post(
        reverse("declarations:start"), {"person": ward2_person.public_id}
    )

    assert response.status_code == 400
    assert "Chọn một người trong danh sách." in response.content.decode()


def test_a_person_with_an_open_declaration_goes_to_its_status_page(
    citizen_client, citizen, citizen_person
):
    declaration = file_declaration(citizen, citizen_person)

    chosen = citizen_client.post(
        reverse("declarations:start"), {"person": citizen_person.public_id}
    )
    form = citizen_client.get(declare_url(citizen_person), follow=True)

    assert chosen["Location"] == declaration.get_absolute_url()
    assert form.redirect_chain == [(declaration.get_absolute_url(), 302)]
    assert "đang có một khai báo F0 chưa kết thúc" in form.content.decode()
    assert "Nhắc Trạm Y tế" in form.content.decode()
    assert F0Draft.objects.count() == 0


@pytest.mark.parametrize("status", [F0Status.ACCEPTED, F0Status.COMPLETION_REQUESTED])
def test_a_person_whose_declaration_is_accepted_goes_to_its_status_page_not_an_error(
    citizen_client, citizen, citizen_person, ward1_staff, status
):
    declaration = file_declaration(citizen, citizen_person)
    f0_accept(declaration=declaration, by=ward1_staff)
    F0Declaration.objects.filter(pk=declaration.pk).update(status=status)
    # A second form filled in before the acceptance, posted after it.
    data = form_data(citizen_person, **uploaded_photos(citizen_client, citizen_person, seed=5))

    chosen = citizen_client.post(
        reverse("declarations:start"), {"person": citizen_person.public_id}
    )
    posted = citizen_client.post(declare_url(citizen_person), data, follow=True)

    assert chosen["Location"] == declaration.get_absolute_url()
    assert posted.redirect_chain[-1] == (declaration.get_absolute_url(), 302)
    assert posted.status_code == 200
    assert "đang có một khai báo F0 chưa kết thúc" in posted.content.decode()
    assert F0Declaration.objects.filter(person=citizen_person).count() == 1


# -- the form ---------------------------------------------------------------------------------


def test_the_form_confirms_identity_and_starts_from_the_persons_address_and_phone(
    citizen_client, citizen_person, village1
):
    response = citizen_client.get(declare_url(citizen_person))

    text = response.content.decode()
    assert response.status_code == 200
    identity = text[text.index('id="identity-title"') : text.index("</section>")]
    for shown in ("Nguyễn Văn An", "14/03/1988", "Nam", citizen_person.id_number):
        assert shown in identity
    assert reverse("people:edit", kwargs={"public_id": citizen_person.public_id}) in identity
    assert f'<option value="{village1.pk}" selected>' in text
    assert 'value="12 Lê Lợi"' in text
    assert 'value="0912 345 678"' in text
    draft = F0Draft.objects.get()
    assert f'name="submission_key" value="{draft.submission_key}"' in text
    # No guardian for an adult.
    assert 'name="guardian_name"' not in text


def test_each_fields_help_links_to_its_faq_answer(citizen_client, citizen_person):
    text = citizen_client.get(declare_url(citizen_person)).content.decode()

    faq = reverse("declarations:faq")
    assert "Khai được kết quả test từ ngày 20/11/2026 đến hôm nay (22/11/2026)." in text
    for anchor in ("#q11", "#q6", "#q5"):
        assert f'href="{faq}{anchor}"' in text


def test_a_declaration_is_filed_with_photos_uploaded_as_chosen(
    citizen_client, citizen, citizen_person, village1
):
    photos = uploaded_photos(citizen_client, citizen_person)

    response = citizen_client.post(declare_url(citizen_person), form_data(citizen_person, **photos))

    declaration = F0Declaration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/f0/{declaration.pk}/"
    assert declaration.status == F0Status.SUBMITTED
    assert (declaration.person, declaration.declared_by, declaration.relationship) == (
        citizen_person,
        citizen,
        "self",
    )
    assert str(declaration.test_photo.public_id) == photos["test_photo_id"]
    assert str(declaration.id_photo.public_id) == photos["id_photo_id"]
    assert (declaration.test_date, declaration.isolation_area) == (TODAY, village1)
    assert (declaration.vaccine_doses, declaration.last_vaccine) == (2, "astrazeneca")
    assert declaration.last_dose_date == datetime.date(2021, 8, 15)
    assert declaration.symptoms == ["cough", "fever"]
    assert declaration.contact_phone == "+84912345678"
    assert not F0Draft.objects.exists()
    sms = SmsMessage.objects.get()
    assert (sms.to, sms.purpose) == ("+84912345678", "f0_submitted")
    assert f"/f0/{declaration.pk}/" in sms.body
    status = citizen_client.get(response["Location"]).content.decode()
    assert "Đã gửi khai báo F0 của Nguyễn Văn An." in status
    assert "Chờ Trạm Y tế xác nhận" in status


def test_a_double_submit_files_one_declaration(citizen_client, citizen_person):
    data = form_data(citizen_person, **uploaded_photos(citizen_client, citizen_person))

    first = citizen_client.post(declare_url(citizen_person), data)
    second = citizen_client.post(declare_url(citizen_person), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert F0Declaration.objects.count() == 1
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 1
    assert not F0Draft.objects.exists()


def test_two_simultaneous_submits_of_one_page_file_one_declaration(
    postgres_and_redis, transactional_db, citizen, citizen_person
):
    # Real concurrency needs PostgreSQL's row locks (SQLite serialises whole writes).
    first = Client()
    first.force_login(citizen)
    data = form_data(citizen_person, **uploaded_photos(first, citizen_person))
    second = Client()
    second.force_login(citizen)
    responses = at_once(
        lambda: first.post(declare_url(citizen_person), data),
        lambda: second.post(declare_url(citizen_person), data),
    )

    declaration = F0Declaration.objects.get()
    assert [response.status_code for response in responses] == [302, 302]
    assert {response["Location"] for response in responses} == {declaration.get_absolute_url()}
    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 1
    for client in (first, second):
        # Both sends are the same declaration, not "another one is open".
        page = client.get(declaration.get_absolute_url()).content.decode()
        assert "chưa kết thúc" not in page


def test_without_javascript_the_photos_post_with_the_form(citizen_client, citizen_person):
    data = form_data(
        citizen_person,
        test_photo=uploaded(tray_jpeg(3), "khay.jpg"),
        id_photo=uploaded(jpeg_bytes((1200, 800)), "cccd.jpg"),
    )

    response = citizen_client.post(declare_url(citizen_person), data)

    assert response.status_code == 302
    declaration = F0Declaration.objects.get()
    assert declaration.test_photo.kind == TEST_RESULT_PHOTO
    assert declaration.id_photo.kind == PhotoKind.ID_DOCUMENT
    assert (declaration.id_photo.width, declaration.id_photo.height) == (1200, 800)


def test_a_photo_too_small_says_why_next_to_it_and_the_other_photo_is_kept(
    citizen_client, citizen_person
):
    data = form_data(
        citizen_person,
        test_photo=uploaded(tray_jpeg(3, size=(500, 400))),
        id_photo=uploaded(jpeg_bytes((1200, 800))),
    )

    response = citizen_client.post(declare_url(citizen_person), data)

    text = response.content.decode()
    assert response.status_code == 400
    assert "Ảnh quá nhỏ để đọc được (cạnh ngắn dưới 600 điểm ảnh)" in section(
        text, "id_test_photo_box"
    )
    assert "Ảnh quá nhỏ" not in section(text, "id_id_photo_box")
    assert not F0Declaration.objects.exists()
    id_photo = Photo.objects.get()
    assert id_photo.kind == PhotoKind.ID_DOCUMENT
    assert F0Draft.objects.get().id_photo == id_photo
    # The page shown again carries the stored photo, so it is not chosen twice.
    assert f'name="id_photo_id" value="{id_photo.public_id}"' in text
    assert reverse("uploads:photo", kwargs={"public_id": id_photo.public_id}) in text


def test_an_unreadable_photo_gets_the_pipelines_message(citizen_client, citizen_person):
    broken = jpeg_bytes((1200, 800))[:3000]
    data = form_data(citizen_person, test_photo=uploaded(broken), id_photo=uploaded(broken))

    response = citizen_client.post(declare_url(citizen_person), data)

    text = response.content.decode()
    assert response.status_code == 400
    assert "Không đọc được ảnh này" in section(text, "id_test_photo_box")
    assert not Photo.objects.exists()


def test_missing_photos_are_asked_for_by_name(citizen_client, citizen_person):
    response = citizen_client.post(declare_url(citizen_person), form_data(citizen_person))

    text = response.content.decode()
    assert response.status_code == 400
    assert "Chụp hoặc chọn ảnh kết quả test." in section(text, "id_test_photo_box")
    assert "Chụp hoặc chọn ảnh giấy tờ tuỳ thân." in section(text, "id_id_photo_box")
    assert "Những gì bạn đã nhập đã được lưu nháp." in text


def test_a_photo_of_another_person_cannot_be_used(
    citizen_client, citizen, citizen_person, relative
):
    photos = uploaded_photos(citizen_client, relative)

    response = citizen_client.post(declare_url(citizen_person), form_data(citizen_person, **photos))

    assert response.status_code == 400
    assert "Không tìm thấy ảnh đã chọn trước đó" in response.content.decode()
    assert not F0Declaration.objects.exists()


# -- rules on the page ---------------------------------------------------------------------


@pytest.mark.parametrize("days_ago", [0, 1, 2])
def test_a_test_date_inside_the_window_is_accepted(citizen_client, citizen_person, days_ago):
    test_date = TODAY - datetime.timedelta(days=days_ago)
    data = form_data(citizen_person, test_date=test_date)

    response = citizen_client.post(
        declare_url(citizen_person), {**data, **uploaded_photos(citizen_client, citizen_person)}
    )

    assert response.status_code == 302
    assert F0Declaration.objects.get().test_date == test_date


def test_a_test_date_three_days_ago_shows_the_rule_and_keeps_the_draft(
    citizen_client, citizen_person, ward1
):
    photos = uploaded_photos(citizen_client, citizen_person)
    data = form_data(citizen_person, test_date=datetime.date(2026, 11, 19), **photos)

    response = citizen_client.post(declare_url(citizen_person), data)

    text = response.content.decode()
    assert response.status_code == 400
    assert "Đã quá thời hạn khai báo kết quả test này" in text
    assert "<strong>19/11/2026</strong>" in text
    assert "từ ngày 20/11/2026 đến 22/11/2026" in text
    assert "Trạm Y tế Phường Sài Gòn hoặc tổng đài 1022" in text
    assert f'href="{declare_url(citizen_person)}#test"' in text
    assert not F0Declaration.objects.exists()
    draft = F0Draft.objects.get()
    assert draft.data["test_date"] == "19/11/2026"
    assert str(draft.test_photo.public_id) == photos["test_photo_id"]
    # Back on the form, everything is there to fix the date.
    form = citizen_client.get(declare_url(citizen_person)).content.decode()
    assert 'value="19/11/2026"' in form
    assert f'value="{photos["id_photo_id"]}"' in form


def test_the_window_follows_the_rule_in_force(citizen_client, citizen_person, set_rule):
    set_rule("f0_timing", test_date_window_days=5)
    photos = uploaded_photos(citizen_client, citizen_person)
    data = form_data(citizen_person, test_date=datetime.date(2026, 11, 17), **photos)

    response = citizen_client.post(declare_url(citizen_person), data)

    assert response.status_code == 302
    assert F0Declaration.objects.get().test_date == datetime.date(2026, 11, 17)


def test_a_test_date_in_the_future_is_a_typo_not_the_overdue_page(citizen_client, citizen_person):
    data = form_data(citizen_person, test_date=datetime.date(2026, 11, 23))

    response = citizen_client.post(declare_url(citizen_person), data)

    text = response.content.decode()
    assert response.status_code == 400
    assert "Ngày test không thể sau hôm nay." in text
    assert "Đã quá thời hạn khai báo" not in text


def test_a_child_under_15_must_have_a_guardian_named(citizen_client, relative):
    photos = uploaded_photos(citizen_client, relative)

    page = citizen_client.get(declare_url(relative)).content.decode()
    refused = citizen_client.post(declare_url(relative), form_data(relative, **photos))
    accepted = citizen_client.post(
        declare_url(relative), form_data(relative, guardian_name="Nguyễn  Văn An", **photos)
    )

    assert 'name="guardian_name"' in page
    assert "ghi tên người giám hộ" in page
    assert "Trẻ chưa có giấy tờ: chụp giấy khai sinh, thẻ BHYT hoặc thẻ học sinh" in page
    assert refused.status_code == 400
    assert "Người dưới 15 tuổi: ghi họ tên người giám hộ." in refused.content.decode()
    assert accepted.status_code == 302
    declaration = F0Declaration.objects.get()
    assert (declaration.guardian_name, declaration.relationship) == ("Nguyễn Văn An", "child")


def test_a_person_of_15_with_a_childs_document_is_told_to_fix_it(citizen_client, citizen, relative):
    with time_machine.travel(datetime.datetime(2031, 9, 3, 5, 0, tzinfo=datetime.UTC)):
        citizen_client.force_login(citizen)  # years later: a new session
        photos = uploaded_photos(citizen_client, relative)
        response = citizen_client.post(
            declare_url(relative),
            form_data(relative, test_date=datetime.date(2031, 9, 3), **photos),
        )

    assert response.status_code == 400
    assert "đã từ 15 tuổi: giấy tờ phải là CCCD, CMND hoặc hộ chiếu" in response.content.decode()


def test_pregnancy_is_refused_for_a_male_person(citizen_client, citizen_person):
    photos = uploaded_photos(citizen_client, citizen_person)

    response = citizen_client.post(
        declare_url(citizen_person), form_data(citizen_person, pregnant="on", **photos)
    )

    assert response.status_code == 400
    assert "Người được khai báo là nam: bỏ chọn “Đang mang thai”." in response.content.decode()


def test_a_landline_is_refused_and_a_mobile_is_stored_in_e164(citizen_client, citizen_person):
    photos = uploaded_photos(citizen_client, citizen_person)

    landline = citizen_client.post(
        declare_url(citizen_person),
        form_data(citizen_person, contact_phone="028 3829 1234", **photos),
    )
    mobile = citizen_client.post(
        declare_url(citizen_person),
        form_data(citizen_person, contact_phone="+84 987.654.321", **photos),
    )

    assert landline.status_code == 400
    assert "Đây không phải số di động" in landline.content.decode()
    assert mobile.status_code == 302
    assert F0Declaration.objects.get().contact_phone == "+84987654321"


# -- the CCCD photo's own QR -------------------------------------------------------------------


def test_a_cccd_whose_qr_has_another_id_number_says_which_field(citizen_client, citizen_person):
    card = cccd_card_jpeg(cccd_text(citizen_person, id_number="079088999999"))

    uploaded_card = upload(citizen_client, citizen_person, card, PhotoKind.ID_DOCUMENT)
    # f0-draft.js compares the returned fields at once, then autosaves the photo's id.
    assert uploaded_card.status_code == 201
    assert uploaded_card.json()["cccd"]["id_number"] == "079088999999"
    citizen_client.post(
        reverse("declarations:draft-save", kwargs={"public_id": citizen_person.public_id}),
        {"id_photo_id": uploaded_card.json()["id"]},
    )
    # The form shown again works it out on the server.
    page = citizen_client.get(declare_url(citizen_person)).content.decode()

    warning = page[
        page.index("data-cccd-warning") : page.index("</ul>", page.index("data-cccd-warning"))
    ]
    assert "hidden" not in warning.split(">", 1)[0]
    assert '<li data-cccd-field="id_number">Số giấy tờ</li>' in warning
    assert '<li data-cccd-field="full_name" hidden>' in warning
    assert '<li data-cccd-field="date_of_birth" hidden>' in warning


def test_a_cccd_that_agrees_shows_no_warning(citizen_client, citizen_person):
    card = cccd_card_jpeg(cccd_text(citizen_person, name="NGUYỄN VĂN  AN"))
    photos = uploaded_photos(citizen_client, citizen_person, card=card)
    citizen_client.post(
        reverse("declarations:draft-save", kwargs={"public_id": citizen_person.public_id}),
        photos,
    )

    page = citizen_client.get(declare_url(citizen_person)).content.decode()

    assert re.search(r'data-cccd-warning role="alert" hidden>', page)


def test_a_mismatched_cccd_is_flagged_and_shown_on_the_status_page(citizen_client, citizen_person):
    card = cccd_card_jpeg(cccd_text(citizen_person, dob=datetime.date(1988, 4, 14)))
    photos = uploaded_photos(citizen_client, citizen_person, card=card)

    response = citizen_client.post(declare_url(citizen_person), form_data(citizen_person, **photos))

    declaration = F0Declaration.objects.get()
    assert declaration.cccd_mismatch == ["date_of_birth"]
    status = citizen_client.get(response["Location"]).content.decode()
    assert "Mã QR trên thẻ CCCD trong ảnh không khớp với thông tin đã khai" in status
    assert '<li data-cccd-field="date_of_birth">Ngày sinh</li>' in status


# -- someone else's person -------------------------------------------------------------------


def test_another_citizen_gets_404_on_the_form_and_the_draft(client, citizen_person, db):
    stranger = make_citizen(phone="+84987000222")
    client.force_login(stranger)

    form = client.get(declare_url(citizen_person))
    post = client.post(declare_url(citizen_person), form_data(citizen_person))
    draft = client.post(
        reverse("declarations:draft-save", kwargs={"public_id": citizen_person.public_id}),
        {"test_date": "22/11/2026"},
    )

    assert (form.status_code, post.status_code, draft.status_code) == (404, 404, 404)
    assert not F0Draft.objects.exists()
