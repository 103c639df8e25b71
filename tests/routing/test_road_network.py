"""Roads and rivers: the generated demo network's promises, import_roads into PostGIS and the engine's files, the
bounding-box selectors, and a second routing profile (issue 25)."""
import json
import math

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from agencies.demo import agencies as demo_agencies
from agencies.demo import roadgen
from agencies.demo import roads as demo_roads
from agencies.models import Road, RoadNetwork, Waterway
from agencies.roads import engine_files
from agencies.roads.selectors import roads_in_bbox, waterways_in_bbox
from agencies.roads.services import road_network_import
from tests import factories as f
from tests.routing.engine import RoutedProcess

pytestmark = pytest.mark.django_db


# ───────────── the generated demo network ─────────────
@pytest.fixture(scope="module")
def network():
    return roadgen.build()


def test_no_road_crosses_a_river_except_on_a_bridge(network):
    nodes = {i: (x, y) for i, x, y in network.nodes}
    rivers = [w for w in network.ways if "waterway" in w[2]]
    assert {w[2]["name"] for w in rivers} == {r["name"] for r in demo_roads.RIVERS}
    bridges_crossing = set()
    for _wid, refs, tags in network.ways:
        if "highway" not in tags:
            continue
        for a, b in zip(refs, refs[1:]):
            for _rid, rrefs, _rtags in rivers:
                for r1, r2 in zip(rrefs, rrefs[1:]):
                    if roadgen.segment_intersection(nodes[a], nodes[b], nodes[r1], nodes[r2]):
                        assert tags.get("bridge") == "yes", f"{tags['name']} crosses {_rtags['name']}"
                        bridges_crossing.add(tags["name"])
    # and every bridge does cross its river
    assert bridges_crossing == {b["name"] for b in demo_roads.BRIDGES}


def test_each_city_is_one_connected_network_and_every_station_is_on_it(network):
    roads = [w for w in network.ways if "highway" in w[2]]
    comps = roadgen._components(network.nodes, roads)
    assert len(comps) == 3  # Palangka Raya, Samarinda, Paser: hundreds of km apart
    nodes = {i: (x, y) for i, x, y in network.nodes}
    segments = [(nodes[a], nodes[b]) for _w, refs, _t in roads for a, b in zip(refs, refs[1:])]
    for stations in demo_agencies.AGENCIES.values():
        for agency in stations:
            for station in agency["stations"]:
                # on a road (its access road starts at the station itself), or within a few metres of one
                near = min(roadgen.point_segment_m(station["location"], a, b)[0] for a, b in segments)
                assert near < roadgen.SNAP_M, station["name"]


def test_the_same_data_makes_the_same_network(network):
    assert roadgen.build().digest() == network.digest()


def test_a_road_drawn_across_a_river_is_refused(monkeypatch):
    monkeypatch.setattr(demo_roads, "ROADS", [*demo_roads.ROADS, {"name": "Jalan Khayalan", "highway": "residential",
                                                                  "line": [(117.140, -0.500), (117.140, -0.520)]}])
    with pytest.raises(roadgen.RiverCrossing, match="Jalan Khayalan.*Sungai Mahakam"):
        roadgen.build()


# ───────────── import_roads ─────────────
def tiny_network(tmp_path, shift=0.0):
    """Three roads and a river in Palangka Raya: a primary, a one-way street, a bridge over the river."""
    net = roadgen.Network(
        nodes=[(1, 113.90, -2.20), (2, 113.91 + shift, -2.20), (3, 113.92, -2.20), (4, 113.91, -2.21), (5, 113.925, -2.195),
               (6, 113.925, -2.205), (7, 113.93, -2.20)],
        ways=[(1, [1, 2, 3], {"highway": "primary", "name": "Jalan Satu", "ref": "N1"}),
              (2, [2, 4], {"highway": "residential", "name": "Jalan Dua", "oneway": "yes"}),
              (3, [3, 7], {"highway": "primary", "name": "Jembatan Uji", "bridge": "yes"}),
              (4, [5, 6], {"waterway": "river", "name": "Sungai Uji"})],
    )
    path = tmp_path / "tiny.osm.pbf"
    roadgen.write_pbf(net, path)
    return path


@pytest.fixture
def data_dir(tmp_path, settings):
    settings.OSRM_DATA_DIR = str(tmp_path / "data")
    return tmp_path / "data"


def test_import_roads_loads_postgis_and_prepares_the_engine(tmp_path, data_dir, capsys):
    path = tiny_network(tmp_path)
    call_command("import_roads", str(path), "--name", "tiny")
    network = RoadNetwork.objects.get(name="tiny")
    assert (network.roads, network.waterways, network.profile) == (3, 1, "car")
    rows = {r.name: r for r in Road.objects.filter(network=network)}
    assert rows["Jalan Satu"].kind == "primary" and rows["Jalan Satu"].ref == "N1" and len(rows["Jalan Satu"].geometry) == 3
    assert rows["Jalan Dua"].oneway and not rows["Jalan Satu"].oneway
    assert rows["Jembatan Uji"].is_bridge
    assert Waterway.objects.get(network=network).kind == "river"
    stamp = json.loads((data_dir / "tiny" / "tiny.prepared.json").read_text())
    assert stamp["sha256"] == network.sha256 and stamp["algorithm"] == "mld" and set(stamp["steps"]) == {"extract", "partition", "customize"}
    assert (data_dir / "tiny" / "tiny.osrm.mldgr").exists()
    # the prepared files really serve routes
    engine = RoutedProcess(data_dir / "tiny" / "tiny.osrm").start()
    try:
        import urllib.request

        with urllib.request.urlopen(engine.url + "/route/v1/driving/113.90,-2.20;113.93,-2.20") as r:
            assert json.load(r)["routes"][0]["distance"] == pytest.approx(3340, rel=0.02)
    finally:
        engine.stop()
    # the same file again: nothing loaded, nothing prepared
    capsys.readouterr()
    call_command("import_roads", str(path), "--name", "tiny")
    out = capsys.readouterr().out
    assert "already loaded" in out and "already prepared" in out
    assert RoadNetwork.objects.get(name="tiny").imported_at == network.imported_at


def test_a_changed_extract_replaces_the_network_whole(tmp_path, data_dir):
    road_network_import(path=tiny_network(tmp_path), name="tiny", prepare=False)
    first = set(Road.objects.values_list("id", flat=True))
    (tmp_path / "v2").mkdir()
    result = road_network_import(path=tiny_network(tmp_path / "v2", shift=0.001), name="tiny", prepare=False)
    assert result.loaded
    assert Road.objects.filter(network=result.network).count() == 3
    assert not set(Road.objects.values_list("id", flat=True)) & first


def test_import_roads_refuses_what_it_cannot_read(tmp_path, data_dir):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_roads", str(tmp_path / "missing.osm.pbf"))
    path = tiny_network(tmp_path)
    with pytest.raises(CommandError, match="--name"):
        call_command("import_roads", str(path), "--name", "../etc")
    with pytest.raises(CommandError, match="profile 'hovercraft' not found"):
        call_command("import_roads", str(path), "--name", "tiny", "--profile", "hovercraft", "--no-load")
    assert not RoadNetwork.objects.exists()


def test_bbox_selectors(tmp_path, data_dir):
    road_network_import(path=tiny_network(tmp_path), name="tiny", prepare=False)
    box = {"west": 113.895, "south": -2.215, "east": 113.912, "north": -2.195}
    assert {r.name for r in roads_in_bbox(**box)} == {"Jalan Satu", "Jalan Dua"}
    assert {r.name for r in roads_in_bbox(**box, max_rank=3)} == {"Jalan Satu"}
    assert not waterways_in_bbox(**box).exists()
    assert [w.name for w in waterways_in_bbox(west=113.92, south=-2.21, east=113.93, north=-2.19)] == ["Sungai Uji"]


def test_preparation_records_time_and_memory(tmp_path, data_dir):
    prepared = engine_files.prepare(pbf=tiny_network(tmp_path), name="tiny")
    for step in ("extract", "partition", "customize"):
        assert prepared.stamp["steps"][step]["seconds"] >= 0
    # the extract's own peak memory, not this Python process's (which is far bigger than OSRM on a tiny file)
    assert 1 < prepared.stamp["steps"]["extract"]["max_rss_mb"] < 200


# ───────────── a second profile ─────────────
def test_a_second_profile_serves_its_unit_types_and_falls_back_alone(routing, demo_osrm_dataset, settings):
    from dispatch import osrm
    from incidents.routing import nearest_available_units

    agency = f.AgencyFactory()
    car = f.UnitFactory(agency=agency, type="ambulance", capabilities=["bls"], position=Point(117.1400, -0.5250, srid=4326))
    bike = f.UnitFactory(agency=agency, type="motorbike", capabilities=["bls"], position=Point(117.1400, -0.5250, srid=4326))
    point = Point(117.1500, -0.5125, srid=4326)
    second = RoutedProcess(demo_osrm_dataset).start()
    try:
        settings.ROUTING_PROFILES = {"car": routing.url, "motorbike": second.url}
        settings.ROUTING_UNIT_PROFILES = {"motorbike": "motorbike"}
        osrm.reset()
        items = {p.unit.pk: p for p in nearest_available_units(point=point, capabilities=["bls"])}
        assert items[car.pk].basis == items[bike.pk].basis == "road"
        # the second engine stops: its units fall back to straight line, after the others; the car profile goes on
        second.kill()
        osrm.reset()
        ranked = nearest_available_units(point=point, capabilities=["bls"])
        assert [(p.unit.pk, p.basis) for p in ranked] == [(car.pk, "road"), (bike.pk, "straight_line")]
        assert not math.isnan(ranked[1].eta_s)
    finally:
        second.stop()
