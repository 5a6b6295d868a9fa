"""Doses issue the signed EU DCC certificate of the latest dose; a new dose revokes the
old certificate, whose QR then verifies as revoked."""

import datetime

import pytest

from khaibao.trust.hcert import uvci_is_valid
from khaibao.trust.services import qr_verify
from vaccination.certificates import certificate_text
from vaccination.models import CertificateStatus, VaccinationCertificate

from .factories import give_dose

pytestmark = pytest.mark.django_db


def test_a_first_dose_gets_a_valid_certificate_saying_dose_1_of_2(citizen_person, unit1):
    give_dose(citizen_person, unit1, vaccine="astrazeneca")
    certificate = VaccinationCertificate.objects.get(person=citizen_person)
    assert (certificate.dn, certificate.sd) == (1, 2)
    assert uvci_is_valid(certificate.uvci)
    text = certificate_text(certificate)
    assert text.startswith("HC1:")
    assert certificate_text(certificate) == text
    verification = qr_verify(text)
    assert verification.status == "valid"
    entry = verification.claims["hcert"]["v"][0]
    assert entry["mp"] == "EU/1/21/1529" and entry["dn"] == 1 and entry["sd"] == 2
    assert entry["dt"] == "2021-08-02"


def test_a_second_dose_revokes_the_first_certificate(citizen_person, unit1):
    give_dose(citizen_person, unit1)
    first = VaccinationCertificate.objects.get(person=citizen_person)
    old_text = certificate_text(first)
    give_dose(citizen_person, unit1, number=2, given_on=datetime.date(2021, 10, 4))
    first.refresh_from_db()
    assert first.status == CertificateStatus.REVOKED
    new = VaccinationCertificate.objects.get(person=citizen_person, status="current")
    assert first.replaced_by == new and (new.dn, new.sd) == (2, 2)
    assert qr_verify(old_text).status == "revoked"
    assert qr_verify(certificate_text(new)).status == "valid"


@pytest.mark.parametrize("vaccine", ["abdala", "hayat_vax", "vero_cell", "covaxin", "sputnik_v"])
def test_every_vaccine_used_in_vietnam_signs(citizen_person, unit1, vaccine):
    give_dose(citizen_person, unit1, vaccine=vaccine)
    certificate = VaccinationCertificate.objects.get(person=citizen_person)
    assert qr_verify(certificate_text(certificate)).status == "valid"
