"""The intake's statement budget (issue 15) and the reference cache that keeps it.

Create and route are the two requests of every emergency call; in a disaster surge they are the whole load. The
numbers below are exact: a change that adds a statement to either fails here and has to say why it is worth it.
"""
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.models import Agency
from incidents import refdata
from incidents.models import Assignment, EscalationRule, Incident, TimelineEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

# token (with its user), idempotency key, point-in-polygon, BEGIN, incident number, incident, idempotency record,
# incident.created (lock + audience + INSERT), COMMIT, nearest units
CREATE_STATEMENTS = 10
# token, BEGIN, lock the incident, its live agencies and response statuses, the assignment, the incident's status,
# assignment.offered + incident.status_changed (one INSERT, issue 27), COMMIT
ROUTE_STATEMENTS = 8


@pytest.fixture
def token_api(call_taker):
    """As the console and bench/surge.py call it: token auth, so the token's own statement is counted too."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=call_taker).key}")
    return api


def _intake(api, body, key):
    with CaptureQueriesContext(connection) as created:
        r = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert r.status_code == 201, r.content
    with CaptureQueriesContext(connection) as routed:
        r2 = api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {}, format="json")
    assert r2.status_code == 200, r2.content
    return r.json(), r2.json(), created.captured_queries, routed.captured_queries


def _sql(queries):
    return "\n".join(q["sql"][:160] for q in queries)


def test_create_and_route_take_a_fixed_number_of_statements(token_api, incident_body, damkar, fire_unit):
    # given a process that has served an intake (its reference cache is loaded)
    _intake(token_api, incident_body, "warm")
    # when the next call is logged and routed to the proposal
    body, assignments, created, routed = _intake(token_api, incident_body, "k1")
    # then each request costs exactly its budget
    assert len(created) == CREATE_STATEMENTS, _sql(created)
    assert len(routed) == ROUTE_STATEMENTS, _sql(routed)
    # and nothing of the answer was given up for it
    assert [p["id"] for p in body["proposed_agencies"]] == [damkar.pk]
    assert [u["id"] for u in body["nearest_units"]] == [fire_unit.pk]
    assert [(a["agency"], a["agency_name"], a["status"]) for a in assignments] == [(damkar.pk, "Damkar PKY", "offered")]
    incident = Incident.objects.get(pk=body["id"])
    assert incident.status == "routed" and incident.routed_at is not None
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", "centre_ids", "agency_ids"))
    assert kinds == [
        ("incident.created", [incident.command_centre_id], []),
        ("assignment.offered", [incident.command_centre_id], [damkar.pk]),
        ("incident.status_changed", [incident.command_centre_id], [damkar.pk]),
    ]


def test_a_repeated_key_costs_no_write(token_api, incident_body, damkar):
    first, _assignments, _c, _r = _intake(token_api, incident_body, "same")
    with CaptureQueriesContext(connection) as repeat:
        r = token_api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    # token, the key's record, the incident as it is now, nearest units: no transaction at all
    assert len(repeat.captured_queries) == 4, _sql(repeat.captured_queries)
    assert Incident.objects.count() == 1


def test_routing_again_reads_the_live_assignments_back(token_api, incident_body, damkar, centre):
    # given a routed incident and a second agency of the centre
    body, _a, _c, _r = _intake(token_api, incident_body, "k")
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polres PKY")
    # when the call-taker adds the police by name
    r = token_api.post(f"/api/v1/incidents/{body['id']}/route/", {"agencies": [police.pk, damkar.pk]}, format="json")
    # then the answer holds both live assignments (the Damkar one was not offered twice)
    assert r.status_code == 200, r.content
    assert sorted(a["agency"] for a in r.json()) == sorted([damkar.pk, police.pk])
    assert Assignment.objects.filter(incident_id=body["id"], agency=damkar).count() == 1


class TestReferenceCache:
    def test_a_deactivated_agency_is_no_longer_proposed_at_once(self, token_api, incident_body, damkar, centre):
        _intake(token_api, incident_body, "warm")
        backup = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar 2")
        # the proposal takes the lowest id of the best rank: Damkar PKY, then (deactivated) Damkar 2
        damkar.is_active = False
        damkar.save(update_fields=["is_active"])
        r = token_api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="after")
        assert [p["id"] for p in r.json()["proposed_agencies"]] == [backup.pk]
        r = token_api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {"agencies": [damkar.pk]}, format="json")
        assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_agency"

    def test_a_changed_rule_sets_the_next_deadline(self, token_api, incident_body, damkar, centre, fire_category):
        _intake(token_api, incident_body, "warm")
        EscalationRule.objects.create(command_centre=centre, category=fire_category, ack_seconds=42)
        _body, [assignment], _c, _r = _intake(token_api, incident_body, "k")
        offered = Assignment.objects.get(pk=assignment["id"])
        assert round((offered.ack_deadline - offered.offered_at).total_seconds()) == 42

    def test_another_process_learns_of_a_change_from_the_shared_version(self, incident_body, damkar, monkeypatch):
        # given this process's copy
        monkeypatch.setattr(refdata, "VERSION_CHECK_S", 0.0)
        assert refdata.active_agency(damkar.pk) is not None
        # when another process deactivates the agency (a row change this process gets no signal for) and bumps the version
        Agency.objects.filter(pk=damkar.pk).update(is_active=False)
        assert refdata.active_agency(damkar.pk) is not None  # no bump yet: the copy is kept
        if not cache.add(refdata.VERSION_KEY, 1, timeout=None):
            cache.incr(refdata.VERSION_KEY)
        # then the next read reloads
        assert refdata.active_agency(damkar.pk) is None

    def test_a_transaction_bumps_the_shared_version_once_after_commit(self, damkar, fire_category):
        # when one transaction changes an agency, its regions and a category
        damkar.phone = "0536123"
        damkar.save(update_fields=["phone"])
        damkar.regions.clear()
        fire_category.name_en = "Fire!"
        fire_category.save(update_fields=["name_en"])
        # then one bump waits for the commit (the test's transaction never commits: run it as the commit would)
        bumps = [entry[1] for entry in connection.run_on_commit if entry[1] is refdata.bump_shared_version]
        assert len(bumps) == 1
        before = cache.get(refdata.VERSION_KEY) or 0
        bumps[0]()
        assert cache.get(refdata.VERSION_KEY) == before + 1


def test_the_ack_timer_is_queued_off_the_request_path(monkeypatch):
    # given a broker that answers slowly
    from incidents import timers

    sent, broker_answers = [], threading.Event()

    def send_task(name, args, eta, queue):
        broker_answers.wait(5)
        sent.append((name, args, eta, queue))

    monkeypatch.setattr(timers.current_app, "send_task", send_task)
    deadline = timezone.now() + timedelta(seconds=60)
    # when a route's after-commit callback schedules the countdown
    timers.schedule_ack_timer(7, deadline)
    # then the request goes on without waiting for the broker, and the message follows from the sender thread
    assert sent == []
    broker_answers.set()
    timers.flush()
    assert sent == [(timers.ACK_TIMER_TASK, [7], deadline, "timers")]


def test_the_shared_output_serializers_render_as_drf_does(token_api, incident_body, damkar, fire_unit):
    from incidents.api.serializers import (
        AssignmentSerializer, IncidentSerializer, NearestUnitSerializer, ProposedAgencySerializer, represent, represent_many,
    )
    from incidents.routing import nearest_available_units, propose_agencies

    body, assignments, _c, _r = _intake(token_api, incident_body, "k")
    incident = Incident.objects.select_related("category", "command_centre").get(pk=body["id"])
    offered = list(incident.assignments.select_related("agency"))
    # the answers the views gave (in the centre's zone) are what a fresh DRF serializer renders
    with timezone.override(incident.command_centre.timezone):
        assert assignments == AssignmentSerializer(offered, many=True).data
        assert {k: v for k, v in body.items() if k not in ("proposed_agencies", "nearest_units", "status", "routed_at", "updated_at")} == {
            k: v for k, v in IncidentSerializer(incident).data.items() if k not in ("status", "routed_at", "updated_at")
        }
    # and the shared instance renders each object as a new one would, however often it is used
    for _ in range(2):
        assert represent(IncidentSerializer, incident) == IncidentSerializer(incident).data
        assert represent_many(AssignmentSerializer, offered) == AssignmentSerializer(offered, many=True).data
    proposals = propose_agencies(category=incident.category, point=incident.location, command_centre=incident.command_centre, regency_code=incident.regency_id)
    units = nearest_available_units(point=incident.location, capabilities=[], limit=5)
    assert proposals and units
    assert represent_many(ProposedAgencySerializer, proposals) == ProposedAgencySerializer(proposals, many=True).data
    assert represent_many(NearestUnitSerializer, units) == NearestUnitSerializer(units, many=True).data


def test_events_written_together_keep_their_order_and_audiences(token_api, incident_body, damkar, centre):
    # given an incident and two agencies of the centre named at once
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polres PKY")
    r = token_api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="two")
    # when it is routed to both
    with CaptureQueriesContext(connection) as routed:
        r2 = token_api.post(f"/api/v1/incidents/{r.json()['id']}/route/", {"agencies": [damkar.pk, police.pk]}, format="json")
    assert r2.status_code == 200, r2.content
    # then each offer's event was written before the next assignment existed (its audience is as it was), and the last
    # offer's event rode with the status change: one statement fewer than one per event
    events = list(TimelineEvent.objects.filter(incident_id=r.json()["id"]).order_by("seq").values_list("kind", "agency_ids", "at"))
    assert [(k, a) for k, a, _at in events] == [
        ("incident.created", []),
        ("assignment.offered", [damkar.pk]),
        ("assignment.offered", sorted([damkar.pk, police.pk])),
        ("incident.status_changed", sorted([damkar.pk, police.pk])),
    ]
    assert [at for _k, _a, at in events] == sorted(at for _k, _a, at in events)
    inserts = [q["sql"] for q in routed.captured_queries if "INSERT INTO incidents_timelineevent" in q["sql"]]
    assert len(inserts) == 2 and "UNION ALL" in inserts[1]
