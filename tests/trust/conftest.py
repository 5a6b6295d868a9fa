import datetime
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from khaibao.celery import app as celery_app
from khaibao.trust import hcert as dcc
from khaibao.trust.certificates import ALL_USAGES, csca_create
from khaibao.trust.keys import certificates_issue_missing, generate_key, keyring_reset
from khaibao.trust.revocation import revocations_changed
from khaibao.trust.trustlist import trust_list_changed


@pytest.fixture(autouse=True)
def signing_keys(settings, tmp_path, csca_dir):
    """A fresh key directory with one private key and its signing certificate per test
    (never the developer's var/keys)."""
    directory = tmp_path / "keys"
    generate_key(directory)
    settings.SIGNING_KEYS_DIR = directory
    settings.SIGNING_KEY_ACTIVE_KID = ""
    certify(directory, csca_dir)
    _forget_caches()
    yield directory
    _forget_caches()


@pytest.fixture
def csca_dir(settings, tmp_path):
    """The portal's CSCA for one test, outside the key folder as in production."""
    directory = tmp_path / "csca"
    csca_create(directory, country="VN", common_name="KhaiBao CSCA (test)")
    settings.SIGNING_CSCA_DIR = directory
    return directory


def certify(directory: Path, csca: Path, *, days: int = 730, usages=ALL_USAGES) -> list[Path]:
    """Signing certificates for the keys in `directory` that have none."""
    paths = certificates_issue_missing(
        directory, csca, days=days, usages=usages, moment=datetime.datetime.now(tz=datetime.UTC)
    )
    keyring_reset()
    return paths


def _forget_caches():
    keyring_reset()
    revocations_changed()
    trust_list_changed()


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run tasks in this process even when REDIS_URL is set (the PostgreSQL + Redis run):
    these tests must never publish to the shared broker, where a real worker could take them.
    """
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield conf
    conf.task_always_eager, conf.task_eager_propagates = saved


def add_key(directory: Path, *, seconds_later: int = 60) -> Path:
    """Generate another key, dated later than the others so it becomes the active one.

    File times have a coarse clock (a few ms): without the explicit date two keys made in
    one test could tie, and the directory could look unchanged to the key cache.
    """
    path = generate_key(directory)
    stamp = time.time() + seconds_later
    os.utime(path, (stamp, stamp))
    csca = directory.parent / "csca"
    if csca.is_dir():
        certify(directory, csca)
    keyring_reset()
    return path


def vaccination_hcert(**entry) -> dict:
    return dcc.hcert_build(
        family_name="Nguyễn",
        given_name="Văn An",
        date_of_birth=datetime.date(1988, 3, 14),
        kind="v",
        entry={
            "vp": "1119349007",
            "mp": "EU/1/20/1528",
            "ma": "ORG-100030215",
            "dn": 2,
            "sd": 2,
            "dt": "2021-09-01",
            "is": "Bộ Y tế",
            **entry,
        },
    )


def lab_test_hcert() -> dict:
    return dcc.hcert_build(
        family_name="Trần",
        given_name="Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        kind="t",
        entry={
            "tt": "LP217198-3",
            "ma": "1232",
            "sc": "2026-11-20T08:30:00Z",
            "tr": dcc.TEST_NOT_DETECTED,
            "tc": "Bệnh viện Chợ Rẫy",
            "is": "Bộ Y tế",
        },
    )


def recovery_hcert() -> dict:
    return dcc.hcert_build(
        family_name="Đặng",
        given_name="Minh",
        date_of_birth="1990-05",
        kind="r",
        entry={"fr": "2026-10-01", "df": "2026-10-12", "du": "2027-03-30", "is": "Bộ Y tế"},
    )


def photo_of(png: bytes, *, canvas=(1600, 1200), scale=520, offset=(430, 310)) -> bytes:
    """A JPEG "photo": the QR scaled and pasted on a larger grey background."""
    qr = Image.open(io.BytesIO(png)).convert("RGB").resize((scale, scale))
    photo = Image.new("RGB", canvas, (196, 198, 200))
    photo.paste(qr, offset)
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def trust(*issuers) -> None:
    """Put foreign signing certificates (tests/trust/vectors.py) on the trust list."""
    from khaibao.trust.services import trust_list_import
    from khaibao.trust.trustlist import parse_trust_list

    parsed = parse_trust_list(b"".join(issuer.pem for issuer in issuers), origin="test bundle")
    assert parsed.problems == []
    trust_list_import(entries=parsed.entries, source="test bundle")
