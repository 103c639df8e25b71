"""Issue 23 item 3: one line per incident for alerts. `GET /api/v1/alerts/?open=1&group=incident` gives one item per
incident (worst first: priority, then the longest waiting) with its alerts; `POST /api/v1/incidents/{id}/alerts/
acknowledge/` marks all of them handled in one transaction and one timeline event; the per-alert endpoints stay."""
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from agencies.models import User
from incidents.models import SupervisorAlert, TimelineEvent
from tests import factories as f
from tests.api.conftest import assert_error, client_for
from tests.api.race import race

pytestmark = pytest.mark.django_db


def _alert(incident, kind, minutes_ago, assignment=None):
    return SupervisorAlert.objects.create(
        command_centre_id=incident.command_centre_id, incident=incident, kind=kind, assignment=assignment,
        message=f"{incident.reference} {kind}", created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def world(make_incident, call_taker):
    """Three incidents with alerts: a P3 waiting 20 min (3 alerts), a P1 waiting 2 min (2 alerts), a P1 waiting
    9 min (1 alert, plus one already acknowledged)."""
    from incidents.services import incident_route

    p3 = make_incident(priority=3)
    [offer] = incident_route(incident_id=p3.pk, actor=call_taker)
    p1_recent, p1_old = make_incident(priority=1), make_incident(priority=1)
    alerts = {
        "p3": [_alert(p3, "assignment_expired", 20, offer), _alert(p3, "no_backup", 19, offer), _alert(p3, "unrouted", 5)],
        "p1_recent": [_alert(p1_recent, "unrouted", 2), _alert(p1_recent, "target_breached", 1)],
        "p1_old": [_alert(p1_old, "unrouted", 9)],
    }
    done = _alert(p1_old, "target_breached", 30)
    done.acknowledged_at = timezone.now() - timedelta(minutes=25)
    done.save(update_fields=["acknowledged_at"])
    return {"p3": p3, "p1_recent": p1_recent, "p1_old": p1_old, "alerts": alerts, "done": done}


def test_open_alerts_grouped_one_item_per_incident_worst_first(supervisor, world, django_assert_max_num_queries):
    client = client_for(supervisor)
    # when the board asks for open alerts, one line per incident
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/alerts/?open=1&group=incident").json()
    # then three lines for six open alerts: P1s first (the longest waiting first), then the P3
    assert body["count"] == 3
    items = body["results"]
    assert [i["incident"] for i in items] == [world["p1_old"].pk, world["p1_recent"].pk, world["p3"].pk]
    p3 = items[2]
    assert p3["reference"] == world["p3"].reference and p3["priority"] == 3 and p3["count"] == 3 and p3["open_count"] == 3
    assert p3["kinds"] == ["assignment_expired", "no_backup", "unrouted"]  # in the order raised
    assert [a["id"] for a in p3["alerts"]] == [a.pk for a in world["alerts"]["p3"]]
    assert datetime.fromisoformat(p3["latest_raised_at"]) == world["alerts"]["p3"][-1].created_at
    assert {"incident_reference", "kind", "message", "created_at", "acknowledged_at"} <= set(p3["alerts"][0])
    # the already acknowledged alert is not in an open=1 group
    p1_old = items[0]
    assert p1_old["count"] == 1 and p1_old["kinds"] == ["unrouted"]
    # without open=1 it is, and the group still counts as open (it has an open alert)
    everything = client.get("/api/v1/alerts/?group=incident").json()["results"]
    assert [i["incident"] for i in everything][0] == world["p1_old"].pk
    assert everything[0]["count"] == 2 and everything[0]["open_count"] == 1


def test_the_incident_filter_and_the_ungrouped_list(supervisor, world):
    client = client_for(supervisor)
    p3 = world["p3"]
    grouped = client.get(f"/api/v1/alerts/?group=incident&incident={p3.pk}").json()["results"]
    assert [g["incident"] for g in grouped] == [p3.pk]
    flat = client.get(f"/api/v1/alerts/?incident={p3.pk}").json()
    assert flat["count"] == 3 and {a["incident"] for a in flat["results"]} == {p3.pk}
    # the list per alert is as before: open first, newest first
    assert [a["id"] for a in client.get("/api/v1/alerts/?open=1").json()["results"]][:2] == [
        world["alerts"]["p1_recent"][1].pk, world["alerts"]["p1_recent"][0].pk,
    ]


@pytest.mark.parametrize("query", ["group=alert", "group=kejadian", "incident=abc", "incident=0", "open=maybe"])
def test_bad_filters_are_a_clear_400(supervisor, world, query):
    assert_error(client_for(supervisor).get(f"/api/v1/alerts/?{query}"), 400)


def test_acknowledging_an_incident_acknowledges_all_its_open_alerts_with_one_event(supervisor, world):
    client = client_for(supervisor)
    p3 = world["p3"]
    # when the supervisor marks the P3 line handled, with a note
    r = client.post(f"/api/v1/incidents/{p3.pk}/alerts/acknowledge/", {"note": "Damkar dihubungi lewat radio"}, format="json")
    # then its three alerts are acknowledged by them, and nothing else
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["acknowledged"] == 3 and body["incident"] == p3.pk and body["open_count"] == 0 and body["count"] == 3
    assert {a["acknowledged_by"] for a in body["alerts"]} == {supervisor.pk}
    assert {a["acknowledged_by_name"] for a in body["alerts"]} == {supervisor.get_full_name() or supervisor.username}
    assert not SupervisorAlert.objects.filter(incident=p3, acknowledged_at__isnull=True).exists()
    assert SupervisorAlert.objects.filter(acknowledged_at__isnull=True).count() == 3
    # one timeline event naming them all, with the note, for the centre only
    [event] = TimelineEvent.objects.filter(kind="alert.acknowledged")
    assert event.incident_id == p3.pk and event.actor_id == supervisor.pk
    assert event.payload["alerts"] == [a.pk for a in world["alerts"]["p3"]]
    assert event.payload["kinds"] == ["assignment_expired", "no_backup", "unrouted"]
    assert event.payload["note"] == "Damkar dihubungi lewat radio" and event.payload["alert"] == world["alerts"]["p3"][0].pk
    assert event.centre_ids == [p3.command_centre_id] and event.agency_ids == [] and event.community_ids == []
    # the open list has two lines left
    assert client.get("/api/v1/alerts/?open=1&group=incident").json()["count"] == 2

    # when it is sent again (a retry, a colleague's click): 200, nothing acknowledged, nothing written
    again = client.post(f"/api/v1/incidents/{p3.pk}/alerts/acknowledge/", {"note": "lagi"}, format="json")
    assert again.status_code == 200 and again.json()["acknowledged"] == 0 and again.json()["open_count"] == 0
    assert TimelineEvent.objects.filter(kind="alert.acknowledged").count() == 1


def test_who_may_acknowledge(world, centre, smd_centre, call_taker, damkar_dispatcher):
    p1 = world["p1_recent"]
    url = f"/api/v1/incidents/{p1.pk}/alerts/acknowledge/"
    official = f.UserFactory(role=User.Role.OFFICIAL, command_centre=centre, username="pejabat")
    for user in (official, call_taker, damkar_dispatcher):
        assert_error(client_for(user).post(url, {}, format="json"), 403)
    # another centre's supervisor: not found, as is an incident that does not exist
    assert_error(client_for(f.supervisor(smd_centre, username="spv_smd")).post(url, {}, format="json"), 404, "incident_not_found")
    assert_error(client_for(f.supervisor(centre, username="spv2")).post("/api/v1/incidents/999999/alerts/acknowledge/", {}, format="json"),
                 404, "incident_not_found")
    # a note too long is refused whole
    assert_error(client_for(f.supervisor(centre, username="spv3")).post(url, {"note": "x" * 2001}, format="json"), 400, field="note")
    assert SupervisorAlert.objects.filter(incident=p1, acknowledged_at__isnull=True).count() == 2
    assert not TimelineEvent.objects.filter(kind="alert.acknowledged").exists()


def test_the_single_alert_endpoint_still_works_and_names_its_alert(supervisor, world):
    alert = world["alerts"]["p3"][1]
    r = client_for(supervisor).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "oke"}, format="json")
    assert r.status_code == 200 and r.json()["acknowledged_by"] == supervisor.pk
    [event] = TimelineEvent.objects.filter(kind="alert.acknowledged")
    assert event.payload["alert"] == alert.pk and event.payload["alerts"] == [alert.pk] and event.payload["kinds"] == ["no_backup"]
    # the group acknowledge then takes the remaining two
    r = client_for(supervisor).post(f"/api/v1/incidents/{world['p3'].pk}/alerts/acknowledge/", {}, format="json")
    assert r.json()["acknowledged"] == 2


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_at_once_write_one_event(make_incident, centre):
    first, second = f.supervisor(centre, username="spv_a"), f.supervisor(centre, username="spv_b")
    incidents = [make_incident(priority=1) for _ in range(5)]
    for incident in incidents:
        _alert(incident, "unrouted", 3)
        _alert(incident, "target_breached", 1)

    def ack(user, incident):
        return client_for(user).post(f"/api/v1/incidents/{incident.pk}/alerts/acknowledge/", {"note": user.username}, format="json")

    for incident in incidents:
        # when both supervisors press "Tandai sudah ditangani" on the same line at the same moment
        a, b = race(lambda i=incident: ack(first, i), lambda i=incident: ack(second, i))
        # then both get 200, exactly one acknowledged the two alerts, and the timeline has one event
        assert a.status_code == b.status_code == 200, (a.content, b.content)
        assert sorted([a.json()["acknowledged"], b.json()["acknowledged"]]) == [0, 2]
        events = TimelineEvent.objects.filter(incident=incident, kind="alert.acknowledged")
        assert events.count() == 1
        winner = first if a.json()["acknowledged"] else second
        assert events.get().actor_id == winner.pk and events.get().payload["note"] == winner.username
        assert set(SupervisorAlert.objects.filter(incident=incident).values_list("acknowledged_by", flat=True)) == {winner.pk}
