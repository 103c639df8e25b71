"""Statements of every request on the call-taker's intake path (issue 27: "a query-count test per endpoint").

tests/api/test_intake_statements.py pins the two requests every emergency call makes (create, route). A call also
answers (calls/start or claiming a ringing call), reads the caller's history, searches a place, reverse-looks up the
point picked on the map, checks duplicates nearby, may be linked to an open incident, classified afterwards, routed
to agencies the call-taker named, and its incident read back. Each of those requests is pinned here to an exact
number of statements — and each is asked twice, with a small and with a larger world (more calls from the number,
more open incidents nearby, more places matching), so a query per row (an N + 1) fails here too, not only a new
statement. Token auth, as the console and the benches send them; each request is warmed once first (the
per-process reference cache is loaded), because the steady state is what a surge sees.
"""
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import Landmark, Region
from incidents.models import Call
from tests import factories as f

pytestmark = pytest.mark.django_db

NUMBER = "081234567890"


@pytest.fixture
def token_api(call_taker):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=call_taker).key}")
    return api


def _count(api, method, path, body=None, status=200, **headers):
    with CaptureQueriesContext(connection) as ctx:
        r = getattr(api, method)(path, body, format="json", **headers) if method != "get" else api.get(path, **headers)
    assert r.status_code == status, r.content
    return len(ctx.captured_queries), r, "\n".join(q["sql"][:160] for q in ctx.captured_queries)


def _more_world(call_taker, centre, make_incident, n):
    """n more of everything the intake path reads: calls from the number, open incidents here, matching places."""
    from incidents.services import call_start

    for _ in range(n):
        i = Region.objects.filter(level=Region.Level.VILLAGE).count()
        _end_active()
        call_start(actor=call_taker, caller_number=NUMBER)
        _end_active()
        make_incident(location=Point(f.PKY[0] + 0.0005 * i, f.PKY[1], srid=4326))
        Region.objects.create(code=f"62.71.01.10{i:02d}", level=Region.Level.VILLAGE, name=f"Langkai {i}",
                              parent_id="62.71", timezone="WIB", boundary=f.square(*f.PKY, half=0.01))
        Landmark.objects.create(command_centre=centre, name=f"Langkai Plaza {i}", location=Point(*f.PKY, srid=4326))


# name → (method, path, body, status, statements). Every request starts with the token's statement (with its user).
def _requests(w):
    return {
        # token, SAVEPOINT, INSERT the call, call.answered (lock + audience + INSERT), RELEASE, the call read back,
        # the number's history: dispositions, latest calls, open and past incidents
        "calls/start": ("post", "/api/v1/calls/start/", {"caller_number": NUMBER}, 201, 9),
        # token, SAVEPOINT, lock the ringing call, UPDATE it, call.answered, RELEASE, the call read back with its
        # centre, the number's history (3)
        "calls/claim": ("post", f"/api/v1/calls/{w['ringing']()}/claim/", {}, 200, 10),
        # token, the number's history: dispositions, latest calls, open and past incidents
        "callers/history": ("get", f"/api/v1/callers/{NUMBER}/history/", None, 200, 4),
        # token, the centre's regencies, landmarks matching, villages/districts matching
        "places": ("get", "/api/v1/places/?q=Langkai", None, 200, 4),
        # token, the regions holding the point, their parents, the centre's regencies
        "places/at": ("get", f"/api/v1/places/at/?lat={f.PKY[1]}&lon={f.PKY[0]}", None, 200, 4),
        # token, the category, its related categories, open incidents within the radius and window
        "duplicates": ("get", f"/api/v1/incidents/duplicates/?category={w['category']}&lat={f.PKY[1]}&lon={f.PKY[0]}"
                              f"&caller_number={NUMBER}", None, 200, 4),
        # token, the incident with what its detail shows, its timeline, its assignments
        "incident detail": ("get", f"/api/v1/incidents/{w['incident']}/", None, 200, 4),
        # token, SAVEPOINT, lock the incident, its live agencies and statuses, the assignment, the incident's status,
        # assignment.offered + incident.status_changed (one INSERT), RELEASE
        "route to named agencies": ("post", f"/api/v1/incidents/{w['fresh']()}/route/", {"agencies": [w["damkar"]]}, 200, 8),
        # token, SAVEPOINT, lock the incident, lock the call, UPDATE the call, the caller link's link/positions/
        # photos/messages moved to the incident (4 UPDATEs, issue 24), the incident's caller count, the event,
        # RELEASE, the incident and the call read back for the answer
        "calls/link": ("post", f"/api/v1/calls/{w['active']()}/link/", {"incident": w["incident"]}, 200, 14),
    }


@pytest.fixture
def world(call_taker, centre, damkar, fire_unit, fire_category, make_incident):
    from incidents.services import call_register_ringing, call_start

    def ringing():
        return call_register_ringing(command_centre=centre, caller_number=NUMBER, external_id=f"pbx-{Call.objects.count()}")[0].pk

    def active():
        _end_active()
        return call_start(actor=call_taker, caller_number=NUMBER).pk

    return {"incident": make_incident().pk, "damkar": damkar.pk, "category": fire_category.code,
            "fresh": lambda: make_incident().pk, "ringing": ringing, "active": active}


def _end_active():
    # one active call per call-taker: the previous one ends (its times stay plausible: ended after answered)
    from django.utils import timezone

    Call.objects.filter(status=Call.Status.ACTIVE).update(status=Call.Status.ENDED, ended_at=timezone.now())


def _ask(api, world, name):
    if name in ("calls/start", "calls/claim"):
        _end_active()
    method, path, body, status, _n = _requests(world)[name]
    return _count(api, method, path, body, status)


NAMES = ["calls/start", "calls/claim", "callers/history", "places", "places/at", "duplicates", "incident detail",
         "route to named agencies", "calls/link"]


@pytest.mark.parametrize("name", NAMES)
def test_each_intake_request_takes_a_fixed_number_of_statements(token_api, world, call_taker, centre, make_incident, name):
    # given one of everything the request reads (and a process that has served it once)
    _more_world(call_taker, centre, make_incident, 1)
    _ask(token_api, world, name)
    # when it is asked with one, and then with thirteen of each
    small, _r, sql_small = _ask(token_api, world, name)
    _more_world(call_taker, centre, make_incident, 12)
    large, _r, sql_large = _ask(token_api, world, name)
    # then it costs the same, and exactly its budget
    assert large == small, f"{name}: {small} statements with one row of each, {large} with thirteen:\n{sql_large}"
    expected = _requests(world)[name][4]
    assert small == expected, f"{name}:\n{sql_small}"
