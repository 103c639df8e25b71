"""Input that used to be accepted silently is refused clearly, and nothing is stored (issue 14)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, IdempotencyRecord, TimelineEvent
from tests import factories as f
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def test_patch_with_a_field_it_cannot_change_is_a_400_and_changes_nothing(api, make_incident):
    incident = make_incident()
    before = TimelineEvent.objects.count()
    r = api.patch(f"/api/v1/incidents/{incident.pk}/", {"status": "closed", "description": "baru"}, format="json")
    assert_error(r, 400, None, "status")
    assert r.json()["error"]["field_codes"]["status"] == ["unknown_field"]
    incident.refresh_from_db()
    assert incident.status != "closed" and incident.description != "baru"
    assert TimelineEvent.objects.count() == before


def test_an_answer_longer_than_500_characters_is_refused_not_cut(api, incident_body, fire_category):
    key = (fire_category.question_script or [{"key": "q"}])[0]["key"]
    r = api.post("/api/v1/incidents/", {**incident_body, "answers": {key: "x" * 501}}, format="json")
    assert_error(r, 400, "too_long", "answers")
    assert not Incident.objects.exists()


def test_an_idempotency_key_longer_than_100_characters_is_refused_not_cut(api, incident_body):
    r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert_error(r, 400, "too_long", "idempotency_key")
    assert not Incident.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"lat": 90, "lon": 0}, "lat", "outside_indonesia"),  # the North Pole
        ({"lat": -2.2, "lon": 113.9, "recorded_at": "0001-01-01T00:00:00+00:00"}, "recorded_at", "too_old"),
    ],
    ids=["north-pole", "year-0001"],
)
def test_avl_refuses_impossible_positions(damkar, body, field, code):
    from agencies.models import UnitPosition

    unit = f.UnitFactory(agency=damkar)
    client = client_for(f.dispatcher(damkar, username="d_avl"))
    r = client.post(f"/api/v1/units/{unit.pk}/position/", body, format="json")
    assert_error(r, 400, code, field)
    assert not UnitPosition.objects.filter(unit=unit).exists()


def test_avl_still_takes_a_position_sent_late_after_a_signal_loss(damkar):
    unit = f.UnitFactory(agency=damkar)
    client = client_for(f.dispatcher(damkar, username="d_avl2"))
    at = (timezone.now() - timedelta(hours=3)).isoformat()
    assert client.post(f"/api/v1/units/{unit.pk}/position/", {"lat": -2.2, "lon": 113.9, "recorded_at": at}, format="json").status_code in (200, 201)
