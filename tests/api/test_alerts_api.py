"""Supervisor alerts: listed open first, acknowledged once, scoped to the supervisor's centres."""
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import SupervisorAlert, TimelineEvent
from tests import factories as f
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(make_incident, centre):
    incident = make_incident()
    now = timezone.now()
    old = SupervisorAlert.objects.create(
        command_centre=centre, incident=incident, kind="target_breached", message="lama", created_at=now - timedelta(minutes=5)
    )
    new = SupervisorAlert.objects.create(command_centre=centre, incident=incident, kind="no_backup", message="baru", created_at=now)
    return old, new


def test_list_open_first_then_acknowledge(supervisor, alerts):
    old, new = alerts
    client = client_for(supervisor)
    assert [a["id"] for a in client.get("/api/v1/alerts/").json()["results"]] == [new.pk, old.pk]

    r = client.post(f"/api/v1/alerts/{new.pk}/acknowledge/")
    assert r.status_code == 200, r.content
    assert r.json()["acknowledged_by"] == supervisor.pk and r.json()["acknowledged_at"]
    # the acknowledged one sinks below the open one
    assert [a["id"] for a in client.get("/api/v1/alerts/").json()["results"]] == [old.pk, new.pk]
    assert [a["id"] for a in client.get("/api/v1/alerts/?open=1").json()["results"]] == [old.pk]

    # acknowledging twice is a no-op: no second event, the first acknowledgement stands
    client.post(f"/api/v1/alerts/{new.pk}/acknowledge/")
    assert TimelineEvent.objects.filter(kind="alert.acknowledged").count() == 1


def test_call_taker_cannot_acknowledge_and_other_centres_do_not_see(api, alerts, smd_centre):
    old, _new = alerts
    assert_error(api.post(f"/api/v1/alerts/{old.pk}/acknowledge/"), 403)
    smd_supervisor = client_for(f.supervisor(smd_centre, username="spv_smd"))
    assert smd_supervisor.get("/api/v1/alerts/").json()["count"] == 0
    assert_error(smd_supervisor.post(f"/api/v1/alerts/{old.pk}/acknowledge/"), 404, "alert_not_found")
    assert SupervisorAlert.objects.get(pk=old.pk).acknowledged_at is None
