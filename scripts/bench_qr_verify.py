#!/usr/bin/env python
"""Benchmark (not a test): how many signed QR codes one process verifies per second.

Issues N codes of each kind (HC1 vaccination certificates of the portal's own, EU DCCs
from abroad signed ES256 and PS256 by certificates on the trust list, KB1 personal
codes), adds some revoked certificate ids and foreign certificates, then times
`qr_verify` on every code, best of a few rounds. DESIGN.md §7 asks for at least 3,000
per second per core. It also times the Base45 layer alone, the decoder in
khaibao/trust/b45.py against the `base45` package's.

    .venv/bin/python scripts/bench_qr_verify.py [--count 2000] [--rounds 5] [--revoked 1000]

It uses a throw-away test database (SQLite, or bench_<name> on DATABASE_URL's server)
and temporary key and CSCA directories, so it touches nothing of the developer's.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

TARGET_PER_CORE = 3000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="codes of each kind")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes; the best counts")
    parser.add_argument("--revoked", type=int, default=1000, help="revoked ids in the table")
    parser.add_argument("--foreign", type=int, default=200, help="other foreign certificates")
    args = parser.parse_args()

    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SMS_BACKEND", "locmem")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaibao.settings")
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as temporary:
        os.environ["SIGNING_KEYS_DIR"] = str(Path(temporary) / "keys")
        import django
        from django.conf import settings

        django.setup()
        # The development CSCA goes here, not into the developer's var/csca.
        settings.SIGNING_CSCA_DIR = Path(temporary) / "csca"
        from django.db import connection
        from django.test.utils import setup_databases, setup_test_environment, teardown_databases

        if connection.vendor != "sqlite":
            # Not test_<name>: a test run on the same server may be using that one.
            connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
        setup_test_environment()
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            run(args)
        finally:
            teardown_databases(old_config, verbosity=0)


def _foreign_codes(count: int, others: int) -> dict[str, list[str]]:
    from khaibao.trust.services import trust_list_import
    from khaibao.trust.trustlist import parse_trust_list
    from tests.trust import vectors

    germany = vectors.issuer(country="DE")
    france = vectors.issuer(country="FR", alg=vectors.PS256)
    bystanders = [vectors.issuer(country="IT") for _ in range(others)]
    bundle = b"".join(issuer.pem for issuer in [germany, france, *bystanders])
    parsed = parse_trust_list(bundle, origin="benchmark")
    trust_list_import(entries=parsed.entries, source="benchmark")

    def codes(signer, **entry):
        return [
            vectors.code(
                vectors.german_vaccination(ci=f"URN:UVCI:01DE/BENCH/{i}#X", **entry), signer
            )
            for i in range(count)
        ]

    return {
        "HC1 from DE ES256": codes(germany),
        "HC1 from FR PS256": codes(france, co="FR"),
    }


def run(args) -> None:
    import datetime

    import base45
    from django.db import connection

    from khaibao.trust import b45
    from khaibao.trust.hcert import uvci_new
    from khaibao.trust.models import RevokedCertificate
    from khaibao.trust.services import qr_issue_hc1, qr_issue_kb1, qr_verify
    from tests.trust.conftest import vaccination_hcert

    year = datetime.timedelta(days=365)
    RevokedCertificate.objects.bulk_create(
        RevokedCertificate(cert_id=uvci_new(), reason="benchmark") for _ in range(args.revoked)
    )
    codes = {
        "HC1 own ES256": [
            qr_issue_hc1(hcert=vaccination_hcert(), cert_id=uvci_new(), valid_for=year).text
            for _ in range(args.count)
        ],
        **_foreign_codes(args.count, args.foreign),
        "KB1 person": [
            qr_issue_kb1(
                kind="person",
                subject_id=f"00000000-0000-4000-8000-{i:012d}",
                claims={"name": f"Trần Thị Cúc {i}", "birth_date": datetime.date(1975, 11, 30)},
                valid_for=year,
            ).text
            for i in range(args.count)
        ],
    }
    print(
        f"Database: {connection.vendor}; {args.revoked} revoked ids; "
        f"{args.foreign + 2} foreign certificates; one process, one thread."
    )
    for label, texts in codes.items():
        statuses = {qr_verify(text).status for text in texts}  # warm-up, and a sanity check
        assert statuses == {"valid"}, (label, statuses)
        best = min(_timed(qr_verify, texts) for _ in range(args.rounds))
        size = sum(map(len, texts)) // len(texts)
        print(
            f"{label:18} {len(texts) / best:8,.0f} codes/s  "
            f"({best / len(texts) * 1e6:5.0f} µs each, {size} characters a code)"
        )
        rate = len(texts) / best
        benchlib.record(
            script="bench_qr_verify.py",
            path=f"QR verification in process, {label}",
            figure=f"{rate:,.0f} a second on one core",
            target=f"≥ {TARGET_PER_CORE:,} a second per core",
            met=rate >= TARGET_PER_CORE,
            values={"per_second": round(rate), "us_each": round(best / len(texts) * 1e6, 1)},
        )
    bodies = [text[4:] for text in codes["HC1 own ES256"]]
    for label, decode in (("b45.decode", b45.decode), ("base45.b45decode", base45.b45decode)):
        best = min(_timed(decode, bodies) for _ in range(args.rounds))
        print(f"Base45 layer, {label:17} {best / len(bodies) * 1e6:5.1f} µs a code")


def _timed(function, items) -> float:
    start = time.perf_counter()
    for item in items:
        function(item)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
