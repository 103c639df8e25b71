"""Settings shared by every environment; values come from the environment (django-environ).

local.py, test.py and production.py refine these. Production refuses to start with unsafe values.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "leaflet",
    "agencies",
    "incidents",
    "volunteers",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy when CONTENT_SECURITY_POLICY is on (production by default; dispatch/security.py).
    "dispatch.security.ContentSecurityPolicyMiddleware",
    # A busy or unreachable database answers 503 + Retry-After, not 500 (dispatch/overload.py).
    "dispatch.overload.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dispatch.hostile.RefuseNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "agencies.middleware.CentreTimezoneMiddleware",
    # Last: returns a pooled DB connection when the sync view returns, not after the ASGI hops (dispatch/db_release.py).
    # Login throttling: turns a lockout marked by the axes backend into agencies.lockout's 429.
    "axes.middleware.AxesMiddleware",
    "dispatch.db_release.ReleaseDbConnectionMiddleware",
]

ROOT_URLCONF = "dispatch.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "dispatch.asgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/dispatch112"),
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
# Under ASGI a request's sync code runs in a thread of its own and its connection is closed when the view returns
# (dispatch/db_release.py), so persistent connections never got reused and each request paid a new PostgreSQL
# connection (~15 ms here). A per-process psycopg pool keeps them (docs/perf-calltaker.md). DATABASE_POOL=false
# turns it off; test.py turns it off.
DATABASE_POOL_OPTIONS = {
    "min_size": env.int("DATABASE_POOL_MIN", default=2),
    "max_size": env.int("DATABASE_POOL_MAX", default=10),
    "timeout": 10,
}
# Check a connection when it is taken from the pool (Django passes psycopg_pool's check_connection for this: one
# empty round trip): after a PostgreSQL restart the pool still holds dead connections, and without the check
# requests drew them at random for about a minute (503s, a login included). A dead one is discarded and replaced
# (tests/core/test_db_pool.py). A per-database setting: a module-level CONN_HEALTH_CHECKS does nothing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = dict(DATABASE_POOL_OPTIONS)
# Server-side binding with prepared statements (issue 27). With Django's default (values quoted into the SQL by
# psycopg) PostgreSQL plans every statement afresh: for the intake's 18 statements planning was most of the
# database's work (the event INSERT: 0.5 ms planning for 0.2 ms execution). Bound on the server, psycopg prepares a
# statement the `prepare_threshold`-th time a connection runs it and PostgreSQL reuses its plan (pooled connections
# keep them); the database's time per create + route fell from ≈ 12 to ≈ 7–9 ms (docs/performance.md). Off with
# DATABASE_PREPARED_STATEMENTS=false behind a transaction-pooling proxy (PgBouncer < 1.21 without
# max_prepared_statements), which cannot keep a connection's prepared statements.
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", default=5),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
# django-axes first: it refuses a locked-out username+address before the password is even checked; then the
# per-username throttle (agencies/lockout.py, issue 28), then the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "agencies.lockout.UsernameThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, well kept and made for this; docs/architecture.md): after AXES_FAILURE_LIMIT
# failures of one username from one address, that pair waits AXES_COOLOFF_TIME; counted in the shared cache
# (Redis), so every web process sees the same count. Both the login form and POST /api/v1/auth/token/.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# API tokens expire this long after they were issued (agencies/tokens.py); signing in again issues a new one.
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30))
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MIN", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agencies.lockout.lockout_response"
# The address is REMOTE_ADDR as the ASGI server resolved it: uvicorn reads X-Forwarded-For only from the proxy's own
# address (FORWARDED_ALLOW_IPS; docs/security.md), so a client cannot choose it (issue 28).
AXES_CLIENT_IP_CALLABLE = "agencies.lockout.client_ip"
AXES_VERBOSE = False
# Per username from any address (agencies/lockout.py): after this many failures within the window, short lockouts
# doubling from LOGIN_USER_LOCK up to LOGIN_USER_MAX_LOCK; a colleague at the same address is not touched.
LOGIN_USER_FAILURE_LIMIT = env.int("LOGIN_USER_FAILURE_LIMIT", default=10)
LOGIN_USER_WINDOW = timedelta(minutes=env.int("LOGIN_USER_WINDOW_MIN", default=60))
LOGIN_USER_LOCK = timedelta(seconds=env.int("LOGIN_USER_LOCK_S", default=30))
LOGIN_USER_MAX_LOCK = timedelta(seconds=env.int("LOGIN_USER_MAX_LOCK_S", default=300))
# Issue 28: common and all-digit passwords are refused everywhere a password is chosen (volunteer sign-up, the
# admin), and staff accounts need 10 characters (agencies/passwords.py); volunteers keep Django's 8.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "agencies.passwords.StaffMinimumLengthValidator", "OPTIONS": {"staff_min_length": 10}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Bahasa Indonesia first; English available. Everything is stored in UTC and shown in the
# acting centre's zone (WIB/WITA/WIT), switched per request by CentreTimezoneMiddleware.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored monthly reports (reporting.MonthlyReport files); served only through the API, never as public media.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "d112",
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    }
}

# Celery: the broker is Redis. Escalation deadlines live in the database (Assignment.ack_deadline);
# countdown tasks are only for precision and a sweeper run by beat catches any lost task.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Celery's Django fixup closes the database connections around every task unless told to reuse them; the workers
# keep one connection per process, checked before each task (dispatch/celery.py). It still recycles them every
# 2 × this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ROUTES = {
    "incidents.tasks.escalate_*": {"queue": "timers"},
    "incidents.tasks.sweep_*": {"queue": "timers"},
    "volunteers.tasks.expire_*": {"queue": "timers"},
    "volunteers.tasks.sweep_*": {"queue": "timers"},
    "reporting.tasks.watch_*": {"queue": "timers"},
}
CELERY_BEAT_SCHEDULE = {
    # Volunteer call-outs nobody answered in time (volunteers.tasks; the countdown is only for precision).
    "sweep-callout-deadlines": {
        "task": "volunteers.tasks.sweep_callout_deadlines",
        "schedule": timedelta(seconds=1),
        "options": {"expires": 5},
    },
    "sweep-due-deadlines": {
        "task": "incidents.tasks.sweep_due_deadlines",
        "schedule": timedelta(seconds=1),
        "options": {"expires": 5},
    },
    # A message whose task never reached the broker (Redis down at commit) stays QUEUED: queue it again.
    "resend-queued-notifications": {
        "task": "incidents.notifier.resend_queued_notifications",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 50},
    },
    # Reports: rollups follow the timeline (reporting.rollup), incrementally — an event is in the report within
    # ≈ 5 s (issue 27; a refresh that finds another running returns at once); last month's report once each
    # centre's month ended.
    "refresh-report-rollups": {
        "task": "reporting.tasks.refresh_rollups",
        "schedule": timedelta(seconds=2),
        "options": {"expires": 2},
    },
    # Caller links whose time ran out (the API refuses them at once; this records the end) and the retention purge
    # of caller photos, fixes and chat (docs/privacy.md).
    "expire-caller-links": {
        "task": "incidents.tasks.expire_caller_links",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 55},
    },
    "purge-caller-data": {
        "task": "incidents.tasks.purge_caller_data",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    # issue 28: a refresh that fails or lags more than 5 minutes raises a supervisor alert (reporting.services)
    "watch-report-rollups": {
        "task": "reporting.tasks.watch_rollups",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 55},
    },
    "build-monthly-reports": {
        "task": "reporting.tasks.build_monthly_reports",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "dispatch.schema.DispatchAutoSchema",
    # A page size has a ceiling everywhere (`?limit=1000000000` gets at most 1,000 rows).
    "DEFAULT_PAGINATION_CLASS": "dispatch.api.CappedLimitOffsetPagination",
    # JSON with a depth limit and no NUL characters: hostile bodies are a 400, never a 500 (dispatch/hostile.py).
    "DEFAULT_PARSER_CLASSES": [
        "dispatch.hostile.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's renderer and parser choice remembered per Accept / Content-Type header (dispatch/negotiation.py; issue 27).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "dispatch.negotiation.RememberingContentNegotiation",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "dispatch.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "112 Dispatch API",
    "DESCRIPTION": "REST API v1 of the 112 computer-aided dispatch platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar): a centre's LAN may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Maps without the internet (docs/architecture.md): every map draws the vector basemap this server makes from
# PostGIS (/tiles/base/, agencies/tiles.py) with protomaps-leaflet; a raster layer only through this server's caching
# proxy (/tiles/raster/, agencies/tileproxy.py) when TILE_UPSTREAM names an upstream, e.g. a centre's own tile
# server "http://tiles.lan/{z}/{x}/{y}.png" (or OpenStreetMap's, where its tile usage policy allows).
TILE_UPSTREAM = env("TILE_UPSTREAM", default="")
TILE_UPSTREAM_MAX_ZOOM = env.int("TILE_UPSTREAM_MAX_ZOOM", default=19)
TILE_UPSTREAM_TIMEOUT_S = env.float("TILE_UPSTREAM_TIMEOUT_S", default=4.0)
TILE_USER_AGENT = env("TILE_USER_AGENT", default="dispatch112-tile-proxy/1.0 (112 command centre; LAN cache)")
TILE_CACHE_DIR = env("TILE_CACHE_DIR", default=str(BASE_DIR / ".cache" / "tiles"))
TILE_CACHE_MAX_MB = env.int("TILE_CACHE_MAX_MB", default=2048)
TILE_CACHE_FRESH_S = env.int("TILE_CACHE_FRESH_S", default=30 * 24 * 3600)

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (-2.21, 113.92),
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 4,
    "MAX_ZOOM": 19,
    # django-leaflet's own maps (admin geometry widgets): the raster proxy when configured, under which
    # static/js/lib/basemap.js (auto-included below) puts the vector basemap on "map:init".
    "TILES": [("Peta raster", "/tiles/raster/{z}/{x}/{y}.png", {"attribution": "&copy; OpenStreetMap", "maxZoom": 19})]
    if TILE_UPSTREAM else [],
    "PLUGINS": {
        # the admin's geometry widgets load only the "forms" plugin's files: the basemap rides along there too
        "forms": {"js": ["vendor/protomaps-leaflet/protomaps-leaflet.js", "js/lib/basemap.js"]},
        "basemap": {
            "js": ["vendor/protomaps-leaflet/protomaps-leaflet.js", "js/lib/basemap.js"],
            "auto-include": True,
        },
    },
    "RESET_VIEW": False,
}

DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo112")

# Dispatch rules that a centre may tune; defaults follow domain.md.
DUPLICATE_RADIUS_M = env.int("DUPLICATE_RADIUS_M", default=500)
DUPLICATE_WINDOW_MIN = env.int("DUPLICATE_WINDOW_MIN", default=60)
# Default acknowledgement windows (seconds) by priority when no EscalationRule matches.
DEFAULT_ACK_SECONDS = {1: 60, 2: 120, 3: 300, 4: 600}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Debian 12 ships GDAL 3.6, which cannot block network access from spatial references. We only
# read boundary files an admin supplies (import_boundaries) and never user-supplied SRS strings.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Interoperability (issue 6, docs/integrations.md) ---
# EIDO identifiers and CAP senders are `<centre code>.<INTEROP_DOMAIN>`; set it to a domain you control.
INTEROP_DOMAIN = env("INTEROP_DOMAIN", default="dispatch112.local")
# The public CAP feed (/api/v1/cap/feed/) needs no login unless this is False.
CAP_FEED_PUBLIC = env.bool("CAP_FEED_PUBLIC", default=True)
# A CAP circle is at least this wide (km); a wider location uncertainty widens it.
CAP_MIN_RADIUS_KM = env.float("CAP_MIN_RADIUS_KM", default=0.5)
# Closed public alerts stay in the feed (as AllClear updates) this long.
CAP_FEED_KEEP_CLOSED_HOURS = env.int("CAP_FEED_KEEP_CLOSED_HOURS", default=24)
# The AML/ELS gateway authenticates with the header `X-AML-Secret: <secret>`, or with the API token of an
# admin/supervisor integration account; with no secret configured only token-authenticated posts pass.
AML_SHARED_SECRET = env("AML_SHARED_SECRET", default="")
# Gateways that serve only some centres: {"<secret>": ["pky"], "<other secret>": ["smd", "psr"]} (JSON). A fix
# posted with one of these secrets attaches only to calls of the centres listed for it; AML_SHARED_SECRET is a
# national gateway serving every centre. User tokens are never AML credentials.
AML_GATEWAYS = env.json("AML_GATEWAYS", default={})
# The SMS gateway's inbound webhook for volunteers' replies (POST /api/v1/callouts/sms/, header X-SMS-Secret).
VOLUNTEER_SMS_SECRET = env("VOLUNTEER_SMS_SECRET", default="")
# Wrong gateway secrets (X-SMS-Secret, X-AML-Secret) per client address: after this many within the window, that
# address gets 429 for the rest of it (dispatch.api.GatewaySecretPermission). Production requires each secret to
# be at least GATEWAY_SECRET_MIN_LENGTH characters (dispatch/settings/production.py).
GATEWAY_FAILURE_LIMIT = env.int("GATEWAY_FAILURE_LIMIT", default=10)
GATEWAY_FAILURE_WINDOW = timedelta(minutes=env.int("GATEWAY_FAILURE_WINDOW_MIN", default=15))
GATEWAY_SECRET_MIN_LENGTH = 32
# Where volunteers' phones reach the site (links in call-out SMS); empty: the SMS carries no link.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
# The pages' Content-Security-Policy header (dispatch/security.py): on in production, off elsewhere unless asked.
CONTENT_SECURITY_POLICY = env.bool("CSP_ENABLED", default=False)
# A monitor that sends `X-Health-Token: <this>` gets /healthz's details (timings, versions, errors); empty: admins only.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
# /healthz also shows these states (they do not make it 503): the reports' rollups ok/stale (issue 28).
HEALTH_STATUS = {"reports": "reporting.selectors.rollup_status"}
AML_MATCH_WINDOW_MIN = env.int("AML_MATCH_WINDOW_MIN", default=60)
# Caller links (issue 24, docs/privacy.md): photos, fixes and chat of a call or incident are deleted this many days
# after its link ended; photos are stored through Django's storage API (STORAGES["default"]: FileSystemStorage under
# MEDIA_ROOT, or S3-compatible via django-storages in production — docs/deploy.md).
CALLER_DATA_RETENTION_DAYS = env.int("CALLER_DATA_RETENTION_DAYS", default=90)
# Uploads: a photo is at most 10 MB (incidents.photos.MAX_UPLOAD_BYTES; refused with 413 before it is read whole).
# Django keeps uploads up to this size in memory, above it in a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Bodies refused before they are read (dispatch/body_limit.py): the caller's photo upload, 10 MB + its envelope.
REQUEST_BODY_LIMITS = [(r"^/api/v1/caller-links/[^/]+/photos/$", 10 * 1024 * 1024 + 64 * 1024)]
# Notifier: "database" (log + mark sent), "http" (POST JSON to a gateway), "email" (Django's email).
NOTIFIER_BACKEND = env("NOTIFIER_BACKEND", default="database")
NOTIFIER_HTTP_URL = env("NOTIFIER_HTTP_URL", default="")
NOTIFIER_HTTP_TOKEN = env("NOTIFIER_HTTP_TOKEN", default="")
NOTIFIER_HTTP_TIMEOUT = env.float("NOTIFIER_HTTP_TIMEOUT", default=10.0)
NOTIFIER_MAX_RETRIES = env.int("NOTIFIER_MAX_RETRIES", default=5)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="112@dispatch112.local")
# Celery autodiscovers `<app>.tasks` only; the notifications package keeps its own tasks module.
CELERY_IMPORTS = ["incidents.notifications.tasks"]

# --- Scale-out (issue 14; docs/deploy.md "Scale-out topology", scripts/topology.sh) ---
# Each block is off unless its variable is set: `make run` and the tests use one PostgreSQL and one Redis.
#
# PostgreSQL with failover: DATABASE_HOSTS="db1:5432,db2:5432" replaces DATABASE_URL's host and port by libpq's
# host list; target_session_attrs=read-write makes every new connection find whichever server is the primary
# now, so after the replica is promoted the application follows with no change of settings.
_DB_HOSTS = env.list("DATABASE_HOSTS", default=[])
if _DB_HOSTS:
    DATABASES["default"]["HOST"] = ",".join(h.rsplit(":", 1)[0] for h in _DB_HOSTS)
    DATABASES["default"]["PORT"] = ",".join(h.rsplit(":", 1)[1] for h in _DB_HOSTS)
    DATABASES["default"].setdefault("OPTIONS", {}).update(target_session_attrs="read-write", connect_timeout=3)
# A streaming replica for reports and the events feed's catch-up (dispatch/db_router.py): DATABASE_REPLICA_HOSTS
# lists the replica first, then the other servers, with prefer-standby so that a promoted replica (no standby left)
# still answers. Reads fall back to the primary when the replica lags more than REPLICA_MAX_LAG_S.
_REPLICA_HOSTS = env.list("DATABASE_REPLICA_HOSTS", default=[])
REPLICA_MAX_LAG_S = env.float("REPLICA_MAX_LAG_S", default=5.0)
REPLICA_LAG_CHECK_S = env.float("REPLICA_LAG_CHECK_S", default=2.0)
REPLICA_READ_PATHS = ["/api/v1/events/", "/api/v1/reports/"]
if _REPLICA_HOSTS:
    _replica_options = {k: v for k, v in DATABASES["default"].get("OPTIONS", {}).items() if k != "pool"}
    _replica_options.update(target_session_attrs="prefer-standby", connect_timeout=3)
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        _replica_options["pool"] = dict(DATABASE_POOL_OPTIONS)
    DATABASES["replica"] = {
        **DATABASES["default"],
        "HOST": ",".join(h.rsplit(":", 1)[0] for h in _REPLICA_HOSTS),
        "PORT": ",".join(h.rsplit(":", 1)[1] for h in _REPLICA_HOSTS),
        "OPTIONS": _replica_options,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["dispatch.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("dispatch.overload.DatabaseUnavailableMiddleware") + 1, "dispatch.db_router.ReplicaReadsMiddleware")

# Redis with Sentinel: REDIS_SENTINELS="s1:26379,s2:26379,s3:26379" and REDIS_SENTINEL_MASTER name the primary
# to follow; REDIS_DB and REDIS_PASSWORD replace what REDIS_URL carried. The cache, the channel layer, Celery's
# broker and the project's own clients (dispatch/redis_client.py) then ask the Sentinels where the primary is.
REDIS_SENTINELS = [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in env.list("REDIS_SENTINELS", default=[])]
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="dispatch112")
REDIS_DB = env.int("REDIS_DB", default=0)
REDIS_PASSWORD = env("REDIS_PASSWORD", default="")
if REDIS_SENTINELS:
    CACHES["default"]["OPTIONS"] = {"pool_class": "dispatch.redis_client.SentinelCachePool"}
    _sentinel_host = {"sentinels": REDIS_SENTINELS, "master_name": REDIS_SENTINEL_MASTER, "db": REDIS_DB}
    if REDIS_PASSWORD:
        _sentinel_host["password"] = REDIS_PASSWORD
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [_sentinel_host]
    _auth = f":{REDIS_PASSWORD}@" if REDIS_PASSWORD else ""
    CELERY_BROKER_URL = ";".join(f"sentinel://{_auth}{h}:{p}/{REDIS_DB}" for h, p in REDIS_SENTINELS)
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "master_name": REDIS_SENTINEL_MASTER,
                                       "sentinel_kwargs": {"socket_timeout": 1}}

# --- Road routing (issue 25; docs/architecture.md "Road routing", incidents/routing.py, dispatch/osrm.py) ---
# The engine's programs (scripts/osrm.sh install), its Lua profiles and the prepared road networks (import_roads).
OSRM_HOME = Path(env("OSRM_HOME", default=str(BASE_DIR / ".cache" / "osrm")))
OSRM_BIN_DIR = env("OSRM_BIN_DIR", default=str(OSRM_HOME / "bin"))
OSRM_PROFILES_DIR = env("OSRM_PROFILES_DIR", default=str(OSRM_HOME / "profiles"))
OSRM_DATA_DIR = env("OSRM_DATA_DIR", default=str(OSRM_HOME / "data"))
# osrm-routed on loopback: its port follows the web port (WEB_PORT + 1000) so that parallel runs do not collide;
# scripts/run.sh uses the same rule. OSRM_URL="" turns road routing off (every answer by straight line).
OSRM_PORT = env.int("OSRM_PORT", default=env.int("WEB_PORT", default=8000) + 1000)
# {profile: engine URL}: "car" ranks every unit; a second profile (e.g. a motorbike profile prepared with
# `import_roads --profile motorbike.lua --name NAME-motorbike`, served by a second osrm-routed) serves the unit types
# that ROUTING_UNIT_PROFILES sends to it.
ROUTING_PROFILES = {"car": env("OSRM_URL", default=f"http://127.0.0.1:{OSRM_PORT}")}
if env("OSRM_SECOND_PROFILE_URL", default=""):
    ROUTING_PROFILES[env("OSRM_SECOND_PROFILE", default="motorbike")] = env("OSRM_SECOND_PROFILE_URL")
ROUTING_UNIT_PROFILES = env.json("ROUTING_UNIT_PROFILES", default={})  # {"motorbike": "motorbike"}
# The intake waits at most this long for the engine; later, or down: straight line, said so (basis).
ROUTING_TIMEOUT_MS = env.int("ROUTING_TIMEOUT_MS", default=300)
# After a failure the engine is left alone this long (one request then tries it again).
ROUTING_RETRY_S = env.float("ROUTING_RETRY_S", default=5.0)
# PostGIS KNN shortlist handed to ONE engine `table` request, then ranked by drive time.
ROUTING_SHORTLIST = env.int("ROUTING_SHORTLIST", default=20)
# Engine durations are for a car at the profile's road speeds: a unit type's ETA is duration / factor.
ROUTING_SPEED_FACTORS = env.json("ROUTING_SPEED_FACTORS", default={
    "fire_engine": 0.85, "water_tanker": 0.8, "truck": 0.8, "rescue": 0.95, "ambulance": 1.0, "patrol": 1.0,
    "motorbike": 1.15, "utility": 0.95, "boat": 0.8, "other": 1.0,
})
# A point farther than this from any road is "snapped" to the nearest one and the answer says so.
ROUTING_SNAP_NOTE_M = env.int("ROUTING_SNAP_NOTE_M", default=150)
# Farther than this from the road network (a unit of a town with no roads loaded): no road answer for that point.
ROUTING_MAX_SNAP_M = env.int("ROUTING_MAX_SNAP_M", default=5000)
# The dataset scripts/run.sh serves (the demo network that load_demo prepares), and the demo network's name.
OSRM_DATASET = env("OSRM_DATASET", default=str(Path(OSRM_DATA_DIR) / "demo" / "demo.osrm"))
DEMO_ROAD_NETWORK = env.bool("DEMO_ROAD_NETWORK", default=True)
# The legs from a point to the road the engine snapped it to (a house down a footpath, a unit in a field) at this pace.
ROUTING_OFFROAD_KMH = env.float("ROUTING_OFFROAD_KMH", default=10.0)
