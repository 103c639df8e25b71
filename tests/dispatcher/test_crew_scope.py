"""A crew login is scoped to its unit (issue 16): it sees its unit and the incident that unit is on now, moves its
own unit (resolving completes the agency's assignment when it was the last unit), and reaches nothing else of the
agency — not the other units, not the offers, not another unit's incident, not the agency's events."""
import pytest
from rest_framework.test import APIClient

from agencies.models import Unit, User
from agencies.scoping import scope_for
from incidents.live.publish import event_groups
from incidents.models import Assignment, TimelineEvent
from incidents.services import unit_dispatch
from tests import factories as f

pytestmark = pytest.mark.django_db


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def crew(engine):
    return f.crew(engine, username="kru_dmk_01")


def test_a_crew_scope_is_its_unit_not_its_agency(crew, engine):
    scope = scope_for(crew)
    assert scope.unit_ids == {engine.pk} and not scope.agency_ids and not scope.centre_ids
    assert scope.group_names() == [f"unit.{engine.pk}"]


def test_crew_sees_its_unit_only(crew, engine, engine2):
    r = client(crew).get("/api/v1/units/")
    assert r.status_code == 200 and [u["id"] for u in r.json()] == [engine.pk]
    # another unit of the same agency: not found, and not movable
    assert client(crew).post(f"/api/v1/units/{engine2.pk}/status/", {"status": "out_of_service"}, format="json").status_code == 404
    assert Unit.objects.get(pk=engine2.pk).status == Unit.Status.AVAILABLE


def test_crew_sees_the_incident_its_unit_is_on_and_no_offer(crew, engine, engine2, accepted, offered, damkar_dispatcher, make_incident, call_taker):
    from incidents.services import assignment_accept, incident_route

    c = client(crew)
    # before dispatch: the accepted incident is the agency's, not yet the crew's
    assert c.get(f"/api/v1/incidents/{accepted.incident_id}/").status_code == 404
    assert c.get("/api/v1/assignments/").json()["results"] == []
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=damkar_dispatcher)
    r = c.get(f"/api/v1/incidents/{accepted.incident_id}/")
    assert r.status_code == 200 and r.json()["description"] == accepted.incident.description
    # another incident of the agency, with the other unit on it: not the crew's
    other = make_incident(description="Gudang lain")
    [second] = incident_route(incident_id=other.pk, actor=call_taker)
    assignment_accept(assignment_id=second.pk, actor=damkar_dispatcher)
    unit_dispatch(assignment_id=second.pk, unit_ids=[engine2.pk], actor=damkar_dispatcher)
    assert c.get(f"/api/v1/incidents/{other.pk}/").status_code == 404
    # and the crew cannot act for the agency
    assert c.post(f"/api/v1/assignments/{second.pk}/complete/", {}, format="json").status_code == 404


def test_crew_moves_its_unit_and_resolving_completes_the_assignment(crew, engine, accepted, damkar_dispatcher):
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=damkar_dispatcher)
    c = client(crew)
    assert c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "en_route"}, format="json").status_code == 200
    assert c.post(f"/api/v1/units/{engine.pk}/position/", {"lat": -2.21, "lon": 113.92}, format="json").status_code == 201
    r = c.post(f"/api/v1/units/{engine.pk}/status/", {"status": "resolved", "note": "api padam"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "available" and r.json()["dispatch"] is None
    assert Assignment.objects.get(pk=accepted.pk).status == Assignment.Status.COMPLETED
    # released: the incident is no longer the crew's
    assert c.get(f"/api/v1/incidents/{accepted.incident_id}/").status_code == 404


def test_crew_event_feed_and_live_groups_carry_its_unit_only(crew, engine, engine2, accepted, damkar_dispatcher):
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk, engine2.pk], actor=damkar_dispatcher)
    r = client(crew).get("/api/v1/events/?after=0")
    assert r.status_code == 200
    body = r.json()
    events = body["results"] if isinstance(body, dict) else body
    assert events and {e["kind"] for e in events} == {"unit.status_changed"}
    assert {e["payload"]["unit"] for e in events} == {engine.pk}
    # the live fan-out puts the same events, and only those, in the unit's group
    groups = {e.seq: event_groups(e) for e in TimelineEvent.objects.all()}
    mine = {seq for seq, g in groups.items() if f"unit.{engine.pk}" in g}
    assert mine == {e["seq"] for e in events}


def test_a_crew_login_needs_its_unit():
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        User.objects.create(username="kru_tanpa_unit", role=User.Role.CREW)
