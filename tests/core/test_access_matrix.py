"""Access matrix, generated from the URL conf (issues 14 and 28): every API endpoint × every role of *both* centres,
aimed at the other centre's objects. A user may never read or change what is outside their scope — no 2xx on a
foreign object, and no foreign data in any answer — and a new endpoint cannot be forgotten: a route whose
parameters this test cannot fill fails it until someone says how to reach that route's objects.

The world is symmetric: Palangka Raya (PKY, province 62) and Samarinda (SMD, province 64) each have a call, a fire
incident with its caller routed to their Damkar, an assignment, an alert, a unit, a community with a coordinator and
a member alerted by a call-out, and a monthly report; each has a call-taker, the Damkar dispatcher, a dispatcher of
an agency never offered the incident (PSC 119), a supervisor, an official, a provincial supervisor, a volunteer, the
coordinator and a crew. Markers (a caller number, a description, a community and a member name) must never appear
in an answer to the other centre.

Issue 28 added: call-outs follow their incident's audience *within* a centre too (an agency never offered the
incident sees nothing of its call-outs and cannot send or cancel one), and the non-API surfaces of the new apps —
the volunteers' pages, the board page, the report page and every export format and monthly download — are in the
matrix for every role × both centres.
"""
import datetime
import itertools

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from incidents.models import SupervisorAlert
from incidents.services import call_start, incident_create, incident_route
from tests import factories as f
from tests.support import api_routes, fill_route

pytestmark = pytest.mark.django_db

NUMBERS = {"pky": "081100011122", "smd": "081199988877"}
CENTRES = ("pky", "smd")


def markers(code: str) -> tuple:
    upper = code.upper()
    number = NUMBERS[code]
    return (number, number[1:11], f"RAHASIA-{upper}", f"Komunitas Rahasia {upper}", f"Relawan Rahasia {upper}")


# Routes that are public by design, or that are not about one centre's objects.
PUBLIC_OR_NOT_SCOPED = {
    "api/v1/auth/token/",  # anyone may try to sign in (throttled)
    "api/v1/cap/feed/",  # the public CAP feed of alerts the centres chose to publish
    "api/v1/cap/alerts/<int:pk>/",  # one public CAP alert (only incidents marked public)
    "api/v1/aml/",  # gateways, by secret (tests/interop/test_aml.py)
    "api/v1/aml/sms/",
    "api/v1/callouts/sms/",  # the SMS gateway's inbound webhook, by secret (tests/volunteers)
    # the caller's phone: the token is the credential, whoever holds it is the caller (tests/callerlink)
    "api/v1/caller-links/<str:token>/positions/",
    "api/v1/caller-links/<str:token>/photos/",
    "api/v1/caller-links/<str:token>/messages/",
}
ROLES = ("call_taker", "dispatcher", "dispatcher_not_offered", "supervisor", "official", "provincial_supervisor",
         "volunteer", "coordinator", "crew", "anonymous")


def _centre_world(code: str, centre, category):
    """One centre's objects and users (see the module docstring)."""
    from reporting.models import MonthlyReport
    from volunteers.models import CallOut, CallOutResponse, Volunteer, VolunteerCommunity

    upper = code.upper()
    point = Point(*(f.PKY if code == "pky" else f.SMD), srid=4326)
    damkar = f.AgencyFactory(command_centre=centre, type="fire", short_name=f"Damkar {upper}")
    psc = f.AgencyFactory(command_centre=centre, type="ems", short_name=f"PSC 119 {upper}")
    requester = f.call_taker(centre, username=f"ct_{code}_requester")
    call = call_start(actor=requester, caller_number=NUMBERS[code])
    incident, _ = incident_create(
        actor=requester, category=category.code, location=point, caller_number=NUMBERS[code],
        caller_name=f"Penelepon Rahasia {upper}", description=f"RAHASIA-{upper} gudang terbakar",
    )
    [assignment] = incident_route(incident_id=incident.pk, actor=requester, agency_ids=[damkar.pk])
    alert = SupervisorAlert.objects.create(
        command_centre=centre, incident=incident, assignment=assignment, kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED,
        message=f"RAHASIA-{upper}", created_at=timezone.now(),
    )
    unit = f.UnitFactory(agency=damkar, call_sign=f"{upper}-RAHASIA-1")
    community = VolunteerCommunity.objects.create(
        name=f"Komunitas Rahasia {upper}", kind=VolunteerCommunity.Kind.SAR, command_centre=centre, approved_at=timezone.now()
    )
    coordinator = f.UserFactory(role=User.Role.VOLUNTEER, username=f"coord_{code}_matrix", command_centre=None, community=community)
    community.coordinator = coordinator
    community.save(update_fields=["coordinator"])
    Volunteer.objects.create(community=community, name=f"Koordinator {upper}", phone=f"0813{NUMBERS[code][4:]}", user=coordinator)
    member_user = f.UserFactory(role=User.Role.VOLUNTEER, username=f"rel_{code}_alerted", command_centre=None, community=community)
    member = Volunteer.objects.create(community=community, name=f"Relawan Rahasia {upper}", phone=f"0815{NUMBERS[code][4:]}",
                                      user=member_user)
    callout = CallOut.objects.create(incident=incident, community=community, needed=1, sent_at=timezone.now(), sent_by=requester)
    CallOutResponse.objects.create(callout=callout, incident=incident, community=community, volunteer=member,
                                   status=CallOutResponse.Status.ACCEPTED, alerted_at=timezone.now(), answered_at=timezone.now(),
                                   distance_m=850)
    report = MonthlyReport(command_centre=centre, month=datetime.date(2026, 10, 1), data={"note": f"RAHASIA-{upper}"},
                           generated_at=timezone.now())
    for field in ("csv_file", "xlsx_file", "pdf_file"):
        getattr(report, field).save(f"{code}-2026-10.{field[:3]}", ContentFile(f"RAHASIA-{upper}".encode()), save=False)
    report.save()
    # the caller's phone (issue 24): a link, a fix, a photo and a message of the centre's incident
    from incidents.models import CallerPhoto
    from incidents.services import caller_link_send, caller_message_receive, caller_position_receive
    from incidents.services.callerlink import link_token

    caller_link, _created, _url = caller_link_send(actor=requester, base_url=f"https://{code}.example", incident_id=incident.pk)
    token = link_token(caller_link.token_salt)
    position = caller_position_receive(token=token, lat=point.y, lon=point.x, accuracy_m=7)
    caller_message_receive(token=token, text=f"RAHASIA-{upper} saya di lantai 2")
    secret = f"RAHASIA-{upper}".encode()
    photo = CallerPhoto.objects.create(
        link=caller_link, incident=incident, image=ContentFile(secret, name=f"{code}.jpg"),
        thumbnail=ContentFile(secret, name=f"{code}-thumb.jpg"), width=1, height=1, size_bytes=len(secret), original_format="JPEG",
        received_at=timezone.now(),
    )

    other_community = VolunteerCommunity.objects.create(name=f"SAR {upper}", kind=VolunteerCommunity.Kind.SAR, command_centre=centre,
                                                        approved_at=timezone.now())
    volunteer = f.UserFactory(role=User.Role.VOLUNTEER, username=f"rel_{code}_matrix", command_centre=None, community=other_community)
    Volunteer.objects.create(community=other_community, name=f"Relawan {upper}", phone=f"0816{NUMBERS[code][4:]}", user=volunteer)
    users = {
        "call_taker": f.call_taker(centre, username=f"ct_{code}_matrix"),
        "dispatcher": f.dispatcher(damkar, username=f"d_{code}_matrix"),
        "dispatcher_not_offered": f.dispatcher(psc, username=f"psc_{code}_matrix"),
        "supervisor": f.supervisor(centre, username=f"spv_{code}_matrix"),
        "official": f.UserFactory(role=User.Role.OFFICIAL, username=f"off_{code}_matrix", command_centre=centre),
        "provincial_supervisor": f.UserFactory(role=User.Role.SUPERVISOR, username=f"spv{centre.province_id}_matrix", command_centre=None,
                                               province=centre.province),
        "volunteer": volunteer,
        "coordinator": coordinator,
        # A crew's scope is its unit (issue 16).
        "crew": f.UserFactory(role=User.Role.CREW, username=f"crew_{code}_matrix", command_centre=None,
                              unit=f.UnitFactory(agency=damkar, call_sign=f"{upper}-MATRIX-1")),
        "anonymous": None,
    }
    ids = {
        "call_id": call.pk, "incident_id": incident.pk, "pk": incident.pk, "assignment_id": assignment.pk,
        "alert_id": alert.pk, "unit_id": unit.pk, "community_id": community.pk, "member_id": member.pk,
        "callout_id": callout.pk, "number": NUMBERS[code],
        "link_id": caller_link.pk, "position_id": position.pk, "photo_id": photo.pk,
    }
    return {"centre": centre, "users": users, "ids": ids, "report": report, "incident": incident, "callout": callout,
            "damkar": damkar, "psc": psc, "requester": requester}


@pytest.fixture
def world(fire_category):
    pky = f.CommandCentreFactory()
    smd = f.samarinda_centre()
    return {"pky": _centre_world("pky", pky, fire_category), "smd": _centre_world("smd", smd, fire_category)}


def _fill(route, ids, report):
    """The route with its parameters set to the given objects; None when a parameter has no object here."""
    if route == "api/v1/reports/monthly/<int:pk>/<str:ext>/":
        return f"/api/v1/reports/monthly/{report.pk}/pdf/"
    return fill_route(route, ids)


def _client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _leaks(body: str, code: str) -> list[str]:
    return [m for m in markers(code) if m in body]


def _pairs():
    """(us, them): each centre's users against the other centre's objects."""
    return [("pky", "smd"), ("smd", "pky")]


def test_no_role_of_either_centre_reaches_the_other_centres_objects_through_any_endpoint(world):
    unfillable, problems, checked = set(), [], 0
    for us, them in _pairs():
        foreign = world[them]
        for route, methods in api_routes():
            if route in PUBLIC_OR_NOT_SCOPED:
                continue
            path = _fill(route, foreign["ids"], foreign["report"])
            if path is None:
                unfillable.add(route)
                continue
            scoped_query = {"centre": foreign["centre"].pk, "incident": foreign["ids"]["incident_id"]}
            for role, user in world[us]["users"].items():
                client = _client(user)
                for method in methods:
                    if method == "GET":
                        response = client.get(path, scoped_query if "<" not in route else None)
                    else:
                        response = getattr(client, method.lower())(path, {}, format="json")
                    checked += 1
                    body = response.content.decode("utf-8", errors="replace")
                    # a caller's number is a search, not an object: the answer echoes it, and must hold nothing else
                    is_search = "<str:number>" in route
                    has_param = "<" in route and not is_search
                    if has_param and 200 <= response.status_code < 300:
                        problems.append(f"{us}/{role} {method} {path} → {response.status_code} on {them}'s object")
                    number = NUMBERS[them]
                    leaked = _leaks(body.replace(number, "") if is_search else body, them)
                    if is_search:
                        leaked = [m for m in leaked if m != number[1:11]]
                    if leaked:
                        problems.append(f"{us}/{role} {method} {path} → {response.status_code} shows {leaked}")
                    if response.status_code >= 500:
                        problems.append(f"{us}/{role} {method} {path} → {response.status_code}")
    assert sorted(unfillable) == [], f"routes this matrix cannot reach (add their objects to the world): {sorted(unfillable)}"
    assert checked > 2 * 600, checked
    assert problems == [], "\n".join(problems)


def test_an_agency_never_offered_the_incident_reaches_none_of_it_nor_its_callouts(world):
    """Within one centre (issue 28, item 3): PSC 119 was never offered the fire. Every endpoint aimed at the fire,
    its call and its call-out answers no 2xx and shows neither the description, the caller nor the volunteer's
    name — exactly as GET /api/v1/incidents/{id}/ is 404 for it."""
    problems, checked = [], 0
    for code in CENTRES:
        own = world[code]
        psc = own["users"]["dispatcher_not_offered"]
        client = _client(psc)
        number = NUMBERS[code]
        secret = (number, f"RAHASIA-{code.upper()}", f"Relawan Rahasia {code.upper()}")
        for route, methods in api_routes():
            if route in PUBLIC_OR_NOT_SCOPED:
                continue
            if not any(p in route for p in ("<int:incident_id>", "<int:callout_id>", "<int:call_id>", "<int:assignment_id>",
                                            "<int:alert_id>", "<int:pk>")) and "<" in route:
                continue
            path = _fill(route, own["ids"], own["report"])
            for method in methods:
                if method == "GET":
                    response = client.get(path, {"incident": own["ids"]["incident_id"]} if "<" not in route else None)
                else:
                    response = getattr(client, method.lower())(path, {"needed": 1, "community": own["ids"]["community_id"]}, format="json")
                checked += 1
                body = response.content.decode("utf-8", errors="replace")
                if "<" in route and 200 <= response.status_code < 300:
                    problems.append(f"{code} PSC {method} {path} → {response.status_code}")
                shown = [m for m in secret if m in body]
                if shown:
                    problems.append(f"{code} PSC {method} {path} → {response.status_code} shows {shown}")
                if response.status_code >= 500:
                    problems.append(f"{code} PSC {method} {path} → {response.status_code}")
        assert client.get(f"/api/v1/incidents/{own['ids']['incident_id']}/").status_code == 404
    assert checked > 60, checked
    assert problems == [], "\n".join(problems)


def _pages(foreign):
    """The volunteers', board and report surfaces, aimed at another centre: (what, path)."""
    ids = foreign["ids"]
    centre = foreign["centre"].pk
    report_api = "/api/v1/reports/coordination/"
    return [
        ("phone page", "/relawan/"),
        ("coordinator page", "/relawan/koordinator/"),
        ("foreign community's page", f"/relawan/koordinator/{ids['community_id']}/"),
        ("board page", f"/board/?centre={centre}"),
        ("board API", f"/api/v1/board/?centre={centre}"),
        ("board drill-down", f"/api/v1/board/incidents/{ids['incident_id']}/"),
        ("report page", "/laporan/"),
        *((f"report {fmt}", f"{report_api}?centre={centre}&format={fmt}") for fmt in ("json", "csv", "xlsx", "pdf")),
        *((f"monthly {ext}", f"/api/v1/reports/monthly/{foreign['report'].pk}/{ext}/") for ext in ("csv", "xlsx", "pdf")),
        ("monthly list", "/api/v1/reports/monthly/"),
        ("call-outs list", f"/api/v1/callouts/?incident={ids['incident_id']}&open=0"),
        ("community call-outs", f"/api/v1/communities/{ids['community_id']}/callouts/"),
        ("community members", f"/api/v1/communities/{ids['community_id']}/members/"),
    ]


# Surfaces whose 2xx answer is the user's own scope (a list or a page of their own), never the foreign object:
# only the markers decide for them.
OWN_SCOPE_PAGES = {"phone page", "coordinator page", "report page", "monthly list", "call-outs list"}


def test_volunteers_board_reports_and_exports_for_every_role_of_both_centres(world):
    problems, cells = [], 0
    for us, them in _pairs():
        foreign = world[them]
        for (role, user), (what, path) in itertools.product(world[us]["users"].items(), _pages(foreign)):
            client = Client()
            if user is not None:
                client.force_login(user)
            response = client.get(path)
            cells += 1
            body = response.content.decode("utf-8", errors="replace") if response.get("Content-Type", "").startswith(("text/", "application/json")) else ""
            if response.status_code >= 500:
                problems.append(f"{us}/{role} {what} → {response.status_code}")
            elif 200 <= response.status_code < 300 and what not in OWN_SCOPE_PAGES:
                problems.append(f"{us}/{role} {what} {path} → {response.status_code} on {them}'s")
            leaked = _leaks(body, them)
            if leaked:
                problems.append(f"{us}/{role} {what} {path} → {response.status_code} shows {leaked}")
            if what.startswith("monthly ") and what != "monthly list" and b"RAHASIA" in b"".join(getattr(response, "streaming_content", [])):
                problems.append(f"{us}/{role} {what} → the other centre's file")
    assert cells == 2 * len(ROLES) * len(_pages(world["smd"]))
    assert problems == [], "\n".join(problems)


def test_each_centres_own_staff_do_reach_their_own_reports_board_and_callouts(world):
    # the matrix would see a leak: the markers really are in each centre's answers to its own staff
    for code in CENTRES:
        own = world[code]
        supervisor = own["users"]["supervisor"]
        client = Client()
        client.force_login(supervisor)
        assert _leaks(client.get(f"/api/v1/board/incidents/{own['ids']['incident_id']}/").content.decode(), code)
        assert client.get(f"/api/v1/reports/coordination/?centre={own['centre'].pk}&format=csv").status_code == 200
        callouts = _client(own["users"]["dispatcher"]).get(f"/api/v1/callouts/{own['ids']['callout_id']}/")
        assert callouts.status_code == 200 and f"Relawan Rahasia {code.upper()}" in callouts.content.decode()
        body = _client(own["requester"]).get(f"/api/v1/incidents/{own['ids']['incident_id']}/").content.decode()
        assert _leaks(body, code)
