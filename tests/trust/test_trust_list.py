"""Trust lists: importing foreign signing certificates (bundles, the EU gateway's JSON
lists; by management command and in the admin), withdrawing them, and what verifies."""

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.trust.models import TrustedCertificate
from khaibao.trust.services import qr_verify, trust_list_import, trusted_certificate_withdraw
from khaibao.trust.trustlist import parse_trust_list
from tests.trust import vectors
from tests.trust.vectors import PS256, german_vaccination

CHANGELIST = reverse("admin:trust_trustedcertificate_changelist")
IMPORT_URL = reverse("admin:trust_trustedcertificate_import")


def _kid(issuer) -> str:
    return base64.b64encode(hashlib.sha256(issuer.der).digest()[:8]).decode()


def _rows() -> list[tuple]:
    return list(
        TrustedCertificate.objects.order_by("sha256").values_list(
            "kid", "country", "sha256", "withdrawn_at", "updated_at"
        )
    )


def _import(data: bytes, origin="bundle.pem", **options):
    parsed = parse_trust_list(data, origin=origin)
    return trust_list_import(
        entries=parsed.entries, problems=parsed.problems, source=origin, **options
    )


@pytest.fixture
def issuers():
    return {
        "DE": vectors.issuer(country="DE"),
        "FR": vectors.issuer(country="FR", alg=PS256),
        "IT": vectors.issuer(country="IT"),
    }


def _bundle(*issuers) -> bytes:
    return b"".join(issuer.pem for issuer in issuers)


def _gateway_lookup(by_country: dict) -> bytes:
    """The verifier service's certificate look-up: {country: [{kid, rawData}]}."""
    document = {
        country: [{"kid": _kid(issuer), "rawData": base64.b64encode(issuer.der).decode()}]
        for country, issuer in by_country.items()
    }
    return json.dumps(document).encode()


# --- Import ------------------------------------------------------------------------------


def test_a_bundle_gives_each_certificate_its_kid_and_country(db, issuers):
    report = _import(_bundle(*issuers.values()) + issuers["DE"].csca.public_bytes(Encoding.PEM))

    rows = {row.country: row for row in TrustedCertificate.objects.all()}
    assert set(rows) == {"DE", "FR", "IT"}
    for country, issuer in issuers.items():
        assert rows[country].kid == _kid(issuer)
        assert bytes(rows[country].der) == issuer.der
        assert rows[country].sha256 == hashlib.sha256(issuer.der).hexdigest()
    assert rows["FR"].algorithm == "PS256" and rows["DE"].algorithm == "ES256"
    assert sorted(report.added) == sorted(f"{c} {_kid(i)}" for c, i in issuers.items())
    assert any("CSCA" in problem for problem in report.problems)  # skipped, not trusted


def test_a_bundle_makes_its_codes_verify_with_their_country(db, issuers):
    texts = {c: vectors.code(german_vaccination(co=c), i) for c, i in issuers.items()}
    assert {c: qr_verify(t).status for c, t in texts.items()} == dict.fromkeys(
        issuers, "unknown_key"
    )

    _import(_bundle(*issuers.values()))

    answers = {c: qr_verify(t) for c, t in texts.items()}
    assert {c: (a.status, a.country) for c, a in answers.items()} == {
        c: ("valid", c) for c in issuers
    }


def test_importing_twice_changes_nothing(db, issuers):
    first = _import(_bundle(*issuers.values()))
    before = _rows()

    second = _import(_bundle(*issuers.values()))

    assert _rows() == before
    assert len(first.added) == 3
    assert (second.added, second.unchanged, second.withdrawn) == ([], 3, [])
    events = AuditEvent.objects.filter(object_type="trust.trustedcertificate")
    assert events.count() == 2  # each import is audited, the second one says it added nothing
    assert events.order_by("id").last().detail["added"] == []


def test_the_eu_verifier_service_json_list_is_read(db, issuers):
    report = _import(_gateway_lookup(issuers), origin="signercertificates.json")

    assert sorted(report.added) == sorted(f"{c} {_kid(i)}" for c, i in issuers.items())
    assert report.problems == []
    text = vectors.code(german_vaccination(), issuers["FR"])
    assert (qr_verify(text).status, qr_verify(text).country) == ("valid", "FR")


def test_the_gateways_trust_list_items_are_read_dsc_only(db, issuers):
    items = [
        {
            "kid": _kid(issuer),
            "country": country,
            "certificateType": "DSC",
            "rawData": base64.b64encode(issuer.der).decode(),
        }
        for country, issuer in issuers.items()
    ]
    items.append({**items[0], "certificateType": "CSCA"})

    report = _import(json.dumps(items).encode(), origin="trustList.json")

    assert len(report.added) == 3 and report.problems == []


def test_the_lists_country_is_recorded_for_a_certificate_without_one(db):
    unnamed = vectors.issuer(country=None)

    _import(json.dumps({"ch": [{"rawData": base64.b64encode(unnamed.der).decode()}]}).encode())
    from_bundle = _import(unnamed.pem, origin="no-country.pem")

    assert TrustedCertificate.objects.get().country == "CH"
    # A bundle has no other source for the country: such a certificate cannot be taken.
    assert from_bundle.problems == [
        "no-country.pem: no two-letter country in the list or the certificate"
    ]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"DE": [{"kid": "AAAAAAAAAAA=", "rawData": None}]}, "listed kid"),
        ({"DE": [{"rawData": "not base64!"}]}, "not a base64 DER certificate"),
        ({"DE": "MII..."}, "not a list of certificates"),
        (["8xYtW2837bc=", "zoQi+KT68LM="], "a list of kids only"),
        ({"DEU": [{"rawData": None}]}, "two-letter country"),
    ],
    ids=["kid mismatch", "bad base64", "not a list", "status list", "bad country"],
)
def test_a_bad_entry_is_refused_with_a_reason_and_the_rest_imported(db, issuers, document, problem):
    good = {"kid": _kid(issuers["IT"]), "rawData": base64.b64encode(issuers["IT"].der).decode()}
    if isinstance(document, dict):
        for entries in document.values():
            if isinstance(entries, list):
                for entry in entries:
                    if entry.get("rawData", "") is None:
                        entry["rawData"] = base64.b64encode(issuers["DE"].der).decode()
        document["IT"] = [good]

    report = _import(json.dumps(document).encode(), origin="list.json")

    assert any(problem in text for text in report.problems), report.problems
    assert [row.country for row in TrustedCertificate.objects.all()] == (
        ["IT"] if isinstance(document, dict) else []
    )


def test_a_certificate_with_an_rsa_key_under_2048_bits_is_refused(db):
    weak = vectors.issuer(alg=PS256, rsa_bits=1024)

    report = _import(weak.pem, origin="weak.pem")

    assert report.added == []
    assert "RSA of 2048 bits" in report.problems[0]


def test_files_that_are_no_trust_list_are_problems_not_errors(db):
    assert _import(b"hello", origin="a.txt").problems == ["a.txt: no PEM or DER certificate"]
    assert _import(b"{nope", origin="b.json").problems == ["b.json: not valid JSON"]


# --- Withdrawal ---------------------------------------------------------------------------


def test_a_withdrawn_certificate_stops_verifying_and_an_import_does_not_bring_it_back(
    db, issuers, province_admin
):
    _import(_bundle(*issuers.values()))
    text = vectors.code(german_vaccination(), issuers["DE"])
    assert qr_verify(text).status == "valid"
    row = TrustedCertificate.objects.get(country="DE")

    trusted_certificate_withdraw(certificate=row, reason="Khoá bị lộ", by=province_admin)
    again = trusted_certificate_withdraw(certificate=row, reason="lần hai", by=province_admin)
    report = _import(_bundle(*issuers.values()))

    row.refresh_from_db()
    assert qr_verify(text).status == "unknown_key"
    assert row.withdrawn_by == province_admin and row.withdrawn_reason == "Khoá bị lộ"
    assert again.withdrawn_reason == "Khoá bị lộ"
    assert report.added == [] and report.unchanged == 3
    event = AuditEvent.objects.get(
        action=AuditAction.DECIDE, object_type="trust.trustedcertificate"
    )
    assert event.actor == province_admin
    assert event.detail == {
        "decision": "withdraw",
        "kid": row.kid,
        "country": "DE",
        "reason": "Khoá bị lộ",
    }


def test_a_complete_list_withdraws_the_certificates_of_its_countries_it_no_longer_holds(
    db, issuers
):
    old_german = vectors.issuer(country="DE")
    _import(_bundle(old_german, *issuers.values()))

    report = _import(
        _gateway_lookup({"DE": issuers["DE"]}), origin="DE.json", withdraw_missing=True
    )

    assert report.withdrawn == [f"DE {_kid(old_german)}"]
    # Only the list's own countries: France and Italy are not in this file.
    active = TrustedCertificate.objects.filter(withdrawn_at__isnull=True)
    assert sorted(active.values_list("country", flat=True)) == ["DE", "FR", "IT"]
    assert qr_verify(vectors.code(german_vaccination(), old_german)).status == "unknown_key"


# --- Management command -----------------------------------------------------------------


def test_the_command_imports_a_directory_and_is_idempotent(db, tmp_path, issuers, capsys):
    (tmp_path / "de.pem").write_bytes(issuers["DE"].pem)
    (tmp_path / "fr.der").write_bytes(issuers["FR"].der)
    (tmp_path / "it.json").write_bytes(_gateway_lookup({"IT": issuers["IT"]}))
    (tmp_path / "README.txt").write_text("not a certificate")

    call_command("trust_list_import", str(tmp_path))
    before = _rows()
    call_command("trust_list_import", str(tmp_path))

    output = capsys.readouterr().out
    assert "3 file(s): 3 added, 0 already there" in output
    assert "3 file(s): 0 added, 3 already there" in output
    assert _rows() == before
    assert sorted(row[1] for row in before) == ["DE", "FR", "IT"]
    assert AuditEvent.objects.filter(object_type="trust.trustedcertificate").count() == 2


def test_the_command_refuses_a_missing_path(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("trust_list_import", str(tmp_path / "missing.pem"))


# --- Admin --------------------------------------------------------------------------------


@pytest.fixture
def trust_admin(db, province_admin):
    """The province admin with the trust-list permissions (khaibao/accounts/roles.py is
    to grant them to the role)."""
    province_admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="trust",
            codename__in=[
                "view_trustedcertificate",
                "add_trustedcertificate",
                "change_trustedcertificate",
            ],
        )
    )
    return province_admin


def test_the_province_admin_imports_a_file_in_the_admin(client, trust_admin, issuers):
    client.force_login(trust_admin)
    upload = SimpleUploadedFile("eu-dsc.pem", _bundle(*issuers.values()))

    page = client.get(IMPORT_URL)
    response = client.post(IMPORT_URL, {"file": upload})
    listing = client.get(CHANGELIST, follow=True)

    assert page.status_code == 200 and 'type="file"' in page.content.decode()
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert TrustedCertificate.objects.count() == 3
    assert TrustedCertificate.objects.filter(imported_by=trust_admin).count() == 3
    content = listing.content.decode()
    assert "Đã nhập eu-dsc.pem: thêm 3 chứng thư, 0 đã có, rút 0." in content
    assert IMPORT_URL in content
    event = AuditEvent.objects.get(object_type="trust.trustedcertificate")
    assert event.actor == trust_admin and event.action == AuditAction.CREATE
    assert event.detail["import"] == "eu-dsc.pem"


def test_an_import_without_a_file_is_a_400(client, trust_admin):
    client.force_login(trust_admin)

    response = client.post(IMPORT_URL, {})

    assert response.status_code == 400
    assert "Hãy chọn tệp danh sách tin cậy." in response.content.decode()


def test_the_admin_withdraws_selected_certificates(client, trust_admin, issuers):
    _import(_bundle(*issuers.values()))
    german = TrustedCertificate.objects.get(country="DE")
    client.force_login(trust_admin)

    response = client.post(
        CHANGELIST,
        {"action": "withdraw_selected", "index": "0", "_selected_action": [german.pk]},
        follow=True,
    )

    german.refresh_from_db()
    assert response.status_code == 200
    assert "Đã rút 1 chứng thư." in response.content.decode()
    assert german.withdrawn_by == trust_admin
    assert qr_verify(vectors.code(german_vaccination(), issuers["DE"])).status == "unknown_key"


def test_a_certificate_is_never_added_edited_or_deleted_in_the_admin(client, superuser, issuers):
    _import(issuers["DE"].pem)
    row = TrustedCertificate.objects.get()
    client.force_login(superuser)

    assert client.get(reverse("admin:trust_trustedcertificate_add")).status_code == 403
    page = client.get(reverse("admin:trust_trustedcertificate_change", args=[row.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    delete = reverse("admin:trust_trustedcertificate_delete", args=[row.pk])
    assert client.get(delete).status_code == 403


@pytest.mark.parametrize("who", ["ward1_staff", "checkpoint_officer", "lab_user"])
def test_staff_without_the_permission_cannot_import(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {}).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client, db):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
