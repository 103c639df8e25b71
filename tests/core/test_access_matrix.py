"""Access matrix, generated from the URL conf (issue 14): every API endpoint × every role of one centre, aimed at
another centre's objects. A user may never read or change what is outside their scope — no 2xx on a foreign
object, and no foreign data in any answer — and a new endpoint cannot be forgotten: a route whose parameters this
test cannot fill fails it until someone says how to reach that route's objects.

The world: Palangka Raya (PKY, province 62) is "us"; Samarinda (SMD, province 64) is "them", with a call, an
incident with its caller, an assignment, an alert, a unit, a community with a member and a call-out, a monthly
report. Markers (a caller number, a description, a community name) must never appear in an answer to us.
"""
import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from incidents.models import SupervisorAlert
from incidents.services import call_start, incident_create, incident_route
from tests import factories as f
from tests.support import api_routes, fill_route

pytestmark = pytest.mark.django_db

FOREIGN_NUMBER = "081199988877"
FOREIGN_MARKERS = (FOREIGN_NUMBER, "8119998887", "RAHASIA-SMD", "Komunitas Rahasia SMD", "Relawan Rahasia SMD")

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


@pytest.fixture
def world(fire_category, damkar):
    """Our users (PKY), and SMD's objects."""
    from volunteers.models import CallOut, Volunteer, VolunteerCommunity
    from reporting.models import MonthlyReport

    pky = damkar.command_centre
    smd = f.samarinda_centre()
    smd_damkar = f.AgencyFactory(command_centre=smd, type="fire", short_name="Damkar SMD")
    smd_ct = f.call_taker(smd, username="ct_smd_matrix")
    call = call_start(actor=smd_ct, caller_number=FOREIGN_NUMBER)
    incident, _ = incident_create(
        actor=smd_ct, category=fire_category.code, location=Point(*f.SMD, srid=4326), caller_number=FOREIGN_NUMBER,
        caller_name="Penelepon Rahasia", description="RAHASIA-SMD gudang terbakar",
    )
    [assignment] = incident_route(incident_id=incident.pk, actor=smd_ct, agency_ids=[smd_damkar.pk])
    alert = SupervisorAlert.objects.create(
        command_centre=smd, incident=incident, assignment=assignment, kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED,
        message="RAHASIA-SMD", created_at=timezone.now(),
    )
    unit = f.UnitFactory(agency=smd_damkar, call_sign="SMD-RAHASIA-1")
    community = VolunteerCommunity.objects.create(
        name="Komunitas Rahasia SMD", kind=VolunteerCommunity.Kind.SAR, command_centre=smd, approved_at=timezone.now()
    )
    member = Volunteer.objects.create(community=community, name="Relawan Rahasia SMD", phone="081377766655")
    callout = CallOut.objects.create(incident=incident, community=community, needed=1, sent_at=timezone.now(), sent_by=smd_ct)
    report = MonthlyReport(command_centre=smd, month=datetime.date(2026, 10, 1), data={"note": "RAHASIA-SMD"},
                           generated_at=timezone.now())
    for field in ("csv_file", "xlsx_file", "pdf_file"):
        getattr(report, field).save(f"smd-2026-10.{field[:3]}", ContentFile(b"RAHASIA-SMD"), save=False)
    report.save()
    # the caller's phone (issue 24): a link, a fix, a photo and a message of SMD's incident
    from incidents.models import CallerPhoto
    from incidents.services import caller_link_send, caller_message_receive, caller_position_receive
    from incidents.services.callerlink import link_token

    caller_link, _created, _url = caller_link_send(actor=smd_ct, base_url="https://smd.example", incident_id=incident.pk)
    token = link_token(caller_link.token_salt)
    position = caller_position_receive(token=token, lat=-0.5022, lon=117.1536, accuracy_m=7)
    caller_message_receive(token=token, text="RAHASIA-SMD saya di lantai 2")
    photo = CallerPhoto.objects.create(
        link=caller_link, incident=incident, image=ContentFile(b"RAHASIA-SMD", name="smd.jpg"),
        thumbnail=ContentFile(b"RAHASIA-SMD", name="smd-thumb.jpg"), width=1, height=1, size_bytes=11, original_format="JPEG",
        received_at=timezone.now(),
    )

    pky_community = VolunteerCommunity.objects.create(name="SAR PKY", kind=VolunteerCommunity.Kind.SAR, command_centre=pky,
                                                      approved_at=timezone.now())
    volunteer_user = f.UserFactory(role=User.Role.VOLUNTEER, username="rel_pky_matrix", command_centre=None, community=pky_community)
    Volunteer.objects.create(community=pky_community, name="Relawan PKY", phone="081366655544", user=volunteer_user)
    users = {
        "call_taker": f.call_taker(pky, username="ct_pky_matrix"),
        "dispatcher": f.dispatcher(damkar, username="d_pky_matrix"),
        "supervisor": f.supervisor(pky, username="spv_pky_matrix"),
        "official": f.UserFactory(role=User.Role.OFFICIAL, username="off_pky_matrix", command_centre=pky),
        "provincial_supervisor": f.UserFactory(role=User.Role.SUPERVISOR, username="spv62_matrix", command_centre=None,
                                               province=pky.province),
        "volunteer": volunteer_user,
        # A crew's scope is its unit (issue 16): it must reach nothing of SMD's either.
        "crew": f.UserFactory(role=User.Role.CREW, username="crew_pky_matrix", command_centre=None,
                              unit=f.UnitFactory(agency=damkar, call_sign="PKY-MATRIX-1")),
        "anonymous": None,
    }
    ids = {
        "call_id": call.pk, "incident_id": incident.pk, "pk": incident.pk, "assignment_id": assignment.pk,
        "alert_id": alert.pk, "unit_id": unit.pk, "community_id": community.pk, "member_id": member.pk,
        "callout_id": callout.pk, "number": FOREIGN_NUMBER,
        "link_id": caller_link.pk, "position_id": position.pk, "photo_id": photo.pk,
    }
    return {"users": users, "ids": ids, "smd": smd, "report": report}


def _fill(route, ids, report):
    """The route with its parameters set to SMD's objects; None when a parameter has no object here."""
    if route == "api/v1/reports/monthly/<int:pk>/<str:ext>/":
        return f"/api/v1/reports/monthly/{report.pk}/pdf/"
    return fill_route(route, ids)


def _client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _leaks(body: str) -> list[str]:
    return [m for m in FOREIGN_MARKERS if m in body]


def test_no_role_reaches_another_centres_objects_through_any_endpoint(world):
    unfillable, problems, checked = [], [], 0
    for route, methods in api_routes():
        if route in PUBLIC_OR_NOT_SCOPED:
            continue
        path = _fill(route, world["ids"], world["report"])
        if path is None:
            unfillable.append(route)
            continue
        scoped_query = {"centre": world["smd"].pk, "incident": world["ids"]["incident_id"]}
        for role, user in world["users"].items():
            client = _client(user)
            for method in methods:
                if method == "GET":
                    response = client.get(path, scoped_query if "<" not in route else None)
                else:
                    response = getattr(client, method.lower())(path, {}, format="json")
                checked += 1
                body = response.content.decode("utf-8", errors="replace")
                # a caller's number is a search, not an object: the answer echoes it, and must hold nothing else of SMD's
                is_search = "<str:number>" in route
                has_param = "<" in route and not is_search
                if has_param and 200 <= response.status_code < 300:
                    problems.append(f"{role} {method} {path} → {response.status_code} on another centre's object")
                leaked = _leaks(body.replace(FOREIGN_NUMBER, "") if is_search else body)
                if is_search:
                    leaked = [m for m in leaked if m != "8119998887"]
                if leaked:
                    problems.append(f"{role} {method} {path} → {response.status_code} shows {leaked}")
                if response.status_code >= 500:
                    problems.append(f"{role} {method} {path} → {response.status_code}")
    assert unfillable == [], f"routes this matrix cannot reach (add their objects to the world): {unfillable}"
    assert checked > 300
    assert problems == [], "\n".join(problems)


def test_the_matrix_sees_foreign_data_when_it_is_there(world):
    # the markers really are in SMD's answers (so the test above would see a leak): SMD's own call-taker reads them
    smd_ct = User.objects.get(username="ct_smd_matrix")
    body = _client(smd_ct).get(f"/api/v1/incidents/{world['ids']['incident_id']}/").content.decode()
    assert _leaks(body)
