"""static/vendor/ as `make assets` builds it (scripts/build_assets.mjs)."""

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import require

BUILD = settings.BASE_DIR / "scripts" / "build_assets.mjs"
STATIC = settings.BASE_DIR / "static"
BOOTSTRAP = settings.BASE_DIR / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
PURGED_CSS = STATIC / "vendor" / "bootstrap" / "bootstrap.purged.min.css"
F0_FORM_CSS = STATIC / "vendor" / "bootstrap" / "bootstrap.f0-form.min.css"
CLASS_SELECTOR = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")


def test_the_built_files_are_what_a_build_from_the_current_sources_writes():
    """A Bootstrap class newly named in a template, a script or a form has its rules in
    the files pages load, and the minified scripts and stylesheets are of the sources as
    they are: the build runs again and must find nothing to change."""
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


def test_the_f0_form_file_leaves_out_what_only_other_pages_use():
    css = F0_FORM_CSS.read_text()
    for rule in (".form-check-input{", ".is-invalid", ".alert-danger{", ".alert-success{"):
        assert rule in css
    # The home-care links, the officer's answer and the verify page's badges.
    for unused in (".list-group{", ".text-bg-warning{", ".border-danger{", ".badge{"):
        assert unused not in css
    assert len(css) < len(PURGED_CSS.read_text()) * 0.75


class _PageAssets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.classes: set[str] = set()
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.classes.update((attributes.get("class") or "").split())
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])


def _bootstrap_classes_missing(html: str) -> set[str]:
    """The classes the page's markup uses that Bootstrap styles and no stylesheet the
    page links names."""
    page = _PageAssets()
    page.feed(html)
    linked = "".join(
        (STATIC / href.removeprefix(settings.STATIC_URL)).read_text() for href in page.stylesheets
    )
    bootstrap = set(CLASS_SELECTOR.findall(BOOTSTRAP.read_text()))
    return (page.classes & bootstrap) - set(CLASS_SELECTOR.findall(linked))


def _f0_form(client, citizen, citizen_person, *, submitted: bool) -> str:
    client.force_login(citizen)
    path = reverse("declarations:declare", kwargs={"public_id": citizen_person.public_id})
    html = client.get(path).content.decode()
    if not submitted:
        return html
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    response = client.post(path, {"submission_key": key})
    assert response.status_code == 400  # the empty form, with its errors
    return response.content.decode()


@pytest.mark.parametrize(
    "page",
    ["home", "login", "the F0 form", "the F0 form with errors"],
)
def test_every_bootstrap_class_a_page_shows_has_its_rules_in_what_it_links(
    page, client, citizen, citizen_person
):
    """The page files (PAGE_BUNDLES) are built from their pages' templates only: rendered,
    those pages use no Bootstrap class their file left out."""
    require(BOOTSTRAP.exists(), f"{BOOTSTRAP} is missing: run make assets")
    if page == "home":
        html = client.get(reverse("home")).content.decode()
    elif page == "login":
        html = client.get(reverse("accounts:login")).content.decode()
    else:
        html = _f0_form(client, citizen, citizen_person, submitted=page.endswith("errors"))
    assert "/static/vendor/bootstrap/" in html

    assert _bootstrap_classes_missing(html) == set()


def test_the_f0_form_loads_its_own_file_and_the_minified_scripts(client, citizen, citizen_person):
    html = _f0_form(client, citizen, citizen_person, submitted=False)

    assert 'href="/static/vendor/bootstrap/bootstrap.f0-form.min.css"' in html
    assert "bootstrap.purged.min.css" not in html
    assert 'href="/static/vendor/khaibao/css/khaibao.css"' in html
    for script in ("area-picker.js", "photo-shrink.js", "f0-draft.js"):
        assert f'<script src="/static/vendor/khaibao/js/{script}" defer></script>' in html
