"""The revocation snapshot used outside transactions (web requests, the benchmark)."""

import datetime

import pytest
from django.db import connection, transaction

from khaibao.trust import snapshot
from khaibao.trust.models import RevokedCertificate
from khaibao.trust.services import certificate_revoke, qr_issue_kb1, qr_verify


def _issue():
    return qr_issue_kb1(
        kind="completion",
        subject_id="case-1",
        claims={"name": "Trần Thị Cúc"},
        valid_for=datetime.timedelta(days=30),
    )


@pytest.mark.django_db(transaction=True)
def test_a_revocation_reaches_this_process_when_it_commits():
    issued = _issue()
    assert not connection.in_atomic_block
    assert qr_verify(issued.text).status == "valid"  # the snapshot is loaded here

    certificate_revoke(cert_id=issued.cert_id, reason="Hoàn thành cách ly bị huỷ")

    assert qr_verify(issued.text).status == "revoked"


@pytest.mark.django_db(transaction=True)
def test_a_revocation_by_another_process_is_seen_after_the_refresh_interval(monkeypatch):
    issued = _issue()
    clock = [1000.0]
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: clock[0])
    assert qr_verify(issued.text).status == "valid"

    # Another process: the row appears, this process's snapshot is not told.
    RevokedCertificate.objects.create(cert_id=issued.cert_id, reason="khác")
    clock[0] += snapshot.REFRESH_SECONDS / 2
    still_cached = qr_verify(issued.text).status
    clock[0] += snapshot.REFRESH_SECONDS
    after_refresh = qr_verify(issued.text).status

    assert still_cached == "valid"
    assert after_refresh == "revoked"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_database_is_asked():
    issued = _issue()
    assert qr_verify(issued.text).status == "valid"

    with transaction.atomic():
        RevokedCertificate.objects.create(cert_id=issued.cert_id, reason="chưa commit")
        inside = qr_verify(issued.text).status
        transaction.set_rollback(True)

    assert inside == "revoked"
    assert qr_verify(issued.text).status == "valid"
