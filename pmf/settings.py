"""Settings for the Performance service, read from the environment in one place.

Two modes:

* Production (``DEBUG`` unset or ``0``): refuses to start without ``SECRET_KEY`` and
  ``ALLOWED_HOSTS``; HTTPS-only cookies, HSTS and redirects unless ``PMF_HTTPS=0``.
  The demo (``python3 run.py``) runs in this mode too, over plain HTTP on 127.0.0.1: the
  run command gives it the embedded PostgreSQL and Redis URLs with their passwords, a
  secret key kept in ``var/secrets/``, ``PMF_HTTPS=0`` and ``PMF_PLAIN_STATIC=1``.
  The test suite serves plain HTTP on localhost the same way.
* Debug (``DEBUG=1``, for a developer who asks, e.g. ``PMF_DEBUG=1 python3 run.py``):
  Django's debug pages, a development secret key if none is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Placeholders, so that settings load without the variables (the image build's collectstatic).
# The embedded servers ask for passwords (kept in var/secrets/); `python3 run.py` hands each
# process the full URLs, and `python3 run.py manage ...` runs a manage.py command with them.
EMBEDDED_DATABASE_URL = "postgres://pmf@127.0.0.1:55432/pmf"
EMBEDDED_REDIS_URL = "redis://127.0.0.1:56379/0"


def env_bool(name: str, *, default: bool) -> bool:
    """Read a yes/no environment variable; anything but a clear yes or no is a mistake."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}.")


def env_days(name: str, *, default: int) -> int:
    """A retention period in whole days; nought or less would delete as soon as written."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        days = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number of days, not {raw!r}.") from None
    if days < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1 day, not {days}.")
    return days


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def sign_in_backends(*, password_sign_in: bool, single_sign_on: bool) -> list[str]:
    """axes first, so a paused user name or address is refused before a password is checked
    (it leaves the provider's sign-in alone: accounts.throttling); the password backend only
    while password sign-in is on; the provider's only when it is configured."""
    return [
        "axes.backends.AxesStandaloneBackend",
        *(["django.contrib.auth.backends.ModelBackend"] if password_sign_in else []),
        *(["accounts.sso.SignInByEmail"] if single_sign_on else []),
    ]


def sso_origins(*urls: str) -> list[str]:
    """The origins (scheme://host:port) of the given provider URLs, once each, for the CSP."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:password@host:port/name?options`` into Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://.")
    options = dict(parse_qsl(parts.query))
    # No JIT compilation: PostgreSQL compiles a query whose estimated cost is high, and a
    # recursive query (a line management chain) is estimated at hundreds of thousands of rows
    # whatever it finds: at 15,000 staff a line manager's CIC page spent 240 ms of 325 ms
    # compiling for 375 rows. The app's queries are short; JIT only costs. The URL's own
    # ``options`` come after, so they can turn it back on.
    options["options"] = f"-c jit=off {options.get('options', '')}".strip()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        # Kept between requests (checked before reuse): a new connection a request is a new
        # PostgreSQL backend each time, with its start-up and cold caches (docs/performance.md).
        "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "local-development-only-not-a-secret"  # noqa: S105
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production the Performance service will not start "
            "without it; for local use run `python3 run.py`, which sets DEBUG=1."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Give the host names this service answers to, separated by commas."
        )

COUNCIL_NAME = os.environ.get("PMF_COUNCIL_NAME", "Walsall Council")
SERVICE_NAME = "Performance"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "template_partials.apps.SimpleAppConfig",
    "django_htmx",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "core",
    "accounts",
    "audit",
    "organisation",
    "planning",
    "kpis",
    "reporting",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "pmf.health.HealthCheckMiddleware",  # first: the container's check uses no allowed host, no HTTPS
    "pmf.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pmf.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pmf.middleware.RequestIdMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pmf.urls"
WSGI_APPLICATION = "pmf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pmf.context_processors.service",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or EMBEDDED_DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or EMBEDDED_REDIS_URL

# One cache for every web process and the worker, in Redis (ADR 0025): dashboard results,
# each stored with the newest audit record it was computed at, so a cached page is never out
# of date, and warmed by the worker after each change. Redis down is a miss, not an error
# (core.cache); nothing depends on the cache surviving a restart. The prefix keeps its keys
# apart from Celery's queues in the same database.
CACHES = {
    "default": {
        "BACKEND": "core.cache.FailSoftRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("PMF_CACHE_PREFIX") or "pmf-cache",
        "TIMEOUT": 24 * 3600,
    }
}

#: After each audited change the worker warms the dashboards (reporting.warming); off only in
#: the tests, whose thousands of commits would otherwise queue warms for whichever real worker
#: a later test starts.
PMF_WARM_DASHBOARDS = os.environ.get("PMF_WARM_DASHBOARDS", "1") != "0"

AUTH_USER_MODEL = "accounts.User"

# Single sign-on through the council's OpenID Connect provider (Microsoft Entra ID, Google
# Workspace, Okta...), by mozilla-django-oidc with our backend (accounts.sso). Off unless
# OIDC_RP_CLIENT_ID is set; then either PMF_OIDC_ISSUER (the endpoints come from its discovery
# document) or the explicit OIDC_OP_*_ENDPOINT variables. See docs/how-to/single-sign-on.md.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
PMF_OIDC_ISSUER = os.environ.get("PMF_OIDC_ISSUER", "").rstrip("/")
PMF_OIDC_PROVIDER_NAME = os.environ.get("PMF_OIDC_PROVIDER_NAME") or "your council account"
#: Whom the sign-in refusal page tells people to ask.
PMF_SUPPORT_CONTACT = os.environ.get("PMF_SUPPORT_CONTACT") or "the corporate performance team"
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
#: The provider's end_session_endpoint (RP-initiated logout); Google has none.
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO") or "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False  # people come from the HR import, never from a sign-in
OIDC_STORE_ID_TOKEN = True  # the hint that signs the person out at the provider too
OIDC_TOKEN_USE_BASIC_AUTH = env_bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso-callback"
OIDC_OP_LOGOUT_URL_METHOD = "accounts.sso.provider_sign_out_url"
PMF_SINGLE_SIGN_ON = bool(OIDC_RP_CLIENT_ID)
if PMF_SINGLE_SIGN_ON:
    _explicit = (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT, OIDC_OP_JWKS_ENDPOINT)
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set but OIDC_RP_CLIENT_SECRET is not.")
    if not PMF_OIDC_ISSUER and not all(_explicit):
        raise ImproperlyConfigured(
            "Single sign-on needs PMF_OIDC_ISSUER, or all of OIDC_OP_AUTHORIZATION_ENDPOINT, "
            "OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT and OIDC_OP_JWKS_ENDPOINT."
        )
#: Password sign-in (PMF_PASSWORD_SIGN_IN=0 switches it off once single sign-on works).
PMF_PASSWORD_SIGN_IN = env_bool("PMF_PASSWORD_SIGN_IN", default=True)
if not PMF_PASSWORD_SIGN_IN and not PMF_SINGLE_SIGN_ON:
    raise ImproperlyConfigured("PMF_PASSWORD_SIGN_IN=0 leaves no way to sign in: configure single sign-on first.")

AUTHENTICATION_BACKENDS = sign_in_backends(password_sign_in=PMF_PASSWORD_SIGN_IN, single_sign_on=PMF_SINGLE_SIGN_ON)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Sessions live in the database so sign-in works while Redis is down; they end after
# 30 minutes without a request.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("PMF_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in throttling (accounts.throttling): five failures for one user name from one address,
# or twenty from one address whatever the user names, pause sign-in there for 15 minutes.
# The address is REMOTE_ADDR, or behind PMF_TRUSTED_PROXIES proxies of ours, the one the
# outermost of them put in X-Forwarded-For.
AXES_FAILURE_LIMIT = int(os.environ.get("PMF_SIGN_IN_FAILURE_LIMIT", "5"))
PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("PMF_SIGN_IN_ADDRESS_FAILURE_LIMIT", "20"))
PMF_TRUSTED_PROXIES = int(os.environ.get("PMF_TRUSTED_PROXIES", "0"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttling.SignInThrottle"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Built by npm (static/build), written by hand (static/js, static/css), and plotly.js from the
# plotly Python package (core.staticfiles).
STATICFILES_DIRS = [
    BASE_DIR / "static" / "build",
    ("js", BASE_DIR / "static" / "js"),
    ("css", BASE_DIR / "static" / "css"),
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("PMF_PLAIN_STATIC", default=False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("PMF_PLAIN_STATIC", default=False)
MEDIA_ROOT = Path(os.environ.get("PMF_MEDIA_ROOT", str(VAR_DIR / "media")))

# Content-Security-Policy: nothing inline without a nonce, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # The sign-out form's answer redirects to the provider's end-session endpoint.
        "form-action": [SELF, *sso_origins(PMF_OIDC_ISSUER, OIDC_OP_LOGOUT_ENDPOINT)],
    }
}

HTTPS = env_bool("PMF_HTTPS", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("PMF_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Performance API",
    "DESCRIPTION": "Read-only access to the council's Performance Management Framework, scoped to the caller.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A risk's three likelihoods (and three impacts) share one scale: one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "RiskLikelihoodEnum": "planning.risk_scores.LIKELIHOOD_CHOICES",
        "RiskImpactEnum": "planning.risk_scores.IMPACT_CHOICES",
        "SnapshotKindEnum": "reporting.models.SnapshotKind",
        "ReportFileKindEnum": "reporting.models.FileKind",
    },
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("PMF_VISIBILITY_TIMEOUT", "3600"))}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    "cycle-tick": {"task": "reporting.tasks.cycle_tick", "schedule": float(os.environ.get("PMF_TICK_SECONDS", "30"))},
    # Once a night, out of hours: delete personal data past its retention period (privacy.retention).
    "retention": {"task": "privacy.tasks.apply_retention", "schedule": crontab(hour=2, minute=30)},
}

# Retention of personal data, in days (privacy.retention; why each default: ADR 0024). The
# audit log and published reports are never deleted.
#: A leaver's CIC objectives and their progress notes, counted from when HR switched them off.
PMF_RETAIN_LEAVERS_CIC_DAYS = env_days("PMF_RETAIN_LEAVERS_CIC_DAYS", default=365)
#: Sign-in records (django-axes' access logs and failed attempts).
PMF_RETAIN_SIGN_IN_DAYS = env_days("PMF_RETAIN_SIGN_IN_DAYS", default=180)
#: In-app notifications (the daily messages), counted from their day.
PMF_RETAIN_NOTIFICATIONS_DAYS = env_days("PMF_RETAIN_NOTIFICATIONS_DAYS", default=90)
#: Copies of sent email written to var/mail/ when no EMAIL_HOST is set.
PMF_RETAIN_MAIL_FILES_DAYS = env_days("PMF_RETAIN_MAIL_FILES_DAYS", default=30)

EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend"
    if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = Path(os.environ.get("PMF_MAIL_DIR", "")) if os.environ.get("PMF_MAIL_DIR") else VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "performance@localhost")
#: The site's address, for links in emails (the local one when running the demo).
PMF_BASE_URL = os.environ.get("PMF_BASE_URL") or ("http://127.0.0.1:8000" if DEBUG else "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO; fontTools logs font subsetting.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
