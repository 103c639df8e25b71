"""GET /healthz: the state of everything a 112 centre depends on; 200 only when all are up."""
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check):
    started = time.monotonic()
    try:
        detail = check()
        return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **(detail or {})}
    except Exception as exc:  # noqa: BLE001 — a health check reports, it never raises
        return {"ok": False, "ms": round((time.monotonic() - started) * 1000, 1), "error": f"{type(exc).__name__}: {exc}"[:300]}


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        return {"postgis": cursor.fetchone()[0]}


def check_redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def check_channel_layer():
    layer = get_channel_layer()

    async def roundtrip():
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "health.ping", "token": token})
        import asyncio

        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned a different message")

    async_to_sync(roundtrip)()


def check_celery():
    from dispatch.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return {"workers": sorted(name for reply in replies for name in reply)}


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "channel_layer": check_channel_layer,
    "celery": check_celery,
}


@never_cache
@require_GET
def healthz(request):
    results = {name: _timed(check) for name, check in CHECKS.items()}
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": results}, status=200 if healthy else 503)
