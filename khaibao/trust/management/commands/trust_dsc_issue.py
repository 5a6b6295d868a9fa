"""Issue document signing certificates (DSC) for the keys in SIGNING_KEYS_DIR."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from khaibao.trust.certificates import (
    DEFAULT_DSC_DAYS,
    certificate_kid,
    check_apart,
    csca_load,
    dsc_issue,
)
from khaibao.trust.keys import certificate_write, csca_directory, keyring_reset, read_keyring

USAGES = {"test": "t", "vaccination": "v", "recovery": "r"}


class Command(BaseCommand):
    help = (
        "Issue a signing certificate, signed by the CSCA, for each private key in "
        "SIGNING_KEYS_DIR that has none valid now (or for --key), with the EU DCC "
        "extended-key-usage OIDs of --usage. The certificate goes beside the key; the CSCA "
        "key stays where it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csca-dir", type=Path, help="default SIGNING_CSCA_DIR")
        parser.add_argument("--key", help="only this key (file name without .pem)")
        parser.add_argument("--days", type=int, default=DEFAULT_DSC_DAYS, help="validity")
        parser.add_argument(
            "--usage",
            default="test,vaccination,recovery",
            help="comma-separated: test, vaccination, recovery",
        )
        parser.add_argument(
            "--renew", action="store_true", help="issue even when a valid certificate exists"
        )

    def handle(self, *args, **options):
        try:
            usages = frozenset(USAGES[name.strip()] for name in options["usage"].split(","))
        except KeyError as exc:
            raise CommandError(f"Unknown usage {exc}: use {', '.join(USAGES)}.") from None
        directory = Path(settings.SIGNING_KEYS_DIR)
        csca_dir = options["csca_dir"] or csca_directory()
        try:
            check_apart(csca_dir, directory)
            _, csca = csca_load(csca_dir)
            ring = read_keyring(directory)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        now = datetime.datetime.now(tz=datetime.UTC)
        keys = [
            key
            for group in ring.keys.values()
            for key in group
            if key.can_sign and options["key"] in (None, key.name)
        ]
        if not keys:
            raise CommandError(f"No private key to certify in {directory}.")
        for key in keys:
            if key.certificate_at(now) is not None and not options["renew"]:
                self.stdout.write(f"{key.name}: has a valid certificate (use --renew).")
                continue
            certificate = dsc_issue(
                csca_dir=csca_dir,
                public_key=key.public_key,
                common_name=f"KhaiBao DSC {key.name}",
                days=options["days"],
                usages=usages,
            )
            path = certificate_write(directory, key, certificate, csca)
            self.stdout.write(
                f"{key.name}: {path.name}, HC1 kid {certificate_kid(certificate).hex()}, valid "
                f"until {certificate.not_valid_after_utc:%Y-%m-%d}."
            )
        keyring_reset()
