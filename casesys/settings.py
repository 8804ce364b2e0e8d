"""Django settings for casesys.

Every setting that differs between machines comes from the environment (see README,
"Configuration"). With nothing set, the project runs on SQLite under ``var/`` with an
embedded Celery broker, so ``make run`` works on a bare machine.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from casesys.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CASESYS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
# Production (CASESYS_PRODUCTION=true) refuses to start without a real secret key; the
# development fallback exists so that `make run` works with nothing configured.
PRODUCTION = env_bool("CASESYS_PRODUCTION", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=PRODUCTION) or "dev-only-insecure-key-set-DJANGO_SECRET_KEY"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "django_htmx",
    "casesys.org",
    "casesys.workcal",
    "casesys.cases",
    "casesys.notifications",
    "casesys.inbound",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "casesys.urls"
WSGI_APPLICATION = "casesys.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "casesys" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'casesys.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: with CONN_MAX_AGE=0 every request pays a new connection.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, login lock-out) ---------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "casesys" / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("CASESYS_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- casesys domain settings ---------------------------------------------------------
CASESYS = {
    # Case numbers look like CS-1151122-00001 (prefix, ROC date, daily sequence).
    "CASE_NUMBER_PREFIX": env_str("CASESYS_CASE_PREFIX", "CS"),
    # Whole case may not run longer than this many calendar days from receipt (New Taipei).
    "MAX_CASE_CALENDAR_DAYS": env_int("CASESYS_MAX_CASE_DAYS", 30),
    # A closed case may be reopened within this many calendar days.
    "REOPEN_WINDOW_DAYS": env_int("CASESYS_REOPEN_WINDOW_DAYS", 30),
    "SURVEY_WINDOW_DAYS": env_int("CASESYS_SURVEY_WINDOW_DAYS", 7),
    "ATTACHMENT_MAX_BYTES": env_int("CASESYS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
    "ATTACHMENT_TYPES": env_list(
        "CASESYS_ATTACHMENT_TYPES",
        ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "video/mp4", "audio/m4a", "audio/mpeg", "text/plain"],
    ),
}

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "casesys API",
    "DESCRIPTION": "陳情案件管理系統 API / Petition case management API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Celery --------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_TIMEZONE = TIME_ZONE

# Channel → transport class (dotted path). Connectors add theirs here, the core never
# imports them directly.
CASESYS_TRANSPORTS = {
    "email": "casesys.notifications.transports_builtin.EmailTransport",
    "inapp": "casesys.notifications.transports_builtin.InAppTransport",
    "line": "integrations.line.transport.LineTransport",
    "telegram": "integrations.telegram.transport.TelegramTransport",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casesys@localhost")
