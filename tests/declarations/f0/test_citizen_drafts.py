"""Nothing typed is lost (seed 000's "token" error): the draft is saved as the citizen
goes, comes back on the form, and survives an expired CSRF token or session."""

import datetime
import secrets

import pytest
from django.test import Client
from django.urls import reverse

from declarations.f0.forms import DRAFT_FIELDS
from declarations.f0.models import F0Declaration, F0Draft
from declarations.kinds import TEST_RESULT_PHOTO
from khaibao.uploads.models import Photo, PhotoKind
from tests.declarations.f0.test_citizen_declare import (
    address,
    declare_url,
    file_declaration,
    form_data,
    frozen_at_noon,
    tray_jpeg,
    uploaded_photos,
    use_private_media,
)
from tests.uploads.images import jpeg_bytes, uploaded


@pytest.fixture(autouse=True)
def clock():
    with frozen_at_noon() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    return use_private_media(settings, tmp_path)


def draft_url(person) -> str:
    return reverse("declarations:draft-save", kwargs={"public_id": person.public_id})


def typed_so_far(person, **overrides) -> dict:
    """What f0-draft.js posts: the form's answers, without the files."""
    return {
        "test_date": "21/11/2026",
        "test_type": "pcr",
        "symptoms": ["fever", "short_breath"],
        "conditions": ["diabetes"],
        "other_conditions": "Hen suyễn",
        "vaccine_doses": "3",
        "last_vaccine": "pfizer",
        "last_dose_date": "02/01/2022",
        **address(person.area),
        "isolation_street": "5 Hai Bà Trưng",
        "contact_phone": "0987 654 321",
        **overrides,
    }


def assert_form_has_the_draft(html: str, photos: dict) -> None:
    assert 'value="21/11/2026"' in html
    assert 'value="pcr"  id="id_test_type_1" required checked' in html
    assert 'value="fever"  id="id_symptoms_0" checked' in html
    assert 'value="short_breath"  id="id_symptoms_3" checked' in html
    assert 'value="cough"  id="id_symptoms_1">' in html
    assert 'value="diabetes"  id="id_conditions_0" checked' in html
    assert 'value="Hen suyễn"' in html
    assert '<option value="3" selected>3</option>' in html
    assert 'value="5 Hai Bà Trưng"' in html
    assert 'value="0987 654 321"' in html
    for name, public_id in photos.items():
        assert f'name="{name}" value="{public_id}"' in html
        assert f'src="{reverse("uploads:photo", kwargs={"public_id": public_id})}"' in html
    assert html.count(">Chọn ảnh khác</label>") == 2


def test_autosaved_answers_and_photos_come_back_on_the_form(client, citizen, citizen_person):
    client.force_login(citizen)
    photos = uploaded_photos(client, citizen_person)

    saved = client.post(draft_url(citizen_person), {**typed_so_far(citizen_person), **photos})

    assert saved.status_code == 200
    assert saved.json() == {"saved_at": "12:00"}
    draft = F0Draft.objects.get()
    assert draft.data["symptoms"] == "fever,short_breath"
    assert str(draft.test_photo.public_id) == photos["test_photo_id"]
    page = client.get(declare_url(citizen_person))
    assert page.status_code == 200
    assert_form_has_the_draft(page.content.decode(), photos)
    # The thumbnails are the citizen's to see.
    assert client.get(f"/photos/{photos['id_photo_id']}/").status_code == 200


def test_an_unticked_box_clears_what_the_draft_had(client, citizen, citizen_person):
    client.force_login(citizen)
    client.post(draft_url(citizen_person), typed_so_far(citizen_person, pregnant="on"))

    client.post(draft_url(citizen_person), typed_so_far(citizen_person, symptoms=[]))

    data = F0Draft.objects.get().data
    assert (data["symptoms"], data["pregnant"]) == ("", "")
    page = client.get(declare_url(citizen_person)).content.decode()
    assert 'value="fever"  id="id_symptoms_0">' in page


def test_only_the_forms_answers_are_kept_in_a_draft(client, citizen, citizen_person):
    client.force_login(citizen)

    client.post(draft_url(citizen_person), {"cccd_mismatch": "[]", "status": "accepted"})

    data = F0Draft.objects.get().data
    assert set(data) == set(DRAFT_FIELDS)
    assert "cccd_mismatch" not in data and "status" not in data


def test_a_photo_of_another_person_is_not_put_in_the_draft(
    client, citizen, citizen_person, relative
):
    client.force_login(citizen)
    childs = uploaded_photos(client, relative)

    client.post(draft_url(citizen_person), childs)

    draft = F0Draft.objects.get(person=citizen_person)
    assert (draft.test_photo, draft.id_photo) == (None, None)


def test_save_draft_without_javascript_keeps_the_photos_chosen(client, citizen, citizen_person):
    client.force_login(citizen)
    data = {
        **typed_so_far(citizen_person),
        "test_photo": uploaded(tray_jpeg(5)),
        "id_photo": uploaded(jpeg_bytes((1200, 800))),
        "_save_draft": "1",
    }

    response = client.post(declare_url(citizen_person), data, follow=True)

    assert response.redirect_chain == [(declare_url(citizen_person), 302)]
    text = response.content.decode()
    assert "Đã lưu nháp." in text
    assert "Chưa gửi được" not in text
    photos = {
        "test_photo_id": str(Photo.objects.get(kind=TEST_RESULT_PHOTO).public_id),
        "id_photo_id": str(Photo.objects.get(kind=PhotoKind.ID_DOCUMENT).public_id),
    }
    assert_form_has_the_draft(text, photos)
    assert not F0Declaration.objects.exists()


def test_save_draft_with_a_bad_photo_says_why(client, citizen, citizen_person):
    client.force_login(citizen)
    data = {**typed_so_far(citizen_person), "test_photo": uploaded(b"not a photo")}

    response = client.post(declare_url(citizen_person), {**data, "_save_draft": "1"}, follow=True)

    assert "Ảnh kết quả test: Tệp này không phải là ảnh." in response.content.decode()
    assert F0Draft.objects.get().data["test_date"] == "21/11/2026"


def test_the_no_javascript_ward_list_follows_a_new_province(
    client, citizen, citizen_person, ward1, other_province, other_ward
):
    client.force_login(citizen)
    data = typed_so_far(citizen_person, province=str(other_province.pk), ward=str(ward1.pk))

    response = client.post(declare_url(citizen_person), {**data, "_refresh": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{declare_url(citizen_person)}#isolation"
    page = client.get(declare_url(citizen_person)).content.decode()
    assert f'<option value="{other_province.pk}" selected>' in page
    assert f'<option value="{other_ward.pk}">Phường Hoàn Kiếm</option>' in page
    assert f'<option value="{ward1.pk}">Phường Sài Gòn</option>' not in page


def test_an_expired_session_gets_json_not_the_login_page(client, citizen_person):
    response = client.post(draft_url(citizen_person), {"test_date": "21/11/2026"})

    assert response.status_code == 403
    assert response.json()["code"] == "login_required"
    assert not F0Draft.objects.exists()


def test_autosave_after_the_declaration_was_sent_points_to_its_status(
    client, citizen, citizen_person
):
    client.force_login(citizen)
    declaration = file_declaration(citizen, citizen_person)

    response = client.post(draft_url(citizen_person), typed_so_far(citizen_person))

    assert response.status_code == 409
    assert response.json()["url"] == declaration.get_absolute_url()
    assert not F0Draft.objects.exists()


# -- an expired CSRF token or session ------------------------------------------------------------


@pytest.fixture
def csrf_client(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    return client


def test_an_expired_csrf_token_keeps_the_draft_and_leads_back_to_it(csrf_client, citizen_person):
    client = csrf_client
    client.get(declare_url(citizen_person))  # sets the CSRF cookie, as a browser would
    token = client.cookies["csrftoken"].value
    photos = {
        "test_photo_id": upload_with_token(client, citizen_person, token, TEST_RESULT_PHOTO),
        "id_photo_id": upload_with_token(client, citizen_person, token, PhotoKind.ID_DOCUMENT),
    }
    saved = client.post(
        draft_url(citizen_person),
        {**typed_so_far(citizen_person), **photos},
        HTTP_X_CSRFTOKEN=token,
    )
    assert saved.status_code == 200
    # Signing in again in another tab gives a new token: this page's one is stale.
    client.cookies["csrftoken"] = secrets.token_hex(16)

    response = client.post(
        declare_url(citizen_person),
        {**form_data(citizen_person, **photos), "csrfmiddlewaretoken": token},
    )

    text = response.content.decode()
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn" in text
    # It says plainly what was kept (issue 17): the draft and photos; the rest in the tab.
    assert "Những gì đã được giữ" in text
    assert "bản nháp lưu trong lúc bạn nhập và các ảnh đã tải lên vẫn còn" in text
    assert "không bị mất" not in text
    assert f'href="{declare_url(citizen_person)}">Quay lại trang vừa rồi' in text
    assert "/dang-nhap/?next=%2Ff0%2Fkhai-bao%2F" in text
    assert response["Cache-Control"] == "no-store"
    assert not F0Declaration.objects.exists()
    page = client.get(declare_url(citizen_person))
    assert page.status_code == 200
    assert_form_has_the_draft(page.content.decode(), photos)


def upload_with_token(client, person, token, kind) -> str:
    content = tray_jpeg(9) if kind == TEST_RESULT_PHOTO else jpeg_bytes((1200, 800))
    response = client.post(
        reverse("uploads:upload"),
        {"file": uploaded(content), "kind": kind, "person": str(person.public_id)},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_the_csrf_page_goes_back_to_the_page_the_form_was_on(csrf_client, citizen_person):
    response = csrf_client.post(
        reverse("people:choose"),
        {"person": str(citizen_person.public_id)},
        HTTP_REFERER="http://testserver/f0/?chon=1",
    )

    assert response.status_code == 403
    assert 'href="/f0/?chon=1">Quay lại trang vừa rồi' in response.content.decode()


def test_the_csrf_page_never_leads_to_another_site(csrf_client, citizen_person):
    response = csrf_client.post(declare_url(citizen_person), HTTP_REFERER="https://evil.example/")

    assert f'href="{declare_url(citizen_person)}">Quay lại' in response.content.decode()


def test_a_script_gets_the_csrf_failure_as_json(csrf_client, citizen_person):
    response = csrf_client.post(
        draft_url(citizen_person), {"test_date": "21/11/2026"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "csrf"
    assert not F0Draft.objects.exists()


def test_a_session_that_timed_out_keeps_the_draft_for_after_login(
    client, citizen, citizen_person, clock, settings
):
    client.force_login(citizen)
    client.get(declare_url(citizen_person))
    client.post(draft_url(citizen_person), typed_so_far(citizen_person))
    clock.shift(datetime.timedelta(seconds=settings.CITIZEN_IDLE_TIMEOUT_SECONDS + 60))

    response = client.post(declare_url(citizen_person), form_data(citizen_person))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(citizen)
    page = client.get(declare_url(citizen_person)).content.decode()
    assert 'value="5 Hai Bà Trưng"' in page and 'value="21/11/2026"' in page
