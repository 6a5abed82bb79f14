"""All settings, driven by environment variables (see docs/operations/configuration.md).

There is one settings module: nothing exists only in production. Tests override through the
environment or pytest-django fixtures, never through a second settings file.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from motcua.config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
)

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
    "motcua.citizens",
    "motcua.identity",
    "motcua.calendars",
    "motcua.catalog",
    "motcua.documents",
    "motcua.dossiers",
    "motcua.notifications",
    "motcua.ratings",
    "motcua.api",
    "motcua.portal",
    "motcua.backoffice",
    "motcua.idp_standin",
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

# What several server processes must share: the public look-up's throttle counts (portal.lookup).
# The local-memory default counts per process; production sets db or redis (check --deploy warns).
CACHES = {"default": parse_cache_url(env_str("CACHE_URL", "locmem"))}

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
STORAGES: dict[str, dict[str, object]] = {
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

# Documents (motcua.documents.storage): uploaded and generated files, content-addressed by SHA-256,
# never under MEDIA_ROOT and never at a public URL (the API serves them to those who may see the
# dossier). `filesystem` (default): DOCUMENTS_ROOT on local disk. `s3`: an S3-compatible bucket through
# django-storages, which is not a dependency: install `django-storages[s3]` first.
DOCUMENTS_STORAGE = env_choice("DOCUMENTS_STORAGE", "filesystem", ("filesystem", "s3"))
DOCUMENTS_ROOT = Path(env_str("DOCUMENTS_ROOT", str(VAR_DIR / "documents"))).resolve()
if DOCUMENTS_STORAGE == "s3":
    import importlib.util

    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured("DOCUMENTS_STORAGE=s3 needs django-storages: pip install 'django-storages[s3]'")
    if not env_str("DOCUMENTS_S3_BUCKET", ""):
        raise ImproperlyConfigured("DOCUMENTS_STORAGE=s3 needs DOCUMENTS_S3_BUCKET")
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("DOCUMENTS_S3_BUCKET", ""),
            "endpoint_url": env_str("DOCUMENTS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("DOCUMENTS_S3_REGION", "") or None,
            "access_key": env_str("DOCUMENTS_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("DOCUMENTS_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("DOCUMENTS_S3_PREFIX", "documents"),
            # Private objects; the same name always holds the same bytes, so saving it again replaces
            # identical bytes instead of creating a renamed copy (documents.storage.blob_put checks it).
            "default_acl": "private",
            "file_overwrite": True,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "motcua.documents.storage.DocumentFileSystemStorage",
        "OPTIONS": {"location": DOCUMENTS_ROOT},
    }
# Upload rules (motcua.documents.uploads): the largest file accepted, and the types accepted among
# those with a structural check (uploads.ACCEPTABLE_TYPES; a test keeps _DOCUMENT_TYPES equal to it).
_DOCUMENT_TYPES = ("pdf", "jpeg", "png", "tiff", "webp")
DOCUMENTS_MAX_UPLOAD_BYTES = env_int("DOCUMENTS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
DOCUMENTS_ALLOWED_TYPES = env_list("DOCUMENTS_ALLOWED_TYPES", ["pdf", "jpeg", "png"])
if not set(DOCUMENTS_ALLOWED_TYPES) <= set(_DOCUMENT_TYPES):
    raise ImproperlyConfigured(
        f"DOCUMENTS_ALLOWED_TYPES must be among {', '.join(_DOCUMENT_TYPES)}, not {DOCUMENTS_ALLOWED_TYPES}"
    )

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
    # Fields named "kind" carry different choices (applicant kinds, slip kinds), and so do fields
    # named "state" (dossiers, submissions): name each set.
    "ENUM_NAME_OVERRIDES": {
        "SlipKindEnum": "motcua.dossiers.slips.SLIP_KIND_CHOICES",
        "ApplicantKindEnum": "motcua.dossiers.models.ApplicantKind",
        "StateEnum": "motcua.api.v1.dossier_serializers.STATES",
        "SubmissionStateEnum": "motcua.dossiers.models.SubmissionState",
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

# Signatures (documents/pki.py, signing.py, verification.py; ADR 0007). SIGNING_PKI_DIR is where
# `motcua create-dev-ca` keeps the development CA; its root is trusted only with SIGNATURE_TRUST_DEV_CA
# (default: DEBUG). SIGNATURE_TRUST_ROOTS: PEM or DER files of the real CAs' roots. TSA_URL: an RFC 3161
# timestamp authority, which makes signatures PAdES B-T (B-B without it).
SIGNING_PKI_DIR = Path(env_str("SIGNING_PKI_DIR", str(VAR_DIR / "pki"))).resolve()
SIGNATURE_TRUST_ROOTS = env_list("SIGNATURE_TRUST_ROOTS", [])
SIGNATURE_TRUST_DEV_CA = env_bool("SIGNATURE_TRUST_DEV_CA", DEBUG)
TSA_URL = env_str("TSA_URL", "")
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10, minimum=1)
SIGNATURE_VERIFY_MAX_BYTES = env_int("SIGNATURE_VERIFY_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# Notifications to applicants (motcua.notifications): e-mail through SMTP, SMS through a brandname
# gateway. With DEBUG the defaults are the local stand-ins of `make run` (`motcua mail-standin
# --port 1025`, `motcua sms-standin --port 8090`); without DEBUG, SMS is off until a gateway is set.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1" if DEBUG else "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 1025 if DEBUG else 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "motcua <no-reply@localhost>")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "http://127.0.0.1:8090/api/sms" if DEBUG else "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_BRANDNAME = env_str("SMS_BRANDNAME", "MOTCUA")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10, minimum=1)

# Citizen sign-in (motcua.citizens.oidc; the portal's /dang-nhap/): OpenID Connect, VNeID in production
# (Nghị định 69/2024/NĐ-CP, domain §3.7). The stand-in (motcua.idp_standin, mounted at /idp/) is a local
# OpenID provider with demo identities for development and tests; it is on by default only with DEBUG.
IDP_STANDIN_ENABLED = env_bool("IDP_STANDIN_ENABLED", DEBUG)
IDP_STANDIN_CLIENT_ID = env_str("IDP_STANDIN_CLIENT_ID", "motcua-portal")
# Derived from SECRET_KEY, so that the stand-in and the portal agree without a secret in the code.
IDP_STANDIN_CLIENT_SECRET = env_str(
    "IDP_STANDIN_CLIENT_SECRET",
    hmac.new(SECRET_KEY.encode(), b"motcua.idp_standin.client_secret", hashlib.sha256).hexdigest(),
)
# Empty: any redirect URI on the stand-in's own origin (scheme, host and port) is accepted.
IDP_STANDIN_REDIRECT_URIS = env_list("IDP_STANDIN_REDIRECT_URIS", [])

# Empty: the stand-in on the origin the request came to (allowed only while the stand-in is enabled).
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "" if OIDC_ISSUER else IDP_STANDIN_CLIENT_ID)
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "" if OIDC_ISSUER else IDP_STANDIN_CLIENT_SECRET)
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid profile address phone email business").split()
OIDC_TOKEN_AUTH_METHOD = env_choice(
    "OIDC_TOKEN_AUTH_METHOD", "client_secret_basic", ("client_secret_basic", "client_secret_post")
)
OIDC_REDIRECT_URI = env_str("OIDC_REDIRECT_URI", "")
OIDC_USERINFO = env_bool("OIDC_USERINFO", False)
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60, minimum=0)
OIDC_HTTP_TIMEOUT_SECONDS = env_int("OIDC_HTTP_TIMEOUT_SECONDS", 10, minimum=1)


def _env_pairs(name: str, default: dict[str, str]) -> dict[str, str]:
    """`key=value,key=value` pairs, e.g. OIDC_CLAIMS=personal_id=so_dinh_danh,full_name=ho_ten."""
    pairs = dict(default)
    for item in env_list(name, []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{name} must be a comma-separated list of key=value, not {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


# Field -> claim name (motcua.citizens.claims.DEFAULT_CLAIMS are the stand-in's names); an empty name
# unmaps a field; a dotted name reads inside an object claim (address.formatted).
_CLAIM_FIELDS = (
    "personal_id",
    "full_name",
    "birth_date",
    "gender",
    "address",
    "commune_code",
    "phone",
    "email",
    "businesses",
)
OIDC_CLAIMS = _env_pairs("OIDC_CLAIMS", {})
if unknown_fields := set(OIDC_CLAIMS) - set(_CLAIM_FIELDS):
    raise ImproperlyConfigured(f"OIDC_CLAIMS names unknown fields {sorted(unknown_fields)}; known: {_CLAIM_FIELDS}")
if not OIDC_CLAIMS.get("personal_id", "x") or not OIDC_CLAIMS.get("full_name", "x"):
    raise ImproperlyConfigured("OIDC_CLAIMS cannot unmap personal_id or full_name")
# acr value -> assurance level (1 or 2, Nghị định 69/2024/NĐ-CP); an acr not listed refuses the sign-in.
_ACR_LEVELS = _env_pairs(
    "OIDC_ACR_LEVELS", {"urn:motcua:idp-standin:level:1": "1", "urn:motcua:idp-standin:level:2": "2"}
)
if bad_levels := {acr: level for acr, level in _ACR_LEVELS.items() if level not in {"1", "2"}}:
    raise ImproperlyConfigured(f"OIDC_ACR_LEVELS maps to levels other than 1 and 2: {bad_levels}")
OIDC_ACR_LEVELS = {acr: int(level) for acr, level in _ACR_LEVELS.items()}
if "openid" not in OIDC_SCOPES:
    raise ImproperlyConfigured("OIDC_SCOPES must include openid")
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too")
if OIDC_ISSUER and not OIDC_ISSUER.startswith("https://") and not DEBUG:
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// URL when DEBUG is false")

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
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # An untrusted or expired signature is an ordinary answer of the public check (/xac-minh/),
        # which pyHanko logs as a warning with a traceback; keep its errors only.
        "pyhanko": {"level": "ERROR"},
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
