"""The correction request, sent without logging in (seed 001, steps 1–5): the form's
checks per kind, the captcha, the OTP to the phone given, nothing stored before the
code, the tracking code and its status page, duplicates, the draft and the held photo.
"""

import datetime
import re

import pytest
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khaibao.notify.models import SmsMessage
from khaibao.people.models import Person
from khaibao.uploads.held import HELD_DIR, held_photos_delete
from khaibao.uploads.models import Photo
from khaibao.uploads.services import private_storage
from tests.uploads.conftest import private_media  # noqa: F401 (autouse: a storage per test)
from tests.uploads.images import jpeg_bytes
from vaccination.forms import CorrectionForm
from vaccination.models import CorrectionKind, CorrectionRequest, CorrectionStatus

FORM = reverse("vaccination:correction")
VERIFY = reverse("vaccination:correction-verify")
LOOKUP = reverse("vaccination:correction-lookup")
PHONE = "0913 222 333"
E164 = "+84913222333"


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def photo_upload(name="giay-xac-nhan.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes((1000, 800), (40, 120, 200)), "image/jpeg")


def captcha(client) -> dict:
    page = client.get(FORM).content.decode()
    key = re.search(r'name="captcha_0" value="(\w+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def answers(ward, unit, kind=CorrectionKind.DOSE2, **changes) -> dict:
    data = {
        "full_name": "Trần Thị Mai",
        "date_of_birth": "14/03/1990",
        "sex": "F",
        "phone": PHONE,
        "id_type": "cmnd",
        "id_number": "023456789",
        "province": str(ward.parent_id),
        "ward": str(ward.pk),
        "workplace": "Công ty ABC",
        "kind": kind,
        "dose1_given_on": "02/08/2021",
        "dose1_vaccine": "astrazeneca",
        "dose1_lot": "NJ0342",
        "dose1_unit": str(unit.pk),
        "dose2_given_on": "15/10/2021",
        "dose2_vaccine": "astrazeneca",
        "dose2_lot": "NJ0377",
        "dose2_unit": str(unit.pk),
    }
    data.update(changes)
    return data


def send(client, data, *, photo=True):
    payload = {**data, **captcha(client)}
    if photo:
        payload["photo"] = photo_upload()
    return client.post(FORM, payload)


def sent_code(phone=E164) -> str:
    body = SmsMessage.objects.filter(to=phone, purpose="otp").latest("created_at", "id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def nothing_stored():
    return (
        not CorrectionRequest.objects.exists()
        and not Photo.objects.exists()
        and not Person.objects.filter(full_name="Trần Thị Mai").exists()
    )


def test_the_whole_request_with_the_otp_gives_a_tracking_code_and_an_sms(client, ward1, unit1):
    response = send(client, answers(ward1, unit1))

    assert response.status_code == 302 and response["Location"] == VERIFY
    assert nothing_stored()
    assert SmsMessage.objects.filter(to=E164, purpose="otp").count() == 1

    response = client.post(VERIFY, {"code": sent_code()})

    request = CorrectionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "vaccination:correction-status", args=[request.tracking_code]
    )
    assert request.status == CorrectionStatus.PENDING and request.unit == unit1
    assert [dose.number for dose in request.doses.all()] == [2]
    assert request.person.full_name == "Trần Thị Mai" and request.phone == E164
    # The photo went to private storage, under no public URL.
    assert private_storage().exists(request.photo.storage_name)
    assert not request.photo.storage_name.startswith(HELD_DIR)
    received = SmsMessage.objects.exclude(purpose="otp").get(to=E164)
    assert request.tracking_code in received.body
    page = client.get(response["Location"]).content.decode()
    assert request.tracking_code in page and "NJ0377" in page


@pytest.mark.parametrize(
    ("kind", "missing", "field"),
    [
        (CorrectionKind.DOSE1, "dose1_given_on", "dose1_given_on"),
        (CorrectionKind.DOSE2, "dose2_lot", "dose2_lot"),
        (CorrectionKind.BOTH, "dose1_vaccine", "dose1_vaccine"),
    ],
)
def test_each_kind_needs_its_doses_and_nothing_is_saved_or_sent_without_them(
    client, ward1, unit1, kind, missing, field
):
    response = send(client, answers(ward1, unit1, kind=kind, **{missing: ""}))

    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert nothing_stored() and not SmsMessage.objects.exists()


def test_the_first_dose_is_not_asked_for_a_dose2_request(client, ward1, unit1):
    data = answers(ward1, unit1, dose1_given_on="", dose1_vaccine="", dose1_lot="")
    assert send(client, data).status_code == 302


def test_a_second_dose_too_soon_after_the_first_is_refused_on_its_date(client, ward1, unit1):
    data = answers(ward1, unit1, kind=CorrectionKind.BOTH, dose2_given_on="05/08/2021")

    response = send(client, data)

    assert response.status_code == 400
    assert "Mũi 2 phải sau mũi 1 ít nhất" in " ".join(
        response.context["form"].errors["dose2_given_on"]
    )


def test_a_wrong_captcha_and_a_bad_photo_are_400_in_vietnamese(client, ward1, unit1):
    payload = {**answers(ward1, unit1), **captcha(client), "photo": photo_upload()}
    payload["captcha_1"] = "SAI"
    response = client.post(FORM, payload)
    assert response.status_code == 400 and "captcha" in response.context["form"].errors

    payload = {**answers(ward1, unit1), **captcha(client)}
    payload["photo"] = SimpleUploadedFile("giay.jpg", b"not an image", "image/jpeg")
    response = client.post(FORM, payload)
    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    assert nothing_stored() and not SmsMessage.objects.exists()


def test_required_fields_carry_the_red_star(client, db):
    page = client.get(FORM).content.decode()
    assert page.count('class="asteriskField"') >= 12
    assert "Các mục có dấu" in page


def test_a_wrong_code_keeps_everything_and_stores_nothing(client, ward1, unit1):
    send(client, answers(ward1, unit1))
    code = sent_code()

    response = client.post(VERIFY, {"code": f"{(int(code) + 1) % 1_000_000:06d}"})

    assert response.status_code == 400
    assert "Mã không đúng" in response.content.decode()
    assert nothing_stored()
    form = client.get(FORM).content.decode()
    assert 'value="Trần Thị Mai"' in form and "Ảnh đã tải lên" in form
    assert client.post(VERIFY, {"code": code}).status_code == 302
    assert CorrectionRequest.objects.count() == 1


def test_a_refused_try_keeps_the_answers_and_the_photo(client, ward1, unit1):
    response = send(client, answers(ward1, unit1, dose2_lot=""))
    assert response.status_code == 400

    page = client.get(FORM).content.decode()
    assert 'value="Trần Thị Mai"' in page and "Ảnh đã tải lên" in page
    # Sent again without a photo: the held one is used.
    response = send(client, answers(ward1, unit1), photo=False)
    assert response.status_code == 302
    client.post(VERIFY, {"code": sent_code()})
    assert CorrectionRequest.objects.get().photo is not None


def test_the_draft_and_the_early_photo_survive_a_reload(client, ward1, unit1):
    client.post(
        reverse("vaccination:correction-draft"),
        {"full_name": "Trần Thị Mai", "dose2_lot": "NJ0377"},
    )
    response = client.post(reverse("vaccination:correction-photo"), {"photo": photo_upload()})
    assert response.status_code == 200

    page = client.get(FORM).content.decode()
    assert 'value="Trần Thị Mai"' in page and 'value="NJ0377"' in page
    assert "Ảnh đã tải lên" in page
    bad = client.post(
        reverse("vaccination:correction-photo"),
        {"photo": SimpleUploadedFile("x.jpg", b"nope", "image/jpeg")},
    )
    assert bad.status_code == 400
    assert nothing_stored()


def test_a_second_request_about_the_same_dose_is_a_duplicate_naming_the_first(client, ward1, unit1):
    send(client, answers(ward1, unit1))
    client.post(VERIFY, {"code": sent_code()})
    first = CorrectionRequest.objects.get()
    client.logout()

    # A relative sends it again from another phone: the same person, the same dose.
    send(client, answers(ward1, unit1, phone="0913 444 555"))
    client.post(VERIFY, {"code": sent_code("+84913444555")})

    second = CorrectionRequest.objects.exclude(pk=first.pk).get()
    assert second.status == CorrectionStatus.DUPLICATE and second.duplicate_of == first
    assert second.person == first.person
    told = SmsMessage.objects.filter(to="+84913444555").exclude(purpose="otp").get()
    assert first.tracking_code in told.body


def test_the_status_page_by_lookup_only_with_the_right_birth_date(client, ward1, unit1):
    send(client, answers(ward1, unit1))
    client.post(VERIFY, {"code": sent_code()})
    code = CorrectionRequest.objects.get().tracking_code
    status = reverse("vaccination:correction-status", args=[code])
    client.logout()

    assert client.get(status).status_code == 404
    wrong = client.post(LOOKUP, {"code": code, "date_of_birth": "15/03/1990"})
    assert wrong.status_code == 404
    assert "Không tìm thấy phản ánh" in wrong.content.decode()
    assert client.get(status).status_code == 404

    right = client.post(LOOKUP, {"code": code.lower(), "date_of_birth": "14/03/1990"})
    assert right.status_code == 302 and right["Location"] == status
    page = client.get(status).content.decode()
    assert "Đang chờ đơn vị tiêm xử lý" in page


def test_abandoned_held_photos_are_swept(client, ward1, unit1, settings):
    client.post(reverse("vaccination:correction-photo"), {"photo": photo_upload()})
    storage = private_storage()
    days, _files = storage.listdir(HELD_DIR)
    assert days

    held = sum(len(storage.listdir(f"{HELD_DIR}/{day}")[1]) for day in days)
    assert held >= 1

    assert held_photos_delete() == 0  # today's are kept
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    assert held_photos_delete(now=later) == held
    assert not any(storage.listdir(f"{HELD_DIR}/{day}")[1] for day in days)


def test_the_form_class_ignores_the_other_doses_fields(ward1, unit1):
    form = CorrectionForm(answers(ward1, unit1, kind=CorrectionKind.DOSE1))
    form.fields.pop("captcha")
    form.held_photo = True
    assert form.is_valid(), form.errors
    assert [dose.number for dose in form.correction_data().doses] == [1]


def test_answers_changed_after_the_code_are_not_the_ones_confirmed(client, ward1, unit1):
    """The draft autosave may go on after the code was sent; the request written is the
    one the code was sent for, to the phone that got the code."""
    send(client, answers(ward1, unit1))
    other_phone = {**answers(ward1, unit1), "phone": "0913 999 888", "dose2_lot": "XX0001"}
    client.post(reverse("vaccination:correction-draft"), other_phone)

    response = client.post(VERIFY, {"code": sent_code()})

    request = CorrectionRequest.objects.get()
    assert response.status_code == 302
    assert (request.phone, request.account.phone) == (E164, E164)
    assert request.doses.get().lot == "NJ0377"
    assert not SmsMessage.objects.filter(to="+84913999888").exists()


def test_a_ward_no_unit_takes_is_said_before_any_code_is_sent(client, ward1, unit1):
    data = answers(ward1, unit1, dose2_unit="", dose2_unit_name="Tiêm lưu động quận 7")

    response = send(client, data)

    assert response.status_code == 400
    assert "chưa có đơn vị tiêm nhận phản ánh" in " ".join(
        response.context["form"].errors["dose2_unit"]
    )
    assert not SmsMessage.objects.exists() and nothing_stored()


def test_anonymous_photos_held_per_client_are_limited(client, db, settings):
    settings.UPLOAD_MAX_PER_ACCOUNT_PER_HOUR = 1  # three held photos an hour per client
    url = reverse("vaccination:correction-photo")
    for _try in range(3):
        assert client.post(url, {"photo": photo_upload()}).status_code == 200

    response = client.post(url, {"photo": photo_upload()})

    assert response.status_code == 429
    assert response.json()["errors"]["photo"][0]["message"].startswith(
        "Bạn đã tải lên quá nhiều ảnh trong một giờ"
    )
    days, _files = private_storage().listdir(HELD_DIR)
    # Each new photo replaced the browser's previous one: one file is held.
    assert sum(len(private_storage().listdir(f"{HELD_DIR}/{day}")[1]) for day in days) == 1


def test_the_beat_sweeps_abandoned_held_photos_every_hour(settings):
    from khaibao.uploads.tasks import delete_abandoned_held_photos

    entry = settings.CELERY_BEAT_SCHEDULE["delete-abandoned-held-photos"]
    assert entry["task"] == delete_abandoned_held_photos.name
    assert entry["schedule"] == 3600.0


def test_a_request_sent_back_from_the_code_step_asks_the_captcha_again(client, ward1, unit1):
    send(client, answers(ward1, unit1))
    kept = client.session["vaccination_correction"]
    private_storage().delete(f"{HELD_DIR}/{kept['photo']}.jpg")  # swept meanwhile

    response = client.get(VERIFY)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Chụp hoặc chọn ảnh giấy xác nhận đã tiêm." in page
    assert 'name="captcha_1"' in page
    assert nothing_stored()
