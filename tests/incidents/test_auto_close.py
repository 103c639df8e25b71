"""Issue 23 item 4: closing. A resolved incident ("Tertangani": every agency finished) closes by itself after its
centre's `auto_close_resolved_min` (default 30, 0 = never) — by the deadline sweeper, as the system's act (no actor,
`auto_close` in the event), exactly once; the centre can close it earlier by hand. The report's "dibuat → ditutup"
interval then has data."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Incident, TimelineEvent
from incidents.services import (
    assignment_accept,
    assignment_complete,
    incident_auto_close,
    incident_close,
    incident_route,
)
from incidents.tasks import sweep_all, sweep_auto_close
from tests import factories as f
from tests.api.race import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolve(make_incident, call_taker, damkar_dispatcher):
    def make(**kw):
        incident = make_incident(**kw)
        [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
        assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
        assignment_complete(assignment_id=offer.pk, actor=damkar_dispatcher, note="Api padam")
        incident.refresh_from_db()
        assert incident.status == Incident.Status.RESOLVED
        return incident
    return make


def _closes(incident):
    return list(TimelineEvent.objects.filter(incident=incident, kind="incident.status_changed", payload__new="closed"))


def test_a_resolved_incident_closes_itself_after_the_centres_minutes_as_the_systems_act(resolve):
    # given an incident resolved now (the default: 30 minutes)
    incident = resolve()
    assert timedelta(minutes=30) <= incident.auto_close_due_at - incident.resolved_at < timedelta(minutes=30, seconds=1)
    due = incident.auto_close_due_at
    # when the sweeper runs a second before: still resolved
    assert sweep_auto_close(now=due - timedelta(seconds=1)) == 0
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.RESOLVED
    # when it runs after: closed, with no actor, saying it was automatic and after how long
    assert sweep_all(now=due + timedelta(seconds=1))["auto_closed"] == 1
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED and incident.closed_at == due + timedelta(seconds=1)
    assert incident.auto_close_due_at is None
    [event] = _closes(incident)
    assert event.actor_id is None and event.payload["old"] == "resolved"
    assert event.payload["auto_close"] == {"after_min": 30, "due_at": due.isoformat()}
    # and exactly once: later sweeps and a direct call find it closed
    assert sweep_auto_close(now=due + timedelta(hours=3)) == 0
    assert incident_auto_close(incident_id=incident.pk, now=due + timedelta(hours=3)) is False
    assert len(_closes(incident)) == 1


def test_the_minutes_are_the_centres_and_zero_turns_it_off(resolve, centre):
    centre.auto_close_resolved_min = 5
    centre.save(update_fields=["auto_close_resolved_min"])
    five = resolve()
    assert timedelta(minutes=5) <= five.auto_close_due_at - five.resolved_at < timedelta(minutes=5, seconds=1)
    # a centre that closes every ticket by hand: no deadline at all
    centre.auto_close_resolved_min = 0
    centre.save(update_fields=["auto_close_resolved_min"])
    never = resolve()
    assert never.auto_close_due_at is None
    # turned off after `five` was resolved: its deadline is dropped, not acted on
    assert sweep_auto_close(now=timezone.now() + timedelta(days=30)) == 0
    assert Incident.objects.get(pk=five.pk).status == Incident.Status.RESOLVED
    assert Incident.objects.get(pk=five.pk).auto_close_due_at is None
    assert Incident.objects.get(pk=never.pk).status == Incident.Status.RESOLVED


def test_routing_a_resolved_incident_again_stops_the_clock(resolve, call_taker, centre):
    # given a resolved incident the call-taker sends to another agency (the caller rang again)
    incident = resolve()
    psc = f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119")
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[psc.pk])
    incident.refresh_from_db()
    # then it is routed again, not resolved, and nothing closes it
    assert incident.status == Incident.Status.ROUTED and incident.auto_close_due_at is None
    assert sweep_auto_close(now=timezone.now() + timedelta(hours=2)) == 0


def test_a_close_by_hand_first_leaves_the_sweeper_nothing(resolve, call_taker):
    incident = resolve()
    incident_close(incident_id=incident.pk, actor=call_taker, note="Penelepon konfirmasi aman")
    incident.refresh_from_db()
    assert incident.auto_close_due_at is None
    assert sweep_auto_close(now=timezone.now() + timedelta(hours=2)) == 0
    [event] = _closes(incident)
    assert event.actor_id == call_taker.pk and event.payload["note"] == "Penelepon konfirmasi aman" and "auto_close" not in event.payload


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_and_a_call_taker_at_once_close_it_once(resolve, call_taker):
    incidents = [resolve() for _ in range(5)]
    now = max(i.auto_close_due_at for i in incidents) + timedelta(seconds=1)
    for incident in incidents:
        results = race(
            lambda: sweep_auto_close(now=now),
            lambda i=incident: incident_auto_close(incident_id=i.pk, now=now),
            lambda i=incident: _close_quietly(i, call_taker),
        )
        assert not [r for r in results if isinstance(r, Exception) and not _already_closed(r)], results
    for incident in incidents:
        assert len(_closes(incident)) == 1
        assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED


def _close_quietly(incident, actor):
    incident_close(incident_id=incident.pk, actor=actor, note="tangan")
    return True


def _already_closed(exc):
    return getattr(exc, "code", "") == "illegal_transition"


def test_the_report_interval_created_to_closed_gets_the_auto_closed_incident(resolve, centre):
    from reporting.rollup import rollup_refresh

    official = f.UserFactory(role="official", command_centre=centre, username="pejabat")
    incident = resolve()
    sweep_auto_close(now=incident.auto_close_due_at + timedelta(seconds=1))
    rollup_refresh()
    client = APIClient()
    client.force_authenticate(official)
    day = timezone.localdate(incident.created_at, timezone=ZoneInfo(centre.timezone))
    report = client.get("/api/v1/reports/coordination/", {"from": day.isoformat(), "to": day.isoformat()}).json()
    # then "dibuat → ditutup" counts it, from its creation to the automatic close
    interval = report["intervals"]["created_to_closed"]
    assert interval["n"] == 1 and interval["p50_s"] >= 30 * 60
