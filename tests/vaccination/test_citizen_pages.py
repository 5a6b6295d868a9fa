"""The citizen's "Tiêm chủng" pages: the doses of each person the account manages, with
their EU numbering, and the printable certificate whose QR verifies."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khaibao.trust.services import qr_verify
from vaccination.certificates import certificate_text
from vaccination.models import CertificateStatus, VaccinationCertificate

from .factories import give_dose

HOME = reverse("vaccination:home")
CORRECTION = reverse("vaccination:correction")
PFIZER_DAYS = (datetime.date(2021, 8, 2), datetime.date(2021, 9, 6), datetime.date(2022, 1, 10))


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def certificate_url(certificate) -> str:
    return reverse("vaccination:certificate", kwargs={"pk": certificate.pk})


def current_certificate(person) -> VaccinationCertificate:
    return VaccinationCertificate.objects.get(person=person, status=CertificateStatus.CURRENT)


def give_pfizer_doses(person, unit, count):
    for number, given_on in enumerate(PFIZER_DAYS[:count], start=1):
        give_dose(
            person, unit, number=number, given_on=given_on, vaccine="pfizer", lot=f"FF{number}"
        )


def page_qr_text(html: str) -> str:
    """The HC1 text as the page shows it for copying."""
    match = re.search(r"HC1:[0-9A-Z $%*+\-./:]+", html)
    assert match, "the page shows no HC1 text"
    return match.group(0).strip()


@pytest.mark.parametrize("name", ["home", "certificate"])
def test_signed_out_goes_to_login_and_back(client, citizen_person, unit1, name):
    give_dose(citizen_person, unit1)
    url = HOME if name == "home" else certificate_url(current_certificate(citizen_person))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert url in response["Location"]


def test_the_citizen_sees_their_doses_and_their_relatives_own_first(
    citizen_client, citizen_person, relative, unit1
):
    give_dose(citizen_person, unit1, vaccine="astrazeneca", lot="NJ0342")
    give_dose(citizen_person, unit1, number=2, given_on=datetime.date(2021, 10, 4), lot="NJ0399")
    give_dose(relative, unit1, given_on=datetime.date(2022, 5, 20), vaccine="pfizer", lot="FK77")

    response = citizen_client.get(HOME)

    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Nguyễn Văn An") < text.index("Nguyễn Thị Bình")
    own, childs = text.split("Nguyễn Thị Bình", 1)
    assert "02/08/2021" in own and "04/10/2021" in own and "NJ0399" in own
    assert "AstraZeneca (Vaxzevria)" in own and "Mũi thứ 2" in own
    assert "1/2" in own and "2/2" in own
    assert "20/05/2022" in childs and "Pfizer-BioNTech (Comirnaty)" in childs and "FK77" in childs
    assert unit1.name in own and unit1.name in childs
    assert certificate_url(current_certificate(citizen_person)) in own
    assert certificate_url(current_certificate(relative)) in childs
    assert "Chưa có mũi tiêm nào" not in text


def test_a_booster_after_two_pfizer_doses_is_shown_as_3_of_3(citizen_client, citizen_person, unit1):
    give_pfizer_doses(citizen_person, unit1, 3)

    text = citizen_client.get(HOME).content.decode()

    assert re.findall(r"data-series>([^<]+)<", text) == ["1/2", "2/2", "3/3 (mũi nhắc lại)"]
    assert "10/01/2022" in text
    certificate_page = citizen_client.get(certificate_url(current_certificate(citizen_person)))
    assert "3/3" in certificate_page.content.decode()


def test_a_person_without_doses_is_told_so_and_pointed_to_the_correction_request(
    citizen_client, citizen_person, relative, unit1
):
    give_dose(citizen_person, unit1)

    text = citizen_client.get(HOME).content.decode()

    childs = text.split("Nguyễn Thị Bình", 1)[1]
    assert "Chưa có mũi tiêm nào được ghi nhận cho người này." in childs
    assert "Thiếu mũi tiêm?" in childs and f'href="{CORRECTION}"' in childs
    assert "/tiem-chung/chung-nhan/" not in childs
    assert not VaccinationCertificate.objects.filter(person=relative).exists()


def test_the_certificate_page_shows_the_dose_and_a_qr_that_verifies(
    citizen_client, citizen_person, unit1
):
    give_pfizer_doses(citizen_person, unit1, 2)
    certificate = current_certificate(citizen_person)

    response = citizen_client.get(certificate_url(certificate))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Nguyễn Văn An" in text and "14/03/1988" in text
    assert "Pfizer-BioNTech (Comirnaty)" in text and "06/09/2021" in text and "2/2" in text
    assert certificate.uvci in text
    valid_until = certificate.issued_at + datetime.timedelta(days=certificate.valid_days)
    assert timezone.localtime(valid_until).strftime("%d/%m/%Y") in text
    qr_text = page_qr_text(text)
    assert qr_text == certificate_text(certificate)
    verification = qr_verify(qr_text)
    assert verification.status == "valid"
    assert verification.claims["hcert"]["v"][0]["ci"] == certificate.uvci


def test_the_certificate_page_prints_and_downloads_its_qr(citizen_client, citizen_person, unit1):
    give_dose(citizen_person, unit1)
    certificate = current_certificate(citizen_person)

    text = citizen_client.get(certificate_url(certificate)).content.decode()

    download = re.search(r'<a href="(/qr/[^"]+)" download="([^"]+)"', text)
    assert download, "no download link for the QR image"
    assert download.group(2).startswith("chung-nhan-tiem-chung-")
    assert download.group(2).endswith(".png")
    assert "print.css" in text and "js/print-button.js" in text and "data-print" in text
    assert "Chứng nhận tiêm chủng bằng mã QR có giá trị như bản giấy." in text
    assert "http://testserver/verify/" in text


def test_the_relatives_certificate_is_shown_to_the_account_managing_them(
    citizen_client, relative, unit1
):
    give_dose(relative, unit1, given_on=datetime.date(2022, 5, 20), vaccine="pfizer")

    response = citizen_client.get(certificate_url(current_certificate(relative)))

    assert response.status_code == 200
    assert "Nguyễn Thị Bình" in response.content.decode()


def test_another_accounts_certificate_is_a_404(citizen_client, ward2_person, unit2):
    give_dose(ward2_person, unit2)
    strangers = current_certificate(ward2_person)

    assert citizen_client.get(certificate_url(strangers)).status_code == 404
    missing = reverse("vaccination:certificate", kwargs={"pk": 999999})
    assert citizen_client.get(missing).status_code == 404
    assert "Trần Thị Cúc" not in citizen_client.get(HOME).content.decode()


def test_after_a_new_dose_the_old_certificate_is_gone_and_the_new_one_shown(
    citizen_client, citizen_person, unit1
):
    give_pfizer_doses(citizen_person, unit1, 1)
    old = current_certificate(citizen_person)
    assert citizen_client.get(certificate_url(old)).status_code == 200

    give_dose(citizen_person, unit1, number=2, given_on=PFIZER_DAYS[1], vaccine="pfizer")

    old.refresh_from_db()
    assert old.status == CertificateStatus.REVOKED
    new = current_certificate(citizen_person)
    assert citizen_client.get(certificate_url(old)).status_code == 404
    home = citizen_client.get(HOME).content.decode()
    assert certificate_url(new) in home and certificate_url(old) not in home
    page = citizen_client.get(certificate_url(new)).content.decode()
    assert new.uvci in page and old.uvci not in page
    assert qr_verify(page_qr_text(page)).status == "valid"


def test_the_page_costs_the_same_queries_for_one_dose_or_many_persons_and_doses(
    citizen_client, citizen_person, relative, unit1, django_assert_num_queries
):
    give_dose(citizen_person, unit1)
    citizen_client.get(HOME)  # the session seen once, as on any visit
    with CaptureQueriesContext(connection) as one:
        assert citizen_client.get(HOME).status_code == 200
    assert len(one.captured_queries) <= 6

    give_pfizer_doses(relative, unit1, 3)
    give_dose(citizen_person, unit1, number=2, given_on=datetime.date(2021, 10, 4))

    with django_assert_num_queries(len(one.captured_queries)):
        page = citizen_client.get(HOME).content.decode()
    assert page.count('class="kb-dose') == 5
