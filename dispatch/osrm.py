"""The road routing engine: OSRM's `osrm-routed` over HTTP on loopback (docs/architecture.md "Road routing").

Three services are used — `table` (drive times from a shortlist of units to an incident, in one request), `route`
(the line a crew drives) and `nearest` (the health probe) — through one small client made for the intake's hot
path:

- **a hard deadline** (`ROUTING_TIMEOUT_MS`, 300 ms): connect, send and every read get only what is left of it;
  an engine that answers later is treated as down;
- **keep-alive**: one HTTP/1.1 connection per thread and engine, reused (a new TCP connection per intake would
  cost more than the table itself); a connection the engine closed meanwhile is retried once, within the deadline;
- **a breaker per process**: after a failure the engine is skipped for `ROUTING_RETRY_S` (5 s), then one request
  tries it again. So a stopped or hung engine costs an intake nothing beyond the first 300 ms, and it is logged
  once when it goes down and once when it is back — never per request.

Callers get `EngineUnavailable` and answer by straight line instead (incidents.routing); nothing here raises
anything else for a network, engine or protocol failure. `route` answers None when the engine has no route.
"""
from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger("dispatch.osrm")

DEFAULT_PROFILE = "car"


class EngineUnavailable(Exception):
    """The engine is not configured, down, failed or slower than the deadline; `reason` says which."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "disabled" | "unknown_profile" | "down" | "timeout" | "error" | "refused"
        self.detail = detail


@dataclass(frozen=True)
class Snap:
    """Where the engine put a point on its road network, and how far that is from the point (metres)."""

    location: tuple[float, float]
    distance_m: float
    name: str = ""


@dataclass(frozen=True)
class Table:
    durations_s: list[float | None]  # one per source, to the one destination; None: no route
    distances_m: list[float | None]
    sources: list[Snap]
    destination: Snap


@dataclass(frozen=True)
class Route:
    distance_m: float
    duration_s: float
    coordinates: list[list[float]]  # [[lon, lat], …] along the roads
    origin: Snap
    destination: Snap


@dataclass
class _Breaker:
    down_since: float | None = None
    retry_at: float = 0.0
    reason: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()
_local = threading.local()


def profiles() -> dict[str, str]:
    """{profile name: base URL} of the configured engines (an empty URL: that profile is off)."""
    return {name: url for name, url in (getattr(settings, "ROUTING_PROFILES", None) or {}).items() if url}


def enabled(profile: str = DEFAULT_PROFILE) -> bool:
    return profile in profiles()


def timeout_s() -> float:
    return getattr(settings, "ROUTING_TIMEOUT_MS", 300) / 1000.0


def reset():
    """Forget every connection and breaker of this process (tests; a settings change)."""
    with _breakers_lock:
        _breakers.clear()
    conns = getattr(_local, "conns", None)
    if conns:
        for conn in conns.values():
            conn.close()
        conns.clear()


def is_down(profile: str = DEFAULT_PROFILE) -> bool:
    breaker = _breakers.get(profiles().get(profile, ""))
    return bool(breaker and breaker.down_since is not None)


# ───────────── the services ─────────────
def table(*, sources: list[tuple[float, float]], destination: tuple[float, float], profile: str = DEFAULT_PROFILE,
          timeout: float | None = None) -> Table:
    """Drive time and road distance from every source to one destination: ONE request, whatever the number of
    sources (the engine's --max-table-size bounds it)."""
    if not sources:
        return Table([], [], [], Snap(destination, 0.0))
    coords = ";".join(_coord(p) for p in [*sources, destination])
    n = len(sources)
    path = (f"/table/v1/driving/{coords}?sources={';'.join(str(i) for i in range(n))}&destinations={n}"
            "&annotations=duration,distance")
    body = _get(profile, path, timeout)
    if body.get("code") != "Ok":
        # The engine answered but refused the question (TooBig: more sources than --max-table-size; NoSegment):
        # the caller falls back for this answer, and the engine is not marked down for it.
        raise EngineUnavailable("refused", f"{body.get('code')} {body.get('message', '')}".strip())
    try:
        durations = [row[0] for row in body["durations"]]
        distances = [row[0] for row in body.get("distances") or [[None]] * n]
        snaps = [_snap(w) for w in body["sources"]]
        dest = _snap(body["destinations"][0])
    except (KeyError, IndexError, TypeError) as exc:
        raise EngineUnavailable("error", f"unexpected table answer: {exc}") from None
    return Table(durations, distances, snaps, dest)


def route(*, origin: tuple[float, float], destination: tuple[float, float], profile: str = DEFAULT_PROFILE,
          timeout: float | None = None) -> Route | None:
    """The fastest route by road, with its full geometry; None when the engine finds none (e.g. no road joins
    the two points)."""
    path = f"/route/v1/driving/{_coord(origin)};{_coord(destination)}?overview=full&geometries=geojson&steps=false"
    body = _get(profile, path, timeout)
    if body.get("code") in ("NoRoute", "NoSegment"):
        return None
    if body.get("code") != "Ok" or not body.get("routes"):
        raise EngineUnavailable("refused", f"{body.get('code')} {body.get('message', '')}".strip())
    best = body["routes"][0]
    waypoints = body.get("waypoints") or []
    try:
        return Route(
            distance_m=float(best["distance"]),
            duration_s=float(best["duration"]),
            coordinates=best["geometry"]["coordinates"],
            origin=_snap(waypoints[0]),
            destination=_snap(waypoints[-1]),
        )
    except (KeyError, IndexError, TypeError) as exc:
        raise EngineUnavailable("error", f"unexpected route answer: {exc}") from None


def nearest(*, point: tuple[float, float], profile: str = DEFAULT_PROFILE, timeout: float | None = None) -> Snap | None:
    body = _get(profile, f"/nearest/v1/driving/{_coord(point)}?number=1", timeout)
    if body.get("code") != "Ok" or not body.get("waypoints"):
        return None
    return _snap(body["waypoints"][0])


def probe(profile: str = DEFAULT_PROFILE, timeout: float = 1.0) -> dict:
    """For /healthz: one `nearest` request that bypasses the breaker (the check must tell the truth now). Raises
    EngineUnavailable when the engine does not answer."""
    url = profiles().get(profile)
    if not url:
        raise EngineUnavailable("disabled")
    started = time.monotonic()
    body = _request(url, "/nearest/v1/driving/0,0?number=1", time.monotonic() + timeout)
    if body.get("code") not in ("Ok", "NoSegment"):
        raise EngineUnavailable("error", str(body.get("code")))
    _record_success(url)
    return {"profile": profile, "answer_ms": round((time.monotonic() - started) * 1000, 1)}


# ───────────── the transport ─────────────
def _coord(p) -> str:
    return f"{float(p[0]):.6f},{float(p[1]):.6f}"


def _snap(waypoint: dict) -> Snap:
    return Snap(tuple(waypoint["location"]), float(waypoint.get("distance") or 0.0), waypoint.get("name") or "")


def _breaker(url: str) -> _Breaker:
    breaker = _breakers.get(url)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(url, _Breaker())
    return breaker


def _get(profile: str, path: str, timeout: float | None) -> dict:
    configured = profiles()
    url = configured.get(profile)
    if not url:
        raise EngineUnavailable("disabled" if not configured else "unknown_profile", profile)
    breaker = _breaker(url)
    now = time.monotonic()
    with breaker.lock:
        if breaker.down_since is not None:
            if now < breaker.retry_at:
                raise EngineUnavailable("down", breaker.reason)
            # this request is the one that tries again; the others keep falling back meanwhile
            breaker.retry_at = now + getattr(settings, "ROUTING_RETRY_S", 5.0)
    deadline = now + (timeout if timeout is not None else timeout_s())
    try:
        body = _request(url, path, deadline)
    except EngineUnavailable as exc:
        _record_failure(url, exc)
        raise
    _record_success(url)
    return body


def _record_failure(url: str, exc: EngineUnavailable):
    breaker = _breaker(url)
    with breaker.lock:
        first = breaker.down_since is None
        if first:
            breaker.down_since = time.monotonic()
        breaker.reason = str(exc)
        breaker.retry_at = time.monotonic() + getattr(settings, "ROUTING_RETRY_S", 5.0)
    if first:
        # Once per outage, not per request: every intake meanwhile answers by straight line and says so.
        log.warning("routing engine %s unavailable (%s): nearest units by straight line until it answers again", url, exc)


def _record_success(url: str):
    breaker = _breakers.get(url)
    if breaker is None or breaker.down_since is None:
        return
    with breaker.lock:
        if breaker.down_since is None:
            return
        down_for = time.monotonic() - breaker.down_since
        breaker.down_since, breaker.reason, breaker.retry_at = None, "", 0.0
    log.warning("routing engine %s answers again after %.0f s: nearest units by drive time", url, down_for)


def _connection(url: str) -> http.client.HTTPConnection:
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(url)
    if conn is None:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
        conns[url] = conn
    return conn


def _request(url: str, path: str, deadline: float) -> dict:
    prefix = urlsplit(url).path.rstrip("/")
    for attempt in (1, 2):
        conn = _connection(url)
        reused = conn.sock is not None
        left = deadline - time.monotonic()
        if left <= 0:
            raise EngineUnavailable("timeout", f"no time left for {url}")
        try:
            conn.timeout = left
            if conn.sock is None:
                conn.connect()  # uses conn.timeout
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            conn.request("GET", prefix + path, headers={"Connection": "keep-alive"})
            conn.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            response = conn.getresponse()
            data = response.read()
        except (socket.timeout, TimeoutError) as exc:
            conn.close()
            raise EngineUnavailable("timeout", f"{url} did not answer within the deadline") from exc
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            conn.close()
            if reused and attempt == 1:
                continue  # the engine closed an idle keep-alive connection: once more on a new one
            raise EngineUnavailable("down", f"{type(exc).__name__}: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise EngineUnavailable("down", f"{type(exc).__name__}: {exc}") from exc
        if time.monotonic() > deadline:
            raise EngineUnavailable("timeout", f"{url} answered after the deadline")
        if response.will_close:
            conn.close()
        try:
            body = json.loads(data)
        except ValueError as exc:
            raise EngineUnavailable("error", f"not JSON (HTTP {response.status})") from exc
        if response.status >= 500:
            raise EngineUnavailable("error", f"HTTP {response.status} {body.get('code', '')} {body.get('message', '')}".strip())
        # 200, or a 4xx the engine explains (NoRoute, NoSegment, TooBig, InvalidQuery): the engine is alive, and
        # the service function decides what the code means for its caller.
        return body
    raise EngineUnavailable("down", url)  # not reached: the second attempt returns or raises
