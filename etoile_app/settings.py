"""Settings for the Étoile site, read from the environment.

Development is the default: DEBUG on, SQLite, the database cache, console email.
Production behaviour is switched on by the environment (DJANGO_DEBUG=0 and friends);
see README.md for the full list.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_seconds_list(name: str, default: list[int]) -> list[int]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        seconds = [int(item) for item in value.split(",") if item.strip()]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be whole numbers of seconds separated by commas, not {value!r}"
        ) from error
    if any(delay < 0 for delay in seconds):
        raise ImproperlyConfigured(f"{name} must not hold a negative delay: {value!r}")
    return seconds


def env_site_url(name: str, default: str) -> str:
    value = (os.environ.get(name, "").strip() or default).rstrip("/")
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG is off: the site's address, such as "
            "https://etoile.example, that links in emails lead to."
        )
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 (raises ValueError on a port that is no number)
        well_formed = (
            parts.scheme in {"http", "https"}
            and bool(parts.hostname)
            and "@" not in parts.netloc
            and not (parts.path or parts.query or parts.fragment)
        )
    except ValueError:
        well_formed = False
    if not well_formed:
        raise ImproperlyConfigured(
            f"{name} must be a scheme and a host, with a port if needed, such as "
            f"https://etoile.example, not {value!r}"
        )
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)

# Development falls back to a key generated once and kept out of git (see .gitignore),
# so sessions survive restarts. Production must be given a key: a missing one is an error,
# never a silent default that an attacker could know.
SECRET_KEY_FILE = BASE_DIR / ".django-secret-key"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
        SECRET_KEY_FILE.chmod(0o600)
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Layers, lowest first (README, "Architecture"); etoile_app, the project package above
    # them, is no app of its own: it only composes.
    "kernel",
    "jobs",
    "members",
    "catalog",
    "reviews",
    "picks",
    "search",
    "notifications",
    "community",
    "etoile_app.admin_apps.EtoileAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # its sitemap.xml template
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "ninja",  # serves the API documentation's scripts from our own static files
    "django_tasks",
    "django_tasks_db",  # its table is the queue unless ETOILE_JOBS_REDIS_URL names a Redis
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy, Cross-Origin-Resource-Policy, and no-store for members' answers
    # (kernel/security.py); above WhiteNoise, so static files get the first two.
    "kernel.security.ResponseHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which serves static files already compressed; before everything that
    # writes the body. Pages with a CSRF token are safe to compress: Django masks the token
    # afresh on every response and this middleware pads its output at random (BREACH).
    "kernel.compression.GZipMiddleware",
    # Outside everything that can refuse a request, so that every refusal under /api/ is JSON.
    "kernel.api.ApiErrorsAsJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the address (/fr/…); a reader who prefers French is sent there.
    "django.middleware.locale.LocaleMiddleware",
    "kernel.languages.PreferredLanguageMiddleware",
    # NUL or broken UTF-8 in a query string: a 400 before any view or admin filter reads it,
    # in the reader's language (after LocaleMiddleware).
    "kernel.querystring.CleanQueryStringMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Any other spelling of a page's address (/season/01/, /u/Odette/) is sent to its own with
    # a 301 (kernel/addresses.py): one canonical link, one copy in the page cache.
    "kernel.addresses.CanonicalPathMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The admin, outside the language prefix, in the staff member's own language.
    "kernel.languages.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication: ends idle and over-age sessions, logs refusals (kernel/security.py).
    "kernel.security.SessionLifetimeMiddleware",
    "kernel.security.SecurityEventMiddleware",
    # Innermost, so its process_exception sees a view's failure first: a rate limit that
    # cannot be counted is a 503, never a 500 nor a request let through (kernel/outage.py).
    "kernel.outage.CacheOutageMiddleware",
]

ROOT_URLCONF = "etoile_app.urls"
# Every form field renders through templates/forms/field.html: one accessible shape.
FORM_RENDERER = "kernel.forms.SiteFormRenderer"
WSGI_APPLICATION = "etoile_app.wsgi.application"

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
                "reviews.context_processors.member_progress",
                "notifications.context_processors.notifications",
                "kernel.metadata.page_address",
            ],
            # One date style per language on every page, allauth's included: French's "1er".
            "builtins": ["kernel.templatetags.dates"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and a worker write the same file (`make run`). SQLite's default deferred
    # transactions take the write lock only at their first write, and two that read first
    # then both want to write fail at once with "database is locked" instead of waiting:
    # IMMEDIATE takes it at BEGIN, so the second waits its turn, up to `timeout` seconds.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters sent apart from the SQL, so that a query asked again has the same text and
    # psycopg prepares it on the server after its fifth run on a connection: PostgreSQL then
    # plans it once per connection instead of on every request. Planning was most of what
    # PostgreSQL spent on a member's page: 0.72 ms of 0.88 for the episode page's five
    # queries (docs/PERFORMANCE.md).
    # Django leaves psycopg's preparing off for poolers in transaction mode: behind one, set
    # DJANGO_PREPARE_THRESHOLD=0 (off), or let PgBouncer (1.21 and later) keep them with
    # max_prepared_statements (docs/DEPLOY.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": env_int("DJANGO_PREPARE_THRESHOLD", 5) or None,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits (allauth's, which always use the default cache, and the site's own) and the
# two-factor codes already used need a cache that every process shares and that nothing a
# visitor does can empty, so the fallback is the database cache (which still culls past
# MAX_ENTRIES: docs/DEPLOY.md), never the per-process LocMemCache.
# With Redis, two instances in production (docs/DEPLOY.md): maxmemory and the eviction policy
# belong to a Redis instance, not to a database number, and a visitor can fill the page cache
# at will. REDIS_URL takes visitors' pages (allkeys-lru); RATELIMIT_REDIS_URL the default
# cache (noeviction, which `check --deploy` asks the server: kernel/checks.py). In development
# one Redis may serve both.
REDIS_URL = env_str("REDIS_URL")
RATELIMIT_REDIS_URL = env_str("RATELIMIT_REDIS_URL", REDIS_URL)
# Without a timeout, a Redis that stops answering holds every request; with one, pages are
# rendered without the cache and writes are refused with 503 (kernel/outage.py).
REDIS_TIMEOUT_SECONDS = env_int("ETOILE_REDIS_TIMEOUT_SECONDS", 2)


def redis_caches(*, pages_url: str, ratelimit_url: str, timeout: float) -> dict:
    """The caches' settings; a URL left empty means that cache is a database table."""

    def redis(url: str, key_prefix: str) -> dict:
        return {
            "BACKEND": "kernel.cache.ReusedClientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }

    def table(name: str, max_entries: int = 300) -> dict:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": name,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }

    return {
        # Django culls a database cache by a third past MAX_ENTRIES (300 by default), oldest
        # keys first: failed sign-ins with a few hundred addresses would push a locked
        # account's counter out. A million rows is far beyond what the limits let anyone make.
        "default": redis(ratelimit_url, "etoile")
        if ratelimit_url
        else table("django_cache", max_entries=1_000_000),
        # Visitors' rendered pages (kernel/pagecache.py), apart from rate limits.
        "pages": redis(pages_url, "etoile-pages") if pages_url else table("django_page_cache"),
    }


CACHES = redis_caches(
    pages_url=REDIS_URL, ratelimit_url=RATELIMIT_REDIS_URL, timeout=REDIS_TIMEOUT_SECONDS
)

AUTH_USER_MODEL = "etoile_app.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth 65: members sign in with their email; there are no usernames.
# members.adapters' adapter, with the end of a suspension at sign-in (etoile_app/accounts.py).
ACCOUNT_ADAPTER = "etoile_app.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Following the link in the browser that signed up signs the member in; allauth does so only
# while the sign-up is pending in that session, so a leaked link opens no session elsewhere.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None  # "Remember me" is the member's choice
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # stay signed in here; other sessions end
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Étoile] "
# The site's name and address in emails (members/adapters.py), instead of allauth's request
# host ("Hello from 127.0.0.1:8000!"). The default name is translated. Every link in an email
# starts with ETOILE_SITE_URL, never with the Host header a request sent: the client writes
# that, port included. Development links to runserver's address; production must name its own.
ETOILE_SITE_NAME = env_str("ETOILE_SITE_NAME", "Étoile companion")
ETOILE_SITE_URL = env_site_url("ETOILE_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if env_str("ETOILE_SITE_DOMAIN"):
    raise ImproperlyConfigured(
        "ETOILE_SITE_DOMAIN is replaced by ETOILE_SITE_URL, with the scheme: https://etoile.example"
    )
ACCOUNT_RATE_LIMITS = {
    # The sixth failed sign-in for one account within five minutes is refused.
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/180s/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # Not allauth's: new reviews and replies per member (reviews/views.py).
    "review_post": "5/m/user,50/d/user",
    # Not allauth's: reports per member (reviews/views.py), so one account cannot flood the queue.
    "review_report": "10/m/user,100/d/user",
    # Not allauth's: appeals of moderators' decisions (reviews/views.py), per member, signed
    # in or refused at sign-in (keyed by the member then), and per address.
    "appeal": "3/m/key,20/d/key,10/m/ip",
    # Not allauth's: import previews per member (reviews/views.py); each reads a file of up to 5 MB.
    "member_import": "5/m/user,50/d/user",
    # Not allauth's: confirmed imports per member (reviews/views.py); each is a job for a worker.
    "import_confirm": "5/m/user,50/d/user",
    # Not allauth's: changes through the API per member (members/api.py).
    "api_write": "60/m/user,2000/d/user",
    # Not allauth's: watches marked per member, on the site and through the API (reviews/views.py,
    # reviews/api.py): catching up on a season by hand fits; a script filling the table does not.
    "watch_add": "20/m/user,200/d/user",
    # Not allauth's: changes to a member's favourites and rankings (picks/views.py): a whole
    # season reordered by hand takes a few dozen moves; a script hammering the counters does not.
    "picks_change": "60/m/user,1000/d/user",
    # Not allauth's: searches per address (search/views.py), each five full-text queries;
    # `make bench` sets it empty (no limit) to load the page from one address.
    "search": env_str("ETOILE_SEARCH_RATE_LIMIT", "60/m/ip"),
    # Not allauth's: avatars uploaded per member (members/views.py); each costs about 2 s of CPU.
    "avatar_upload": "3/m/user,10/d/user",
}
# A field people never see; bots fill it in. A sign-up with it filled pretends to succeed.
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_FORMS = {"signup": "members.forms.MemberSignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Étoile"
# WebAuthn needs a secure origin; http://localhost only counts as one in development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# The switcher's choice, remembered for a year (kernel/languages.py).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
# One date style per language (etoile_app/formats/en, fr): "December 1, 2026", "1er décembre 2026".
FORMAT_MODULE_PATH = ["etoile_app.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded images are served by Django only in development and by `make serve`;
# a real deployment puts them behind the web server or object storage.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)

# In development whitenoise serves straight from the app and static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

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

# Several app servers must share uploads: name a bucket and they go to an S3-compatible store
# through django-storages (`pip install -e '.[s3]'`; credentials from boto3's usual
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Without one, MEDIA_ROOT on this server's disk.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_CUSTOM_DOMAIN = env_str("AWS_S3_CUSTOM_DOMAIN")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN or None,
            "file_overwrite": False,
            "querystring_auth": False,  # public images, cacheable by a CDN
        },
    }

# Uploads larger than this are refused before Pillow sees them (see kernel/images.py).
MAX_IMAGE_UPLOAD_BYTES = env_int("ETOILE_MAX_IMAGE_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_AVATAR_UPLOAD_BYTES = env_int("ETOILE_MAX_AVATAR_UPLOAD_BYTES", 5 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("ETOILE_MAX_IMAGE_PIXELS", 16_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields; files are limited separately
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Étoile <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails are sent by a worker (jobs/mail.py) inside a database transaction: an SMTP server that
# hangs must not hold it for long. A send that times out is tried again later.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)

# Background jobs (jobs/; README, "Background jobs"): Django 6's task API through the
# django-tasks backport. Without ETOILE_JOBS_REDIS_URL the queue is a table in the site's own
# database (django-tasks-db), which needs nothing installed: `python manage.py worker` runs
# its jobs, and `make run` starts one beside the web server. With it, jobs go to RQ on that
# Redis, which workers on other machines share (docs/DEPLOY.md): an instance of its own that
# never evicts and keeps its data on disk, as a job evicted is a job lost.
JOBS_REDIS_URL = env_str("ETOILE_JOBS_REDIS_URL")
# Seconds before each new attempt of a job that failed (an email while the SMTP server is
# down) or whose worker died; after the last one the job is recorded failed, for staff to see
# and run again in the admin (Failed jobs). Every job is safe to run twice.
JOBS_RETRY_DELAYS = env_seconds_list("ETOILE_JOBS_RETRY_DELAYS", [10, 60, 300, 1800])
# The database queue only (RQ has its own heartbeats): a worker that has not said it is alive
# for this long is taken for dead, and the job it was running is tried again.
JOBS_WORKER_TIMEOUT_SECONDS = env_int("ETOILE_JOBS_WORKER_TIMEOUT_SECONDS", 60)
if JOBS_REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": JOBS_REDIS_URL,
            "DEFAULT_TIMEOUT": 300,  # seconds a job may run before RQ stops it
            # Every job carries RQ's own Retry (jobs/rq.py): raised, or left by a dead worker.
            "QUEUE_CLASS": "jobs.rq.RetryingQueue",
        }
    }
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job", "WORKER_CLASS": "jobs.rq.Worker"}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# How long the catalog's pages are kept rendered for visitors (kernel/pagecache.py);
# every visible write makes them fresh at once anyway. 0 turns the page cache off.
VISITOR_PAGE_CACHE_SECONDS = env_int("ETOILE_VISITOR_PAGE_CACHE_SECONDS", 600)

# Members' pages are rendered once per address, language and content version as a skeleton
# that each request fills with the reader's own state (kernel/memberpages.py). The skeletons
# stay in each process's memory, up to this many bytes (about 200 kB each); 0 renders every
# member's page in full.
MEMBER_PAGE_CACHE_BYTES = env_int("ETOILE_MEMBER_PAGE_CACHE_BYTES", 64 * 1024 * 1024)

# The signed-in member's row (with their unread count), read on every request of theirs, is
# kept in each process for the version of its page group (members.models.signed_in_group),
# which every change to it moves at its commit: a member's page served from its skeleton then
# asks the database nothing. Read from Redis, that version costs less than the row; read from
# the database cache, as much, so without REDIS_URL the row is read each time. No kept row
# serves longer than this many seconds: should a version's move be lost (Redis failing to
# take a write it could read, a process killed between a commit and its on-commit work, a
# row changed with psql), a new password or a suspension ends the other sessions this late.
SIGNED_IN_ROW_SECONDS = env_int("ETOILE_SIGNED_IN_ROW_SECONDS", 10 if REDIS_URL else 0)

# `make bench` only: a view answering "ok" at /bench/ok, Django's ceiling on the machine.
BENCH_VIEW = env_bool("ETOILE_BENCH_VIEW", False)

# How many members' open reports hold a review or reply until a moderator decides.
REVIEW_REPORTS_TO_HOLD = env_int("ETOILE_REPORTS_TO_HOLD", 3)

# HTTPS-only behaviour follows production unless told otherwise: `make serve` turns it
# off to run production settings over plain http://127.0.0.1.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client address is then in X-Forwarded-For; allauth's rate limits key on it.
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: htmx posts the forms' own csrfmiddlewaretoken field.
CSRF_COOKIE_HTTPONLY = True

# Sessions end after this long without a request, and after this long in all, whatever the
# activity ("remember me" or not). SESSION_COOKIE_AGE matches the absolute lifetime.
SESSION_IDLE_SECONDS = env_int("ETOILE_SESSION_IDLE_SECONDS", 14 * 24 * 3600)
SESSION_MAX_SECONDS = env_int("ETOILE_SESSION_MAX_SECONDS", 30 * 24 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# Sessions are read from the default cache (Redis in production), written through to the
# database: a member's request no longer costs a query for them.
SESSION_ENGINE = "kernel.sessions"

# Content-Security-Policy (django-csp 4): only this site's own files. No inline script or
# style anywhere (htmx is told not to add its indicator styles, and never evaluates code:
# see the htmx-config meta tag in templates/base.html), no plugins, no <base>, no framing.
_MEDIA_ORIGINS = [f"https://{AWS_S3_CUSTOM_DOMAIN}"] if AWS_S3_CUSTOM_DOMAIN else []
if AWS_STORAGE_BUCKET_NAME and not AWS_S3_CUSTOM_DOMAIN:
    _MEDIA_ORIGINS = ["https:"]  # the bucket's own address, which depends on the provider
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the two-factor set-up's QR code, which allauth draws as an inline SVG
        # image; an image cannot run script, wherever it comes from.
        "img-src": [SELF, "data:", *_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "filters": {"redact_tokens": {"()": "kernel.logfilters.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # Django names the path of refused and missing pages; reset links carry a key in theirs.
    "loggers": {
        name: {"filters": ["redact_tokens"]}
        for name in ("django.request", "django.security.csrf", "django.security.DisallowedHost")
    },
}
