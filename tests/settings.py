"""Test settings: the real settings, with development defaults and fast hashing.

DATABASE_URL / REDIS_URL from the environment decide whether the suite runs on
PostgreSQL + Redis (CI) or SQLite + in-process tasks (a quick local run).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SMS_BACKEND", "locmem")

from khaibao.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never write into the developer's var/ directory for uploads.
MEDIA_ROOT = BASE_DIR / "var" / "test-private-media"  # noqa: F405
if STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):  # noqa: F405
    STORAGES["private"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405

# A failing task should fail the test that triggered it.
CELERY_TASK_EAGER_PROPAGATES = True

# Tests run with DEBUG off, where no development key is generated: tests/conftest.py
# makes one here once per run.
SIGNING_KEYS_DIR = BASE_DIR / "var" / "test-keys"  # noqa: F405

# Rate limits count across tests in a shared cache: tests of a limit lower it themselves.
VERIFY_MAX_PER_IP_PER_MINUTE = 1_000_000
UPLOAD_MAX_PER_ACCOUNT_PER_HOUR = 1_000_000
