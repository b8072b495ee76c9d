"""Settings, all from the environment (see README "Configuration")."""

import secrets
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-dev-only-key-never-use-in-production-0123456789abcdef"
    elif env.bool("PRM_SERVING", default=False):
        # config/wsgi.py and config/asgi.py set PRM_SERVING: a server never starts keyless.
        raise ImproperlyConfigured("SECRET_KEY must be set (or DEBUG=1 for local development).")
    else:
        # Tooling (makemigrations, check) signs nothing that outlives the process.
        SECRET_KEY = "unset-" + secrets.token_urlsafe(48)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # unfold's templates must win over django.contrib.admin's
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "tenants.admin_apps.PrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "axes",
    "tenants",
    "programs",
    "partners",
    "deals",
    "tiers",
    "commissions",
    "disputes",
    "webhooks",
    "demo",
]

MIDDLEWARE = [
    "tenants.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy with a fresh nonce on every page (tenants/csp.py)
    "tenants.csp.NonceCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # the one place a request's tenant is resolved and its scope opened
    "tenants.middleware.TenantMiddleware",
    # API only: 413 for an over-large body, 400 for control characters in query parameters
    "tenants.api_middleware.ApiRequestGuardMiddleware",
    # API keys' POSTs with an Idempotency-Key run once (tenants/idempotency.py)
    "tenants.idempotency.IdempotencyMiddleware",
    # last, so a lockout answers before any view runs
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "tenants.context_processors.tenant",
                "partners.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'prm.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # a dev server and an admin action writing at once must wait, not fail
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # behind PgBouncer in transaction mode (docs/scaling.md)
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DISABLE_SERVER_SIDE_CURSORS", default=False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: Redis when configured, otherwise tasks run in-process ---------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The whole calendar in one reviewed place; each entry names a registered task
# (tests/test_beat_schedule.py checks it).
CELERY_BEAT_SCHEDULE = {
    # renewals, notices taking effect, onboarding deadlines (per tenant, idempotent)
    "enrolments-daily": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 60 * 60,
        "args": ["partners.tasks.enrolments_daily"],
    },
    # deal registrations: protection ends, reminders before it does
    "registrations-daily": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 60 * 60,
        "args": ["deals.tasks.registrations_daily"],
    },
    # tier evaluations on each program's own calendar (quarters, years, term starts, days)
    "evaluations-daily": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 60 * 60,
        "args": ["tiers.tasks.evaluations_daily"],
    },
    # commissions: accrue what events missed; build each month's payout batch once it ended
    "payouts-daily": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 60 * 60,
        "args": ["commissions.tasks.payouts_daily"],
    },
    # disputes: escalate those whose response time passed unanswered (once each)
    "disputes-daily": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 60 * 60,
        "args": ["disputes.tasks.disputes_daily"],
    },
    # webhooks: every delivery whose next attempt has come (the retries)
    "webhooks-due": {
        "task": "tenants.tasks.run_for_every_tenant",
        "schedule": 30,
        "args": ["webhooks.tasks.webhooks_send_due"],
    },
    "purge-expired-sessions": {
        "task": "tenants.tasks.purge_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
    # API Idempotency-Key records past API_IDEMPOTENCY_SECONDS
    "purge-expired-idempotency-records": {
        "task": "tenants.tasks.purge_expired_idempotency_records",
        "schedule": 60 * 60,
    },
}

# Webhook sends have their own queue (docker-compose runs a worker for it): receivers that
# answer slowly never hold up domain events, payouts or e-mail.
CELERY_TASK_ROUTES = {
    "webhooks.tasks.webhook_send": {"queue": "webhooks"},
    # a program's evaluation can take a minute at 100,000 partners: its own workers
    "tiers.tasks.evaluate_program_period": {"queue": "evaluations"},
    # e-mail delivery waits on the mail server: its own queue, scaled on its own
    "tenants.mail_queue.deliver_email": {"queue": "email"},
    # a queued CSV import can take minutes: never in front of the day's domain events
    "deals.tasks.import_job_run": {"queue": "imports"},
}
# Everything else (domain events, the daily fan-outs, e-mail); one deployment's name, so
# two deployments (or a test's workers) can share a Redis without taking each other's work.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")

# --- Webhooks ----------------------------------------------------------------------
# Hosts that may receive webhooks over plain http and at private addresses (tests, dev).
PRM_WEBHOOK_ALLOW_HOSTS = env.list("PRM_WEBHOOK_ALLOW_HOSTS", default=[])
PRM_WEBHOOK_TIMEOUT_SECONDS = env.float("PRM_WEBHOOK_TIMEOUT_SECONDS", default=5.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # axes first: it refuses locked-out credentials before any password check
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Identity (django-allauth) ------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so they are reviewed with the code
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PRM] "
LOGIN_REDIRECT_URL = "home"  # the chooser; partners.adapters sends most people further
LOGIN_URL = "account_login"
ACCOUNT_ADAPTER = "partners.adapters.AccountAdapter"

# --- Sign-in lockout (django-axes; tenants/lockout.py, docs/security.md) -----------
# One policy for every account on both sign-in paths (/admin/login/ and allauth's
# /accounts/login/) and from every address: AXES_FAILURE_LIMIT failures for the account
# lock it for the cool-off, even with the right password; an address is locked after
# PRM_LOGIN_IP_FAILURE_LIMIT failures for any accounts. allauth's own rate limits stay.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
PRM_LOGIN_IP_FAILURE_LIMIT = env.int("PRM_LOGIN_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "tenants.lockout.AccountLockoutHandler"
AXES_USERNAME_CALLABLE = "tenants.lockout.account_key"  # one name per account, any spelling
# What a success resets: the account's failures only. With "ip_address" here a success
# would also wipe every other account's failures from that address, so anyone with an
# account could reset their guesses at others'. The address limit is counted by the
# handler, across user agents, hence axes' W006 hint does not apply.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# A lockout lasts the cool-off from the failure that caused it: attempts refused while
# locked neither extend it (an attacker cannot keep the owner out) nor mail again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ONLY_ADMIN_SITE = False  # the portal's sign-in is guarded the same way
AXES_LOCKOUT_CALLABLE = "tenants.lockout.lockout_response"
PROXY_COUNT = env.int("PROXY_COUNT", default=0)  # reverse proxies in front (X-Forwarded-For)
AXES_CLIENT_IP_CALLABLE = "tenants.client_ip.client_ip"  # one answer for lockouts and records

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api_auth.TenantApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.api_permissions.IsTenantStaff"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tenants.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # refuse control characters (NUL...) in any text field with the field named
    "DEFAULT_PARSER_CLASSES": [
        "tenants.api_parsers.JSONParser",
        "tenants.api_parsers.FormParser",
        "tenants.api_parsers.MultiPartParser",
    ],
    # per API key and per signed-in person, counted in the cache (tenants/api_throttling.py)
    "DEFAULT_THROTTLE_CLASSES": [
        "tenants.api_throttling.ApiKeyRateThrottle",
        "tenants.api_throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env.str("API_THROTTLE_KEY_RATE", default="1000/min"),
        "user": env.str("API_THROTTLE_USER_RATE", default="300/min"),
    },
}
# Throttle counters must be shared by every web process: Redis when configured.
CACHES["api_throttle"] = {**CACHES["default"], "KEY_PREFIX": "throttle"}
API_THROTTLE_CACHE = "api_throttle"
# A POST's Idempotency-Key is remembered this long (tenants/idempotency.py).
API_IDEMPOTENCY_SECONDS = env.int("API_IDEMPOTENCY_SECONDS", default=24 * 60 * 60)
# Largest multipart API request (an import file is at most 10 MB); other bodies are bounded
# by Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
API_MAX_UPLOAD_BYTES = env.int("API_MAX_UPLOAD_BYTES", default=11 * 1024 * 1024)
# An API key's last use is recorded at most this often: a write per request would
# serialise an integration's concurrent calls on the key's row.
API_KEY_USE_RECORD_SECONDS = env.int("API_KEY_USE_RECORD_SECONDS", default=5 * 60)
SPECTACULAR_SETTINGS = {
    "TITLE": "PRM API",
    "DESCRIPTION": "Partner relationship management. Every path is under `/{tenant}/api/v1/`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # paths relative to the vendor's base URL (tenants/api_schema.py serves it per vendor)
    "SCHEMA_PATH_PREFIX": r"/\{tenant_slug\}/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVERS": [
        {
            "url": "/{tenant}/api/v1",
            "description": "Your vendor's API",
            "variables": {"tenant": {"default": "simpro", "description": "The vendor's slug."}},
        }
    ],
    # each webhook event's payload as a component, and the events under x-webhooks
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webhooks.schema.webhooks_document",
        "tenants.api_schema.drop_tenant_slug_parameter",
        "tenants.api_schema.document_error_shape",
    ],
    # distinct names for choice sets whose fields share a name ("kind", "status")
    "ENUM_NAME_OVERRIDES": {
        "DealRegistrationStatusEnum": "deals.models.RegistrationStatus",
        "SalesCallKindEnum": "deals.models.SalesActivity.Kind",
        "LeadSourceEnum": "deals.models.LeadSource",
        "ClaimKindEnum": "commissions.models.Claim.Kind",
        "ClaimStatusEnum": "commissions.models.Claim.Status",
        "PayoutLineStatusEnum": "commissions.models.PayoutLine.Status",
        "PayoutBatchStatusEnum": "commissions.models.BatchStatus",
        "DisputeKindEnum": "disputes.models.DisputeKind",
        "DisputeStatusEnum": "disputes.models.DisputeStatus",
    },
}

# --- Admin look (django-unfold) ---------------------------------------------------
UNFOLD = {
    "SITE_TITLE": "PRM console",
    "SITE_HEADER": "PRM console",
    "SITE_SYMBOL": "handshake",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "ENVIRONMENT": "tenants.admin_site.environment_badge",
    "SITE_DROPDOWN": "tenants.admin_site.tenant_dropdown",
    "DASHBOARD_CALLBACK": "tenants.dashboard.dashboard_callback",
    "SITE_URL": "/",
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .014 308.299)",
            "100": "oklch(94.6% .033 307.174)",
            "200": "oklch(90.2% .063 306.703)",
            "300": "oklch(82.7% .119 306.383)",
            "400": "oklch(71.4% .203 305.504)",
            "500": "oklch(62.7% .265 303.9)",
            "600": "oklch(55.8% .288 302.321)",
            "700": "oklch(49.6% .265 301.924)",
            "800": "oklch(43.8% .218 303.724)",
            "900": "oklch(38.1% .176 304.987)",
            "950": "oklch(29.1% .149 302.717)",
        },
    },
}

# --- E-mail ------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Requests only queue their e-mail; a Celery task delivers it through EMAIL_URL's backend
# (tenants/mail_queue.py), so a slow mail server never holds up a page or an API call.
PRM_EMAIL_DELIVERY_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_BACKEND = "tenants.mail_queue.QueuedEmailBackend"
# E-mails link here: a mail client has no current page to resolve "/simpro/portal/" against.
PRM_SITE_URL = env.str("PRM_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PRM <no-reply@prm.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n, static ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    # the media volume by default; an S3-compatible store across hosts (docs/scaling.md)
    "default": {
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production values unless DEBUG) --------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from our origin or carrying the page's nonce; no inline script otherwise
# (the console adds 'unsafe-eval' for unfold's Alpine.js: tenants/csp.py). Styles allow
# 'unsafe-inline': unfold's pages and ours set style attributes and <style> blocks (a
# tenant's accent colour, progress widths), and a nonce in style-src would void it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging: one JSON line per event, with the request id ------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tenants.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "tenants.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

TEST_RUNNER = "django.test.runner.DiscoverRunner"
