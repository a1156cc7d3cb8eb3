"""Settings for the NAP Voortgangsmonitor.

One module, driven by the environment (see README "Configuratie"). Local runs need no
configuration at all: SQLite in ``var/`` and debug mode off unless asked for.
"""

import base64
import hashlib
import os
import re
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

from napsite.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Only reachable with DEBUG on: never in production.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "csp",
    "axes",
    "django_q",
    # Holds the background tasks' data migration (napsite/migrations); no models of its own.
    "napsite",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "napsite.accounts",
    "actionlines",
    "measures",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything but static files: no response leaves without a caching policy.
    "napsite.middleware.PrivateByDefaultMiddleware",
    # Answers /healthz itself, before CommonMiddleware checks the Host header: load balancers
    # probe instances by their own address.
    "napsite.middleware.HealthCheckMiddleware",
    "csp.middleware.CSPMiddleware",
    # Directly inside CSPMiddleware, so its additions reach the header CSPMiddleware writes.
    "napsite.middleware.AdminContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads the request body (CsrfViewMiddleware reads POST).
    "napsite.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends idle and too-old staff sessions before anything acts on the user (and says so).
    "napsite.accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware: needs to know whether the session passed its second factor.
    "napsite.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Innermost, so it sees the views' database errors first.
    "napsite.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "napsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "napsite.context_processors.site",
                "napsite.accounts.context_processors.sign_in",
            ],
        },
    },
]

WSGI_APPLICATION = "napsite.wsgi.application"

# SQLite inside the project by default; DATABASE_URL=postgres://... for PostgreSQL.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", _default_sqlite)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
            # A persistent connection is checked before reuse, so a restarted
            # PostgreSQL is survived without restarting the app.
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The site and the task worker write to one file. A transaction takes the write lock when
    # it begins (waiting up to the timeout for the other process) instead of failing at once
    # with "database is locked" when two read-then-write transactions meet.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 20)
    # The tests start a real worker process against the test database, so it is a file (in
    # var/, per checkout; pytest-xdist gives each process its own) rather than in memory.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test_db.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # While PostgreSQL is unreachable a request fails within seconds instead of hanging a
    # worker; /healthz then answers 503 quickly.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", 5, minimum=1)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect); answers only the callback from the identity provider.
    "napsite.accounts.oidc.SsoBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The report's documents (PDF, Word, Excel), made by the worker and served by every instance:
# a local folder by default; with several machines an S3-compatible bucket (django-storages,
# `pip install '.[s3]'`; credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
NAP_REPORT_DOCUMENTS_BUCKET = os.environ.get("NAP_REPORT_DOCUMENTS_BUCKET", "").strip()
STORAGES["report_documents"] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": NAP_REPORT_DOCUMENTS_BUCKET,
            "endpoint_url": os.environ.get("NAP_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("NAP_S3_REGION", "").strip() or None,
            "location": "report-documents",
            # Never public: the site checks who may download a draft's document.
            "default_acl": "private",
            # Each job writes a new name; the file a reader is downloading is never replaced.
            "file_overwrite": False,
        },
    }
    if NAP_REPORT_DOCUMENTS_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("NAP_REPORT_DOCUMENTS_DIR", "").strip()
            or str(BASE_DIR / "var" / "media" / "report-documents"),
        },
    }
)

# The public page cache (measures/page_cache.py). Rendered pages ("pages") and the data version
# that invalidates them ("shared") must be seen by every process at once. With
# CACHE_URL=redis://host:6379/0 both live in Redis, shared by every worker and every instance.
# Without it they are folders of files in NAP_SHARED_CACHE_DIR, shared by every process on one
# host. Small values that only change with the data (the peildatum, counts) stay in each
# process ("default"): reading them there costs nothing.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r} is not a Redis URL (redis://, rediss:// or unix://)."
    )
_SHARED_CACHE_DIR = Path(os.environ.get("NAP_SHARED_CACHE_DIR") or BASE_DIR / "var" / "cache")


def _shared_cache(folder: Path, **redis_options) -> dict:
    if CACHE_URL:
        return {
            "BACKEND": "napsite.cache.SharedClientRedisCache",
            "LOCATION": CACHE_URL,
            **redis_options,
        }
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(folder),
    }


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # measures.page_cache.FRAGMENTS: the activity cards of the lists, one per activity and data
    # version (about 1 KB each). In Redis when there is one, so that a card rendered by one
    # process serves them all; else in each process's memory (a folder would cost a file per
    # card), apart from "default" so that cards never push out its pages.
    "fragments": (
        _shared_cache(_SHARED_CACHE_DIR, KEY_PREFIX="fragments")
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    ),
    "shared": _shared_cache(_SHARED_CACHE_DIR),
    # A folder of its own: culling old pages must never remove the data version.
    "pages": {
        **_shared_cache(_SHARED_CACHE_DIR / "pages", KEY_PREFIX="pages"),
        "OPTIONS": {} if CACHE_URL else {"MAX_ENTRIES": 5000},
    },
}

# HTTP caching of public pages (Cache-Control: public, max-age=..., stale-while-revalidate=...):
# how long a browser or proxy may show a page without asking, so how long an edit can take to
# reach a visitor behind such a cache; and how much longer a proxy may serve it while it asks.
NAP_HTTP_MAX_AGE = env_int("NAP_HTTP_MAX_AGE", 60, minimum=0)
NAP_HTTP_STALE_WHILE_REVALIDATE = env_int("NAP_HTTP_STALE_WHILE_REVALIDATE", 30, minimum=0)

# The site's name, and its public address: documents made without a request (the report's PDF,
# Word and Excel files, made by the worker) print links to it.
NAP_SITE_NAME = "NAP Voortgangsmonitor"
NAP_SITE_URL = os.environ.get("NAP_SITE_URL", "").strip() or "http://127.0.0.1:8000"
# Who runs the site (footer, /colofon/): the organisation is NAP_HOUSE_ORGANISATION below, the
# same name as on the report's title page. The default address is a placeholder (README).
NAP_SITE_CONTACT_EMAIL = (
    os.environ.get("NAP_SITE_CONTACT_EMAIL", "").strip() or "nap-voortgangsmonitor@example.nl"
)
# "Snel weg": a neutral site that a visitor can flee to in one click.
NAP_QUICK_EXIT_URL = os.environ.get("NAP_QUICK_EXIT_URL", "").strip() or "https://www.google.nl/"
if not re.fullmatch(r"https?://[^\s\"'<>]+", NAP_QUICK_EXIT_URL):
    raise ImproperlyConfigured(
        f"NAP_QUICK_EXIT_URL={NAP_QUICK_EXIT_URL!r} is not a web address like https://www.google.nl/."
    )
# The accessibility statement's "last tested" date: the day its checks were last reviewed.
try:
    NAP_ACCESSIBILITY_AUDIT_DATE = date.fromisoformat(
        os.environ.get("NAP_ACCESSIBILITY_AUDIT_DATE", "").strip() or "2026-12-01"
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        "NAP_ACCESSIBILITY_AUDIT_DATE is not a date like 2026-12-01."
    ) from exc

# Mail: the update rounds' mails and the accounts' deactivation notices. Sent through SMTP (by
# the task worker for the rounds); printed to the console in debug mode unless a backend is named.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
# Staff with unanswered requests get a reminder this many days before a round's deadline.
NAP_ROUND_REMINDER_DAYS = env_int("NAP_ROUND_REMINDER_DAYS", 3, minimum=0)

# An activity not updated for this many days is flagged as stale to its editors.
NAP_STALE_AFTER_DAYS = env_int("NAP_STALE_AFTER_DAYS", 180)

# Four eyes: a ministry employee's change waits for a coordinator's approval before the public
# sees it. Off (0) for deployments that do not want review: then every edit applies directly.
NAP_REVIEW_REQUIRED = env_bool("NAP_REVIEW_REQUIRED", True)

# House style of the report's documents (reporting/house_style.py): sober and
# Rijkshuisstijl-like by default, deliberately not branded as any real ministry.
NAP_HOUSE_ORGANISATION = os.environ.get("NAP_HOUSE_ORGANISATION", "").strip() or (
    "Programma Nationaal Actieprogramma aanpak seksueel grensoverschrijdend gedrag en "
    "seksueel geweld"
)
NAP_HOUSE_PRIMARY_COLOUR = os.environ.get("NAP_HOUSE_PRIMARY_COLOUR", "").strip() or "#154273"
if not re.fullmatch(r"#[0-9A-Fa-f]{6}", NAP_HOUSE_PRIMARY_COLOUR):
    raise ImproperlyConfigured(
        f"NAP_HOUSE_PRIMARY_COLOUR={NAP_HOUSE_PRIMARY_COLOUR!r} is not a colour like #154273."
    )
NAP_HOUSE_FONT = os.environ.get("NAP_HOUSE_FONT", "").strip() or "Liberation Sans"


def _env_file(name: str) -> str:
    """An optional file path; a path that does not point at a file stops the start."""
    path = os.environ.get(name, "").strip()
    if path and not Path(path).is_file():
        raise ImproperlyConfigured(f"{name}={path!r} is not a readable file.")
    return path


NAP_HOUSE_LOGO = _env_file("NAP_HOUSE_LOGO")
# A .docx whose styles (Title, Heading 1/2, Normal, "NAP Tabel", ...) the Word report uses.
NAP_REPORT_DOCX_TEMPLATE = _env_file("NAP_REPORT_DOCX_TEMPLATE")

# The spreadsheet update round (django-import-export, reporting/rounds/spreadsheet.py).
# Without the permission codes any admin user could import and export; with them it takes
# the explicit permissions measures.import_activity and measures.export_activity.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# Imports run in a transaction: a confirmed import is saved all or nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# The library's own escaping strips "=" and turns numbers into text; the update template
# cleans its cells itself (measures.spreadsheets.clean_cell).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# An update-round file is refused above this number of rows (its size limit, NAP_IMPORT_MAX_BYTES,
# sits with the other upload limits below).
NAP_IMPORT_MAX_ROWS = env_int("NAP_IMPORT_MAX_ROWS", 10_000, minimum=1)
# A confirmed file of more rows than this is imported by the worker (the task queue), not in
# the request; its page shows how far it has got.
NAP_IMPORT_BACKGROUND_ROWS = env_int("NAP_IMPORT_BACKGROUND_ROWS", 2_000, minimum=1)
# An .xlsx is a zip: it is refused before it is unpacked when its parts would unpack to more
# than this many bytes in all, or one part to more than this many times its packed size (a
# filled-in template unpacks to a few megabytes at most, at a ratio of about 5 to 20).
NAP_IMPORT_MAX_UNPACKED_BYTES = env_int(
    "NAP_IMPORT_MAX_UNPACKED_BYTES", 25 * 1024 * 1024, minimum=1
)
NAP_IMPORT_MAX_PACKING_RATIO = env_int("NAP_IMPORT_MAX_PACKING_RATIO", 100, minimum=1)
# An uploaded file waits for its confirmation in a folder of its own (never the system's temp
# directory), shared by all app processes. An upload not confirmed within
# NAP_IMPORT_UPLOAD_HOURS can no longer be confirmed and is deleted: at the next upload, and
# by `manage.py clean_import_uploads` (run it from cron, e.g. hourly).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "reporting.rounds.spreadsheet.UploadStorage"
NAP_IMPORT_UPLOAD_DIR = os.environ.get("NAP_IMPORT_UPLOAD_DIR") or str(
    BASE_DIR / "var" / "import-uploads"
)
NAP_IMPORT_UPLOAD_HOURS = env_int("NAP_IMPORT_UPLOAD_HOURS", 24, minimum=1)

# Expensive requests (exports, report documents and pages; napsite/throttle.py) run at most this
# many at once for the whole site and per client address; more get a 503 or 429 with
# Retry-After. A slot held by a crashed worker frees itself after NAP_HEAVY_SLOT_SECONDS, which
# must be longer than the slowest such request (gunicorn's timeout bounds it).
NAP_HEAVY_MAX_CONCURRENT = env_int("NAP_HEAVY_MAX_CONCURRENT", 4, minimum=1)
NAP_HEAVY_MAX_PER_CLIENT = env_int("NAP_HEAVY_MAX_PER_CLIENT", 2, minimum=1)
NAP_HEAVY_SLOT_SECONDS = env_int("NAP_HEAVY_SLOT_SECONDS", 120, minimum=1)
NAP_HEAVY_RETRY_AFTER_SECONDS = env_int("NAP_HEAVY_RETRY_AFTER_SECONDS", 30, minimum=1)
# The unfiltered exports are built once per data version and kept here (measures/exports.py).
NAP_EXPORT_DIR = os.environ.get("NAP_EXPORT_DIR") or str(BASE_DIR / "var" / "exports")

# Background tasks (django-q2, see README "Achtergrondtaken"). Jobs are rows in the default
# database (the ORM broker), so they survive restarts and need nothing beyond the database; the
# worker is `manage.py qcluster`. Retries with back-off come from napsite.tasks.enqueue.
NAP_WORKERS = env_int("NAP_WORKERS", 2, minimum=1)
# A job running longer than this is stopped and counts as failed.
NAP_TASK_TIMEOUT = env_int("NAP_TASK_TIMEOUT", 600, minimum=1)
# A failed job is tried at most this often in all, waiting base, 2 x base, 4 x base ... seconds
# (at most an hour) between attempts.
NAP_TASK_MAX_ATTEMPTS = env_int("NAP_TASK_MAX_ATTEMPTS", 5, minimum=1)
NAP_TASK_RETRY_BASE_SECONDS = env_int("NAP_TASK_RETRY_BASE_SECONDS", 60, minimum=1)
# The daily clean-up (napsite.tasks.clean_up) removes finished jobs older than this.
NAP_TASK_KEEP_DAYS = env_int("NAP_TASK_KEEP_DAYS", 30, minimum=1)
# ... and django-axes' records of logins (they hold IP addresses) older than this.
NAP_LOGIN_LOG_DAYS = env_int("NAP_LOGIN_LOG_DAYS", 30, minimum=1)
Q_CLUSTER = {
    "name": "nap",
    "orm": "default",
    "workers": NAP_WORKERS,
    "timeout": NAP_TASK_TIMEOUT,
    # A worker takes a job by locking its row until now + retry; a job not finished by then is
    # taken again (that is how a job outlives a worker that crashed). A cluster holds at most
    # `queue_limit` + 1 taken jobs besides the ones running, so a job may wait two timeouts
    # before it starts: retry must cover that and its own run, or it would run twice.
    "queue_limit": NAP_WORKERS,
    "retry": 3 * NAP_TASK_TIMEOUT + 60,
    # A failed job leaves the queue at once; napsite.tasks queues its next attempt itself,
    # later each time (the library would retry at a fixed interval, without back-off).
    "ack_failures": True,
    # Results are pruned by age in the daily clean-up, not by count after every job.
    "save_limit": 0,
    # After downtime a periodic job runs once, not once for every run it missed.
    "catch_up": False,
    # How often an idle worker asks the database for work.
    "poll": 1,
    # A worker process is replaced after a job that left it this large (in kB): large documents
    # would otherwise keep their peak memory for good.
    "max_rss": env_int("NAP_WORKER_MAX_MEMORY_MB", 1024, minimum=64) * 1024,
    # Cluster statistics (`manage.py qinfo`, `qmonitor`) are seen by every process.
    "cache": "shared",
    "label": "Achtergrondtaken",
}

# Logs go to stderr (collected by the container runtime or systemd). Django logs the path and
# status of failed requests, never their bodies; gunicorn's access log leaves out client
# addresses (napsite/gunicorn.conf.py); django-axes masks usernames and addresses below.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "discard": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Scanners send made-up Host headers all day; the access log already shows the 400s,
        # a traceback for each would bury real errors.
        "django.security.DisallowedHost": {"handlers": ["discard"], "propagate": False},
        # WeasyPrint logs every rendering step and each CSS rule it skips; only errors matter.
        "weasyprint": {"level": "ERROR"},
    },
}


# --- Production hardening (issue 7) ------------------------------------------------------
# Safe production defaults; local development (DJANGO_DEBUG=1 over http://127.0.0.1:8000)
# switches off what needs HTTPS. `manage.py check --deploy` is clean with the production
# environment in the README ("In productie") and silences nothing.

# The app runs behind this many reverse proxies (load balancer, nginx) that terminate TLS, set
# X-Forwarded-Proto and append the peer address to X-Forwarded-For. 0: gunicorn faces clients
# directly and those headers are not trusted (a client could forge them).
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0, minimum=0)
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP on the instance's own address.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
# Only says the domain consents to browsers' preload lists; someone still has to submit it.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

# Secure cookies are never sent over plain HTTP, so local development turns them off.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
# A refused form gets the site's own Dutch page, not Django's English one with inline styles.
CSRF_FAILURE_VIEW = "napsite.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS: {_origin!r} needs a scheme, e.g. https://{_origin}."
        )

# Content Security Policy (django-csp 4): everything from our own origin, no inline script or
# style, no plugins, no framing. Public pages need nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# The admin's third-party templates carry a few fixed inline snippets. Rather than
# 'unsafe-inline', the admin (only) allows exactly these by hash; 'unsafe-hashes' is what lets
# a hash cover an attribute (style="", onchange=""). An injected snippet still cannot run.
# tests/napsite/test_security_headers.py fails when a library upgrade adds or changes one.
NAP_ADMIN_CSP_UPDATE = {
    "script-src": [
        UNSAFE_HASHES,
        # import_export/templates/admin/import_export/export.html: "select all" checkbox.
        _csp_hash("onSelectToggleChange(event)"),
    ],
    "style-src": [
        UNSAFE_HASHES,
        # import_export/templates/admin/import_export/export.html
        _csp_hash("padding: 0;"),
        _csp_hash("font-weight: bold;"),
        # simple_history/templates/simple_history/object_history_list.html
        _csp_hash("border-top: 0"),
        # django/contrib/admin/templates/admin/change_list.html (lists without actions)
        _csp_hash("\n      #changelist table thead th:first-child {width: inherit}\n    "),
    ],
}

# Admin login throttling (django-axes). A username is locked out *from one address* after
# this many failures, so colleagues behind the same ministry gateway can still log in and an
# attacker cannot lock a user out from elsewhere. The lockout ends after the cool-off.
AXES_FAILURE_LIMIT = env_int("NAP_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NAP_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "napsite.security.client_ip_address"
AXES_LOCKOUT_CALLABLE = "napsite.views.login_locked_out"
# Only password sign-ins: the single sign-on callback is left to the identity provider.
AXES_WHITELIST_CALLABLE = "napsite.accounts.oidc.is_sso_callback"
AXES_COOLOFF_MESSAGE = "Te veel mislukte inlogpogingen. Probeer het later opnieuw."
# Axes' log lines name the client; keep usernames, addresses and browsers out of the logs.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent"]

# Upload limits. Form fields (everything but files) may take this much memory; files larger
# than FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a temporary file instead.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1)
# The largest spreadsheet an editor may import (read by the admin import).
NAP_IMPORT_MAX_BYTES = env_int("NAP_IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1)
# Any request body larger than an import file plus its form is refused before it is read.
NAP_MAX_REQUEST_BYTES = NAP_IMPORT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Staff sign-in (issue 15, napsite/accounts) ------------------------------------------
# Staff sessions end after this much inactivity, and in any case this long after sign-in.
NAP_SESSION_IDLE_MINUTES = env_int("NAP_SESSION_IDLE_MINUTES", 30, minimum=1)
NAP_SESSION_MAX_HOURS = env_int("NAP_SESSION_MAX_HOURS", 10, minimum=1)
# The cookie and the stored session expire with the absolute maximum too, so nothing outlives it.
SESSION_COOKIE_AGE = NAP_SESSION_MAX_HOURS * 3600
# Accounts unused for this many days are deactivated by `manage.py deactivate_inactive_accounts`.
NAP_ACCOUNT_INACTIVE_DAYS = env_int("NAP_ACCOUNT_INACTIVE_DAYS", 90, minimum=1)

# Second factor (TOTP with recovery codes) for password sign-ins: django-otp.
OTP_TOTP_ISSUER = "NAP Voortgangsmonitor"

# Single sign-on with the ministry's identity provider (OpenID Connect, mozilla-django-oidc).
# Off unless a client id is set. The provider's endpoints come from its discovery document
# (NAP_OIDC_DISCOVERY_URL) unless given one by one.
NAP_OIDC_ENABLED = bool(os.environ.get("NAP_OIDC_CLIENT_ID", "").strip())
NAP_OIDC_DISCOVERY_URL = os.environ.get("NAP_OIDC_DISCOVERY_URL", "").strip()
# The claim that lists the user's groups at the provider, and which of those grant what here:
# "provider-group=Role" or "provider-group=Role:ACTOR", comma-separated, or the same as a JSON
# object. Parsed (and refused when malformed) in napsite/accounts/oidc.py at start-up.
NAP_OIDC_GROUPS_CLAIM = os.environ.get("NAP_OIDC_GROUPS_CLAIM", "groups").strip()
NAP_OIDC_GROUP_MAP = os.environ.get("NAP_OIDC_GROUP_MAP", "")
OIDC_RP_CLIENT_ID = os.environ.get("NAP_OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("NAP_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("NAP_OIDC_SCOPES", "openid email profile groups")
OIDC_RP_SIGN_ALGO = os.environ.get("NAP_OIDC_SIGN_ALGO", "RS256")
# Empty values are filled in from the discovery document (napsite/accounts/oidc.py).
NAP_OIDC_ISSUER = os.environ.get("NAP_OIDC_ISSUER", "").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("NAP_OIDC_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("NAP_OIDC_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = os.environ.get("NAP_OIDC_USER_ENDPOINT", "").strip()
OIDC_OP_JWKS_ENDPOINT = os.environ.get("NAP_OIDC_JWKS_ENDPOINT", "").strip()
if NAP_OIDC_ENABLED and not (NAP_OIDC_DISCOVERY_URL or OIDC_OP_TOKEN_ENDPOINT):
    raise ImproperlyConfigured(
        "NAP_OIDC_CLIENT_ID is set: also set NAP_OIDC_DISCOVERY_URL (or the endpoints "
        "NAP_OIDC_AUTHORIZATION_ENDPOINT, NAP_OIDC_TOKEN_ENDPOINT, NAP_OIDC_USER_ENDPOINT and "
        "NAP_OIDC_JWKS_ENDPOINT)."
    )
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("NAP_OIDC_TIMEOUT_SECONDS", 10, minimum=1)
# Tokens are used once, at sign-in, and never kept in the session.
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?sso=mislukt"
