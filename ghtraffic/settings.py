"""Settings for ghtraffic, read from the environment (and a `.env` file when present).

Every variable is documented in README.md ("Configuration"). Defaults suit a local SQLite install;
production must set SECRET_KEY (we refuse to start without it when DEBUG is off).
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (any long random string) or DEBUG=true for local use."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-when-DEBUG-is-true"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "mozilla_django_oidc",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "csp",
    "tenants",
    "repos",
    "stats",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # NUL and other control characters in paths, query strings and forms: 404/400 before any view or query.
    "common.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # The one place that resolves /t/<slug>/ and /api/v1/t/<slug>/ to a tenant the user belongs to.
    "tenants.middleware.TenantMiddleware",
    # Turns a login lock-out (django-axes) into a 429 answer; axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ghtraffic.urls"
WSGI_APPLICATION = "ghtraffic.wsgi.application"

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
                "tenants.context_processors.tenant_navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# db2://user:pass@host:port/dbname selects IBM Db2 through ibm-db-django.
dj_database_url.register("db2", "ibm_db_django")
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and workers share one SQLite file. IMMEDIATE transactions
    # take the write lock up front: a deferred one that reads first and then writes fails at once with
    # "database is locked" (no busy wait) when another process wrote meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
         "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID and (OIDC_OP_ISSUER or OIDC_OP_AUTHORIZATION_ENDPOINT))
OIDC_ALLOW_SELF_SIGNUP = env_bool("OIDC_ALLOW_SELF_SIGNUP", False)
PASSWORD_LOGIN_ENABLED = env_bool("PASSWORD_LOGIN_ENABLED", True)

# Both login backends are always installed; each checks OIDC_ENABLED / PASSWORD_LOGIN_ENABLED at call time.
# django-axes goes first: it refuses a locked-out password login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "tenants.login_protection.LockoutBackend",
    "tenants.backends.PasswordBackend",
    "tenants.oidc.TenantOIDCBackend",
]
OIDC_CALLBACK_CLASS = "tenants.oidc.TenantOIDCCallbackView"
OIDC_AUTHENTICATE_CLASS = "tenants.oidc.TenantOIDCAuthenticationRequestView"
OIDC_OP_LOGOUT_URL_METHOD = "tenants.oidc.provider_logout_url"
OIDC_STORE_ID_TOKEN = True  # needed as id_token_hint for RP-initiated logout
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly and
# REMOTE_ADDR is the client). Decides the client address used by the login lock-out.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto (never set this when clients reach the app directly).
BEHIND_PROXY = env_bool("BEHIND_PROXY", TRUSTED_PROXY_COUNT > 0)

# Login lock-out (django-axes, counted in the database so every web process shares the counts): after
# LOGIN_FAILURE_LIMIT failed password logins for one username from one client address, or
# LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one address across usernames (password spraying), password
# login from there answers 429 until LOGIN_FAILURE_WINDOW seconds after the failure that locked it.
# Unlock early with `manage.py axes_reset_username NAME` or `manage.py axes_reset_ip ADDRESS`.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
AXES_HANDLER = "tenants.login_protection.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = "tenants.login_protection.failure_limit"
AXES_COOLOFF_TIME = "tenants.login_protection.cool_off"
AXES_RESET_ON_SUCCESS = True
# Attempts refused while locked out are not recorded: they would neither extend the lock nor grow the
# attempt rows (axes appends each attempt's form data) however long someone keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "tenants.login_protection.client_address"
AXES_USERNAME_CALLABLE = "tenants.login_protection.attempted_username"
AXES_WHITELIST_CALLABLE = "tenants.login_protection.not_a_password_login"
AXES_LOCKOUT_CALLABLE = "tenants.login_protection.lockout_response"
# Successful logins are not logged to the database (it would grow forever); failures are.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Invitations: an existing account joins only after accepting; links in e-mails expire after this many days.
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 14)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security when deployed -----------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Preload-list submission is a hard-to-undo opt-in for the whole domain: the operator's choice.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    # /healthz is probed over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if BEHIND_PROXY:
    # Only a proxy we sit behind may tell us the request came in over HTTPS; a client reaching the app
    # directly could otherwise claim it with one header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# No inline script anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Logout is a form POST that redirects to the provider's end_session endpoint.
        "form-action": ["'self'"] + [url for url in (OIDC_OP_ISSUER, OIDC_OP_LOGOUT_ENDPOINT) if url],
        "base-uri": ["'self'"],
    }
}

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- GitHub and collection ------------------------------------------------------------------
GITHUB_API_URL = env_str("GITHUB_API_URL", "https://api.github.com").rstrip("/")
GITHUB_API_VERSION = "2022-11-28"
# Hosts a tenant's credential may point its API URL at (GitHub Enterprise); empty: no overrides.
GITHUB_API_ALLOWED_HOSTS = env_list("GITHUB_API_ALLOWED_HOSTS")
GITHUB_TIMEOUT_SECONDS = float(env_str("GITHUB_TIMEOUT_SECONDS", "20"))
# Exponential backoff factor (seconds) between retries of connection errors and 5xx.
GITHUB_RETRY_BACKOFF = float(env_str("GITHUB_RETRY_BACKOFF", "0.5"))
COLLECT_CONCURRENCY = env_int("COLLECT_CONCURRENCY", 8)
# A rate-limit wait shorter than this is slept through; a longer one stops the run cleanly.
COLLECT_MAX_RATE_LIMIT_WAIT = env_int("COLLECT_MAX_RATE_LIMIT_WAIT", 60)
COLLECT_MIN_INTERVAL = env_int("COLLECT_MIN_INTERVAL", 600)
# A run with no heartbeat for this long is taken as dead: the next start marks it failed and takes the lock.
COLLECT_STALE_SECONDS = env_int("COLLECT_STALE_SECONDS", 900)
COLLECT_QUEUED_STALE_SECONDS = env_int("COLLECT_QUEUED_STALE_SECONDS", 21600)
# Repositories per queued task: smaller batches spread one run over more workers, larger ones keep
# more requests in flight per task (a task's concurrency is bounded by its repositories). 16 measured
# best in bench/collect.py; see bench/README.md.
COLLECT_BATCH_SIZE = env_int("COLLECT_BATCH_SIZE", 16)
# Requests a scheduled run leaves unspent (repository import, people pressing "Collect now").
COLLECT_BUDGET_RESERVE = env_int("COLLECT_BUDGET_RESERVE", 50)
# Seconds after GitHub's rate-limit reset at which a stopped run continues (clocks differ by a few seconds).
COLLECT_RESUME_DELAY_SECONDS = env_int("COLLECT_RESUME_DELAY_SECONDS", 30)
# Hourly ticks: each spends what the budget allows, most at-risk first (stats.collection.planner).
COLLECT_SCHEDULE = env_str("COLLECT_SCHEDULE", "17 * * * *")
WEBHOOK_SECRET = env_str("WEBHOOK_SECRET")
# During a rotation of WEBHOOK_SECRET: the old secret, still accepted until senders have the new one.
WEBHOOK_SECRET_PREVIOUS = env_str("WEBHOOK_SECRET_PREVIOUS")

# GitHub App (optional): organisations grant read access through an installation instead of a token.
GITHUB_APP_ID = env_str("GITHUB_APP_ID")
# PEM text (literal "\n" sequences are accepted, for one-line environment variables) or a file path.
GITHUB_APP_PRIVATE_KEY = env_str("GITHUB_APP_PRIVATE_KEY")
GITHUB_APP_PRIVATE_KEY_FILE = env_str("GITHUB_APP_PRIVATE_KEY_FILE")
GITHUB_APP_SLUG = env_str("GITHUB_APP_SLUG")
GITHUB_APP_WEBHOOK_SECRET = env_str("GITHUB_APP_WEBHOOK_SECRET")
# Where the install page lives (https://github.com, or a GitHub Enterprise host).
GITHUB_WEB_URL = env_str("GITHUB_WEB_URL", "https://github.com").rstrip("/")

# Fernet keys for stored GitHub tokens: a comma-separated list, newest first (rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY")
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set. Generate one with: "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    # Local use only: a key derived from SECRET_KEY, stable across restarts.
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# --- Workers (django-q2) --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
Q_CLUSTER: dict[str, object] = {
    # One name per site: it keys the Redis queue and salts queued payloads (web and workers must agree).
    "name": env_str("Q_NAME", "ghtraffic"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 1800),
    "retry": env_int("Q_TIMEOUT", 1800) + 60,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    # One cache for every web process: the OIDC discovery cache is then shared across gunicorn workers.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    Q_CLUSTER["orm"] = "default"

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes DRF answer 401 (not 403) to anonymous calls.
        # API tokens are stored hashed (django-rest-knox); tenants.middleware uses the same class.
        "tenants.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON with bounded nesting and no control characters (common/parsers.py); forms as DRF's defaults.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "common.drf.error_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# API tokens (`Authorization: Token <key>`): stored as SHA-512 digests, valid API_TOKEN_TTL_DAYS (0: no expiry).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 365)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS) if API_TOKEN_TTL_DAYS > 0 else None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ghtraffic API",
    "DESCRIPTION": "GitHub repository traffic kept beyond GitHub's 14 days, per tenant.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN, and with the split view no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs every successful login's reset of zero failures at INFO: noise, not news.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Invitation e-mails. The console backend (the default) prints them to the log; set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc. to send them.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ghtraffic@localhost")
# Absolute links in e-mails (invitations), e.g. https://traffic.example.com; empty: taken from the request.
SITE_URL = env_str("SITE_URL").rstrip("/")

# --- Notifications (stats.notify): traffic alerts, warnings, weekly digest ---------------------------------
# UTC cron expressions ("off" removes one): credential warnings (each e-mailed once), the daily check of
# yesterday's traffic spikes, and the weekly digest (Mondays).
NOTIFY_WARNINGS_SCHEDULE = env_str("NOTIFY_WARNINGS_SCHEDULE", "5 * * * *")
NOTIFY_ALERTS_SCHEDULE = env_str("NOTIFY_ALERTS_SCHEDULE", "40 6 * * *")
NOTIFY_DIGEST_SCHEDULE = env_str("NOTIFY_DIGEST_SCHEDULE", "0 7 * * 1")
# Outgoing alert webhooks: seconds before giving up, and (tests, local bridges only) whether a webhook may
# reach loopback/private addresses. Off in production: an admin-supplied URL must not reach internal services.
NOTIFY_WEBHOOK_TIMEOUT_SECONDS = float(env_str("NOTIFY_WEBHOOK_TIMEOUT_SECONDS", "10"))
NOTIFY_WEBHOOK_ALLOW_PRIVATE = env_bool("NOTIFY_WEBHOOK_ALLOW_PRIVATE", False)
