"""What the dispatcher's incident panel reads (issue 16): the assigned agency sees the description, the answers and
the caller while its assignment is responsible, and loses the caller with the incident once it declined."""
import pytest
from rest_framework.test import APIClient

from incidents.services import assignment_decline

pytestmark = pytest.mark.django_db


def test_the_offered_agency_reads_the_caller_until_it_declines(offered, damkar_dispatcher):
    c = APIClient()
    c.force_authenticate(damkar_dispatcher)
    incident = offered.incident
    body = c.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["description"] == incident.description and body["answers"] == incident.answers
    assert body["caller_number"] == incident.caller_number != "" and body["caller_count"] == 1
    # and the list row carries the category's name for the card
    row = c.get("/api/v1/assignments/?status=offered").json()["results"][0]
    assert row["incident_category_name"] == incident.category.name_id
    assignment_decline(assignment_id=offered.pk, actor=damkar_dispatcher, reason="bukan wilayah kami")
    assert c.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
