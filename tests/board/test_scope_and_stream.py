"""Who sees which board, and the snapshot joining the live stream at `last_seq` without gap or duplicate."""
import threading
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.urls import reverse

from agencies.models import User
from incidents import selectors
from incidents.models import SupervisorAlert, TimelineEvent
from incidents.services import alert_acknowledge, assignment_expire, incident_create, incident_route
from reporting.board.selectors import board_snapshot
from tests import factories as f


def board(client, user, **params):
    client.force_login(user)
    return client.get(reverse("api-board"), params)


@pytest.fixture
def three_centres(centre, smd, paser, fire_category):
    """One open, routed fire incident in each centre, a unit and an agency each, an expired offer (alert) in each."""
    made = {}
    for c, point in ((centre, f.PKY), (smd, f.SMD), (paser, (116.2, -1.9))):
        agency = f.AgencyFactory(command_centre=c, type="fire", short_name=f"Damkar {c.code}")
        f.UnitFactory(agency=agency, call_sign=f"{c.code}-1", position=Point(*point, srid=4326))
        taker = f.call_taker(c, username=f"ct_{c.code}")
        incident, _ = incident_create(actor=taker, category="kebakaran", location=Point(*point, srid=4326), caller_number="081234567890")
        [offer] = incident_route(incident_id=incident.pk, actor=taker)
        assignment_expire(assignment_id=offer.pk, now=offer.ack_deadline + timedelta(seconds=1))
        incident_route(incident_id=incident.pk, actor=taker, agency_ids=[agency.pk])
        made[c.code] = {"centre": c, "incident": incident, "agency": agency, "taker": taker}
    return made


def centre_ids_in(data):
    ids = {c["id"] for c in data["centres"]}
    ids |= {i["command_centre"] for i in data["incidents"]} | {o["command_centre"] for o in data["offers"]}
    ids |= {a["command_centre"] for a in data["alerts"]} | {a["command_centre"] for a in data["agencies"]}
    ids |= {u["command_centre"] for u in data["units"]} | {u["command_centre"] for u in data["call_takers"]}
    return ids


@pytest.mark.django_db
def test_a_samarinda_supervisor_sees_nothing_of_palangka_raya(client, three_centres, supervisor_smd):
    data = board(client, supervisor_smd).json()
    smd = three_centres["smd"]
    assert centre_ids_in(data) == {smd["centre"].pk}
    assert [i["id"] for i in data["incidents"]] == [smd["incident"].pk]
    assert {o["incident"] for o in data["offers"]} == {smd["incident"].pk}
    assert {a["incident"] for a in data["alerts"]} == {smd["incident"].pk}
    assert [c["user"] for c in data["call_takers"]] == [smd["taker"].pk]
    assert data["centres"][0]["timezone"] == "Asia/Makassar" and data["centres"][0]["local_time"].endswith("+08:00")
    # the drill-down of a Palangka Raya incident is "not found"
    client.force_login(supervisor_smd)
    pky_incident = three_centres["pky"]["incident"]
    r = client.get(reverse("api-board-incident", args=[pky_incident.pk]))
    assert r.status_code == 404 and r.json()["error"]["code"] == "incident_not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor_kaltim", "official_kaltim"])
def test_the_provincial_board_sees_samarinda_and_paser_not_palangka_raya(client, three_centres, who, request):
    user = request.getfixturevalue(who)
    data = board(client, user).json()
    expected = {three_centres["smd"]["centre"].pk, three_centres["psr"]["centre"].pk}
    assert centre_ids_in(data) == expected
    assert {i["id"] for i in data["incidents"]} == {three_centres[c]["incident"].pk for c in ("smd", "psr")}
    assert [c["name"] for c in data["centres"]] == ["112 Kabupaten Paser", "112 Kota Samarinda"]
    # ?centre= narrows to one of them; a centre outside the province is not found
    one = board(client, user, centre=three_centres["psr"]["centre"].pk).json()
    assert centre_ids_in(one) == {three_centres["psr"]["centre"].pk}
    r = board(client, user, centre=three_centres["pky"]["centre"].pk)
    assert r.status_code == 404 and r.json()["error"]["code"] == "centre_not_found"
    r = board(client, user, centre="samarinda")
    assert r.status_code == 400 and "centre" in r.json()["error"]["fields"]


@pytest.mark.django_db
def test_other_roles_get_403(client, three_centres, damkar_dispatcher):
    pky = three_centres["pky"]["centre"]
    volunteer = f.UserFactory(role=User.Role.VOLUNTEER, command_centre=None, community=f.CommunityFactory(command_centre=pky))
    for user in (three_centres["pky"]["taker"], damkar_dispatcher, volunteer):
        r = board(client, user)
        assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied", user.role
        client.force_login(user)
        assert client.get(reverse("board")).status_code == 403
    client.logout()
    assert client.get(reverse("api-board")).status_code in (401, 403)


@pytest.mark.django_db
def test_officials_read_the_board_but_cannot_act(client, three_centres, official_pky):
    data = board(client, official_pky).json()
    assert centre_ids_in(data) == {three_centres["pky"]["centre"].pk}
    page = client.get(reverse("board"))
    assert page.status_code == 200 and b'"canAct": false' in page.content
    alert = SupervisorAlert.objects.filter(command_centre=three_centres["pky"]["centre"]).first()
    r = client.post(reverse("api-alert-acknowledge", args=[alert.pk]), {"note": "x"}, content_type="application/json")
    assert r.status_code == 403
    incident = three_centres["pky"]["incident"]
    r = client.post(reverse("api-incident-cancel", args=[incident.pk]), {"reason": "x"}, content_type="application/json")
    assert r.status_code == 403


@pytest.mark.django_db
def test_acknowledge_with_a_note(client, three_centres, supervisor_kaltim):
    alert = SupervisorAlert.objects.filter(command_centre=three_centres["smd"]["centre"]).order_by("pk").first()
    client.force_login(supervisor_kaltim)
    url = reverse("api-alert-acknowledge", args=[alert.pk])
    # a note too long is a 400 and stores nothing
    r = client.post(url, {"note": "x" * 2001}, content_type="application/json")
    assert r.status_code == 400 and "note" in r.json()["error"]["fields"]
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and not TimelineEvent.objects.filter(kind="alert.acknowledged").exists()
    r = client.post(url, {"note": "Sudah ditelepon ke Damkar, unit berangkat"}, content_type="application/json")
    assert r.status_code == 200
    event = TimelineEvent.objects.get(kind="alert.acknowledged")
    assert event.payload["note"] == "Sudah ditelepon ke Damkar, unit berangkat"
    assert event.payload["acknowledged_by"] == supervisor_kaltim.pk and event.actor_id == supervisor_kaltim.pk
    row = next(a for a in board(client, supervisor_kaltim).json()["alerts"] if a["id"] == alert.pk)
    assert row["acknowledged"] is True and row["acknowledged_by"] == supervisor_kaltim.pk
    # a Palangka Raya alert is not the provincial (Kaltim) supervisor's
    other = SupervisorAlert.objects.filter(command_centre=three_centres["pky"]["centre"]).first()
    assert client.post(reverse("api-alert-acknowledge", args=[other.pk]), {}, content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_alert_raised_names_the_alerts_it_raised(three_centres):
    event = TimelineEvent.objects.filter(kind="alert.raised", incident=three_centres["pky"]["incident"]).get()
    ids = set(SupervisorAlert.objects.filter(incident=three_centres["pky"]["incident"]).values_list("pk", flat=True))
    assert {a["id"] for a in event.payload["alerts"]} == ids and len(ids) == 2


@pytest.mark.django_db
def test_second_stage_and_target_breach_name_their_alerts_too(make_incident, call_taker, damkar, damkar_dispatcher, supervisor_pky):
    from incidents.services import assignment_accept
    from incidents.services.escalation import assignment_second_stage, incident_check_service_target

    # an expiry, then its second stage (nobody accepted meanwhile)
    incident = make_incident()
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    expired = assignment_expire(assignment_id=offer.pk, now=offer.ack_deadline + timedelta(seconds=1))
    expired.refresh_from_db()
    assert assignment_second_stage(assignment_id=offer.pk, now=expired.second_stage_due_at + timedelta(seconds=1))
    # an accepted fire whose on-scene target passed
    late = make_incident()
    [offer2] = incident_route(incident_id=late.pk, actor=call_taker)
    assignment_accept(assignment_id=offer2.pk, actor=damkar_dispatcher)
    late.refresh_from_db()
    assert incident_check_service_target(incident_id=late.pk, now=late.on_scene_due_at + timedelta(seconds=1))

    for kind, about in (("second_stage", incident), ("target_breached", late)):
        event = TimelineEvent.objects.get(kind="alert.raised", payload__alert=kind)
        row = SupervisorAlert.objects.get(kind=kind)
        assert event.payload["alerts"] == [
            {"id": row.pk, "kind": kind, "message": row.message, "raised_at": row.created_at.isoformat(), "assignment": row.assignment_id}
        ] and row.incident_id == about.pk
    on_board = {a["kind"] for a in board_snapshot(user=supervisor_pky)["alerts"]}
    assert {"assignment_expired", "second_stage", "target_breached"} <= on_board


@pytest.mark.django_db
def test_drill_down_has_the_whole_timeline(client, three_centres, supervisor_pky):
    incident = three_centres["pky"]["incident"]
    client.force_login(supervisor_pky)
    data = client.get(reverse("api-board-incident", args=[incident.pk])).json()
    expected = list(TimelineEvent.objects.filter(incident=incident).order_by("seq").values_list("seq", flat=True))
    assert [e["seq"] for e in data["events"]] == expected and len(expected) > 5
    assert [a["status"] for a in data["assignments"]] == ["expired", "offered"]


@pytest.mark.django_db
def test_snapshot_then_stream_no_gap_no_duplicate(three_centres, supervisor_pky, make_incident):
    snap = board_snapshot(user=supervisor_pky)
    seen = {i["id"] for i in snap["incidents"]}
    # everything in the snapshot happened at or before last_seq
    created = dict(TimelineEvent.objects.filter(kind="incident.created").values_list("incident_id", "seq"))
    assert all(created[i] <= snap["last_seq"] for i in seen)
    later = make_incident()
    stream = selectors.events_after(supervisor_pky, snap["last_seq"], 1000)
    assert [e.kind for e in stream] == ["incident.created"] and stream[0].incident_id == later.pk
    assert later.pk not in seen


@pytest.mark.django_db(transaction=True)
def test_snapshots_taken_while_incidents_are_logged_are_consistent_with_last_seq(centre, fire_category, supervisor_pky):
    """A writer logs incidents as fast as it can while snapshots are read: every snapshot holds exactly the
    incidents whose `incident.created` has seq ≤ its last_seq — so the stream from last_seq adds each once."""
    taker = f.call_taker(centre, username="ct_race")
    stop = threading.Event()
    errors = []

    def writer():
        try:
            for _ in range(40):
                if stop.is_set():
                    break
                incident_create(actor=taker, category="kebakaran", location=Point(*f.PKY, srid=4326), caller_number="081234567890")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    checked = 0
    try:
        while thread.is_alive() or checked < 3:
            snap = board_snapshot(user=supervisor_pky)
            in_snapshot = {i["id"] for i in snap["incidents"]}
            up_to_seq = set(
                TimelineEvent.objects.filter(kind="incident.created", seq__lte=snap["last_seq"]).values_list("incident_id", flat=True)
            )
            assert in_snapshot == up_to_seq
            checked += 1
    finally:
        stop.set()
        thread.join()
    assert not errors and checked >= 3


@pytest.mark.django_db
def test_callouts_waiting_for_volunteers_are_on_the_board(make_incident, call_taker, centre, supervisor_pky, supervisor_smd):
    from django.utils import timezone

    from volunteers.models import Volunteer
    from volunteers.services import callout_accept, callout_create, callout_decline

    community = f.CommunityFactory(command_centre=centre, name="Relawan SAR Uji", approved_at=timezone.now())
    members = []
    for i, name in enumerate(("Ani", "Budi", "Citra")):
        account = f.UserFactory(username=f"rel_{name.lower()}", role=User.Role.VOLUNTEER, command_centre=None, community=community)
        members.append(Volunteer.objects.create(
            community=community, user=account, name=name, phone=f"08120000{i:04d}", skills=["first_aid"],
            availability=Volunteer.Availability.AVAILABLE, location=Point(f.PKY[0] + 0.001 * (i + 1), f.PKY[1], srid=4326),
            location_at=timezone.now(),
        ))
    short = callout_create(incident_id=make_incident().pk, actor=call_taker, community=community.pk, needed=2)
    filled = callout_create(incident_id=make_incident().pk, actor=call_taker, community=community.pk, needed=1)
    callout_accept(callout_id=short.pk, actor=members[0].user)
    callout_decline(callout_id=short.pk, actor=members[1].user)
    callout_accept(callout_id=filled.pk, actor=members[2].user)

    rows = {c["id"]: c for c in board_snapshot(user=supervisor_pky)["callouts"]}
    # given 3 alerted, 1 accepted and 1 declined of the 2 needed: still waiting; the filled one is not
    assert set(rows) == {short.pk}
    row = rows[short.pk]
    assert (row["needed"], row["accepted"], row["declined"], row["pending"]) == (2, 1, 1, 1)
    assert row["community"] == "Relawan SAR Uji" and row["ack_deadline"] == short.ack_deadline.isoformat()
    assert board_snapshot(user=supervisor_smd)["callouts"] == []


@pytest.mark.django_db
def test_the_provincial_supervisor_reroutes_hands_off_and_cancels_as_actor(client, three_centres, supervisor_kaltim):
    smd = three_centres["smd"]
    incident = smd["incident"]
    police = f.AgencyFactory(command_centre=smd["centre"], type="police", short_name="Polresta SMD")
    client.force_login(supervisor_kaltim)
    post = lambda name, pk, body: client.post(reverse(name, args=[pk]), body, content_type="application/json")  # noqa: E731

    r = post("api-incident-route", incident.pk, {"agencies": [police.pk]})
    assert r.status_code == 200, r.content
    offered = next(a for a in r.json() if a["agency"] == police.pk)
    r = post("api-assignment-handoff", offered["id"], {"to_agency": smd["agency"].pk, "reason": "x"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "already_assigned"  # Damkar already holds it
    other = f.AgencyFactory(command_centre=smd["centre"], type="disaster", short_name="BPBD SMD")
    r = post("api-assignment-handoff", offered["id"], {"to_agency": other.pk, "reason": "Bukan wewenang polisi"})
    assert r.status_code == 200, r.content
    r = post("api-incident-cancel", incident.pk, {"reason": "Laporan palsu, dikonfirmasi di lokasi"})
    assert r.status_code == 200, r.content

    events = TimelineEvent.objects.filter(incident=incident, seq__gt=0, actor=supervisor_kaltim).values_list("kind", flat=True)
    assert {"assignment.offered", "assignment.handed_off", "assignment.cancelled", "incident.status_changed"} <= set(events)
    # and a Palangka Raya incident is not theirs to touch
    r = post("api-incident-cancel", three_centres["pky"]["incident"].pk, {"reason": "x"})
    assert r.status_code == 404
