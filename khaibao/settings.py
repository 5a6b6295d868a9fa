"""KhaiBao settings: one file, read from the environment.

Every variable is listed with a comment in `.env.example`. Readers fail closed: a
malformed value raises ImproperlyConfigured at start-up, and production (DEBUG off)
refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env_str("KHAIBAO_VAR_DIR", str(BASE_DIR / "var")))


def _development_secret_key() -> str:
    """A random key kept under var/ so development sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host in production.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
    if "change-me" in SECRET_KEY.lower():
        # The example key from .env.example is public: sessions signed with it are forgeable.
        raise ImproperlyConfigured("SECRET_KEY is still the .env.example placeholder: replace it.")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must not contain '*' in production.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Reverse proxies (nginx, a load balancer) whose X-Forwarded-For is believed, as
# addresses or CIDR ranges. Empty (the default): REMOTE_ADDR is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])


def _check_trusted_proxies(values: list[str]) -> None:
    from khaibao.lib.clientip import parse_proxy_networks

    try:
        networks = parse_proxy_networks(values)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}.") from None
    if DEBUG:
        return
    unique_local = ipaddress.ip_network("fc00::/7")  # IPv6's private range
    for network in networks:
        # A range this wide trusts the whole Internet to say who it is: every client
        # could then forge its address past the per-IP limits.
        too_wide = network.prefixlen < (8 if network.version == 4 else 32)
        if too_wide and not (network.version == 6 and network.subnet_of(unique_local)):
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {network} is far too wide; list the proxies' own "
                "addresses or their private range."
            )


_check_trusted_proxies(TRUSTED_PROXIES)

# --- Applications -------------------------------------------------------------------

INSTALLED_APPS = [
    "khaibao.core",
    "khaibao.accounts",
    "khaibao.areas",
    "khaibao.people",
    "khaibao.audit",
    "khaibao.notify",
    "khaibao.trust",
    "khaibao.uploads",
    "khaibao.rules",
    "declarations",
    "vaccination",
    "checkpoints",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "captcha",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "khaibao.core.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "khaibao.accounts.middleware.CitizenIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Production serves static files from the app server (collected, compressed,
    # hashed names); in development runserver does it.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "khaibao.urls"
WSGI_APPLICATION = "khaibao.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# ModelBackend that loads a staff account's profile and area with the account.
AUTHENTICATION_BACKENDS = ["khaibao.accounts.backends.AccountBackend"]
LOGIN_URL = "admin:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khaibao.core.context_processors.portal",
            ],
        },
    },
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Database -------------------------------------------------------------------------

_DATABASE_ENGINES = {"django.db.backends.postgresql", "django.db.backends.sqlite3"}
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    try:
        _database = environ.Env.db_url_config(DATABASE_URL)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    # django-environ turns an unknown scheme ("postgress://", "mysql2://") into an
    # engine name Django cannot import; refuse it here with a message that says why.
    if _database.get("ENGINE") not in _DATABASE_ENGINES:
        raise ImproperlyConfigured(
            "DATABASE_URL must start with postgres:// (or sqlite:/// in development)."
        )
    if not DEBUG and _database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")
    if not _database.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL must name a database, e.g. …/khaibao.")
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _database}
elif DEBUG:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "khaibao.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
else:
    raise ImproperlyConfigured("Set DATABASE_URL: production runs on PostgreSQL.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://.")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, with one redis client per pool and one-round-trip counters.
            "BACKEND": "khaibao.lib.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "khaibao",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without Redis (the zero-setup default) tasks run in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# In-process tasks must not turn a failed side job (a text, a QR image) into an error
# page: the outbox sweeper and the image view retry them. Tests set this to True.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"khaibao.notify.tasks.*": {"queue": "sms"}}
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 90, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that is not acknowledged within this time is handed to another worker: it
# must stay above the hard time limit, or long tasks would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-sms": {
        "task": "khaibao.notify.tasks.requeue_stuck_sms",
        "schedule": 60.0,
    },
    "delete-orphan-photos": {
        "task": "khaibao.uploads.tasks.delete_orphan_photos",
        "schedule": 3600.0,
    },
    "delete-abandoned-held-photos": {
        "task": "khaibao.uploads.tasks.delete_abandoned_held_photos",
        "schedule": 3600.0,
    },
    "clear-expired-sessions": {
        "task": "khaibao.accounts.tasks.clear_expired_sessions",
        "schedule": 3600.0,
    },
    # Home care: each run takes only the steps that are due and not yet taken, so the
    # period is how late a reminder may be, not how often it is sent.
    "homecare-chase-missed-reports": {
        "task": "declarations.homecare.tasks.chase_missed_reports",
        "schedule": 300.0,
    },
    "homecare-resend-open-alerts": {
        "task": "declarations.homecare.tasks.resend_open_alerts",
        "schedule": 60.0,
    },
    # Vaccination: a request past its deadline is escalated within this period.
    "vaccination-escalate-overdue-corrections": {
        "task": "vaccination.tasks.escalate_overdue_corrections",
        "schedule": 900.0,
    },
    # Entry declarations: a quarantine policy scheduled for later is applied within this
    # period of taking effect (recomputing whoever it concerns, with an SMS on a change).
    "checkpoints-recompute-policies-taking-effect": {
        "task": "checkpoints.quarantine.tasks.recompute_policies_taking_effect",
        "schedule": 300.0,
    },
    # Venue check-ins older than the retention rule are deleted within this period.
    "checkpoints-delete-expired-checkins": {
        "task": "checkpoints.venues.tasks.delete_expired_checkins",
        "schedule": 3600.0,
    },
}
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15, minimum=1)

# --- Auth and sessions ----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security (production) ------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "khaibao.core.views.csrf_failure"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # The preload list takes whole registrable domains (often a provincial .gov.vn
        # shared by many sites) and binds every subdomain to HTTPS for months: that is
        # the domain owner's decision (SECURE_HSTS_PRELOAD=1), so leaving it off is a
        # choice, not a fault for `check --deploy` to warn about.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Internationalisation -------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy in both languages (Django's Vietnamese default is "14 tháng 3 năm 1988").
FORMAT_MODULE_PATH = ["khaibao.formats"]

# --- Static files ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads are never served from a public URL: there is deliberately no MEDIA_URL.
MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private-media")))

# --- Portal ---------------------------------------------------------------------------

KHAIBAO_PROVINCE_NAME = env_str("KHAIBAO_PROVINCE_NAME", "")
KHAIBAO_HOTLINE = env_str("KHAIBAO_HOTLINE", "1022")
# The portal's public address, for links in SMS texts (no trailing slash).
KHAIBAO_PUBLIC_URL = env_str(
    "KHAIBAO_PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else None
).rstrip("/")

# --- Citizen login by phone + OTP ------------------------------------------------------

OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 300, minimum=30)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5, minimum=1)
OTP_RESEND_COOLDOWN_SECONDS = env_int("OTP_RESEND_COOLDOWN_SECONDS", 60, minimum=1)
OTP_MAX_PER_PHONE_PER_HOUR = env_int("OTP_MAX_PER_PHONE_PER_HOUR", 5, minimum=1)
OTP_MAX_PER_IP_PER_HOUR = env_int("OTP_MAX_PER_IP_PER_HOUR", 30, minimum=1)
# All OTP texts in a day, across the portal: a cap on what an attack can cost.
OTP_DAILY_SMS_BUDGET = env_int("OTP_DAILY_SMS_BUDGET", 100_000, minimum=1)
# Wrong codes add up per phone across resends; only a successful login clears the count
# (NIST SP 800-63B §5.2.2). From OTP_BACKOFF_AFTER_FAILURES on, each new code waits
# OTP_BACKOFF_BASE_SECONDS, doubling per further failure, up to OTP_BACKOFF_MAX_SECONDS;
# at OTP_LOCK_AFTER_FAILURES the number is locked until staff unlock it.
OTP_BACKOFF_AFTER_FAILURES = env_int("OTP_BACKOFF_AFTER_FAILURES", 10, minimum=1)
OTP_BACKOFF_BASE_SECONDS = env_int("OTP_BACKOFF_BASE_SECONDS", 30, minimum=1)
OTP_BACKOFF_MAX_SECONDS = env_int("OTP_BACKOFF_MAX_SECONDS", 3600, minimum=1)
OTP_LOCK_AFTER_FAILURES = env_int("OTP_LOCK_AFTER_FAILURES", 100, minimum=1)
if OTP_LOCK_AFTER_FAILURES <= OTP_BACKOFF_AFTER_FAILURES:
    raise ImproperlyConfigured("OTP_LOCK_AFTER_FAILURES must be above OTP_BACKOFF_AFTER_FAILURES.")
# A citizen who does nothing for this long is logged out (shared phones).
CITIZEN_IDLE_TIMEOUT_SECONDS = env_int("CITIZEN_IDLE_TIMEOUT_SECONDS", 1800, minimum=60)
# The login captcha (django-simple-captcha), made for people to read on a phone: few,
# large, barely turned characters from an alphabet without look-alikes, one thin line.
CAPTCHA_CHALLENGE_FUNCT = "khaibao.accounts.citizen_forms.captcha_challenge"
CAPTCHA_IMAGE_SIZE = (240, 80)
CAPTCHA_FONT_SIZE = 48
CAPTCHA_LETTER_ROTATION = (-10, 10)
CAPTCHA_FOREGROUND_COLOR = "#0b2a4a"
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_arcs",)
CAPTCHA_FILTER_FUNCTIONS = ()
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
# The audio alternative needs flite (Debian's package puts it in /usr/bin); without it
# the page offers no audio.
CAPTCHA_FLITE_PATH = next(
    (path for path in ("/usr/bin/flite", "/usr/local/bin/flite") if os.access(path, os.X_OK)),
    None,
)

# --- Signed QR codes -----------------------------------------------------------------

# A directory of ES256 (P-256) private keys, one PEM file per key named <kid>.pem;
# public-only keys (<kid>.pub.pem) are trusted for verification but never sign.
# Development generates one key under var/keys; production must provide its own.
SIGNING_KEYS_DIR = Path(env_str("SIGNING_KEYS_DIR", str(VAR_DIR / "keys") if DEBUG else None))
# The CSCA key that issues the keys' signing certificates (manage.py trust_csca_create,
# trust_dsc_issue): never inside SIGNING_KEYS_DIR, and in production on no web server,
# which only reads the certificates. Development generates one under var/csca.
SIGNING_CSCA_DIR = Path(env_str("SIGNING_CSCA_DIR", str(VAR_DIR / "csca")))
# The kid that signs new codes; default: the newest private key in the directory.
SIGNING_KEY_ACTIVE_KID = env_str("SIGNING_KEY_ACTIVE_KID", "")
# `iss` claim of the codes KhaiBao issues (ISO country code, as EU DCC expects).
QR_ISSUER = env_str("QR_ISSUER", "VN")
PERSONAL_QR_VALID_DAYS = env_int("PERSONAL_QR_VALID_DAYS", 365, minimum=1)
# Verifications (page and API) per client IP per minute: a checkpoint behind one address
# scans a few per second at most; a scraper trying codes is slowed down.
VERIFY_MAX_PER_IP_PER_MINUTE = env_int("VERIFY_MAX_PER_IP_PER_MINUTE", 600, minimum=1)
# Batches a lab's key may send a minute to the result API (a lab system retrying in a
# loop must not crowd out the others).
LAB_API_MAX_PER_TOKEN_PER_MINUTE = env_int("LAB_API_MAX_PER_TOKEN_PER_MINUTE", 120, minimum=1)

# --- Uploads --------------------------------------------------------------------------

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Well below Pillow's decompression-bomb limit (89 MP): a phone photo is 12-50 MP.
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 60_000_000, minimum=1_000_000)
# Photo uploads per citizen account per hour (a whole family's declarations fit easily).
UPLOAD_MAX_PER_ACCOUNT_PER_HOUR = env_int("UPLOAD_MAX_PER_ACCOUNT_PER_HOUR", 60, minimum=1)
# Files larger than this are streamed to a temporary file instead of held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The non-file part of a request (form fields); files are bounded by UPLOAD_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The size guard runs while the body streams in, for every form that takes files.
FILE_UPLOAD_HANDLERS = [
    "khaibao.uploads.handlers.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# S3-compatible private storage (django-storages); empty = the local PRIVATE_MEDIA_ROOT.
PRIVATE_STORAGE_S3_BUCKET = env_str("PRIVATE_STORAGE_S3_BUCKET", "")
PRIVATE_STORAGE_S3_ENDPOINT_URL = env_str("PRIVATE_STORAGE_S3_ENDPOINT_URL", "")
PRIVATE_STORAGE_S3_REGION = env_str("PRIVATE_STORAGE_S3_REGION", "")
if PRIVATE_STORAGE_S3_BUCKET:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_STORAGE_S3_BUCKET,
            "endpoint_url": PRIVATE_STORAGE_S3_ENDPOINT_URL or None,
            "region_name": PRIVATE_STORAGE_S3_REGION or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": MEDIA_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }

# --- F0 declarations ------------------------------------------------------------------

# Deadlines (test-date window, decision hours, isolation days, certificate validity) are
# rules, changed per province in the admin: declarations/f0/rules.py.
# "Find my case" lookups per account per hour (three times this per IP address): the
# lookup tells whether a name and birth date have a declaration.
F0_COMPLETION_LOOKUPS_PER_HOUR = env_int("F0_COMPLETION_LOOKUPS_PER_HOUR", 10, minimum=1)

# --- SMS ------------------------------------------------------------------------------

_SMS_BACKENDS = {
    "console": "khaibao.notify.backends.ConsoleBackend",
    "locmem": "khaibao.notify.backends.LocmemBackend",
    "database": "khaibao.notify.backends.DatabaseBackend",
    "http": "khaibao.notify.backends.HttpGatewayBackend",
}
_sms_backend_name = env_str("SMS_BACKEND", "database" if DEBUG else None)
if _sms_backend_name not in _SMS_BACKENDS:
    raise ImproperlyConfigured(
        f"SMS_BACKEND must be one of {', '.join(_SMS_BACKENDS)}; got {_sms_backend_name!r}."
    )
SMS_BACKEND = _SMS_BACKENDS[_sms_backend_name]
# The dev inbox page shows every text, OTPs included: never in production.
SMS_DEV_INBOX = env_bool("SMS_DEV_INBOX", DEBUG and _sms_backend_name == "database")
if not DEBUG and (SMS_DEV_INBOX or _sms_backend_name in ("database", "locmem")):
    raise ImproperlyConfigured(
        "Production needs a real SMS_BACKEND (http or console) and SMS_DEV_INBOX off."
    )
SMS_SENDER_NAME = env_str("SMS_SENDER_NAME", "1022")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "" if _sms_backend_name != "http" else None)
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "" if _sms_backend_name != "http" else None)
if _sms_backend_name == "http" and not SMS_GATEWAY_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL.")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 5, minimum=1)
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 10, minimum=1)
SMS_RETRY_MAX_SECONDS = env_int("SMS_RETRY_MAX_SECONDS", 300, minimum=1)
# A sender that holds a row longer than this is presumed dead; keep it above the
# task's hard time limit (60 s) so a slow but live send is not repeated.
SMS_SENDING_LEASE_SECONDS = env_int("SMS_SENDING_LEASE_SECONDS", 120, minimum=1)
# A QUEUED row untouched this long lost its task (Redis restart): the sweeper re-enqueues it.
SMS_STUCK_AFTER_SECONDS = env_int("SMS_STUCK_AFTER_SECONDS", 600, minimum=1)
if not DEBUG:
    # Tests shorten these to watch recovery happen in seconds; production may not.
    if SMS_RETRY_MAX_SECONDS >= SMS_STUCK_AFTER_SECONDS:
        raise ImproperlyConfigured("SMS_RETRY_MAX_SECONDS must be below SMS_STUCK_AFTER_SECONDS.")
    if SMS_SENDING_LEASE_SECONDS <= 60:
        raise ImproperlyConfigured(
            "SMS_SENDING_LEASE_SECONDS must exceed the send task's 60 s time limit."
        )

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL; got {LOG_LEVEL!r}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
