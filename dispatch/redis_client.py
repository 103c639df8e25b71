"""Redis connections that follow Sentinel when the deployment has one (docs/deploy.md "Scale-out topology").

With `REDIS_SENTINELS` unset, every client is built from `REDIS_URL` as before. With it set, the address of the
primary is asked of the Sentinels on every new connection, so after a failover the next connection (a reconnect
of the live hub, a cache call, a publish) reaches the promoted replica instead of a dead or read-only server.

The cache, the channel layer and Celery take Sentinel through their own settings (dispatch/settings/base.py);
this module serves the project's own clients: the live publish and hub (incidents.live) and /healthz.
"""
from django.conf import settings


def sentinel_configured() -> bool:
    return bool(getattr(settings, "REDIS_SENTINELS", None))


def _connection_kwargs(**extra) -> dict:
    kwargs = {"db": settings.REDIS_DB, **extra}
    if settings.REDIS_PASSWORD:
        kwargs["password"] = settings.REDIS_PASSWORD
    return kwargs


def sync_client(url: str | None = None, **options):
    """A redis-py client for `url` (default REDIS_URL), or for the Sentinel-managed primary when configured."""
    import redis
    from redis.sentinel import Sentinel

    if not sentinel_configured():
        return redis.Redis.from_url(url or settings.REDIS_URL, **options)
    sentinel_kwargs = {k: v for k, v in options.items() if k.startswith("socket_")}
    sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs=sentinel_kwargs or {"socket_timeout": 1})
    return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **_connection_kwargs(**options))


def async_client(url: str | None = None, **options):
    """The asyncio twin of sync_client (the live hub's subscription)."""
    import redis.asyncio as aioredis
    from redis.asyncio.sentinel import Sentinel

    if not sentinel_configured():
        return aioredis.Redis.from_url(url or settings.REDIS_URL, **options)
    sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs={"socket_timeout": 1, "socket_connect_timeout": 1})
    return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **_connection_kwargs(**options))


class SentinelCachePool:
    """`pool_class` for Django's RedisCache: the cache's LOCATION is ignored and the pool follows the Sentinels.

    Django builds its pool with `pool_class.from_url(location, **options)`; redis-py's SentinelConnectionPool has
    no from_url, hence this adapter."""

    @classmethod
    def from_url(cls, url, **options):
        from redis.sentinel import Sentinel, SentinelConnectionPool

        sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs={"socket_timeout": 1, "socket_connect_timeout": 1})
        options.setdefault("socket_timeout", 2)
        options.setdefault("socket_connect_timeout", 2)
        return SentinelConnectionPool(settings.REDIS_SENTINEL_MASTER, sentinel, **_connection_kwargs(**options))
