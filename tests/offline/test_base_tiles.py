"""The basemap from the platform's own data (issue 26): /tiles/base/{z}/{x}/{y}.mvt from PostGIS — what a tile over
Palangka Raya holds, zoom-dependent filtering, who may ask, bad addresses, cache headers and the data version."""
import math
from functools import lru_cache

import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.cache import cache
from django.utils import timezone

from agencies import tiles
from agencies.demo import roadgen
from agencies.models import Landmark, Region, Road, RoadNetwork, Waterway
from tests import factories as f
from tests.offline.mvt import decode

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@lru_cache(maxsize=1)
def demo_network():
    return roadgen.build()


@pytest.fixture
def demo_roads():
    """The generated demo network (Palangka Raya, Samarinda, Paser) as Road and Waterway rows."""
    net = demo_network()
    nodes = {i: (x, y) for i, x, y in net.nodes}
    network = RoadNetwork.objects.create(name="demo", source="demo.osm.pbf", sha256="a" * 64, imported_at=timezone.now())
    roads, rivers = [], []
    for wid, refs, tags in net.ways:
        line = LineString([nodes[r] for r in refs], srid=4326)
        if "highway" in tags:
            roads.append(Road(network=network, osm_id=wid, name=tags.get("name", ""), kind=tags["highway"],
                              is_bridge=tags.get("bridge") == "yes", geometry=line))
        elif "waterway" in tags:
            rivers.append(Waterway(network=network, osm_id=wid, name=tags.get("name", ""), kind=tags["waterway"], geometry=line))
    Road.objects.bulk_create(roads)
    Waterway.objects.bulk_create(rivers)
    return network


@pytest.fixture
def villages(centre):
    """A district and two villages of Palangka Raya with their points, as load_demo leaves them."""
    regency = Region.objects.get(code="62.71")
    district = Region.objects.create(code="62.71.01", level="district", name="Pahandut", parent=regency, timezone="WIB",
                                     centroid=Point(f.PKY[0] + 0.002, f.PKY[1] + 0.001, srid=4326))
    for code, name, dx in (("62.71.01.1001", "Pahandut Seberang", 0.001), ("62.71.01.1002", "Langkai", -0.001)):
        Region.objects.create(code=code, level="village", name=name, parent=district, timezone="WIB",
                              centroid=Point(f.PKY[0] + dx, f.PKY[1] - 0.001, srid=4326))
    return district


@pytest.fixture(autouse=True)
def _fresh_version():
    cache.delete(tiles.VERSION_KEY)
    yield
    cache.delete(tiles.VERSION_KEY)


def get_tile(client, z, x, y, **headers):
    return client.get(f"/tiles/base/{z}/{x}/{y}.mvt", headers=headers)


def test_a_tile_over_palangka_raya_holds_roads_rivers_villages_and_landmarks(client, call_taker, demo_roads, villages):
    Landmark.objects.create(command_centre=call_taker.command_centre, name="Bundaran Besar", location=Point(*f.PKY, srid=4326))
    client.force_login(call_taker)
    z, x, y = tile_of(*f.PKY, 14)
    r = get_tile(client, z, x, y)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layers = decode(r.content)
    names = {p.get("name") for p in layers["roads"]}
    assert "Jalan Tjilik Riwut" in names
    assert {p["class"] for p in layers["roads"]} >= {"major", "minor"}
    places = {(p["kind"], p["name"]) for p in layers["places"]}
    assert {("village", "Pahandut Seberang"), ("village", "Langkai"), ("district", "Pahandut"), ("landmark", "Bundaran Besar")} <= places
    # the Kahayan and the bridge over it at zoom 13 (the tile south-east of the centre)
    z, x, y = tile_of(113.932, -2.1985, 13)
    layers = decode(get_tile(client, z, x, y).content)
    assert "Sungai Kahayan" in {p.get("name") for p in layers["water"]}
    assert any(p.get("bridge") and p.get("name") == "Jembatan Kahayan" for p in layers["roads"])


def test_low_zoom_carries_only_arterials_and_a_far_tile_is_empty(client, call_taker, demo_roads, villages):
    client.force_login(call_taker)
    layers = decode(get_tile(client, *tile_of(*f.PKY, 9)).content)
    assert layers["roads"] and {p["class"] for p in layers["roads"]} == {"major"}
    assert not any(p["kind"] == "village" for p in layers.get("places", []))
    # the open sea south of Java: nothing of ours, answered at once without a body
    r = get_tile(client, *tile_of(110.0, -10.0, 12))
    assert r.status_code == 204 and r.content == b""
    assert get_tile(client, 2, 3, 2).status_code == 204


def test_landmarks_are_the_users_centres_only(client, call_taker, demo_roads):
    other = f.samarinda_centre()
    Landmark.objects.create(command_centre=other, name="Tengara Samarinda di PKY", location=Point(*f.PKY, srid=4326))
    client.force_login(call_taker)
    layers = decode(get_tile(client, *tile_of(*f.PKY, 14)).content)
    assert "Tengara Samarinda di PKY" not in {p.get("name") for p in layers.get("places", [])}


def test_anonymous_is_refused_in_the_error_shape(client, demo_roads):
    r = get_tile(client, *tile_of(*f.PKY, 14))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("path,field", [
    ("/tiles/base/19/0/0.mvt", "z"),
    ("/tiles/base/3/8/0.mvt", "x"),
    ("/tiles/base/3/0/8.mvt", "y"),
    ("/tiles/base/a/0/0.mvt", "z"),
    ("/tiles/base/3/-1/0.mvt", "x"),
    ("/tiles/base/3/0/١.mvt", "y"),
])
def test_bad_addresses_read_400_in_the_error_shape(client, call_taker, path, field):
    client.force_login(call_taker)
    r = client.get(path)
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "invalid" and field in body["fields"]


def test_cache_headers_etag_304_and_the_version_follows_a_road_import(client, call_taker, demo_roads, villages):
    client.force_login(call_taker)
    z, x, y = tile_of(*f.PKY, 14)
    r = get_tile(client, z, x, y)
    assert "max-age=3600" in r["Cache-Control"]
    etag = r["ETag"]
    assert get_tile(client, z, x, y, If_None_Match=etag).status_code == 304
    # served from the cache: no tile query the second time (the session and user reads only)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert get_tile(client, z, x, y).content == r.content
    assert not any("ST_AsMVT" in q["sql"] for q in queries.captured_queries)
    # a new import of the network: a new version, a new ETag, the new road in the tile
    Road.objects.create(network=demo_roads, osm_id=999999, name="Jalan Baru Sekali", kind="primary",
                        geometry=LineString((f.PKY[0] - 0.001, f.PKY[1]), (f.PKY[0] + 0.001, f.PKY[1]), srid=4326))
    demo_roads.sha256 = "b" * 64
    demo_roads.imported_at = timezone.now()
    demo_roads.save()
    cache.delete(tiles.VERSION_KEY)  # what the next minute does by itself (VERSION_TTL_S)
    assert get_tile(client, z, x, y, If_None_Match=etag).status_code == 200
    r2 = get_tile(client, z, x, y)
    assert r2["ETag"] != etag
    assert "Jalan Baru Sekali" in {p.get("name") for p in decode(r2.content)["roads"]}


def test_bump_tile_version_changes_the_version(demo_roads):
    before = tiles.tile_version()
    tiles.bump_tile_version()
    assert tiles.tile_version() != before


def test_map_pages_ask_only_this_server_and_credit_the_data(settings, demo_roads):
    settings.TILE_UPSTREAM = ""
    config = tiles.map_tiles()
    assert config["base"] == "/tiles/base/{z}/{x}/{y}.mvt" and config["raster"] is None
    assert "OpenStreetMap" not in config["attribution"] and "Kemendagri" in config["attribution"]  # generated demo roads
    RoadNetwork.objects.create(name="kalteng", source="kalteng.osm.pbf", sha256="c" * 64, imported_at=timezone.now())
    settings.TILE_UPSTREAM = "http://tiles.lan/{z}/{x}/{y}.png"
    config = tiles.map_tiles()
    assert config["raster"] == "/tiles/raster/{z}/{x}/{y}.png"
    assert "OpenStreetMap (ODbL)" in config["attribution"]


def test_without_redis_the_tile_is_still_drawn(client, call_taker, demo_roads, monkeypatch):
    client.force_login(call_taker)

    class RedisDown:
        def __getattr__(self, name):
            def down(*args, **kwargs):
                raise ConnectionError("redis down")
            return down

    monkeypatch.setattr(tiles, "cache", RedisDown())
    r = get_tile(client, *tile_of(*f.PKY, 14))
    assert r.status_code == 200
    assert "Jalan Tjilik Riwut" in {p.get("name") for p in decode(r.content)["roads"]}
