"""Django settings for casesys.

Every setting that differs between machines comes from the environment (see README,
"Configuration"). With nothing set, the project runs on SQLite under ``var/`` with an
embedded Celery broker, so ``make run`` works on a bare machine.
"""

from __future__ import annotations

from pathlib import Path

from casesys.dbconf import REPLICA, database_from_url, replica_from_url
from casesys.env import (
    env_bool,
    env_int,
    env_int_between,
    env_list,
    env_month_day,
    env_networks,
    env_str,
)
from casesys.logconf import REQUEST_LOGGERS, json_formatter, redact_filter
from casesys.mapconf import map_settings

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
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "casesys.ops",
    "casesys.org",
    "casesys.workcal",
    "casesys.cases",
    "casesys.notifications",
    "casesys.inbound",
    "casesys.reminders",
    "casesys.cohandling",
    # Loads the Celery app (workers/celery.py) in every process so tasks publish to the
    # configured broker; also hosts `manage.py sync_schedule`.
    "workers",
    "casesys.api",
    "casesys.web",
    "casesys.reports",
    # Connectors (LINE, Telegram): webhooks, tasks, management commands.
    "integrations.common",
    "integrations.line",
    "integrations.telegram",
    # SMS (簡訊) through a Taiwanese gateway: outbox transport, delivery reports, opt-out replies.
    "integrations.sms",
    # Social listening and open interfaces (Facebook pages, RSS/Atom feeds, Open311, open data).
    "integrations.feeds",
    "casesys.social",
    "casesys.open311",
    "casesys.opendata",
    # Incidents (事件): many reports of one event, answered together.
    "casesys.incidents",
    # Category suggestion learned from the agency's closed cases (docs/suggest.md).
    "casesys.suggest",
    # 常見問題集 / FAQ: public /faq/, reviewed by staff, proposed from closed cases (docs/faq.md).
    "casesys.faq",
]

MIDDLEWARE = [
    # casesys.ops (docs/operations.md): /healthz and /metrics before host checks and the
    # HTTPS redirect; request metrics and access log; database outage → 503; body → 413.
    "casesys.ops.middleware.ProbeMiddleware",
    "casesys.ops.middleware.RequestMetricsMiddleware",
    "casesys.ops.middleware.DatabaseUnavailableMiddleware",
    "casesys.ops.middleware.RequestTooLargeMiddleware",
    # A NUL byte in the path, query or form body → 400 (PostgreSQL text cannot hold it).
    "casesys.ops.middleware.NulCharacterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "casesys.web.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on everything a signed-in user sees (casesys/common/nostore.py).
    "casesys.common.nostore.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it sees the log-in views' answers.
    "axes.middleware.AxesMiddleware",
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
                "casesys.web.context_processors.web",
            ],
        },
    },
]

# Forms show the reader's language: choice labels, labels and errors are "中文 / English" pairs.
FORM_RENDERER = "casesys.web.forms_renderer.OneLanguageRenderer"

# --- Database -------------------------------------------------------------------------
# Connection options (persistent connections, prepared statements): casesys/dbconf.py.
_default_db = f"sqlite:///{VAR_DIR / 'casesys.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db)
DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
# Optional PostgreSQL streaming replica (deploy/README.md, "Scaling out"). Only the reports, their
# exports and the open-data CSV read from it; every write, the queues, case pages and the citizen
# lookup stay on the primary, where what a user just wrote is always visible.
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES[REPLICA] = replica_from_url("DATABASE_REPLICA_URL", _replica_url, primary=DATABASES["default"])
# The alias report queries run on (casesys/reports/selectors.py), checked by /healthz.
CASESYS_REPORTS_DB = REPLICA if REPLICA in DATABASES else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Who the client is (casesys/common/clientip.py; docs/operations.md, "Client address and limits")
# The proxies in front of the application (CIDRs, e.g. the nginx or load balancer address). A
# request from one of them is attributed to the right-most X-Forwarded-For entry that is not a
# trusted proxy; every other request to REMOTE_ADDR, whatever X-Forwarded-For it sends.
CASESYS_TRUSTED_PROXIES = env_networks("CASESYS_TRUSTED_PROXIES")
# Instead of CIDRs: the number of proxies every request passes (only when the application cannot
# be reached around them); the client is that many X-Forwarded-For entries from the right.
CASESYS_TRUSTED_PROXY_COUNT = env_int("CASESYS_TRUSTED_PROXY_COUNT", 0)
if CASESYS_TRUSTED_PROXIES and CASESYS_TRUSTED_PROXY_COUNT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set CASESYS_TRUSTED_PROXIES or CASESYS_TRUSTED_PROXY_COUNT, not both.")
if CASESYS_TRUSTED_PROXY_COUNT < 0:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CASESYS_TRUSTED_PROXY_COUNT must be 0 or more.")

# --- Cache (throttling, login lock-out) ---------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ModelBackend behind django-axes' lockouts: every password log-in (admin, web, API token).
AUTHENTICATION_BACKENDS = ["casesys.org.auth.ThrottledModelBackend"]
# django-axes (casesys/org/auth.py): failed log-ins are counted per (username, client address)
# pair, so one address's failures cannot lock every staff member out; lockouts are listed and
# lifted in the admin (Axes → Access attempts).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "casesys.org.auth.failure_limit"
AXES_COOLOFF_TIME = "casesys.org.auth.cool_off"
AXES_USERNAME_CALLABLE = "casesys.org.auth.lockout_username"
AXES_CLIENT_IP_CALLABLE = "casesys.org.auth.lockout_client_ip"
AXES_LOCKOUT_CALLABLE = "casesys.org.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Refused attempts are not counted (ThrottledModelBackend), so a lockout ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful log-ins are in the access log already; no second, ever-growing table of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

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
# Sessions (casesys/web/staff_session.py, casesys/web/citizen_session.py): staff stay signed in
# for a working day from log-in; a citizen's status-page session is a browser-session cookie
# whose remembered cases are forgotten after this many idle minutes. Sessions with no expiry
# of their own fall back to the staff length, never Django's two weeks.
CASESYS_STAFF_SESSION_HOURS = env_int("CASESYS_STAFF_SESSION_HOURS", 10)
CASESYS_CITIZEN_SESSION_IDLE_MINUTES = env_int("CASESYS_CITIZEN_SESSION_IDLE_MINUTES", 30)
if CASESYS_STAFF_SESSION_HOURS < 1 or CASESYS_CITIZEN_SESSION_IDLE_MINUTES < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CASESYS_STAFF_SESSION_HOURS and CASESYS_CITIZEN_SESSION_IDLE_MINUTES must be at least 1.")
SESSION_COOKIE_AGE = CASESYS_STAFF_SESSION_HOURS * 3600
# Flash messages live in the session, not in a cookie: the intake confirmation carries the
# case password, which must not travel (or sit in the browser) as a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- casesys domain settings ---------------------------------------------------------
CASESYS = {
    # Case numbers look like CS-1151122-00001 (prefix, ROC date, daily sequence).
    "CASE_NUMBER_PREFIX": env_str("CASESYS_CASE_PREFIX", "CS"),
    # Whole case may not run longer than this many calendar days from receipt (New Taipei).
    "MAX_CASE_CALENDAR_DAYS": env_int("CASESYS_MAX_CASE_DAYS", 30),
    # A closed case may be reopened within this many calendar days.
    "REOPEN_WINDOW_DAYS": env_int("CASESYS_REOPEN_WINDOW_DAYS", 30),
    # Four eyes (核稿): nobody approves their own reply or decides their own extension
    # request. Turn off only for one-person offices.
    "FOUR_EYES": env_bool("CASESYS_FOUR_EYES", True),
    "SURVEY_WINDOW_DAYS": env_int("CASESYS_SURVEY_WINDOW_DAYS", 7),
    # A survey score at or below this is "dissatisfied": it opens a follow-up (回訪) and is
    # counted as dissatisfied in the reports.
    "SURVEY_DISSATISFIED_MAX": env_int("CASESYS_SURVEY_DISSATISFIED_MAX", 2),
    # A follow-up is due by the end of this many working days after it opened.
    "FOLLOW_UP_WORKING_DAYS": env_int("CASESYS_FOLLOW_UP_WORKING_DAYS", 3),
    # Co-handling (主辦/協辦): a multi-department case's deadline (working days, stricter rule
    # wins) and the co-handlers' default sub-deadline, in working days before the case's.
    "MULTI_DEPARTMENT_WORKING_DAYS": env_int("CASESYS_MULTI_DEPARTMENT_WORKING_DAYS", 10),
    "PART_DAYS_BEFORE_DUE": env_int("CASESYS_PART_DAYS_BEFORE_DUE", 3),
    "ATTACHMENT_MAX_BYTES": env_int("CASESYS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
    "ATTACHMENT_TYPES": env_list(
        "CASESYS_ATTACHMENT_TYPES",
        ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "video/mp4", "audio/m4a", "audio/mpeg", "text/plain"],
    ),
    # Brute-force protection: citizen lookups (cache) and staff log-ins (django-axes, per
    # username and client address pair; see AXES_* above).
    "TRACK_MAX_FAILURES": env_int("CASESYS_TRACK_MAX_FAILURES", 10),
    "TRACK_FAILURE_WINDOW_SECONDS": env_int("CASESYS_TRACK_FAILURE_WINDOW", 900),
    "LOGIN_MAX_FAILURES_PER_USER": env_int("CASESYS_LOGIN_MAX_FAILURES", 5),
    "LOGIN_FAILURE_WINDOW_SECONDS": env_int("CASESYS_LOGIN_FAILURE_WINDOW", 900),
    # The mayor's mailbox: accepted letters per client address and hour; counter addresses
    # (district offices, where many citizens write from one address) get their own allowance.
    "MAILBOX_PER_HOUR": env_int("CASESYS_MAILBOX_PER_HOUR", 5),
    "MAILBOX_COUNTER_ADDRESSES": env_networks("CASESYS_MAILBOX_COUNTER_ADDRESSES"),
    "MAILBOX_COUNTER_PER_HOUR": env_int("CASESYS_MAILBOX_COUNTER_PER_HOUR", 60),
    # From this day of the year (MM-DD) on, while next year's DGPA office calendar has not been
    # imported, /healthz warns, administrators see a banner and get a daily notice.
    "CALENDAR_WARN_FROM": env_month_day("CASESYS_CALENDAR_WARN_FROM", "11-01"),
}
# --- incidents (casesys/incidents) ---------------------------------------------------
# When a new report is suggested an open incident: within this distance of the incident's
# reports, received within this many hours of its time window, in the same category or one
# with the same parent, and with at least this share (percent) of its wording's bigrams
# already seen in the incident's reports.
CASESYS_INCIDENTS = {
    "RADIUS_M": env_int_between("CASESYS_INCIDENT_RADIUS_M", 150, 1, 50_000),
    "WINDOW_HOURS": env_int_between("CASESYS_INCIDENT_WINDOW_HOURS", 6, 1, 24 * 30),
    "MIN_TEXT_PERCENT": env_int_between("CASESYS_INCIDENT_MIN_TEXT_PERCENT", 15, 0, 100),
    "MAX_SUGGESTIONS": env_int_between("CASESYS_INCIDENT_MAX_SUGGESTIONS", 3, 1, 20),
}

# --- category suggestion (casesys/suggest, docs/suggest.md) -----------------------------
# Learned nightly from the closed cases received in the last YEARS years (at least MIN_CASES
# of them); the mailbox pre-selects the top suggestion only at CONFIDENT_PERCENT or more.
CASESYS_SUGGEST = {
    "YEARS": env_int_between("CASESYS_SUGGEST_YEARS", 3, 1, 30),
    "MIN_CASES": env_int_between("CASESYS_SUGGEST_MIN_CASES", 30, 1, 1_000_000),
    "CONFIDENT_PERCENT": env_int_between("CASESYS_SUGGEST_CONFIDENT_PERCENT", 80, 1, 100),
}

# --- FAQ (casesys/faq; docs/faq.md) -------------------------------------------------------
# Proposals: closed cases of the last PROPOSAL_MONTHS months, groups of at least
# PROPOSAL_MIN_CASES cases whose subjects share PROPOSAL_SIMILARITY_PERCENT of their 2-character
# pieces (at most PROPOSAL_MAX_CASES_PER_CATEGORY newest cases per category per run).
# Search: the share of a query's pieces an entry must hold (public search / mailbox
# suggestions). Deflection: a mailbox visit that opened an entry and sent no letter within
# DEFLECTION_HOURS.
CASESYS_FAQ = {
    "PROPOSAL_MONTHS": env_int_between("CASESYS_FAQ_PROPOSAL_MONTHS", 6, 1, 60),
    "PROPOSAL_MIN_CASES": env_int_between("CASESYS_FAQ_PROPOSAL_MIN_CASES", 5, 2, 100_000),
    "PROPOSAL_SIMILARITY": env_int_between("CASESYS_FAQ_PROPOSAL_SIMILARITY_PERCENT", 50, 1, 100) / 100,
    "PROPOSAL_MAX_CASES_PER_CATEGORY": env_int_between("CASESYS_FAQ_PROPOSAL_MAX_CASES", 3000, 10, 1_000_000),
    "SEARCH_MIN_SHARE": env_int_between("CASESYS_FAQ_SEARCH_MIN_PERCENT", 60, 1, 100) / 100,
    "MAILBOX_MIN_SHARE": env_int_between("CASESYS_FAQ_MAILBOX_MIN_PERCENT", 40, 1, 100) / 100,
    "MAILBOX_SUGGESTIONS": env_int_between("CASESYS_FAQ_MAILBOX_SUGGESTIONS", 3, 1, 10),
    "DEFLECTION_HOURS": env_int_between("CASESYS_FAQ_DEFLECTION_HOURS", 24, 1, 24 * 30),
}

# --- public opinion (輿情): the leads' response clock, alerts and daily report (docs/social.md) ---
# A lead's first triage (convert or dismiss) is due this many office hours after it arrives
# (working days, CASESYS_OFFICE_HOURS); a lead source may set its own (`triage_hours` in
# CASESYS_CHANNELS). A reminder goes to the triagers DUE_SOON_MINUTES before, and one when
# it is overdue. A lead naming a case number, or matching an open overdue case (the case's
# district and street named in the text, or at least MATCH_MIN_PERCENT % and
# MATCH_MIN_BIGRAMS of its subject's bigrams), alerts the supervisor on duty at once.
CASESYS_OPINION = {
    "TRIAGE_OFFICE_HOURS": env_int_between("CASESYS_LEAD_TRIAGE_HOURS", 4, 1, 24 * 10),
    "DUE_SOON_MINUTES": env_int_between("CASESYS_LEAD_DUE_SOON_MINUTES", 60, 1, 24 * 60),
    "MATCH_MIN_PERCENT": env_int_between("CASESYS_LEAD_MATCH_MIN_PERCENT", 60, 1, 100),
    "MATCH_MIN_BIGRAMS": env_int_between("CASESYS_LEAD_MATCH_MIN_BIGRAMS", 4, 1, 50),
    "MAX_ALERT_CASES": env_int_between("CASESYS_LEAD_MAX_ALERT_CASES", 3, 1, 20),
    "REPORT_TOP_ITEMS": env_int_between("CASESYS_OPINION_REPORT_TOP_ITEMS", 10, 1, 100),
}

# --- the map (casesys/mapconf.py; docs/web.md, "Map") ----------------------------------
# Tiles: CASESYS_MAP_TILE_URL (default NLSC 臺灣通用電子地圖 WMTS; `none` turns tiles off),
# CASESYS_MAP_ATTRIBUTION, CASESYS_MAP_CENTER (lat,lng,zoom). The tile host joins the CSP's
# img-src below.
CASESYS_MAP = map_settings()
# Address → coordinates (optional): a dotted path to a geocoder class (casesys/common/geocoding.py),
# e.g. "casesys.common.geocoding.NominatimGeocoder", its endpoint and timeout. Empty: pinning by
# hand only, and no "find the address" button.
CASESYS_GEOCODER = {
    "CLASS": env_str("CASESYS_GEOCODER", ""),
    "URL": env_str("CASESYS_GEOCODER_URL", ""),
    "TIMEOUT": env_int_between("CASESYS_GEOCODER_TIMEOUT", 5, 1, 60),
}

if not 0 <= CASESYS["SURVEY_DISSATISFIED_MAX"] <= 4:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CASESYS_SURVEY_DISSATISFIED_MAX must be between 0 (none) and 4 (scores are 1–5).")

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "casesys.api.authentication.StaffTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's JSON parser, plus a 400 for nesting too deep to handle (casesys/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "casesys.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # One JSON error shape for every DRF view: {"detail": "…", "errors": {field: […]}}.
    "EXCEPTION_HANDLER": "casesys.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "casesys API",
    "DESCRIPTION": "陳情案件管理系統 API / Petition case management API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ serves Swagger UI from our own static files (no CDN), so the CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several models have a "status" choice set; each API enum gets its own name.
    "ENUM_NAME_OVERRIDES": {"IncidentStatusEnum": "casesys.incidents.models.Incident.Status"},
}

# --- Celery --------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_TIMEZONE = TIME_ZONE
# Reliability (see docs/workers.md): a task is acknowledged only after it finished, a task
# whose worker process died is put back on the queue, and a worker reserves one message at a
# time so a crash strands at most one. Every task is idempotent (database constraints), so
# running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
# Redis: an unacknowledged message goes back to the queue after this many seconds. It must
# exceed the longest task (time limit 300 s), else a healthy task would run twice; tasks never
# use countdown/ETA (retries are scheduled in the outbox table), so it can stay short.
# (Redis options only: the embedded SQLAlchemy broker passes its options to create_engine.)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 1800),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else {}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_DEFAULT_QUEUE = "default"
# Deliveries get their own queue so a long scan or feed poll never delays a message.
# Citizen notices (acknowledgement, reply …) have a queue of their own, which every worker
# consuming `notifications` also consumes (docs/workers.md, "Priority"). Exact names are
# matched before the pattern.
CELERY_TASK_ROUTES = {
    "casesys.notifications.tasks.send_citizen_notification": {"queue": "notifications_citizen"},
    "casesys.notifications.tasks.*": {"queue": "notifications"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Notification outbox and office hours (docs/workers.md).
CASESYS_NOTIFICATIONS = {
    # People are messaged only on working days within these hours (Asia/Taipei).
    "OFFICE_HOURS": env_str("CASESYS_OFFICE_HOURS", "08:30-17:30"),
    "OFFICE_TIMEZONE": env_str("CASESYS_OFFICE_TIMEZONE", TIME_ZONE),
    "MAX_ATTEMPTS": env_int("CASESYS_NOTIFY_MAX_ATTEMPTS", 8),
    # Retry after base·2^(attempt-1) seconds (±10 %), capped.
    "BACKOFF_SECONDS": env_int("CASESYS_NOTIFY_BACKOFF_SECONDS", 30),
    "BACKOFF_MAX_SECONDS": env_int("CASESYS_NOTIFY_BACKOFF_MAX_SECONDS", 3600),
    # A claimed row not finished within this lease is taken over by the next sweep.
    "CLAIM_SECONDS": env_int("CASESYS_NOTIFY_CLAIM_SECONDS", 300),
    "BATCH": env_int("CASESYS_NOTIFY_BATCH", 20),
    # Publish a send task when a row commits (else only the periodic sweep sends it).
    "KICK": env_bool("CASESYS_NOTIFY_KICK", True),
    # Base of links in citizen messages (tracking page, survey).
    "PUBLIC_BASE_URL": env_str("CASESYS_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
}
CASESYS_REMINDERS = {"BATCH": env_int("CASESYS_REMINDER_BATCH", 200)}

# The channel registry (casesys/common/channels.py, docs/connectors.md): every channel the
# core does not implement itself is a package under integrations/ named here, with its
# transport, inbound processor, address masking and citizen-routing policy. The core never
# imports these packages; a new channel is a new package plus an entry here.
CASESYS_CHANNELS: dict[str, dict] = {
    "line": {
        "urls": "integrations.line.urls",
        "label": "LINE",
        "transport": "integrations.line.transport.LineTransport",
        "processor": "integrations.line.tasks.processor",
        "intake": True,
        "chat": True,
        "lead_source": True,
        "mask": "id",
        "route": "origin",
        "demo": "integrations.line.demo.seed",
    },
    "telegram": {
        "urls": "integrations.telegram.urls",
        "label": "Telegram",
        "transport": "integrations.telegram.transport.TelegramTransport",
        "processor": "integrations.telegram.tasks.processor",
        "intake": True,
        "chat": True,
        "lead_source": True,
        "mask": "id",
        "route": "origin",
    },
    "facebook": {
        "urls": "integrations.facebook.urls",
        "label": "Facebook",
        "processor": "integrations.facebook.handlers.handle_event",
        "intake": True,
        "lead_source": True,
    },
    # SMS (integrations/sms, docs/sms.md): only for citizens with no other route (a phone-only
    # 1999 caller), only for these notices; the address is derived from a mobile phone number.
    "sms": {
        "urls": "integrations.sms.urls",
        "label": "簡訊 / SMS",
        "transport": "integrations.sms.transport.SmsTransport",
        "processor": "integrations.sms.handlers.handle_event",
        "mask": "phone",
        "route": "fallback",
        "kinds": [
            "case_acknowledged", "case_transferred", "case_extended", "case_overdue",
            "case_reply", "case_second_reply", "case_merged_reply", "case_filed", "survey_invitation",
            "case_password_reset",
        ],
        "address_from": "phone",
        "address": "integrations.sms.addresses.normalise",
    },
    "feed": {"label": "新聞與 PTT / News and PTT feeds", "lead_source": True, "demo": "integrations.feeds.demo.seed"},
}

# --- Connectors (integrations/) ---------------------------------------------------------
# A connector whose secret/token is missing is switched off (its webhook answers 404).
LINE_CHANNEL_SECRET = env_str("LINE_CHANNEL_SECRET", "")
LINE_CHANNEL_ACCESS_TOKEN = env_str("LINE_CHANNEL_ACCESS_TOKEN", "")
LINE_API_HOST = env_str("LINE_API_HOST", "https://api.line.me")
# Content (blob) API host; empty = api-data.line.me, or LINE_API_HOST when that is overridden.
LINE_API_DATA_HOST = env_str("LINE_API_DATA_HOST", "")
LINE_BOT_USER_ID = env_str("LINE_BOT_USER_ID", "")
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
TELEGRAM_BOT_USERNAME = env_str("TELEGRAM_BOT_USERNAME", "")
# Category of cases opened from a LINE/Telegram chat (intake reclassifies them).
CONNECTOR_CASE_CATEGORY = env_str("CASESYS_CHAT_CATEGORY", "GEN-MAILBOX")
# Facebook page webhook: the handshake needs the verify token, POSTs the app secret.
FACEBOOK_VERIFY_TOKEN = env_str("FACEBOOK_VERIFY_TOKEN", "")
FACEBOOK_APP_SECRET = env_str("FACEBOOK_APP_SECRET", "")
# SMS (docs/sms.md). Without a username and password the channel is off: SMS notices fail
# visibly and become call-or-write tasks.
SMS_PROVIDER = env_str("SMS_PROVIDER", "mitake")
MITAKE_USERNAME = env_str("MITAKE_USERNAME", "")
MITAKE_PASSWORD = env_str("MITAKE_PASSWORD", "")  # a secret: never a default here
MITAKE_BASE_URL = env_str("MITAKE_BASE_URL", "https://smsapi.mitake.com.tw")
MITAKE_TIMEOUT_SECONDS = env_int_between("MITAKE_TIMEOUT_SECONDS", 10, 1, 120)
# Put in front of every message, e.g. 【臺北市政府】 (counts towards the length).
SMS_SENDER_NAME = env_str("SMS_SENDER_NAME", "")
# The acknowledgement carries the case number; the password too only when this is true.
SMS_INCLUDE_PASSWORD = env_bool("SMS_INCLUDE_PASSWORD", False)
# Cost control: messages per day for the whole agency, and per mobile number (0 = no limit).
SMS_DAILY_CAP = env_int("SMS_DAILY_CAP", 500)
SMS_PER_NUMBER_PER_DAY = env_int("SMS_PER_NUMBER_PER_DAY", 5)
# A longer text is replaced by a short notice with the status-page link.
SMS_MAX_SEGMENTS = env_int_between("SMS_MAX_SEGMENTS", 2, 1, 5)
# Path secret of the gateway's callbacks (delivery reports, replies); empty: callbacks off.
SMS_CALLBACK_SECRET = env_str("SMS_CALLBACK_SECRET", "")
# Open311: if set, requests naming another jurisdiction_id get 404; contact shown in discovery.
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
# Open311 POST: new requests per partner app and minute, and wrong api_key attempts per client
# address (then 429 with Retry-After).
OPEN311_POST_PER_MINUTE = env_int("OPEN311_POST_PER_MINUTE", 60)
OPEN311_KEY_MAX_FAILURES = env_int("OPEN311_KEY_MAX_FAILURES", 20)
OPEN311_KEY_FAILURE_WINDOW_SECONDS = env_int("OPEN311_KEY_FAILURE_WINDOW_SECONDS", 900)

# Query-string secrets (api_key, password, token) are redacted from every log line
# (casesys.logconf.RedactSecretsFilter): on the request loggers and on the handler.
_REDACT = {"filters": ["redact_secrets"]}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": redact_filter()},
    "handlers": {"console": {"class": "logging.StreamHandler", **_REDACT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, **{name: dict(_REDACT) for name in REQUEST_LOGGERS}},
}
# --- E-mail (docs/operations.md, "Production environment variables") --------------------
# `make run` writes each message to a file under var/mail; production sends through SMTP to
# EMAIL_HOST, which must then be named: Django's fallback, localhost:25, lost production mail.
_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", _SMTP_BACKEND if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", required=PRODUCTION and EMAIL_BACKEND == _SMTP_BACKEND) or "localhost"
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Environment variables EMAIL_USE_TLS and EMAIL_USE_SSL are both true; set one of them.")
EMAIL_PORT = env_int_between("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25, 1, 65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")  # a secret: never a default here
# Django logs in only when both are set; one without the other would send unauthenticated.
if bool(EMAIL_HOST_USER) != bool(EMAIL_HOST_PASSWORD):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Environment variables EMAIL_HOST_USER and EMAIL_HOST_PASSWORD must be set together (or neither)."
    )
EMAIL_TIMEOUT = env_int_between("EMAIL_TIMEOUT", 15, 1, 3600)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casesys@localhost")
# SERVER_EMAIL is not read: ADMINS is empty, so Django sends no error mail (errors go to the logs).

# --- Operations (casesys.ops; docs/operations.md) ---------------------------------------
# Bodies above this answer 413 (JSON for API clients) before anything reads them;
# multipart uploads (attachments) get their own, larger limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CASESYS_MAX_BODY_BYTES", 2 * 1024 * 1024)
CASESYS_MAX_UPLOAD_REQUEST_BYTES = env_int(
    "CASESYS_MAX_UPLOAD_REQUEST_BYTES", 5 * CASESYS["ATTACHMENT_MAX_BYTES"] + 1024 * 1024
)
# Worker/beat heartbeats (/healthz): written every INTERVAL s, stale after MAX_AGE s.
CASESYS_HEARTBEAT_INTERVAL = env_int("CASESYS_HEARTBEAT_INTERVAL", 15)
CASESYS_HEARTBEAT_MAX_AGE = env_int("CASESYS_HEARTBEAT_MAX_AGE", 120)
# /metrics: with a token set, scrapers must send "Authorization: Bearer <token>".
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
CASESYS_METRICS_CACHE_SECONDS = env_int("CASESYS_METRICS_CACHE_SECONDS", 15)
# One structured line per request (logger casesys.request); on by default in production.
CASESYS_ACCESS_LOG = env_bool("CASESYS_ACCESS_LOG", PRODUCTION)

# Content-Security-Policy (django-csp 4). The UI serves its JavaScript as static files (no
# CDN, no inline scripts). Inline *styles* stay allowed: htmx injects its indicator style
# and the admin uses style attributes; style injection is not a script-execution risk.
# Development sends it report-only (violations show in the browser console); production
# enforces it.
_CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # The map's tile host (CASESYS_MAP_TILE_URL) and any extra image sources.
        "img-src": [
            "'self'",
            "data:",
            *([CASESYS_MAP["TILE_ORIGIN"]] if CASESYS_MAP["TILE_ORIGIN"] else []),
            *env_list("CASESYS_CSP_IMG_SRC", []),
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY

if PRODUCTION:
    # Production (CASESYS_PRODUCTION=true): `manage.py check --deploy` passes with no
    # warnings (tests/ops/test_production_settings.py). TLS ends at the load balancer,
    # which must set X-Forwarded-Proto (and overwrite any value the client sent).
    from django.core.exceptions import ImproperlyConfigured

    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG=true is not allowed with CASESYS_PRODUCTION=true.")
    # No default host list in production: the site's names must be stated.
    env_str("DJANGO_ALLOWED_HOSTS", required=True)
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Environment variable DJANGO_ALLOWED_HOSTS lists no host.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    CONTENT_SECURITY_POLICY = _CSP_POLICY
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None
    # Structured logs: one JSON object per line on stderr (journald / docker collect it).
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter(env_str("CASESYS_SERVICE_NAME", "casesys"))},
        "filters": {"redact_secrets": redact_filter()},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", **_REDACT}},
        "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "loggers": {
            **{name: dict(_REDACT) for name in REQUEST_LOGGERS},
            "django.db.backends": {"level": "WARNING"},
            # Requests are logged once, by casesys.request, with status and duration.
            "django.server": {"level": "WARNING", **_REDACT},
        },
    }
    # Celery workers and beat log through the JSON configuration above, not their own format.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    # Python warnings (e.g. from libraries) become JSON log records too.
    import logging as _logging

    _logging.captureWarnings(True)
