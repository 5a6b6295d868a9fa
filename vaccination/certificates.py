"""A vaccination certificate's signed HC1 (EU DCC 1.3.0) text, issued again on each call.

Only the inputs are stored (VaccinationCertificate); signatures are deterministic (RFC
6979) and the issued-at and validity are stored, so each call gives the same code.
"""

import datetime

from django.conf import settings

from khaibao.trust.hcert import TARGET_COVID19, hcert_build, split_vietnamese_name
from khaibao.trust.services import qr_issue_hc1

from .models import VaccinationCertificate
from .vaccines import DCC_CODES

#: The issuer text (`is`) of the portal's certificates.
CERTIFICATE_ISSUER = "Bộ Y tế Việt Nam"


def certificate_hcert(certificate: VaccinationCertificate) -> dict:
    """The hcert: the person's name and birth date, one vaccination entry for the dose."""
    person, dose = certificate.person, certificate.dose
    codes = DCC_CODES[dose.vaccine]
    family_name, given_name = split_vietnamese_name(person.full_name)
    return hcert_build(
        family_name=family_name,
        given_name=given_name,
        date_of_birth=person.date_of_birth,
        kind="v",
        entry={
            "tg": TARGET_COVID19,
            "vp": codes.vp,
            "mp": codes.mp,
            "ma": codes.ma,
            "dn": certificate.dn,
            "sd": certificate.sd,
            "dt": dose.given_on.isoformat(),
            "co": settings.QR_ISSUER,
            "is": CERTIFICATE_ISSUER,
        },
    )


def certificate_text(certificate: VaccinationCertificate) -> str:
    """The signed `HC1:` text of a certificate, identical on every call."""
    return qr_issue_hc1(
        hcert=certificate_hcert(certificate),
        cert_id=certificate.uvci,
        valid_for=datetime.timedelta(days=certificate.valid_days),
        issued_at=certificate.issued_at,
    ).text
