"""The basemap every map draws, from the platform's own data: Mapbox Vector Tiles straight from PostGIS.

`/tiles/base/{z}/{x}/{y}.mvt` answers one tile with five layers (docs/architecture.md "Maps without the internet"):

- `water`: rivers and canals (`Waterway`), small streams only close in;
- `roads`: `Road` lines with `class` (major / medium / minor / path), `kind` (the OSM highway class), `name`, `ref`
  and `bridge`; at low zoom only the arterials, residential streets from zoom 12, service roads and paths from 14;
- `boundaries`: the outlines of regencies, districts and (close in) villages from `Region.boundary`, with `level`
  and `approximate` (the demo's generated outlines say so);
- `places`: names at their points — regencies, districts, villages (`Region.centroid`) and, for the centres in the
  user's scope, their landmarks (`Landmark`);

Geometry is simplified to about a pixel at each zoom and clipped by `ST_AsMVTGeom`. Tiles are cached in the Django
cache (Redis) under the data version (`tile_version`: the road networks' sha256 and import time, the regions with
boundaries, the landmarks, and a counter `bump_tile_version` raises after load_demo/import_boundaries), so a road
import shows at once and an unchanged map costs one cache read. Browsers keep a tile an hour (ETag → 304 after).

Only a logged-in user gets tiles (the caller's link page has no map); anyone else reads 401 in the one error shape.
"""
import hashlib
import logging

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies import tileproxy
from agencies.models import Landmark, Region, RoadNetwork
from agencies.scoping import scope_for

logger = logging.getLogger(__name__)

MAX_ZOOM = 18  # the browser asks at most zoom 15 (protomaps-leaflet over-zooms above); 18 for other clients
MIN_DATA_ZOOM = 5  # nothing of ours is worth drawing for a whole continent: an empty tile at once
EXTENT = 4096
BUFFER = 64
TILE_TTL_S = 24 * 3600
BROWSER_MAX_AGE_S = 3600
VERSION_TTL_S = 60
VERSION_KEY = "tiles:base:version"
BUMP_KEY = "tiles:base:bump"
MVT = "application/vnd.mapbox-vector-tile"

MAJOR = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link")
MEDIUM = ("secondary", "secondary_link", "tertiary", "tertiary_link")
MINOR = ("residential", "unclassified", "living_street", "road")
# everything else (service, track, path, footway …) is a "path"


def map_tiles() -> dict:
    """What every map page passes to static/js/lib/basemap.js: the vector basemap, and the raster proxy when a
    raster upstream is configured (TILE_UPSTREAM) — both on this server — with the credit the loaded data needs:
    OpenStreetMap (ODbL) for an imported extract, the generated demo roads named as such, Kemendagri's regions."""
    networks = set(RoadNetwork.objects.values_list("name", flat=True))
    credits = []
    if networks - {"demo"}:
        credits.append("&copy; OpenStreetMap (ODbL)")
    if "demo" in networks:
        credits.append(escape(_("jalan demo (buatan)")))
    credits.append("Kemendagri")
    return {
        "base": "/tiles/base/{z}/{x}/{y}.mvt",
        "raster": "/tiles/raster/{z}/{x}/{y}.png" if tileproxy.upstream() else None,
        "attribution": " · ".join(credits),
    }


def error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """The one error shape (dispatch/handlers.py, dispatch/api.py) for the tile views."""
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def parse_zxy(z: str, x: str, y: str, *, max_zoom: int = MAX_ZOOM):
    """(z, x, y) as integers in range, or an error response (400, the one error shape) saying which is wrong."""
    fields = {}
    values = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 7:
            fields[name] = [_("Harus bilangan bulat tidak negatif.")]
        else:
            values[name] = int(raw)
    if "z" in values and values["z"] > max_zoom:
        fields["z"] = [_("Zoom paling besar %(max)s.") % {"max": max_zoom}]
    if "z" in values and "z" not in fields:
        limit = 1 << values["z"]
        for name in ("x", "y"):
            if name in values and values[name] >= limit:
                fields[name] = [_("Di luar jangkauan untuk zoom ini (0–%(max)s).") % {"max": limit - 1}]
    if fields:
        return None, error(400, "invalid", _("Alamat ubin peta tidak sah."), fields)
    return (values["z"], values["x"], values["y"]), None


# ───────────── the cache, never a reason to fail ─────────────
def _cache_get(key):
    """The cached value, or None also when Redis is down: the basemap then renders every tile (slower, still drawn)."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 — any cache backend error: render instead
        logger.warning("tile cache unavailable; rendering %s uncached", key, exc_info=True)
        return None


def _cache_set(key, value, timeout):
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # noqa: BLE001
        logger.warning("tile cache unavailable; %s not stored", key)


# ───────────── data version ─────────────
def bump_tile_version() -> None:
    """After data the tiles draw changed outside a road import (load_demo, import_boundaries): new cache keys."""
    try:
        cache.incr(BUMP_KEY)
    except ValueError:
        cache.set(BUMP_KEY, 1, timeout=None)
    cache.delete(VERSION_KEY)


def tile_version() -> str:
    """A short name of the data the tiles are drawn from; a new road import, boundary load or landmark changes it."""
    version = _cache_get(VERSION_KEY)
    if version:
        return version
    parts = [str(_cache_get(BUMP_KEY) or 0)]
    for name, sha, imported in RoadNetwork.objects.order_by("name").values_list("name", "sha256", "imported_at"):
        parts.append(f"{name}:{sha}:{imported.isoformat() if imported else ''}")
    regions = Region.objects.filter(boundary__isnull=False).aggregate(n=Count("code"))
    places = Region.objects.filter(centroid__isnull=False).aggregate(n=Count("code"))
    landmarks = Landmark.objects.aggregate(n=Count("id"), last=Max("id"))
    parts += [f"r{regions['n']}", f"p{places['n']}", f"l{landmarks['n']}.{landmarks['last']}"]
    version = hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
    _cache_set(VERSION_KEY, version, VERSION_TTL_S)
    return version


# ───────────── the tile ─────────────
def _landmark_centres(user):
    """Whose landmarks this user's tiles carry: all (admin), the centres in scope, or none (the key's last part)."""
    scope = scope_for(user)
    if scope.is_global:
        return None, "all"
    ids = sorted(scope.centre_ids)
    return ids, ("c" + ".".join(map(str, ids))) if ids else "none"


TILE_SQL = """
WITH env AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS t,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 4326) AS b
),
water AS (
  SELECT w.name, w.kind,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(w.geometry, 3857), %(tol)s), env.t, %(extent)s, %(buffer)s, true) AS geom
  FROM agencies_waterway w, env
  WHERE w.geometry && env.b AND (%(z)s >= 12 OR w.kind IN ('river', 'canal'))
),
roads AS (
  SELECT r.name, r.ref, r.kind, r.is_bridge AS bridge,
         CASE WHEN r.kind = ANY(%(major)s) THEN 'major' WHEN r.kind = ANY(%(medium)s) THEN 'medium'
              WHEN r.kind = ANY(%(minor)s) THEN 'minor' ELSE 'path' END AS class,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(r.geometry, 3857), %(tol)s), env.t, %(extent)s, %(buffer)s, true) AS geom
  FROM agencies_road r, env
  WHERE r.geometry && env.b
    AND (r.kind = ANY(%(major)s)
         OR (%(z)s >= 10 AND r.kind = ANY(%(medium)s))
         OR (%(z)s >= 12 AND r.kind = ANY(%(minor)s))
         OR %(z)s >= 14)
),
boundaries AS (
  SELECT g.level, g.boundary_is_approximate AS approximate,
         ST_AsMVTGeom(ST_Simplify(ST_Boundary(ST_Transform(g.boundary, 3857)), %(tol)s), env.t, %(extent)s, %(buffer)s, true) AS geom
  FROM agencies_region g, env
  WHERE g.boundary && env.b
    AND (g.level = 'regency' OR (%(z)s >= 9 AND g.level = 'district') OR (%(z)s >= 12 AND g.level = 'village'))
),
places AS (
  SELECT g.name, g.level AS kind,
         ST_AsMVTGeom(ST_Transform(g.centroid, 3857), env.t, %(extent)s, %(buffer)s, true) AS geom
  FROM agencies_region g, env
  WHERE g.centroid && env.b
    AND ((%(z)s >= 6 AND g.level = 'regency') OR (%(z)s >= 9 AND g.level = 'district') OR (%(z)s >= 12 AND g.level = 'village'))
  UNION ALL
  SELECT m.name, 'landmark' AS kind,
         ST_AsMVTGeom(ST_Transform(m.location, 3857), env.t, %(extent)s, %(buffer)s, true) AS geom
  FROM agencies_landmark m, env
  WHERE %(z)s >= 13 AND m.location && env.b AND (%(all_centres)s OR m.command_centre_id = ANY(%(centres)s))
)
SELECT
  COALESCE((SELECT ST_AsMVT(q, 'boundaries', %(extent)s, 'geom') FROM boundaries q WHERE q.geom IS NOT NULL), ''::bytea)
  || COALESCE((SELECT ST_AsMVT(q, 'water', %(extent)s, 'geom') FROM water q WHERE q.geom IS NOT NULL), ''::bytea)
  || COALESCE((SELECT ST_AsMVT(q, 'roads', %(extent)s, 'geom') FROM roads q WHERE q.geom IS NOT NULL), ''::bytea)
  || COALESCE((SELECT ST_AsMVT(q, 'places', %(extent)s, 'geom') FROM places q WHERE q.geom IS NOT NULL), ''::bytea)
"""


def render_tile(z: int, x: int, y: int, *, centre_ids=None) -> bytes:
    """One tile's bytes (b"" when nothing of ours is in it). `centre_ids` None = every centre's landmarks."""
    if z < MIN_DATA_ZOOM:
        return b""
    tile_m = 40075016.685578488 / (1 << z)
    params = {
        "z": z, "x": x, "y": y, "extent": EXTENT, "buffer": BUFFER,
        # a pixel of a 512-px tile: finer detail is not seen; the envelope margin matches the clip buffer
        "tol": tile_m / 512, "margin": BUFFER / EXTENT,
        "major": list(MAJOR), "medium": list(MEDIUM), "minor": list(MINOR),
        "all_centres": centre_ids is None, "centres": list(centre_ids or []),
    }
    with connection.cursor() as cursor:
        cursor.execute(TILE_SQL, params)
        (data,) = cursor.fetchone()
    return bytes(data or b"")


def _tile_headers(response, etag: str):
    # private: tiles are for signed-in users (the landmarks are a centre's); an hour, then a cheap 304
    response["Cache-Control"] = f"private, max-age={BROWSER_MAX_AGE_S}"
    response["ETag"] = etag
    response["Vary"] = "Cookie"
    return response


@require_GET
def base_tile(request, z, x, y):
    if not request.user.is_authenticated:
        return error(401, "not_authenticated", _("Masuk dulu untuk melihat peta."))
    zxy, problem = parse_zxy(z, x, y)
    if problem:
        return problem
    z, x, y = zxy
    centres, scope_key = _landmark_centres(request.user)
    version = tile_version()
    etag = f'"{version}-{scope_key}-{z}-{x}-{y}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return _tile_headers(HttpResponse(status=304), etag)
    key = f"tiles:base:{version}:{scope_key}:{z}/{x}/{y}"
    data = _cache_get(key)
    if data is None:
        data = render_tile(z, x, y, centre_ids=centres)
        _cache_set(key, data, TILE_TTL_S)
    if not data:
        return _tile_headers(HttpResponse(status=204), etag)
    return _tile_headers(HttpResponse(data, content_type=MVT), etag)


@require_GET
def raster_tile(request, z, x, y):
    """The configured raster upstream through the disk cache (agencies/tileproxy.py); 404 when none is set."""
    if not request.user.is_authenticated:
        return error(401, "not_authenticated", _("Masuk dulu untuk melihat peta."))
    if not tileproxy.upstream():
        return error(404, "not_found", _("Tidak ada server ubin raster yang diatur (TILE_UPSTREAM)."))
    zxy, problem = parse_zxy(z, x, y, max_zoom=tileproxy.max_zoom())
    if problem:
        return problem
    tile = tileproxy.get_tile(*zxy)
    if tile is None:
        return error(502, "upstream_unavailable", _("Server ubin raster tidak menjawab dan ubin ini belum tersimpan."))
    response = HttpResponse(tile.data, content_type=tile.content_type)
    response["Cache-Control"] = f"private, max-age={BROWSER_MAX_AGE_S if tile.state != 'stale' else 60}"
    response["X-Tile-Cache"] = tile.state
    return response
