"""Settings for bench/push_latency.py: the local settings without DEBUG, on the bench's own live channel
(Redis pub/sub channel names are global across Redis dbs, so a `make run` on the same Redis stays apart;
BENCH_LIVE_PREFIX keeps two benches on one Redis apart too)."""
from dispatch.settings.local import *  # noqa: F401,F403
import os

from dispatch.settings.local import REDIS_URL

DEBUG = False
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("BENCH_LIVE_PREFIX", "d112bench")},
    }
}
