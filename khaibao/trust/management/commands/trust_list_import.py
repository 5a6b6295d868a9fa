"""Import foreign signing certificates from trust-list files or directories."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from khaibao.trust.services import trust_list_import
from khaibao.trust.trustlist import parse_trust_list

SUFFIXES = {".pem", ".crt", ".cer", ".der", ".json"}


class Command(BaseCommand):
    help = (
        "Add signing certificates to the trust list from PEM/DER certificate files, bundles, "
        "the EU DCC gateway verifier service's JSON list, or directories of those. "
        "Idempotent and audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--withdraw-missing",
            action="store_true",
            help="the files are the complete list of their countries: withdraw the others",
        )
        parser.add_argument("--user", help="the staff username recorded as importing")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        files = []
        for path in options["paths"]:
            if path.is_dir():
                files += sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path} does not exist.")
        entries, problems = [], []
        for path in files:
            parsed = parse_trust_list(path.read_bytes(), origin=path.name)
            entries += parsed.entries
            problems += parsed.problems
        source = ", ".join(str(path) for path in options["paths"])
        report = trust_list_import(
            entries=entries,
            problems=problems,
            source=source,
            by=user,
            withdraw_missing=options["withdraw_missing"],
        )
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"{len(files)} file(s): {len(report.added)} added, {report.unchanged} already there, "
            f"{len(report.withdrawn)} withdrawn, {len(report.problems)} problem(s)."
        )
