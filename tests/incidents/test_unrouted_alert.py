"""Issue 16: an incident nobody holds any more because its last live assignment was declined is back at "new" and
raises one `unrouted` supervisor alert, with its `alert.raised` event (an expiry with no backup has its `no_backup`
alert already); while another agency still holds it, nothing is raised."""
from datetime import timedelta

import pytest
from django.db import transaction

from incidents.models import Incident, SupervisorAlert, TimelineEvent
from incidents.services import assignment_accept, assignment_decline, assignment_expire, incident_route
from tests import factories as f

pytestmark = pytest.mark.django_db

UNROUTED = SupervisorAlert.Kind.UNROUTED


def _raised(incident):
    return [e.payload for e in TimelineEvent.objects.filter(incident=incident, kind="alert.raised").order_by("seq")]


def test_the_last_decline_raises_one_unrouted_alert_with_its_event(make_incident, call_taker, damkar, damkar_dispatcher):
    # given an incident routed to Damkar only
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    # when Damkar declines
    assignment_decline(assignment_id=assignment.pk, actor=damkar_dispatcher, reason="Bukan wilayah kami")
    # then nobody holds it: back at "new", one alert for the centre's supervisors, named by the declined assignment
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW
    alert = SupervisorAlert.objects.get(incident=incident, kind=UNROUTED)
    assert alert.assignment_id == assignment.pk and alert.command_centre_id == incident.command_centre_id
    assert incident.reference in alert.message
    [payload] = _raised(incident)
    assert payload["alert"] == "unrouted" and payload["assignment"] == assignment.pk and payload["agency"] == damkar.pk
    assert [a["id"] for a in payload["alerts"]] == [alert.pk]
    # and the status change that caused it came first in the timeline
    kinds = list(TimelineEvent.objects.filter(incident=incident).order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["assignment.declined", "incident.status_changed", "alert.raised"]


def test_a_decline_while_another_agency_holds_it_raises_nothing(make_incident, call_taker, centre, damkar, damkar_dispatcher):
    # given an incident routed to Damkar and the police, the police accepted
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polresta")
    incident = make_incident()
    assignments = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk, police.pk])
    by_agency = {a.agency_id: a for a in assignments}
    assignment_accept(assignment_id=by_agency[police.pk].pk, actor=f.dispatcher(police))
    # when Damkar declines
    assignment_decline(assignment_id=by_agency[damkar.pk].pk, actor=damkar_dispatcher, reason="Tidak perlu")
    # then the police still hold it: no alert
    assert not SupervisorAlert.objects.filter(kind=UNROUTED).exists()
    assert _raised(incident) == []


def test_an_expiry_with_no_backup_is_the_no_backup_alert_and_a_later_decline_alerts_unrouted(make_incident, call_taker, damkar, damkar_dispatcher):
    # given an incident routed to Damkar, which has no backup agency
    incident = make_incident()
    [first] = incident_route(incident_id=incident.pk, actor=call_taker)
    # when the offer expires
    assignment_expire(assignment_id=first.pk, now=first.ack_deadline + timedelta(seconds=1))
    # then the expiry's own alerts say nobody else was offered it (no third, unrouted alert)
    kinds = set(SupervisorAlert.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == {SupervisorAlert.Kind.ASSIGNMENT_EXPIRED, SupervisorAlert.Kind.NO_BACKUP}
    # when the call-taker routes it again and Damkar declines this time
    [second] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_decline(assignment_id=second.pk, actor=damkar_dispatcher, reason="Armada habis")
    # then the decline that left it alone alerts
    assert list(SupervisorAlert.objects.filter(incident=incident, kind=UNROUTED).values_list("assignment_id", flat=True)) == [second.pk]


def test_the_alert_rolls_back_with_the_decline(make_incident, call_taker, damkar_dispatcher):
    # given a routed incident
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    # when the transaction around the decline fails afterwards
    with pytest.raises(RuntimeError), transaction.atomic():
        assignment_decline(assignment_id=assignment.pk, actor=damkar_dispatcher, reason="Bukan wilayah kami")
        raise RuntimeError("rolled back")
    # then no alert outlives it
    assert not SupervisorAlert.objects.filter(kind=UNROUTED).exists()
