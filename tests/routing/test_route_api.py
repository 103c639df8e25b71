"""GET /api/v1/route/?from=lon,lat&to=lon,lat — with the real osrm-routed on the demo network (issue 25)."""
import pytest
from django.contrib.gis.geos import LineString, Point
from rest_framework.test import APIClient

from agencies.demo import roads as demo_roads
from agencies.demo.roadgen import demo_network_file
from agencies.models import Road, Waterway
from agencies.roads.services import road_network_import
from tests import factories as f
from tests.routing.test_drive_time import SMD_HQ, SMD_SOUTH_BANK_FIRE

pytestmark = pytest.mark.django_db

URL = "/api/v1/route/"


@pytest.fixture
def demo_roads_in_db():
    return road_network_import(path=demo_network_file()[0], name="demo", prepare=False).network


@pytest.fixture
def crew_api():
    unit = f.UnitFactory()
    api = APIClient()
    api.force_authenticate(f.crew(unit, username="crew_r"))
    return api


def route(api, a, b, **extra):
    params = {"from": f"{a[0]},{a[1]}", "to": f"{b[0]},{b[1]}", **extra}
    return api.get(URL, params)


def test_the_route_follows_the_roads_and_crosses_the_mahakam_on_its_bridge(routing, crew_api, demo_roads_in_db):
    r = route(crew_api, SMD_HQ, SMD_SOUTH_BANK_FIRE, unit_type="fire_engine")
    assert r.status_code == 200, r.content
    body = r.json()
    line = body["geometry"]
    assert line["type"] == "LineString" and line["coordinates"][0] == list(SMD_HQ) and line["coordinates"][-1] == list(SMD_SOUTH_BANK_FIRE)
    straight = Point(*SMD_HQ, srid=4326).transform(32750, clone=True).distance(Point(*SMD_SOUTH_BANK_FIRE, srid=4326).transform(32750, clone=True))
    assert body["distance_m"] > 3 * straight and body["duration_s"] > 0 and body["basis"] == "road"
    assert body["eta_s"] == pytest.approx(body["duration_s"] / 0.85, rel=0.01)
    # every point of the line lies on a road of the network (PostGIS, loaded from the same file)
    for lon, lat in line["coordinates"][1:-1]:
        assert Road.objects.filter(network=demo_roads_in_db, geometry__dwithin=(Point(lon, lat, srid=4326), 0.00002)).exists(), (lon, lat)
    # and it crosses the Mahakam once, on the Jembatan Mahakam
    mahakam = Waterway.objects.get(name="Sungai Mahakam").geometry
    crossing = LineString(line["coordinates"], srid=4326).intersection(mahakam)
    assert crossing.geom_type == "Point"
    bridge = next(b for b in demo_roads.BRIDGES if b["name"] == "Jembatan Mahakam")
    assert crossing.distance(Point(*bridge["at"], srid=4326)) < 0.0005  # ≈ 55 m
    assert Road.objects.get(network=demo_roads_in_db, name="Jembatan Mahakam").is_bridge


def test_staff_of_every_kind_may_ask_volunteers_and_anonymous_may_not(routing, crew_api):
    centre = f.CommandCentreFactory()
    agency = f.AgencyFactory(command_centre=centre)
    for user in (f.call_taker(centre, username="ct_r"), f.dispatcher(agency, username="d_r"), f.supervisor(centre, username="s_r")):
        api = APIClient()
        api.force_authenticate(user)
        assert route(api, SMD_HQ, SMD_SOUTH_BANK_FIRE).status_code == 200
    volunteer = APIClient()
    volunteer.force_authenticate(f.UserFactory(username="v_r", role="volunteer", command_centre=None, community=f.CommunityFactory()))
    r = route(volunteer, SMD_HQ, SMD_SOUTH_BANK_FIRE)
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    assert route(APIClient(), SMD_HQ, SMD_SOUTH_BANK_FIRE).status_code in (401, 403)


@pytest.mark.parametrize("params", [
    {"from": "117.145", "to": "117.15,-0.51"},
    {"from": "abc,def", "to": "117.15,-0.51"},
    {"from": "117.145,-0.499,3", "to": "117.15,-0.51"},
    {"from": "-0.499,117.145", "to": "117.15,-0.51"},  # latitude first: out of range
    {"from": "2.35,48.85", "to": "117.15,-0.51"},  # Paris
    {"from": "nan,nan", "to": "117.15,-0.51"},
    {"to": "117.15,-0.51"},
    {"from": "117.145,-0.499", "to": "117.15,-0.51", "unit_type": "spaceship"},
])
def test_malformed_points_are_a_400_in_the_one_error_shape(routing, crew_api, params):
    r = crew_api.get(URL, params)
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["fields"]


def test_no_road_between_two_cities_is_a_404(routing, crew_api):
    r = route(crew_api, SMD_HQ, (113.9195, -2.2055))  # Samarinda → Palangka Raya: the demo has no road between
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_route"


def test_engine_down_is_a_503_that_says_so(own_engine, crew_api):
    own_engine.kill()
    r = route(crew_api, SMD_HQ, SMD_SOUTH_BANK_FIRE)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "routing_unavailable"


def test_without_an_engine_configured_the_route_is_unavailable(crew_api, settings):
    settings.ROUTING_PROFILES = {"car": ""}
    r = route(crew_api, SMD_HQ, SMD_SOUTH_BANK_FIRE)
    assert r.status_code == 503 and r.json()["error"]["code"] == "routing_unavailable"


def test_the_route_answers_in_its_documented_shape(routing, demo_roads_in_db):
    """The OpenAPI schema tells the truth about the route (issue 28's conformance check, which needs the engine)."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from rest_framework.authtoken.models import Token
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    token = Token.objects.create(user=f.crew(f.UnitFactory(), username="crew_schema")).key
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
        operation = schema["/api/v1/route/"]["GET"]
        case = operation.Case(query={"from": f"{SMD_HQ[0]},{SMD_HQ[1]}", "to": f"{SMD_SOUTH_BANK_FIRE[0]},{SMD_SOUTH_BANK_FIRE[1]}"})
        response = case.call_and_validate(headers={"Authorization": f"Token {token}"},
                                          checks=[not_a_server_error, status_code_conformance, response_schema_conformance])
        assert response.status_code == 200 and response.json()["basis"] == "road"
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
