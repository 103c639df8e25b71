"""Settings for bench/push_latency.py: the local settings without DEBUG, on the bench's own live channel
(Redis pub/sub channel names are global across Redis dbs, so a `make run` on the same Redis stays apart)."""
from dispatch.settings.local import *  # noqa: F401,F403
from dispatch.settings.local import REDIS_URL

DEBUG = False
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "d112bench"},
    }
}
