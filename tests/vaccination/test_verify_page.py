"""/verify/ for the portal's HC1 vaccination certificate: the holder's name, birth date and
dose, and nothing more; a certificate replaced by a correction verifies as revoked."""

import datetime

import pytest
from django.urls import reverse

from khaibao.trust.display import verification_display
from khaibao.trust.verification import Verification
from vaccination.certificates import certificate_text
from vaccination.models import CertificateStatus, VaccinationCertificate
from vaccination.services import certificate_reissue

from .factories import give_dose

VERIFY_URL = reverse("trust:verify")

pytestmark = pytest.mark.django_db


def two_pfizer_doses(person, unit):
    give_dose(person, unit, vaccine="pfizer", lot="FF2587", given_on=datetime.date(2021, 8, 2))
    give_dose(
        person, unit, number=2, vaccine="pfizer", lot="FF3318", given_on=datetime.date(2021, 9, 6)
    )
    return VaccinationCertificate.objects.get(person=person, status=CertificateStatus.CURRENT)


def test_a_vaccination_certificate_shows_the_holder_and_the_dose_and_nothing_more(
    client, citizen_person, unit1
):
    certificate = two_pfizer_doses(citizen_person, unit1)

    response = client.post(VERIFY_URL, {"qr": certificate_text(certificate)})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-status="valid"' in content and "Hợp lệ" in content
    assert "Chứng nhận tiêm chủng COVID-19" in content
    assert "Nguyễn Văn An" in content and "14/03/1988" in content
    assert "2/2" in content and "06/09/2021" in content
    # The EU value set's name of the product, not its code.
    assert "Comirnaty" in content and "EU/1/20/1528" not in content
    assert certificate.uvci in content
    citizen_person.refresh_from_db()
    for private in (
        citizen_person.id_number,
        citizen_person.phone,
        citizen_person.phone.removeprefix("+84"),
        citizen_person.street_address,
        unit1.name,
        "FF3318",
        "Bộ Y tế Việt Nam",
    ):
        assert private and private not in content, private


def test_a_product_code_outside_the_value_set_is_shown_as_the_code():
    hcert = {"v": [{"mp": "XX/9/99/9999", "dn": 1, "sd": 2, "dt": "2021-08-02"}]}
    verification = Verification(
        status="valid", kind="HC1:vaccination", claims={"hcert": hcert, "name": "A"}
    )

    rows = {str(label): value for label, value in verification_display(verification)["rows"]}

    assert rows["Vắc xin"] == "XX/9/99/9999"
    assert rows["Mũi tiêm"] == "1/2" and rows["Ngày tiêm"] == "02/08/2021"


def test_after_a_forced_reissue_the_old_text_verifies_as_revoked_and_the_new_as_valid(
    client, citizen_person, unit1
):
    old = two_pfizer_doses(citizen_person, unit1)
    old_text = certificate_text(old)

    new = certificate_reissue(person=citizen_person, reason="Đính chính mũi tiêm", force=True)

    old.refresh_from_db()
    assert old.status == CertificateStatus.REVOKED and old.replaced_by == new
    assert (new.dn, new.sd) == (2, 2) and new.uvci != old.uvci
    revoked = client.post(VERIFY_URL, {"qr": old_text}).content.decode()
    assert 'data-status="revoked"' in revoked and "Đã thu hồi" in revoked
    valid = client.post(VERIFY_URL, {"qr": certificate_text(new)}).content.decode()
    assert 'data-status="valid"' in valid and new.uvci in valid
