"""pytest: same services as local (real PostGIS and Redis), fast hashing, eager nothing."""
from .base import *  # noqa: F401,F403
from .base import DATABASES, env

DEBUG = False
# Parallel runs on one machine (several developers, or CI beside a dev) keep apart by a suffix.
_SUFFIX = env("PYTEST_DB_SUFFIX", default="")
DATABASES["default"]["TEST"] = {"NAME": f"test_dispatch112{('_' + _SUFFIX) if _SUFFIX else ''}"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Keep test keys apart from a running `make run` on the same Redis.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/9")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": f"d112test{_SUFFIX}"}}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"d112test{_SUFFIX}"},
    }
}
CELERY_BROKER_URL = REDIS_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Browser tests run the ASGI app without collectstatic: serve static files straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No connection pool in tests: pytest-django creates and drops test databases under open connections.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
# pytest-django empties the tables between transactional tests with one TRUNCATE; the timeline's trigger lets it
# through only with this session setting (incidents/migrations/0009_timeline_no_truncate.py).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c dispatch.allow_timeline_truncate=on"
# Login throttling counts failures in the shared cache across tests: off, except where a test turns it on (a server
# subprocess of a test: TEST_AXES_ENABLED=true, tests/core/test_login_proxy.py).
AXES_ENABLED = env.bool("TEST_AXES_ENABLED", default=False)
# No routing engine unless a test starts one (tests/routing: the real osrm-routed on the demo network, started by
# the fixture, pointed at through settings): every other test ranks by straight line, as with the engine down.
ROUTING_PROFILES = {"car": env("TEST_OSRM_URL", default="")}
# The demo loader's road network is generated and prepared by the routing tests' own fixture, not by every load_demo.
DEMO_ROAD_NETWORK = env.bool("DEMO_ROAD_NETWORK", default=False)
