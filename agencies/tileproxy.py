"""An optional raster layer through a same-origin caching proxy: `/tiles/raster/{z}/{x}/{y}.png`.

A centre may point `TILE_UPSTREAM` at its own tile server (or at OpenStreetMap where its tile policy allows). The
browser only ever asks this server; the server asks the one configured upstream, with a polite User-Agent and a
short timeout, and keeps every tile on disk (`TILE_CACHE_DIR`, at most `TILE_CACHE_MAX_MB`, oldest evicted first).
A tile younger than `TILE_CACHE_FRESH_S` is served from disk without asking; an older one is asked for again and,
when the upstream fails or times out, served as it is (stale-if-error). Not an open relay: the URL is the setting's
template with three integers in range filled in — nothing from the request reaches the upstream but z/x/y.

`manage.py prefetch_tiles --bbox W,S,E,N --zoom 10-16` fills the cache for a centre's area while the link is up.
"""
import logging
import math
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
MAX_TILE_BYTES = 2 * 1024 * 1024  # a 256-px raster tile is ~5–50 kB; refuse anything absurd


class UpstreamFailed(Exception):
    pass


@dataclass
class Tile:
    data: bytes
    content_type: str
    state: str  # "fresh" (just fetched), "hit" (young enough on disk), "stale" (upstream failed, disk copy)


def upstream() -> str:
    return (getattr(settings, "TILE_UPSTREAM", "") or "").strip()


def max_zoom() -> int:
    return int(getattr(settings, "TILE_UPSTREAM_MAX_ZOOM", 19))


def cache_dir() -> Path:
    return Path(settings.TILE_CACHE_DIR)


def tile_path(z: int, x: int, y: int) -> Path:
    return cache_dir() / str(z) / str(x) / f"{y}.tile"


def content_type_of(data: bytes) -> str | None:
    if data.startswith(PNG):
        return "image/png"
    if data.startswith(JPEG):
        return "image/jpeg"
    return None


def upstream_url(z: int, x: int, y: int) -> str:
    template = upstream()
    return template.replace("{z}", str(int(z))).replace("{x}", str(int(x))).replace("{y}", str(int(y)))


def fetch_upstream(z: int, x: int, y: int) -> bytes:
    request = urllib.request.Request(upstream_url(z, x, y), headers={"User-Agent": settings.TILE_USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=settings.TILE_UPSTREAM_TIMEOUT_S) as response:  # noqa: S310 — configured URL
            if response.status != 200:
                raise UpstreamFailed(f"status {response.status}")
            data = response.read(MAX_TILE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UpstreamFailed(str(exc)) from exc
    if len(data) > MAX_TILE_BYTES or content_type_of(data) is None:
        raise UpstreamFailed("not an image tile")
    return data


# ───────────── disk cache with a size bound ─────────────
_size_lock = threading.Lock()
_estimate = {"dir": None, "bytes": None}


def cache_bytes() -> int:
    total = 0
    for root, _dirs, files in os.walk(cache_dir()):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


def evict(limit: int | None = None) -> int:
    """Delete the oldest tiles (by the time they were fetched) until the cache holds at most 90 % of its bound."""
    limit = settings.TILE_CACHE_MAX_MB * 1024 * 1024 if limit is None else limit
    entries = []
    for root, _dirs, files in os.walk(cache_dir()):
        for name in files:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime, st.st_size, path))
    total = sum(size for _m, size, _p in entries)
    removed = 0
    if total > limit:
        target = int(limit * 0.9)
        for _mtime, size, path in sorted(entries):
            if total <= target:
                break
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            total -= size
            removed += 1
    with _size_lock:
        _estimate.update(dir=str(cache_dir()), bytes=total)
    return removed


def _account(added: int) -> None:
    """Keep a running size per process; walk the directory only when the estimate crosses the bound."""
    limit = settings.TILE_CACHE_MAX_MB * 1024 * 1024
    with _size_lock:
        if _estimate["dir"] != str(cache_dir()) or _estimate["bytes"] is None:
            _estimate.update(dir=str(cache_dir()), bytes=None)
            fresh = True
        else:
            _estimate["bytes"] += added
            fresh = False
    if fresh:
        with _size_lock:
            _estimate["bytes"] = cache_bytes()
    if _estimate["bytes"] > limit:
        evict(limit)


def store(z: int, x: int, y: int, data: bytes) -> None:
    path = tile_path(z, x, y)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    _account(len(data))


def read_cached(z: int, x: int, y: int):
    """(bytes, age in seconds) of the tile on disk, or (None, None)."""
    path = tile_path(z, x, y)
    try:
        data = path.read_bytes()
        age = time.time() - path.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    return data, age


def get_tile(z: int, x: int, y: int, *, refresh: bool = False) -> Tile | None:
    """The tile from disk or the upstream; the disk copy when the upstream fails; None when neither has it."""
    cached, age = read_cached(z, x, y)
    if cached is not None and not refresh and age < settings.TILE_CACHE_FRESH_S:
        return Tile(cached, content_type_of(cached) or "image/png", "hit")
    try:
        data = fetch_upstream(z, x, y)
    except UpstreamFailed as exc:
        logger.warning("tile upstream failed for %s/%s/%s: %s", z, x, y, exc)
        if cached is not None:
            return Tile(cached, content_type_of(cached) or "image/png", "stale")
        return None
    store(z, x, y, data)
    return Tile(data, content_type_of(data), "fresh")


# ───────────── tiles of a bounding box (prefetch) ─────────────
def lon_to_x(lon: float, z: int) -> int:
    return min((1 << z) - 1, max(0, int((lon + 180.0) / 360.0 * (1 << z))))


def lat_to_y(lat: float, z: int) -> int:
    lat = max(-85.0511, min(85.0511, lat))
    rad = math.radians(lat)
    return min((1 << z) - 1, max(0, int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * (1 << z))))


def tiles_in_bbox(west: float, south: float, east: float, north: float, zooms):
    """Every (z, x, y) covering the box at each zoom, zoom by zoom."""
    for z in zooms:
        x0, x1 = lon_to_x(west, z), lon_to_x(east, z)
        y0, y1 = lat_to_y(north, z), lat_to_y(south, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield z, x, y


def count_in_bbox(west, south, east, north, zooms) -> int:
    return sum(
        (lon_to_x(east, z) - lon_to_x(west, z) + 1) * (lat_to_y(south, z) - lat_to_y(north, z) + 1) for z in zooms
    )
