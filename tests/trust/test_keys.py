"""Signing keys: loading, development generation, production errors, rotation, checks."""

import datetime
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from khaibao.trust.checks import check_signing_keys
from khaibao.trust.keys import keyring, keyring_reset, signing_key
from khaibao.trust.services import qr_issue_kb1, qr_verify
from tests.trust.conftest import add_key


def _code() -> str:
    return qr_issue_kb1(
        kind="person",
        subject_id="id-1",
        claims={"name": "Nguyễn Văn An"},
        valid_for=datetime.timedelta(days=1),
    ).text


def _ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_development_generates_one_private_key_readable_only_by_its_owner(settings, tmp_path):
    settings.DEBUG = True
    settings.SIGNING_KEYS_DIR = tmp_path / "var" / "keys"
    keyring_reset()

    key = signing_key()
    again = signing_key()

    files = list(settings.SIGNING_KEYS_DIR.glob("*.pem"))
    assert len(files) == 1
    assert files[0].name == f"{key.kid.hex()}.pem"
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert again.kid == key.kid


@pytest.mark.parametrize("state", ["missing", "empty", "public keys only"])
def test_production_without_a_private_key_is_a_clear_error_at_first_use(
    settings, tmp_path, signing_keys, state
):
    settings.DEBUG = False
    directory = tmp_path / "production-keys"
    if state != "missing":
        directory.mkdir()
    if state == "public keys only":
        (private,) = signing_keys.glob("*.pem")
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        (directory / "old.pub.pem").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    settings.SIGNING_KEYS_DIR = directory
    keyring_reset()

    with pytest.raises(ImproperlyConfigured, match="SIGNING_KEYS_DIR"):
        signing_key()
    if state != "public keys only":  # nothing was generated in production
        assert not directory.exists() or not any(directory.iterdir())


def test_the_system_check_errors_without_a_loadable_private_key(settings, tmp_path):
    settings.DEBUG = False
    settings.SIGNING_KEYS_DIR = tmp_path / "nothing-here"

    assert _ids(check_signing_keys(None)) == ["trust.E001"]
    assert "trust.E001" in _ids(run_checks(include_deployment_checks=True, tags=["security"]))


def test_the_system_check_errors_on_an_unreadable_key_file(settings, tmp_path):
    directory = tmp_path / "keys-with-junk"
    directory.mkdir()
    (directory / "broken.pem").write_text("-----BEGIN PRIVATE KEY-----\nnope\n")
    settings.SIGNING_KEYS_DIR = directory

    (error,) = check_signing_keys(None)

    assert error.id == "trust.E001"
    assert "broken.pem" in error.msg


def test_the_system_check_passes_with_a_key_and_warns_when_others_can_read_it(signing_keys):
    assert check_signing_keys(None) == []

    (path,) = signing_keys.glob("*.pem")
    path.chmod(0o644)

    assert _ids(check_signing_keys(None)) == ["trust.W001"]


def test_a_key_on_another_curve_is_refused(settings, tmp_path):
    directory = tmp_path / "p384"
    directory.mkdir()
    key = ec.generate_private_key(ec.SECP384R1())
    (directory / "wrong.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.SIGNING_KEYS_DIR = directory
    keyring_reset()

    with pytest.raises(ImproperlyConfigured, match="P-256"):
        keyring()


def test_codes_signed_by_an_older_key_still_verify_after_a_new_key_becomes_active(db, signing_keys):
    old_kid = signing_key().kid
    old_code = _code()

    add_key(signing_keys)
    new_code = _code()

    assert signing_key().kid != old_kid
    assert qr_verify(old_code).status == "valid"
    assert qr_verify(new_code).status == "valid"
    assert len(keyring().keys) == 2


def test_a_retired_key_kept_as_a_public_key_verifies_but_never_signs(db, signing_keys):
    (old_path,) = signing_keys.glob("*.pem")
    old_kid = signing_key().kid
    old_code = _code()
    add_key(signing_keys)
    key = serialization.load_pem_private_key(old_path.read_bytes(), password=None)
    (signing_keys / "retired.pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    old_path.unlink()
    keyring_reset()

    assert qr_verify(old_code).status == "valid"
    assert keyring().get(old_kid).can_sign is False
    assert signing_key().kid != old_kid


def test_signing_key_active_kid_chooses_the_signing_key(db, settings, signing_keys):
    (first_path,) = signing_keys.glob("*.pem")
    first_kid = signing_key().kid
    add_key(signing_keys)
    assert signing_key().kid != first_kid

    settings.SIGNING_KEY_ACTIVE_KID = first_path.name.removesuffix(".pem")
    assert signing_key().kid == first_kid
    settings.SIGNING_KEY_ACTIVE_KID = keyring().get(first_kid).kid_b64
    assert signing_key().kid == first_kid

    settings.SIGNING_KEY_ACTIVE_KID = "no-such-key"
    with pytest.raises(ImproperlyConfigured, match="no-such-key"):
        signing_key()


def test_a_removed_key_no_longer_verifies_its_codes(db, signing_keys):
    (old_path,) = signing_keys.glob("*.pem")
    old_code = _code()
    add_key(signing_keys)

    os.remove(old_path)
    keyring_reset()

    assert qr_verify(old_code).status == "unknown_key"
