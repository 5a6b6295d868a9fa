"""A lab result's certificate: an HC1 (EU DCC 1.3.0) code with one test entry, the same
text every time, valid on /verify/, revoked when the result is corrected."""

import datetime

import pytest
from django.urls import reverse

from declarations.labresults.certificates import (
    CERTIFICATE_ISSUER,
    result_certificate_text,
    result_hcert,
)
from declarations.labresults.models import DCC_TEST_RESULT, DCC_TEST_TYPE, ResultStatus
from declarations.labresults.services import result_correct
from khaibao.trust.hcert import TARGET_COVID19, hcert_issue_problems, hcert_problems
from khaibao.trust.models import RevokedCertificate, VerificationStatus
from khaibao.trust.services import qr_verify

# The trust tests' key folder with an HC1 signing certificate, for each test (autouse).
from .factories import record

SAMPLED = datetime.datetime(2026, 12, 1, 1, 30, 15, 123456, tzinfo=datetime.UTC)


@pytest.fixture
def negative(lab_a, village1):
    return record(
        lab_a,
        area=village1,
        sampled_at=SAMPLED,
        resulted_at=SAMPLED + datetime.timedelta(hours=5),
    ).result


def verify_page(client, text: str):
    return client.post(reverse("trust:verify"), {"qr": text})


def test_the_code_carries_one_dcc_test_entry(negative, lab_a):
    verification = qr_verify(result_certificate_text(negative))

    assert verification.status == VerificationStatus.VALID
    assert verification.kind == "HC1:test"
    hcert = verification.claims["hcert"]
    assert hcert["ver"] == "1.3.0"
    assert hcert["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Văn An", "gnt": "VAN<AN"}
    assert hcert["dob"] == "1988-03-14"
    assert hcert["t"] == [
        {
            "tg": TARGET_COVID19,
            "tt": DCC_TEST_TYPE["pcr"],
            "sc": "2026-12-01T01:30:15Z",
            "tr": DCC_TEST_RESULT["negative"],
            "tc": lab_a.name,
            "co": "VN",
            "is": CERTIFICATE_ISSUER,
            "ci": negative.certificate_id,
        }
    ]


@pytest.mark.parametrize(
    ("test_type", "outcome"),
    [("pcr", "negative"), ("pcr", "positive"), ("rapid", "negative"), ("rapid", "positive")],
)
def test_the_hcert_passes_the_official_schema_and_value_sets(
    lab_a, village1, ward1_station, test_type, outcome
):
    result = record(lab_a, area=village1, test_type=test_type, outcome=outcome).result
    document = {
        **result_hcert(result),
        "t": [{**result_hcert(result)["t"][0], "ci": result.certificate_id}],
    }

    assert hcert_issue_problems(document) == []
    hcert = qr_verify(result_certificate_text(result)).claims["hcert"]
    assert hcert_problems(hcert) == []
    assert hcert_issue_problems(hcert) == []


def test_the_same_result_gives_the_same_text_every_time(negative):
    first = result_certificate_text(negative)
    negative.refresh_from_db()

    assert result_certificate_text(negative) == first
    assert first.startswith("HC1:")


def test_the_code_is_issued_when_the_result_was_entered_for_the_rules_days(negative, set_rule):
    set_rule("labresults", certificate_valid_days=14)

    claims = qr_verify(result_certificate_text(negative)).claims

    issued = datetime.datetime.fromisoformat(claims["issued_at"])
    expires = datetime.datetime.fromisoformat(claims["expires_at"])
    assert issued == negative.entered_at.replace(microsecond=0)
    # The rule in force when the result was entered (30 days), not the one set since.
    assert expires - issued == datetime.timedelta(days=30)


def test_verify_page_says_valid_and_shows_the_test(client, negative, lab_a):
    response = verify_page(client, result_certificate_text(negative))

    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-status="valid"' in text
    assert "Chứng nhận xét nghiệm COVID-19" in text
    assert "Nguyễn Văn An" in text
    assert "Âm tính" in text
    assert "01/12/2026 08:30" in text  # the sample time, local (UTC+7)
    assert negative.certificate_id in text


def test_a_corrected_results_old_code_is_revoked_and_the_new_one_valid(
    client, negative, lab_a_staff, ward1_station
):
    old_text = result_certificate_text(negative)

    corrected = result_correct(
        result=negative, outcome="positive", note="Nhầm ống mẫu", by=lab_a_staff
    )

    negative.refresh_from_db()
    assert negative.status == ResultStatus.CORRECTED
    assert RevokedCertificate.objects.filter(cert_id=negative.certificate_id).exists()
    assert corrected.certificate_id and corrected.certificate_id != negative.certificate_id
    old_page = verify_page(client, old_text).content.decode()
    assert 'data-status="revoked"' in old_page
    new_text = result_certificate_text(corrected)
    new_page = verify_page(client, new_text).content.decode()
    assert 'data-status="valid"' in new_page
    assert "Dương tính" in new_page


def test_an_invalid_result_has_no_certificate(lab_a, village1):
    result = record(lab_a, area=village1, outcome="invalid").result

    assert result.certificate_id == ""
    with pytest.raises(ValueError, match="no certificate"):
        result_certificate_text(result)
