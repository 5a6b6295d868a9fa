"""Test settings: the real settings, with development defaults and fast hashing.

DATABASE_URL / REDIS_URL from the environment decide whether the suite runs on
PostgreSQL + Redis (CI) or SQLite + in-process tasks (a quick local run).
"""

import os

os.environ.setdefault("DEBUG", "1")

from khaibao.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests never write into the developer's var/ directory for uploads.
MEDIA_ROOT = BASE_DIR / "var" / "test-private-media"  # noqa: F405
