"""static/vendor/ as `make assets` builds it (scripts/build_assets.mjs)."""

import shutil
import subprocess

from django.conf import settings

from tests.conftest import require

BUILD = settings.BASE_DIR / "scripts" / "build_assets.mjs"
PURGED_CSS = settings.BASE_DIR / "static" / "vendor" / "bootstrap" / "bootstrap.purged.min.css"


def test_the_purged_bootstrap_is_what_a_build_from_the_current_sources_writes():
    """A Bootstrap class newly named in a template, a script or a form has its rules in
    the file pages load: the purge runs again and must find nothing to change."""
    node = shutil.which("node")
    require(node is not None, "node (for scripts/build_assets.mjs) is not on PATH")
    result = subprocess.run(
        [node, str(BUILD), "--check"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_purged_bootstrap_keeps_the_rules_pages_build_from_a_value():
    """Classes no source names whole ("alert-{{ message.level_tag }}") are kept, and the
    parts of Bootstrap no page uses are not."""
    css = PURGED_CSS.read_text()
    for rule in (".alert-success{", ".alert-info{", ".text-bg-warning{", ".border-danger{"):
        assert rule in css
    for unused in (".modal{", ".accordion{", ".carousel{", ".navbar{", ".offcanvas{"):
        assert unused not in css
