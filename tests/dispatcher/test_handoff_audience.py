"""The live audience of a handed-off incident matches REST (issue 28, item 13).

The probe: after a cross-centre handoff the receiving agency's centre — its call-takers included — got
`incident.updated` with the description over the socket, while GET /api/v1/incidents/{id}/ was 404 for them. Now
the receiving centre gets what REST shows it of a handed-in incident — the assignment rows and the units' moves —
and never the description, the caller or the call-outs; the receiving agency itself gets everything, as REST."""
import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from incidents import selectors
from incidents.models import TimelineEvent
from incidents.services import (
    assignment_accept, assignment_handoff, call_link_duplicate, call_start, incident_create, incident_route, incident_update,
)
from tests import factories as f

from .test_handoff import smd_psr  # noqa: F401 — the Samarinda → Paser world

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_to_paser(smd_psr, fire_category):  # noqa: F811
    w = smd_psr
    incident, _ = incident_create(actor=w["ct_smd"], category="kebakaran", location=Point(*f.SMD, srid=4326), caller_number="081234",
                                  description="Kebakaran gudang")
    [first] = incident_route(incident_id=incident.pk, actor=w["ct_smd"])
    assignment_accept(assignment_id=first.pk, actor=w["d_smd"])
    second = assignment_handoff(assignment_id=first.pk, actor=w["d_smd"], to_agency_id=w["damkar_psr"].pk, reason="Wilayah Paser")
    assignment_accept(assignment_id=second.pk, actor=w["d_psr"])
    return {**w, "incident": incident, "second": second}


def test_the_receiving_centre_gets_the_assignments_not_the_description_nor_the_caller(handed_to_paser):
    w = handed_to_paser
    incident = w["incident"]
    incident_update(incident_id=incident.pk, actor=w["ct_smd"], description="RAHASIA: korban di lantai dua, pintu belakang")
    call = call_start(actor=w["ct_smd"], caller_number="081399988877")
    call_link_duplicate(call_id=call.pk, incident_id=incident.pk, actor=w["ct_smd"])

    updated = TimelineEvent.objects.get(kind="incident.updated", incident=incident)
    duplicate = TimelineEvent.objects.get(kind="incident.duplicate_linked", incident=incident)
    accepted = TimelineEvent.objects.filter(kind="assignment.accepted", incident=incident).order_by("-seq").first()
    for event in (updated, duplicate):
        assert w["psr"].pk not in event.centre_ids and w["damkar_psr"].pk in event.agency_ids
    assert w["psr"].pk in accepted.centre_ids

    # the feed of a Paser call-taker: the assignment moves, nothing of the description or the caller …
    seen = {e.kind for e in selectors.events_after(w["ct_psr"], 0, 500) if e.incident_id == incident.pk}
    assert "assignment.accepted" in seen and not seen & {"incident.updated", "incident.duplicate_linked"}
    body = str([e.payload for e in selectors.events_after(w["ct_psr"], 0, 500)])
    assert "RAHASIA" not in body and "081399988877" not in body
    # … exactly as REST: the incident is "not found", the assignment row is there
    client = APIClient()
    client.force_authenticate(w["ct_psr"])
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert client.get("/api/v1/assignments/", {"incident": incident.pk}).status_code == 200

    # the receiving agency itself sees everything, live and REST
    dispatcher = {e.kind for e in selectors.events_after(w["d_psr"], 0, 500) if e.incident_id == incident.pk}
    assert {"incident.updated", "incident.duplicate_linked"} <= dispatcher
    client.force_authenticate(w["d_psr"])
    assert "RAHASIA" in client.get(f"/api/v1/incidents/{incident.pk}/").content.decode()
