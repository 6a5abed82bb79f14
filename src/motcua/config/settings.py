"""All settings, driven by environment variables (see docs/operations/configuration.md).

There is one settings module: nothing exists only in production. Tests override through the
environment or pytest-django fixtures, never through a second settings file.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from motcua.config.env import env_bool, env_choice, env_int, env_list, env_str, parse_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The working directory of the deployment: SQLite file, uploaded media and collected static files.
VAR_DIR = Path(env_str("MOTCUA_VAR_DIR", str(Path.cwd() / "var"))).resolve()
# Created on start so that the embedded SQLite default works from a fresh clone.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-insecure-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 (only used when DEBUG is on)
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false (or use SECRET_KEY_FILE)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "motcua.core",
    "motcua.geo",
    "motcua.agencies",
    "motcua.identity",
    "motcua.calendars",
    "motcua.catalog",
    "motcua.documents",
    "motcua.dossiers",
    "motcua.api",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "motcua.config.urls"
WSGI_APPLICATION = "motcua.config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}"), base_dir=Path.cwd()
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English is the second language of every page.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# Stored instants are UTC; deadlines are computed in the agency's zone (Asia/Ho_Chi_Minh).
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
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
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "motcua.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "motcua.api.problems.problem_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "motcua API",
    "DESCRIPTION": "Administrative procedures, dossiers and the working-day calendar.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Fields named "kind" carry different choices (applicant kinds, slip kinds): name each set.
    "ENUM_NAME_OVERRIDES": {
        "SlipKindEnum": "motcua.dossiers.slips.SLIP_KIND_CHOICES",
        "ApplicantKindEnum": "motcua.dossiers.models.ApplicantKind",
    },
}

# Background jobs: the django.tasks API (django-tasks backport on Django 5.2) with the database
# backend and its own worker process (`motcua db_worker`); see docs/adr/0002-background-jobs.md.
TASKS = {
    "default": {
        "BACKEND": env_choice(
            "TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend",
            ("django_tasks_db.DatabaseBackend", "django_tasks.backends.immediate.ImmediateBackend"),
        )
    }
}

# Domain events (core.events, ADR 0006): attempts before a delivery is marked failed, and how long a
# worker holds a claimed delivery before another may take it back.
EVENTS_MAX_ATTEMPTS = env_int("EVENTS_MAX_ATTEMPTS", 10, minimum=1)
EVENTS_LEASE_SECONDS = env_int("EVENTS_LEASE_SECONDS", 300, minimum=10)

# Deadline sweeper (dossiers/sweeper.py): warn officers this many working hours before a due moment.
DEADLINE_WARNING_WORKING_HOURS_DOSSIER = env_int("DEADLINE_WARNING_WORKING_HOURS_DOSSIER", 8, minimum=1)
DEADLINE_WARNING_WORKING_HOURS_STEP = env_int("DEADLINE_WARNING_WORKING_HOURS_STEP", 2, minimum=1)

# Format of dossier codes (domain §2.5): Thông tư 01/2018/TT-VPCP Art 19, or the provisional shape
# seen in a 2026 sync sample (Thông tư 03/2025/TT-VPCP not yet confirmed). See dossiers/numbering.py.
DOSSIER_CODE_FORMAT = env_choice("DOSSIER_CODE_FORMAT", "tt01_2018", ("tt01_2018", "tt03_2025_sample"))

# Working-day calendar: how long a process keeps a compiled calendar before re-checking the
# database revision (seconds). See motcua.calendars.selectors.
CALENDAR_CACHE_SECONDS = env_int("CALENDAR_CACHE_SECONDS", 30, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    # WeasyPrint reports every layout step at INFO; its warnings (missing fonts, bad CSS) still show.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
