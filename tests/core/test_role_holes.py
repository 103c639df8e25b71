"""Role holes found by the access review (issue 14): each test fails without its fix."""
import pytest
from django.contrib.gis.geos import Point

from agencies.models import User
from dispatch.errors import NotFound, PermissionDenied, ValidationFailed
from incidents import selectors
from incidents.models import Assignment, Call, Incident
from incidents.services import (
    assignment_accept,
    assignment_decline,
    assignment_handoff,
    call_close,
    call_end,
    call_start,
    incident_route,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_official_of_the_centre_cannot_close_or_end_a_call(centre, call_taker):
    # given a call a call-taker is on, and an official of the same centre
    official = f.UserFactory(role=User.Role.OFFICIAL, command_centre=centre)
    call = call_start(actor=call_taker, caller_number="081234567890")
    # then the official may not close it as a prank nor hang it up
    with pytest.raises(PermissionDenied):
        call_close(call_id=call.pk, actor=official, disposition=Call.Disposition.PRANK)
    with pytest.raises(PermissionDenied):
        call_end(call_id=call.pk, actor=official)
    call.refresh_from_db()
    assert call.status == Call.Status.ACTIVE
    # while the call-taker can
    assert call_end(call_id=call.pk, actor=call_taker).status == Call.Status.ENDED


def test_an_agency_that_handed_off_or_declined_no_longer_reads_the_incident(make_incident, call_taker, damkar, damkar_dispatcher):
    # given an incident offered to Damkar and to a second agency
    other = f.AgencyFactory(command_centre=damkar.command_centre, type="rescue", short_name="Basarnas")
    other_dispatcher = f.dispatcher(other, username="d_basarnas")
    incident = make_incident()
    assignments = {a.agency_id: a for a in incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk, other.pk])}
    # both read it while they hold it
    assert selectors.incident_get_for(damkar_dispatcher, incident.pk) == incident
    assert selectors.incident_get_for(other_dispatcher, incident.pk) == incident
    # when Damkar hands its part to a third agency and Basarnas declines
    third = f.AgencyFactory(command_centre=damkar.command_centre, type="police", short_name="Polres")
    assignment_accept(assignment_id=assignments[damkar.pk].pk, actor=damkar_dispatcher)
    assignment_handoff(assignment_id=assignments[damkar.pk].pk, actor=damkar_dispatcher, to_agency_id=third.pk, reason="bukan kewenangan")
    assignment_decline(assignment_id=assignments[other.pk].pk, actor=other_dispatcher, reason="tidak ada unit")
    # then neither reads the incident any more: "not found", not "forbidden"
    for user in (damkar_dispatcher, other_dispatcher):
        with pytest.raises(NotFound):
            selectors.incident_get_for(user, incident.pk)
        assert not selectors.incidents_visible_to(user).filter(pk=incident.pk).exists()
    # the agency now holding it does
    assert selectors.incident_get_for(f.dispatcher(third, username="d_polres"), incident.pk) == incident


def test_an_agency_that_completed_its_part_still_reads_the_incident(make_incident, call_taker, damkar, damkar_dispatcher):
    from incidents.services import assignment_complete

    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher, note="padam")
    assert selectors.incident_get_for(damkar_dispatcher, incident.pk) == incident


def test_a_call_taker_cannot_route_to_another_centres_agency(make_incident, call_taker):
    # given an agency of another centre
    foreign = f.AgencyFactory(command_centre=f.samarinda_centre(), short_name="Damkar Samarinda")
    assert foreign.command_centre_id != call_taker.command_centre_id
    incident = make_incident()
    # then routing to it is refused, clearly, and nothing is offered
    with pytest.raises(ValidationFailed) as exc:
        incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[foreign.pk])
    assert exc.value.code == "agency_of_other_centre" and "agencies" in exc.value.fields
    assert not Assignment.objects.filter(incident=incident).exists()
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.NEW
