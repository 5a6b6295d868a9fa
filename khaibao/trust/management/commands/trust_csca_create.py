"""Create the portal's CSCA (the key that issues signing certificates), outside the key folder."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from khaibao.trust.certificates import DEFAULT_CSCA_DAYS, certificate_kid, check_apart, csca_create
from khaibao.trust.keys import csca_directory


class Command(BaseCommand):
    help = (
        "Create a CSCA key and its self-signed certificate in SIGNING_CSCA_DIR (or --dir). "
        "Keep that directory off the web servers; only `trust_dsc_issue` reads it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="where to write (default SIGNING_CSCA_DIR)")
        parser.add_argument("--country", default=settings.QR_ISSUER, help="ISO 3166 code")
        parser.add_argument("--name", default="KhaiBao CSCA", help="the certificate's common name")
        parser.add_argument("--days", type=int, default=DEFAULT_CSCA_DAYS, help="validity")

    def handle(self, *args, **options):
        directory = options["dir"] or csca_directory()
        country = options["country"].upper()
        if len(country) != 2 or not country.isalpha():
            raise CommandError("--country must be a two-letter ISO 3166 code.")
        try:
            check_apart(directory, Path(settings.SIGNING_KEYS_DIR))
            certificate = csca_create(
                directory, country=country, common_name=options["name"], days=options["days"]
            )
        except (ImproperlyConfigured, FileExistsError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"CSCA created in {directory} (certificate kid {certificate_kid(certificate).hex()}, "
            f"valid until {certificate.not_valid_after_utc:%Y-%m-%d}). Keep csca.key.pem offline; "
            "publish csca.crt to verifiers."
        )
