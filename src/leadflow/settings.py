"""Django settings, built from LeadflowSettings (environment variables LEADFLOW_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from leadflow.conf import REPORTS_DATABASE, get_settings

_conf = get_settings()
BASE_DIR = Path(__file__).resolve().parent

if _problems := _conf.production_problems():
    raise ImproperlyConfigured(
        "LEADFLOW_PRODUCTION is on, but:\n- " + "\n- ".join(_problems) + "\n(docs/production.md)"
    )

SECRET_KEY = _conf.resolved_secret_key()
DEBUG = _conf.debug
ALLOWED_HOSTS = _conf.allowed_hosts
CSRF_TRUSTED_ORIGINS = _conf.resolved_csrf_trusted_origins()
LEADFLOW_FORM_REDIRECT_HOSTS = _conf.form_redirect_hosts
MEDIA_ROOT = _conf.resolved_data_dir() / "media"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    # Only for its static files: the API docs page loads Swagger UI from them, not a CDN.
    "ninja",
    "leadflow.crm",
    "leadflow.web",
]

# Background jobs through Django's tasks API (the django-tasks backport of Django 6's
# django.tasks). The embedded default runs each job in the process that enqueues it.
# With LEADFLOW_TASKS_BACKEND=database they wait in a table (django-tasks-db) until a
# `leadflow worker` takes them: on PostgreSQL a queue needs no other server, and a job
# that fails or is retried stays on record with its error.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_conf.tasks_backend]}}
LEADFLOW_WORKER_BEAT_SECONDS = _conf.worker_beat_seconds
LEADFLOW_WORKER_LOST_AFTER_SECONDS = _conf.worker_lost_after_seconds

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: both need request.user. The audit log wraps the idempotency
    # check so a replayed answer is logged too.
    "leadflow.crm.audit.AuditMiddleware",
    "leadflow.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leadflow.urls"
WSGI_APPLICATION = "leadflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadflow.web.context.roles",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    # A kept connection is checked before a request uses it, so one cut by a database
    # restart is replaced instead of failing that request.
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while an import writes; foreign keys are on by
        # default in Django's SQLite backend. The pragmas run on every new connection.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA busy_timeout=5000;"
                # 256 MB of page cache (the default is 2 MB): a bulk import into a million
                # people touches a dozen indexes, and misses cost more than the memory.
                " PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        config["CONN_MAX_AGE"] = 0
        config["TEST"] = {"NAME": None}
    return config


DATABASES = {"default": _database(_conf.resolved_database_url())}
if _conf.reports_database_url:
    # A read replica the reports read from (reports/common.py); nothing is written there.
    DATABASES[REPORTS_DATABASE] = {
        **_database(_conf.reports_database_url),
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = _conf.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The embedded default serves the files from the apps by WhiteNoise's finders; the root
# only has to exist.
STATIC_ROOT = _conf.resolved_data_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if _conf.production:
    # `leadflow serve` collects them into STATIC_ROOT first (every template names them with
    # {% static %}): the names carry a hash of the content, so WhiteNoise lets browsers
    # cache them for good, and it serves them gzipped without looking in the apps.
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    WHITENOISE_USE_FINDERS = False

# On in both modes (they are Django's defaults too): no MIME sniffing, no framing.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if _conf.production:
    # The embedded default serves plain HTTP on 127.0.0.1, where a secure-only cookie
    # would never come back and a redirect to https:// would find nobody listening.
    SECURE_SSL_REDIRECT = _conf.ssl_redirect
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _conf.hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _conf.hsts_include_subdomains
    SECURE_HSTS_PRELOAD = _conf.hsts_preload
    if _conf.proxy_ssl_header:
        # Only when configured: trusting the header from a client directly would let it
        # claim HTTPS over plain HTTP.
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + _conf.proxy_ssl_header.upper().replace("-", "_"),
            "https",
        )

# The cache holds the intake rate limits' counters and the dashboard's figures. One per
# process by default; on several processes or machines a shared Redis makes a limit count
# every process's requests together.
if _conf.cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _conf.cache_url,
            "KEY_PREFIX": "leadflow",
        }
    }

# The public intake doors' rate limits (web/intake/ratelimit.py).
LEADFLOW_TRUSTED_PROXIES = _conf.trusted_proxies
LEADFLOW_RATE_LIMITS = {
    "form": {
        "per_ip": _conf.form_limit_per_ip,
        "per_source": _conf.form_limit_per_source,
        "window": _conf.rate_window_seconds,
    },
    "webhook": {
        "per_ip": _conf.webhook_limit_per_ip,
        "per_source": _conf.webhook_limit_per_source,
        "window": _conf.rate_window_seconds,
    },
}

# Everything to stderr, where gunicorn, systemd or a container collects it. Django's own
# default sends a production 500's traceback only to mail_admins, which is nobody here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "{asctime} {levelname} {name} [{process}] {message}", "style": "{"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["stderr"], "level": _conf.log_level},
    # Django's: warnings (4xx answers) and errors (5xx, with the traceback).
    "loggers": {"django": {"level": "WARNING"}},
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LEADFLOW = {
    "COUNTRY": _conf.country,
    "SUBDIVISION": _conf.subdivision,
}
