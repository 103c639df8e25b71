"""An agency that handed an incident off keeps its row, not a window on the incident (issue 28, item 10).

The probe: through `GET /api/v1/assignments/?incident=` the old `handed_off` row still showed the incident's
current address, priority and status. Now such a row shows the incident as it was at the handoff — the summary of
the `assignment.handed_off` event — and the agency learns nothing that happened after it left."""
import pytest

from incidents.models import TimelineEvent
from incidents.services import assignment_accept, assignment_handoff, incident_route, incident_update
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_off(make_incident, call_taker, damkar, damkar_dispatcher, centre):
    psc = f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119 PKY")
    incident = make_incident(address="Jl. Lama 1", description="Asap di gudang")
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    new = assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher, to_agency_id=psc.pk, reason="korban luka, bukan api")
    # after the handoff the incident moves on
    incident_update(incident_id=incident.pk, actor=call_taker, address="Jl. Rahasia Baru 99", priority=1)
    assignment_accept(assignment_id=new.pk, actor=f.dispatcher(psc, username="disp_psc"))
    return {"incident": incident, "old": assignment, "new": new}


def test_the_old_row_shows_the_incident_as_it_was_at_the_handoff(handed_off, damkar_dispatcher):
    incident = handed_off["incident"]
    rows = client_for(damkar_dispatcher).get("/api/v1/assignments/", {"incident": incident.pk}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    [row] = rows
    assert row["id"] == handed_off["old"].pk and row["status"] == "handed_off"
    assert row["incident_address"] == "Jl. Lama 1" and row["incident_priority"] == incident.priority
    assert row["incident_status"] == "routed"
    assert "Rahasia Baru" not in str(rows)


def test_the_agency_now_holding_it_and_the_centre_see_it_as_it_is(handed_off, call_taker):
    incident = handed_off["incident"]
    rows = client_for(call_taker).get("/api/v1/assignments/", {"incident": incident.pk}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {r["incident_address"] for r in rows} == {"Jl. Rahasia Baru 99"}
    assert {r["incident_priority"] for r in rows} == {1}


def test_without_a_handoff_event_the_old_row_shows_nothing_of_the_incident(handed_off, damkar_dispatcher, monkeypatch):
    from incidents import selectors

    monkeypatch.setattr(selectors, "_LEAVING_KINDS", ("no.such.kind",))
    [row] = client_for(damkar_dispatcher).get("/api/v1/assignments/", {"incident": handed_off["incident"].pk}).json()["results"]
    assert row["incident_address"] is None and row["incident_status"] is None and row["incident_location"] is None
    assert TimelineEvent.objects.filter(kind="assignment.handed_off").exists()
