"""GET /healthz: the state of everything a 112 centre depends on; 200 only when all that a call needs is up.

The routing engine is checked too (`routing`) but does not turn the answer into a 503: without it the intake still
works (nearest units by straight line, said so), and a load balancer must not take every web process out of
service because osrm-routed stopped. It makes `status` "degraded" with HTTP 200, for a monitor to raise.

Anyone (a load balancer) gets whether each dependency is ok, nothing more. The details — timings, the PostGIS
version, Celery workers' host names, error texts — are for an admin's session or a monitor that sends
`X-Health-Token: <HEALTH_TOKEN>`: they tell an attacker what runs where and what is failing.

Beside the checks, `settings.HEALTH_STATUS` names states that do not take a web process out of the load balancer
but an operator must see: `"reports": "ok" | "stale"` (issue 28: the coordination reports' rollups failed or lag
the timeline by more than 5 minutes; reporting.selectors.rollup_status). Named by dotted path so this module
imports no app.
"""
import asyncio
import hmac
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from dispatch import osrm, redis_client
from dispatch.celery import app


def _timed(check):
    started = time.monotonic()
    try:
        detail = check()
        return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **(detail or {})}
    except Exception as exc:  # noqa: BLE001 — a health check reports, it never raises
        return {"ok": False, "ms": round((time.monotonic() - started) * 1000, 1), "error": f"{type(exc).__name__}: {exc}"[:300]}


def check_database():
    # A connection of its own, not one from the pool: after a database restart the pool may still hold dead
    # connections, and the health check must say whether the database is up, not whether a pooled socket is.
    conn = connections.create_connection("default")
    try:
        settings_dict = dict(conn.settings_dict)
        options = dict(settings_dict.get("OPTIONS") or {})
        options.pop("pool", None)
        conn.settings_dict = {**settings_dict, "OPTIONS": options}
        with conn.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            return {"postgis": cursor.fetchone()[0]}
    finally:
        conn.close()


def check_redis():
    client = redis_client.sync_client(socket_timeout=1, socket_connect_timeout=1)
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
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        if message.get("token") != token:
            raise RuntimeError("channel layer returned a different message")

    async_to_sync(roundtrip)()


def check_celery():
    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return {"workers": sorted(name for reply in replies for name in reply)}


def check_routing():
    """The routing engine answers a `nearest` request now (the breaker is bypassed: the truth, not the last
    request's experience); off when no engine is configured (OSRM_URL empty)."""
    if not osrm.enabled():
        return {"state": "off"}
    return {"state": "up", **osrm.probe(timeout=1.0)}


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "channel_layer": check_channel_layer,
    "celery": check_celery,
    "routing": check_routing,
}
# Down, these make the answer 503: a call cannot be taken, routed or pushed without them.
CRITICAL = frozenset({"database", "redis", "channel_layer", "celery"})


def may_see_details(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and (user.is_superuser or user.is_staff or getattr(user, "role", "") == "admin"):
        return True
    token = getattr(settings, "HEALTH_TOKEN", "")
    sent = request.headers.get("X-Health-Token", "")
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())


def states() -> dict:
    """{name: detail dict with at least "status"} for each entry of settings.HEALTH_STATUS; "unknown" when it fails."""
    out = {}
    for name, path in getattr(settings, "HEALTH_STATUS", {}).items():
        try:
            out[name] = dict(import_string(path)())
        except Exception as exc:  # noqa: BLE001 — a health check reports, it never raises
            out[name] = {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


@never_cache
@require_GET
def healthz(request):
    results = {name: _timed(check) for name, check in CHECKS.items()}
    serving = all(r["ok"] for name, r in results.items() if name in CRITICAL)
    everything = all(r["ok"] for r in results.values())
    details = may_see_details(request)
    if not details:
        results = {name: {"ok": r["ok"]} for name, r in results.items()}
    body = {"status": "ok" if everything else "degraded", "checks": results}
    extra = states()
    body.update({name: state["status"] for name, state in extra.items()})
    if details and extra:
        body["details"] = extra
    return JsonResponse(body, status=200 if serving else 503)
