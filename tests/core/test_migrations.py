"""Models and migrations agree: a model change without its migration fails here, not on
the first deploy."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.smoke
def test_no_model_change_is_missing_its_migration(db):
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration would be written
        pytest.fail(f"makemigrations would write a migration:\n{out.getvalue()}\n(exit {exc.code})")
    assert "No changes detected" in out.getvalue()
