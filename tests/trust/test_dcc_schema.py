"""The official EU DCC schemas, vendored: every release is there, and the eHealth Network's
own example and test payloads (tests/vendor/eu-dcc-schema) get the verdict they document
once signed by a foreign issuer."""

import json
from pathlib import Path

import pytest

from khaibao.trust.hcert import (
    SCHEMA_DIR,
    SCHEMA_VERSIONS,
    hcert_issue_problems,
    hcert_problems,
    schema_version_for,
)
from khaibao.trust.services import qr_verify
from tests.trust import vectors
from tests.trust.conftest import trust

VENDOR = Path(__file__).resolve().parent.parent / "vendor" / "eu-dcc-schema"
VALID = sorted((VENDOR / "test" / "valid").glob("*.json")) + sorted(
    (VENDOR / "examples").rglob("*.json")
)
INVALID = sorted((VENDOR / "test" / "invalid").glob("*.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_released_schema_version_is_vendored_with_its_licence():
    assert SCHEMA_VERSIONS[0] == "1.0.0" and SCHEMA_VERSIONS[-1] == "1.3.3"
    for version in SCHEMA_VERSIONS:
        schema = _load(SCHEMA_DIR / f"dcc-{version}.schema.json")
        assert schema["$comment"] == f"Schema version {version}"
    assert "Apache License" in (SCHEMA_DIR / "LICENSE").read_text()
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert len(list((SCHEMA_DIR / "valuesets-1.3.0").glob("*.json"))) == 8


@pytest.mark.parametrize(
    ("ver", "schema"),
    [
        ("1.0.0", "1.0.0"),
        ("1.2.1", "1.2.1"),
        ("1.0.7", "1.0.1"),
        ("1.3.9", "1.3.3"),
        ("1.9.0", "1.3.3"),
        ("0.1.0", None),
        ("2.0.0", None),
        ("1.3", None),
        (None, None),
        (130, None),
    ],
)
def test_the_schema_that_judges_each_version(ver, schema):
    assert schema_version_for(ver) == schema


@pytest.mark.parametrize("path", VALID, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_official_valid_payloads_pass_the_schema_of_their_version(path):
    assert hcert_problems(_load(path)) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_the_official_invalid_payloads_fail_it(path):
    assert hcert_problems(_load(path)) != []


@pytest.mark.parametrize("path", VALID[:13], ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_official_payloads_signed_abroad_verify(db, path):
    signer = vectors.issuer(country="DE")
    trust(signer)

    verification = qr_verify(vectors.code(_load(path), signer))

    assert verification.status == "valid", path.name
    assert verification.kind.startswith("HC1:")


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_the_official_invalid_payloads_signed_abroad_are_malformed(db, path):
    signer = vectors.issuer(country="DE")
    trust(signer)

    assert qr_verify(vectors.code(_load(path), signer)).status == "malformed"


def test_the_official_1_3_0_vaccination_example_is_also_a_payload_the_portal_could_sign():
    example = _load(VENDOR / "examples" / "vaccination" / "simple.json")

    # The examples say ver 1.3.3; the portal signs 1.3.0 with the 1.3.0 value sets.
    assert hcert_issue_problems({**example, "ver": "1.3.0"}) == []
