"""Issue 23 (dispatcher): an agency hands an incoming offer on without accepting it first, and what it finished
today stays listed ("Selesai hari ini", the local day of its centre)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import Assignment, SupervisorAlert, TimelineEvent
from incidents.services import assignment_accept, assignment_complete, assignment_expire, incident_create
from tests import factories as f

pytestmark = pytest.mark.django_db


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def bpbd(centre):
    return f.AgencyFactory(command_centre=centre, type="disaster", short_name="BPBD PKY")


def test_an_offer_is_handed_off_without_accepting_it(offered, damkar_dispatcher, bpbd):
    # given an incident offered to Damkar, not accepted
    assert offered.status == Assignment.Status.OFFERED
    # when the Damkar dispatcher hands it straight to BPBD with a reason (the console's dialog posts this)
    response = client(damkar_dispatcher).post(
        f"/api/v1/assignments/{offered.pk}/handoff/", {"to_agency": bpbd.pk, "reason": "Pohon tumbang, bukan kebakaran"},
        format="json",
    )
    # then BPBD is offered it under the usual acknowledgement timer, the chain is kept, the reason recorded
    assert response.status_code == 200, response.content
    new = Assignment.objects.get(pk=response.json()["id"])
    assert (new.agency, new.status, new.previous_id) == (bpbd, Assignment.Status.OFFERED, offered.pk)
    assert new.ack_deadline is not None and new.reason == "Pohon tumbang, bukan kebakaran"
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.HANDED_OFF and offered.handed_off_at is not None
    handed = TimelineEvent.objects.get(kind="assignment.handed_off")
    assert handed.payload["old"] == "offered" and handed.payload["to_agency"] == bpbd.pk
    assert handed.payload["reason"] == "Pohon tumbang, bukan kebakaran"
    # the old offer's timer can no longer expire anything, and nobody is told the incident was left unrouted
    assert assignment_expire(assignment_id=offered.pk, now=timezone.now() + timedelta(hours=1)) is None
    assert not SupervisorAlert.objects.filter(incident=offered.incident).exists()
    # Damkar's offer list no longer shows it; BPBD's does
    assert offered not in selectors.assignments_visible_to(damkar_dispatcher).filter(status="offered")
    bpbd_user = f.dispatcher(bpbd, username="disp_bpbd")
    listed = client(bpbd_user).get("/api/v1/assignments/?status=offered&open=1").json()
    assert [a["id"] for a in listed["results"]] == [new.pk]


def test_an_offer_handoff_needs_a_reason_and_a_real_agency(offered, damkar_dispatcher, bpbd):
    c = client(damkar_dispatcher)
    no_reason = c.post(f"/api/v1/assignments/{offered.pk}/handoff/", {"to_agency": bpbd.pk, "reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    to_self = c.post(f"/api/v1/assignments/{offered.pk}/handoff/", {"to_agency": offered.agency_id, "reason": "x"}, format="json")
    assert to_self.status_code == 400 and to_self.json()["error"]["code"] == "same_agency"
    offered.refresh_from_db()
    assert offered.status == Assignment.Status.OFFERED
    assert not TimelineEvent.objects.filter(kind="assignment.handed_off").exists()


def test_completed_today_lists_the_agencys_work_finished_in_its_local_day(make_incident, call_taker, damkar, damkar_dispatcher):
    from incidents.services import incident_route

    # given three incidents Damkar (Palangka Raya, WIB) accepted: one finished now, one finished "yesterday" WIB
    # though still "today" in UTC terms, one still being handled
    done_now, done_yesterday, working = (make_incident() for _ in range(3))
    assignments = {}
    for incident in (done_now, done_yesterday, working):
        [a] = incident_route(incident_id=incident.pk, actor=call_taker)
        assignments[incident.pk] = assignment_accept(assignment_id=a.pk, actor=damkar_dispatcher)
    assignment_complete(assignment_id=assignments[done_now.pk].pk, actor=damkar_dispatcher, note="api padam")
    assignment_complete(assignment_id=assignments[done_yesterday.pk].pk, actor=damkar_dispatcher)
    wib = ZoneInfo("Asia/Jakarta")
    local_midnight = timezone.now().astimezone(wib).replace(hour=0, minute=0, second=0, microsecond=0)
    Assignment.objects.filter(pk=assignments[done_yesterday.pk].pk).update(completed_at=local_midnight - timedelta(minutes=1))

    # when the dispatcher console asks for today's finished work
    body = client(damkar_dispatcher).get("/api/v1/assignments/?completed_today=1").json()

    # then only the one finished since local midnight is listed, with when it finished and its incident
    assert [(a["incident"], a["status"]) for a in body["results"]] == [(done_now.pk, "completed")]
    row = body["results"][0]
    assert row["incident_reference"] == done_now.reference and row["completed_at"]
    # another agency sees none of it
    other = f.dispatcher(f.AgencyFactory(command_centre=damkar.command_centre, type="ems", short_name="PSC"), username="psc")
    assert client(other).get("/api/v1/assignments/?completed_today=1").json()["results"] == []


def test_completed_today_is_each_centres_own_local_day():
    # 23:30 WIB on 1 May is 00:30 WITA on 2 May: the same instant is "yesterday" for Palangka Raya at 00:10 WIB on
    # 2 May, and "today" for Samarinda
    pky = f.CommandCentreFactory()
    smd = f.samarinda_centre()
    a_pky = f.AgencyFactory(command_centre=pky, type="fire", short_name="Damkar PKY")
    a_smd = f.AgencyFactory(command_centre=smd, type="fire", short_name="Damkar SMD")
    category = f.CategoryFactory()
    instant = datetime(2026, 5, 1, 16, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 WIB, 00:30 WITA (2 May)
    now = datetime(2026, 5, 1, 17, 10, tzinfo=ZoneInfo("UTC"))  # 00:10 WIB on 2 May, 01:10 WITA
    rows = []
    for agency, centre, point in ((a_pky, pky, f.PKY), (a_smd, smd, f.SMD)):
        incident, _created = incident_create(actor=f.call_taker(centre, username=f"ct_{centre.code}"), category=category.code,
                                             location=Point(*point, srid=4326), caller_number="081234567890")
        rows.append(Assignment.objects.create(incident=incident, agency=agency, status="completed", offered_at=instant,
                                              completed_at=instant))
    found = selectors.assignments_completed_today(Assignment.objects.all(), now=now)
    assert list(found) == [rows[1]]
