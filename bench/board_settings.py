"""Settings for bench/board.py: the local settings without DEBUG (as `make run` serves them), with the connection pool
checked on checkout through Django's own switch (CONN_HEALTH_CHECKS) rather than a `check` in the pool options, which
Django 5.2.19 also passes itself ("multiple values for keyword argument 'check'") — so the bench measures the pooled
server whatever the state of that option in dispatch/settings/base.py."""
from dispatch.settings.local import *  # noqa: F401,F403
from dispatch.settings.local import DATABASES

DEBUG = False
_pool = DATABASES["default"].get("OPTIONS", {}).get("pool")
if isinstance(_pool, dict) and "check" in _pool:
    _pool.pop("check")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
