import pytest

from incidents.models import Assignment, Incident, TimelineEvent
from incidents.services import assignment_accept, incident_route


@pytest.mark.django_db(transaction=True)
def test_call_to_accept(make_incident, call_taker, damkar, damkar_dispatcher):
    incident = make_incident()
    assert incident.reference.startswith("PKY-")
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    assert assignment.agency == damkar
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACCEPTED
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds[0] == "incident.created"
    assert Assignment.objects.get().status == "accepted"
