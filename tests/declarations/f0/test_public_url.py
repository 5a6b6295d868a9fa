"""`make run` links to the address it serves (issue 17): SMS texts and FAQ #1 show
KHAIBAO_PUBLIC_URL, which scripts/run.sh sets from HOST and PORT unless it is set."""

import os
import shutil
import stat
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

RUN_SH = settings.BASE_DIR / "scripts" / "run.sh"
FAKE_PYTHON = """#!/bin/sh
echo "$* | ${KHAIBAO_PUBLIC_URL:-unset} | ${ALLOWED_HOSTS:-unset}" >> "$RUN_LOG"
"""


def served_with(tmp_path, **env) -> tuple[str, str]:
    """Run scripts/run.sh with a stand-in Python (it only records what it is given) and
    return the public URL and allowed hosts that `manage.py runserver` received."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(RUN_SH, tmp_path / "scripts" / "run.sh")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "run.log"
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "RUN_LOG": str(log)}
    subprocess.run(
        ["bash", str(tmp_path / "scripts" / "run.sh")],
        env={**base, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    line = next(line for line in log.read_text().splitlines() if "runserver" in line)
    _args, url, hosts = (part.strip() for part in line.split("|"))
    return url, hosts


def test_the_public_url_follows_host_and_port(tmp_path):
    url, _hosts = served_with(tmp_path, HOST="127.0.0.1", PORT="8123")

    assert url == "http://127.0.0.1:8123"


def test_the_default_is_the_default_address(tmp_path):
    url, _hosts = served_with(tmp_path)

    assert url == "http://127.0.0.1:8000"


def test_a_public_url_that_is_set_is_kept(tmp_path):
    url, _hosts = served_with(
        tmp_path, HOST="127.0.0.1", PORT="8123", KHAIBAO_PUBLIC_URL="https://kb.example.gov.vn"
    )

    assert url == "https://kb.example.gov.vn"


def test_serving_every_interface_links_to_an_address_a_phone_can_open(tmp_path):
    url, hosts = served_with(tmp_path, HOST="0.0.0.0", PORT="8123")

    assert url.startswith("http://") and url.endswith(":8123")
    assert "0.0.0.0" not in url
    host = url.removeprefix("http://").rsplit(":", 1)[0]
    assert host in hosts.split(",")


def test_make_run_hands_host_and_port_to_the_script():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        ["make", "-n", "run", "HOST=192.0.2.7", "PORT=8123"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "HOST=192.0.2.7 PORT=8123 ./scripts/run.sh" in dry


@pytest.mark.parametrize("url", ["http://127.0.0.1:8123", "https://kb.example.gov.vn"])
def test_faq_one_shows_the_public_url(client, db, settings, url):
    settings.KHAIBAO_PUBLIC_URL = url

    page = client.get(reverse("declarations:faq")).content.decode()

    assert f"<strong>{url}</strong>" in page
