"""The signed certificate of a lab result: an HC1 (EU DCC 1.3.0) code with a test entry.

Nothing of it is stored but the certificate id: the result page issues the text again
each time. Signatures are deterministic (RFC 6979) and every input is stored on the
result (the issued-at is when the result was entered, the validity the rule in force
then), so the text is the same on every call.
"""

import datetime

from django.conf import settings

from khaibao.trust.hcert import hcert_build, split_vietnamese_name
from khaibao.trust.services import qr_issue_hc1

from .models import DCC_TEST_RESULT, DCC_TEST_TYPE, LabResult, ResultStatus
from .rules import lab_rules

#: The issuer text (`is`) of the portal's certificates.
CERTIFICATE_ISSUER = "Bộ Y tế Việt Nam"


def has_result_certificate(result: LabResult) -> bool:
    """Only a current positive or negative result has a certificate page: an invalid
    sample certifies nothing, and a corrected result's code was revoked."""
    return result.has_certificate and result.status == ResultStatus.CURRENT


def _utc_text(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with "Z", to the second (the schema's date-time)."""
    utc = moment.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None)
    return f"{utc.isoformat()}Z"


def result_hcert(result: LabResult) -> dict:
    """The hcert of a result: the person's name and birth date, one test entry."""
    family_name, given_name = split_vietnamese_name(result.person.full_name)
    return hcert_build(
        family_name=family_name,
        given_name=given_name,
        date_of_birth=result.person.date_of_birth,
        kind="t",
        entry={
            "tt": DCC_TEST_TYPE[result.test_type],
            "sc": _utc_text(result.sampled_at),
            "tr": DCC_TEST_RESULT[result.outcome],
            "tc": result.lab.name,
            "co": settings.QR_ISSUER,
            "is": CERTIFICATE_ISSUER,
        },
    )


def result_certificate_text(result: LabResult) -> str:
    """The signed HC1 text of a result with a certificate, identical on every call (as
    long as the person's name and the signing key stay)."""
    if not result.certificate_id:
        raise ValueError("an invalid result has no certificate")
    rules = lab_rules(result.area, result.entered_at)
    return qr_issue_hc1(
        hcert=result_hcert(result),
        cert_id=result.certificate_id,
        # The validity in force when the result was entered: the text issued later must
        # be the same code even after the province changes the rule.
        valid_for=datetime.timedelta(days=rules["certificate_valid_days"]),
        issued_at=result.entered_at,
    ).text
