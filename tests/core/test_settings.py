"""Settings fail closed: production refuses to start half-configured.

Each case starts a fresh interpreter, since settings are read once per process.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO / ".env.example"
SETTINGS = REPO / "khaibao" / "settings.py"
PRODUCTION_KEY = secrets.token_urlsafe(50)
# `check` does not connect to the database, so no PostgreSQL needs to be running.
PRODUCTION_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def read_env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def settings_variables() -> set[str]:
    """Every environment variable name khaibao/settings.py reads."""
    source = SETTINGS.read_text(encoding="utf-8")
    readers = r"(?:env_str|env_bool|env_int|env_list|os\.environ\.get|os\.getenv)"
    return set(re.findall(readers + r"\(\s*\"([A-Z0-9_]+)\"", source))


def clean_env(**values: str) -> dict[str, str]:
    """The caller's environment without anything KhaiBao reads, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_variables() | read_env_example().keys()
        # The browser tests' flag (see tests/e2e/conftest.py) never reaches production.
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env["DJANGO_SETTINGS_MODULE"] = "khaibao.settings"
    env.update(values)
    return env


def production(**overrides: str | None) -> dict[str, str]:
    """A complete production environment; an override of None removes the variable."""
    values = {
        "SECRET_KEY": PRODUCTION_KEY,
        "ALLOWED_HOSTS": "khaibao.example.gov.vn",
        "DATABASE_URL": PRODUCTION_DATABASE_URL,
        "SMS_BACKEND": "console",
        "SIGNING_KEYS_DIR": "/etc/khaibao/keys",
        "KHAIBAO_PUBLIC_URL": "https://khaibao.example.gov.vn",
        **overrides,
    }
    return clean_env(**{key: value for key, value in values.items() if value is not None})


def start(env: dict[str, str], code: str = "import django; django.setup()"):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_complete_production_environment_starts_with_debug_off():
    result = start(
        production(),
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/khaibao.sqlite3"}, "PostgreSQL"),
        ({"DATABASE_URL": "postgress://khaibao@127.0.0.1/khaibao"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SESSION_COOKIE_AGE": "abc"}, "SESSION_COOKIE_AGE"),
        ({"SESSION_COOKIE_AGE": "5"}, "SESSION_COOKIE_AGE"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SMS_BACKEND": None}, "SMS_BACKEND"),
        ({"SIGNING_KEYS_DIR": None}, "SIGNING_KEYS_DIR"),
        ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND"),
        ({"SMS_BACKEND": "database"}, "SMS_BACKEND"),
        ({"SMS_DEV_INBOX": "1"}, "SMS_DEV_INBOX"),
        ({"SMS_BACKEND": "http"}, "SMS_GATEWAY_URL"),
        ({"TRUSTED_PROXIES": "*"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "127.0.0.1,0.0.0.0/0"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "::/0"}, "TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "nginx.internal"}, "TRUSTED_PROXIES"),
        ({"OTP_BACKOFF_AFTER_FAILURES": "200"}, "OTP_LOCK_AFTER_FAILURES"),
        (
            {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": "ftp://x", "SMS_GATEWAY_TOKEN": "t"},
            "SMS_GATEWAY_URL",
        ),
    ],
    ids=lambda value: (
        "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value
    ),
)
def test_production_refuses_to_start_and_names_what_is_wrong(overrides, named):
    result = start(production(**overrides))
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert named in last_line


@pytest.mark.smoke
def test_production_without_secret_key_refuses_to_start():
    result = start(production(SECRET_KEY=None))
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable." in result.stderr


def test_the_example_secret_key_is_refused_so_a_copied_env_file_cannot_go_live():
    result = start(production(SECRET_KEY=read_env_example()["SECRET_KEY"]))
    assert result.returncode != 0
    assert "SECRET_KEY is still the .env.example placeholder" in result.stderr


def test_production_takes_the_proxies_own_addresses_and_private_ranges():
    result = start(
        production(TRUSTED_PROXIES="127.0.0.1, ::1, 10.0.0.0/8, fd00::/8"),
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXIES)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']"


def test_development_starts_with_nothing_configured(tmp_path):
    result = start(
        clean_env(DEBUG="1", KHAIBAO_VAR_DIR=str(tmp_path)),
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], settings.ALLOWED_HOSTS)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True django.db.backends.sqlite3 ['127.0.0.1', 'localhost', '[::1]']"
    )
    # The generated development key survives restarts and is private to its owner.
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_check_deploy_is_clean_with_the_production_example(tmp_path):
    from khaibao.trust.keys import generate_key

    generate_key(tmp_path)
    tmp_path.chmod(0o700)
    values = read_env_example()
    # The example's SECRET_KEY is refused on purpose (see above); an operator's real
    # key takes its place. The rest is used exactly as written in .env.example.
    # Likewise the operator's key directory stands in for the example's path.
    values.update(
        SECRET_KEY=PRODUCTION_KEY,
        DATABASE_URL=PRODUCTION_DATABASE_URL,
        SIGNING_KEYS_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=clean_env(**values),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_env_example_lists_every_variable_settings_reads_each_with_a_comment():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    documented = {}
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            key = line.partition("=")[0]
            documented[key] = lines[number - 1] if number else ""
    assert settings_variables() <= documented.keys()
    assert documented.keys() <= settings_variables()
    undocumented = [key for key, above in documented.items() if not above.startswith("# ")]
    assert undocumented == []
    without_default = [key for key, above in documented.items() if "Default" not in above]
    assert without_default == []
    assert read_env_example()["DEBUG"] == "0"
