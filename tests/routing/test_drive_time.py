"""Recommendation by arrival, with the real osrm-routed on the generated demo network (issue 25).

The demo places used here (agencies/demo): Damkar Samarinda's headquarters (north bank of the Mahakam, Jl. Awang
Long) and its Samarinda Seberang post (south bank); Damkar Palangka Raya's headquarters (west bank of the Kahayan)
and its Kalampangan post (west bank, far downstream). The Mahakam and the Kahayan are crossed only at bridges.
"""
import logging
import time

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import Unit
from dispatch import osrm
from incidents.models import UnitDispatch
from incidents.routing import nearest_available_units
from tests import factories as f

pytestmark = pytest.mark.django_db

SMD_HQ = (117.1450, -0.4990)  # Markas Damkar Samarinda, north bank
SMD_SEBERANG = (117.1400, -0.5250)  # Pos Damkar Samarinda Seberang, south bank
SMD_SOUTH_BANK_FIRE = (117.1500, -0.5125)  # Jl. Tepian Samarinda Seberang, across the river from the headquarters
PKY_HQ = (113.9195, -2.2055)  # Markas Damkar Palangka Raya, west bank of the Kahayan
PKY_KALAMPANGAN = (113.9700, -2.2800)  # Pos Damkar Kalampangan, west bank, downstream
PKY_EAST_BANK_FIRE = (114.0000, -2.2550)  # Bukit Rawi, east bank, opposite Kalampangan


def metres(a, b):
    return Point(*a, srid=4326).transform(32750, clone=True).distance(Point(*b, srid=4326).transform(32750, clone=True))


@pytest.fixture
def smd():
    centre = f.samarinda_centre()
    damkar = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar SMD")
    units = {
        "hq1": f.UnitFactory(agency=damkar, call_sign="SMD-DMK-01", position=Point(*SMD_HQ, srid=4326)),
        "hq2": f.UnitFactory(agency=damkar, call_sign="SMD-DMK-02", position=Point(*SMD_HQ, srid=4326)),
        "seberang": f.UnitFactory(agency=damkar, call_sign="SMD-DMK-06", position=Point(*SMD_SEBERANG, srid=4326)),
    }
    f.CategoryFactory()
    return centre, damkar, units


@pytest.fixture
def smd_api(smd):
    api = APIClient()
    api.force_authenticate(f.call_taker(smd[0], username="ct_smd"))
    return api


def create_fire(api, lon_lat):
    r = api.post("/api/v1/incidents/", {
        "category": "kebakaran", "location": {"type": "Point", "coordinates": list(lon_lat)}, "caller_number": "081234567890",
        "description": "Rumah terbakar di tepi sungai",
    }, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_the_first_to_arrive_is_recommended_not_the_nearest_across_the_mahakam(routing, smd, smd_api):
    _centre, _damkar, units = smd
    # given a fire on the south bank, nearer as the crow flies to the headquarters on the north bank
    assert metres(SMD_HQ, SMD_SOUTH_BANK_FIRE) < metres(SMD_SEBERANG, SMD_SOUTH_BANK_FIRE)
    # when the call-taker logs it
    items = create_fire(smd_api, SMD_SOUTH_BANK_FIRE)["nearest_units"]
    # then the straight line would have picked the headquarters, but the Seberang post arrives first and leads
    assert min(items, key=lambda u: u["distance_m"])["id"] in (units["hq1"].pk, units["hq2"].pk)
    assert items[0]["id"] == units["seberang"].pk
    assert [u["basis"] for u in items] == ["road"] * 3
    assert items[0]["eta_s"] < items[1]["eta_s"] and items[1]["eta_s"] == items[2]["eta_s"]
    # the headquarters' engines go round by the Mahakam bridge: the road is more than three times the straight line
    hq = items[1]
    assert hq["road_m"] > 3 * hq["distance_m"]
    for u in items:
        assert u["road_m"] >= u["distance_m"]
        assert u["eta_min"] == round(u["eta_s"] / 60, 1)
        assert u["snapped"] is False and u["snap_m"] < 5 and u["incident_snap_m"] < 5


def test_the_same_on_the_kahayan_the_downstream_post_would_cross_at_the_city_bridge(routing):
    centre = f.CommandCentreFactory()
    damkar = f.AgencyFactory(command_centre=centre, type="fire")
    hq = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-01", position=Point(*PKY_HQ, srid=4326))
    kalampangan = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-07", position=Point(*PKY_KALAMPANGAN, srid=4326))
    items = nearest_available_units(point=Point(*PKY_EAST_BANK_FIRE, srid=4326), capabilities=["fire_suppression"])
    assert [p.unit for p in items] == [hq, kalampangan]
    by_unit = {p.unit.pk: p for p in items}
    # Kalampangan is less than half as far as the crow flies, and more than ten minutes later by road
    assert by_unit[kalampangan.pk].distance_m * 2 < by_unit[hq.pk].distance_m
    assert by_unit[kalampangan.pk].eta_s - by_unit[hq.pk].eta_s > 600
    assert all(p.basis == "road" and p.road_m >= p.distance_m for p in items)


def test_one_table_request_for_the_whole_shortlist(routing, smd, smd_api, monkeypatch):
    _centre, damkar, _units = smd
    for k in range(15):
        f.UnitFactory(agency=damkar, call_sign=f"SMD-X-{k}", position=Point(117.10 + k * 0.005, -0.49, srid=4326))
    calls = []
    real = osrm._request
    monkeypatch.setattr(osrm, "_request", lambda url, path, deadline: calls.append(path) or real(url, path, deadline))
    items = create_fire(smd_api, SMD_SOUTH_BANK_FIRE)["nearest_units"]
    assert len(items) == 5 and all(u["basis"] == "road" for u in items)
    # 18 capable units, ONE engine request: sources = the 18 units, destination = the incident
    assert len(calls) == 1 and calls[0].startswith("/table/v1/")
    assert calls[0].split("?")[1].startswith("sources=" + ";".join(str(i) for i in range(18)) + "&destinations=18")


def test_speed_factor_per_unit_type(routing, settings):
    settings.ROUTING_SPEED_FACTORS = {"fire_engine": 0.8, "motorbike": 1.25}
    agency = f.AgencyFactory()
    engine = f.UnitFactory(agency=agency, type=Unit.Type.FIRE_ENGINE, capabilities=["bls"], position=Point(*SMD_SEBERANG, srid=4326))
    bike = f.UnitFactory(agency=agency, type=Unit.Type.MOTORBIKE, capabilities=["bls"], position=Point(*SMD_SEBERANG, srid=4326))
    items = {p.unit.pk: p for p in nearest_available_units(point=Point(*SMD_SOUTH_BANK_FIRE, srid=4326), capabilities=["bls"])}
    # same place, same road: the motorbike arrives in 0.8 / 1.25 of the fire engine's time
    assert items[bike.pk].road_m == items[engine.pk].road_m
    assert items[bike.pk].eta_s == pytest.approx(items[engine.pk].eta_s * 0.8 / 1.25, abs=1)
    assert nearest_available_units(point=Point(*SMD_SOUTH_BANK_FIRE, srid=4326), capabilities=["bls"])[0].unit == bike


def test_a_point_far_from_any_road_is_snapped_and_says_so(routing):
    from django.contrib.gis.db.models.functions import Distance

    from agencies.models import Road
    from agencies.roads.services import road_network_import
    from agencies.demo.roadgen import demo_network_file

    road_network_import(path=demo_network_file()[0], name="demo", prepare=False)
    agency = f.AgencyFactory()
    f.UnitFactory(agency=agency, position=Point(*PKY_HQ, srid=4326))
    # a fire in the peat, well away from the roads south-west of the city
    peat = Point(113.8900, -2.2850, srid=4326)
    [item] = nearest_available_units(point=peat, capabilities=["fire_suppression"])
    nearest_road_m = Road.objects.annotate(d=Distance("geometry", peat)).order_by("d").first().d.m
    assert item.basis == "road" and item.snapped
    assert item.incident_snap_m == pytest.approx(nearest_road_m, rel=0.02)
    assert item.incident_snap_m > 500
    # the leg off the road counts, at the off-road pace
    table = osrm.table(sources=[PKY_HQ], destination=(peat.x, peat.y))
    assert item.eta_s == round(table.durations_s[0] / 0.85 + item.incident_snap_m / (10 / 3.6))


def test_a_point_outside_the_loaded_roads_is_ranked_by_straight_line(routing):
    agency = f.AgencyFactory()
    f.UnitFactory(agency=agency, position=Point(115.70, -2.05, srid=4326))
    f.UnitFactory(agency=agency, position=Point(115.80, -2.05, srid=4326))
    # Muara Samu (Paser): the demo network has no road within ROUTING_MAX_SNAP_M
    items = nearest_available_units(point=Point(115.75, -2.00, srid=4326), capabilities=["fire_suppression"])
    assert [p.basis for p in items] == ["straight_line", "straight_line"]
    assert all(p.road_m is None and p.eta_s > 0 for p in items)


def test_dispatch_stores_the_predicted_travel_for_the_reports(routing, smd, smd_api):
    centre, damkar, units = smd
    incident = create_fire(smd_api, SMD_SOUTH_BANK_FIRE)
    routed = smd_api.post(f"/api/v1/incidents/{incident['id']}/route/", {}, format="json").json()
    dispatcher = APIClient()
    dispatcher.force_authenticate(f.dispatcher(damkar, username="disp_smd"))
    assert dispatcher.post(f"/api/v1/assignments/{routed[0]['id']}/accept/", {}, format="json").status_code == 200
    recommended = dispatcher.get(f"/api/v1/incidents/{incident['id']}/unit-recommendations/").json()
    assert recommended["basis"] == "road"
    first = recommended["units"][0]
    assert first["id"] == units["seberang"].pk
    r = dispatcher.post(f"/api/v1/assignments/{routed[0]['id']}/dispatch/", {"units": [first["id"]]}, format="json")
    assert r.status_code == 200, r.content
    d = UnitDispatch.objects.get(unit_id=first["id"])
    assert (d.predicted_eta_s, d.eta_basis) == (first["eta_s"], "road")
    assert d.predicted_road_m == round(first["road_m"])
    event = d.assignment.incident.events.filter(kind="unit.status_changed").last()
    assert event.payload["eta_s"] == first["eta_s"] and event.payload["eta_basis"] == "road"


# ───────────── the engine stopped or stuck ─────────────
def intake_seconds(api, lon_lat):
    started = time.monotonic()
    body = create_fire(api, lon_lat)
    return time.monotonic() - started, body


def test_engine_stopped_straight_line_for_every_item_logged_once_and_healthz_says_so(own_engine, smd, smd_api, settings, caplog):
    settings.ROUTING_RETRY_S = 0.5
    # with the engine: by road
    _t, body = intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE)
    assert {u["basis"] for u in body["nearest_units"]} == {"road"}
    # when the engine dies (killed by its pid, as a crash)
    own_engine.kill()
    caplog.set_level(logging.WARNING, logger="dispatch.osrm")
    answers = [intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE) for _ in range(5)]
    # then every intake still succeeds, every item says straight line, the straight-line order is back
    for _t, body in answers:
        items = body["nearest_units"]
        assert [u["basis"] for u in items] == ["straight_line"] * 3
        assert all(u["road_m"] is None for u in items)
        assert items[0]["distance_m"] == min(u["distance_m"] for u in items)
    # logged once for the outage, not per request
    assert sum("unavailable" in r.getMessage() for r in caplog.records) == 1
    # /healthz: routing down, the rest up → 200, status degraded
    admin = APIClient()
    admin.force_login(f.UserFactory(username="admin_r", role="admin", command_centre=None, is_staff=True))
    from dispatch import health

    health_checks = dict(health.CHECKS, celery=lambda: {"workers": ["w"]})
    import unittest.mock

    with unittest.mock.patch.dict(health.CHECKS, health_checks):
        r = admin.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "degraded"
    assert r.json()["checks"]["routing"]["ok"] is False
    # the engine back: after the retry interval, by road again, and one line says so
    own_engine.start()
    time.sleep(0.6)
    _t, body = intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE)
    assert {u["basis"] for u in body["nearest_units"]} == {"road"}
    assert sum("answers again after" in r.getMessage() for r in caplog.records) == 1
    with unittest.mock.patch.dict(health.CHECKS, health_checks):
        assert admin.get("/healthz").json()["checks"]["routing"]["ok"] is True


def test_an_engine_that_never_answers_costs_at_most_the_timeout_once(smd, smd_api, settings):
    from tests.routing.engine import HungEngine

    hung = HungEngine()
    try:
        settings.ROUTING_PROFILES = {"car": hung.url}
        settings.ROUTING_TIMEOUT_MS = 300
        osrm.reset()
        # the intake's own time, without any engine
        settings.ROUTING_PROFILES = {"car": ""}
        own = min(intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE)[0] for _ in range(3))
        settings.ROUTING_PROFILES = {"car": hung.url}
        # the first intake waits for the deadline, no longer; the next ones do not wait at all (breaker)
        stuck, body = intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE)
        assert {u["basis"] for u in body["nearest_units"]} == {"straight_line"}
        assert 0.3 <= stuck <= 0.3 + own + 0.15, (stuck, own)
        after = [intake_seconds(smd_api, SMD_SOUTH_BANK_FIRE)[0] for _ in range(3)]
        assert max(after) < 0.3, after
        assert hung.accepted == 1
    finally:
        hung.close()
        osrm.reset()


def test_the_deadline_bounds_the_table_call_itself(settings):
    from tests.routing.engine import HungEngine

    hung = HungEngine()
    try:
        settings.ROUTING_PROFILES = {"car": hung.url}
        osrm.reset()
        started = time.monotonic()
        with pytest.raises(osrm.EngineUnavailable) as exc:
            osrm.table(sources=[SMD_HQ], destination=SMD_SEBERANG)
        elapsed = time.monotonic() - started
        assert exc.value.reason == "timeout"
        assert 0.29 <= elapsed < 0.36, elapsed
    finally:
        hung.close()
        osrm.reset()
