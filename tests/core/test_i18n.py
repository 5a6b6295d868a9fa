"""The English catalogue is complete, current, and used by the pages.

Source strings are Vietnamese; English is the translation in locale/en. `make messages`
compiles the .po; these tests read the .po with polib and the pages through Django.
"""

import os
import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from khaibao.lib import registry

PO_PATH = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")

VIETNAMESE_TITLES = [
    "Khai báo F0",
    "Chăm sóc F0 tại nhà",
    "Tiêm chủng",
    "Khai báo y tế, khai báo vào tỉnh, quét mã QR",
    "Kết quả xét nghiệm",
]
ENGLISH_TITLES = [
    "Positive case (F0) declaration",
    "Home care for F0 patients",
    "Vaccination",
    "Health declaration, entry declaration, QR check-in",
    "Test results",
]


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


@pytest.fixture
def compiled_catalogue():
    """The pages read the .mo: a missing or stale one would make English tests lie."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        pytest.fail(f"{MO_PATH} is missing or older than the .po: run `make messages`.")


def _keys(catalogue):
    return {(entry.msgctxt or "", entry.msgid, entry.msgid_plural) for entry in catalogue}


def _translations(entry):
    if entry.msgid_plural:
        return [entry.msgstr_plural[key] for key in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@pytest.mark.smoke
def test_every_english_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Language"] == "en"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    untranslated = [e.msgid for e in catalogue if not all(s.strip() for s in _translations(e))]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    # The source strings of the five services are Vietnamese, and all of them are there.
    assert {e.msgid for e in catalogue} >= set(VIETNAMESE_TITLES)


@pytest.mark.smoke
def test_english_keeps_every_placeholder_of_the_vietnamese(catalogue):
    # A lost %(count)d shows the reader a sentence without its number; an extra one
    # raises KeyError at the moment the message is shown.
    wrong = []
    for entry in catalogue:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for translation in _translations(entry):
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                wrong.append((entry.msgid, translation))
    assert wrong == []


def test_every_translatable_string_in_the_source_is_in_the_english_catalogue(
    settings, tmp_path, monkeypatch
):
    """Extract the strings afresh, as `makemessages` does, and compare the msgids.

    makemessages writes next to the sources it reads, so it runs on a copy of the
    tree: the committed catalogue is never touched by the test.
    """
    if shutil.which("xgettext") is None:
        reason = "GNU gettext (xgettext) is not installed: `apt-get install gettext`."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    copy = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "node_modules", "vendor", "staticfiles", "var", "locale", "__pycache__"
        ),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0)
    fresh = _keys(polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po")))
    committed = _keys(polib.pofile(str(PO_PATH)))
    new, gone = sorted(fresh - committed), sorted(committed - fresh)
    assert not new, f"Run makemessages and translate the new strings: {new}"
    assert not gone, f"Run makemessages: these strings are no longer in the source: {gone}"


@pytest.mark.smoke
def test_home_is_vietnamese_by_default(client, db):
    response = client.get(reverse("home"))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in text
    for title in VIETNAMESE_TITLES:
        assert title in text
    assert "Cán bộ y tế đăng nhập" in text


@pytest.mark.smoke
def test_home_is_english_with_the_language_cookie(client, db, compiled_catalogue):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("home"))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in text
    for english, vietnamese in zip(ENGLISH_TITLES, VIETNAMESE_TITLES, strict=True):
        assert english in text
        assert vietnamese not in text
    # Every service is built and linked: none says it is not available yet.
    assert (
        text.count("Not available yet")
        == 0
        == sum(1 for s in registry.services() if not s.url_name)
    )
    assert f'href="{reverse("declarations:start")}">Positive case (F0) declaration</a>' in text
    assert "Chưa triển khai" not in text
    assert "Health staff sign-in" in text


@pytest.mark.smoke
def test_language_switch_form_works_without_javascript(client, db, compiled_catalogue):
    # The switcher is a plain form: posting it sets the cookie and goes back to `next`.
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    text = client.get("/").content.decode()
    assert "Test results" in text
    assert "Kết quả xét nghiệm" not in text

    response = client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert response.status_code == 302
    text = client.get("/").content.decode()
    assert '<html lang="vi">' in text
    assert "Kết quả xét nghiệm" in text
