"""Every legal and illegal assignment transition, through the services, with the events they write."""
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.errors import IllegalTransition, PermissionDenied, ValidationFailed
from incidents.models import Assignment, Incident, SupervisorAlert, TimelineEvent
from incidents.services import (
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_expire,
    assignment_handoff,
    incident_cancel,
    incident_close,
    incident_route,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Assignment.Status


@pytest.fixture
def psc(centre):
    return f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119")


@pytest.fixture
def routed(make_incident, call_taker, damkar):
    incident = make_incident()
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    return incident, assignment


def _bring_to(status, assignment, dispatcher, psc):
    """Drive a fresh offered assignment into `status` through the services."""
    if status == S.OFFERED:
        return assignment
    if status == S.ACCEPTED:
        return assignment_accept(assignment_id=assignment.pk, actor=dispatcher)
    if status == S.DECLINED:
        return assignment_decline(assignment_id=assignment.pk, actor=dispatcher, reason="Bukan wilayah kami")
    if status == S.EXPIRED:
        return assignment_expire(assignment_id=assignment.pk, now=assignment.ack_deadline + timedelta(seconds=1))
    if status == S.HANDED_OFF:
        assignment_handoff(assignment_id=assignment.pk, actor=dispatcher, to_agency_id=psc.pk, reason="Korban luka")
        return Assignment.objects.get(pk=assignment.pk)
    if status == S.COMPLETED:
        assignment_accept(assignment_id=assignment.pk, actor=dispatcher)
        return assignment_complete(assignment_id=assignment.pk, actor=dispatcher)
    if status == S.CANCELLED:
        incident_cancel(incident_id=assignment.incident_id, actor=f.supervisor(assignment.incident.command_centre), reason="Laporan keliru")
        return Assignment.objects.get(pk=assignment.pk)
    raise AssertionError(status)


ACTIONS = {
    S.ACCEPTED: lambda a, d, psc: assignment_accept(assignment_id=a.pk, actor=d),
    S.DECLINED: lambda a, d, psc: assignment_decline(assignment_id=a.pk, actor=d, reason="Tidak ada unit"),
    S.HANDED_OFF: lambda a, d, psc: assignment_handoff(assignment_id=a.pk, actor=d, to_agency_id=psc.pk, reason="Bukan kewenangan"),
    S.COMPLETED: lambda a, d, psc: assignment_complete(assignment_id=a.pk, actor=d),
}


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("target", list(ACTIONS))
def test_every_transition_is_allowed_exactly_when_the_table_says(routed, damkar_dispatcher, psc, start, target):
    # given an assignment in state `start`
    _incident, assignment = routed
    assignment = _bring_to(start, assignment, damkar_dispatcher, psc)
    assignment.refresh_from_db()
    assert assignment.status == start
    before = TimelineEvent.objects.count()
    legal = target in Assignment.TRANSITIONS.get(start, ())

    # when the dispatcher tries the transition
    if legal:
        ACTIONS[target](assignment, damkar_dispatcher, psc)
        # then it happened and was written to the timeline
        assignment.refresh_from_db()
        assert assignment.status == target
        assert TimelineEvent.objects.filter(kind=f"assignment.{target}", seq__gt=before).exists()
    else:
        # then it is refused with the current state and nothing is written
        with pytest.raises(IllegalTransition) as exc:
            ACTIONS[target](assignment, damkar_dispatcher, psc)
        assert exc.value.as_dict()["current_status"] == start
        assignment.refresh_from_db()
        assert assignment.status == start
        assert TimelineEvent.objects.count() == before


def test_transition_table_is_what_the_domain_expects():
    assert Assignment.TRANSITIONS[S.OFFERED] == {S.ACCEPTED, S.DECLINED, S.EXPIRED, S.HANDED_OFF, S.CANCELLED}
    assert Assignment.TRANSITIONS[S.ACCEPTED] == {S.COMPLETED, S.HANDED_OFF, S.CANCELLED}
    for terminal in Assignment.TERMINAL_STATUSES:
        assert terminal not in Assignment.TRANSITIONS


def test_incident_status_follows_the_assignments(routed, damkar_dispatcher, call_taker):
    incident, assignment = routed
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ROUTED and incident.routed_at is not None
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACCEPTED and incident.accepted_at is not None
    assignment_complete(assignment_id=assignment.pk, actor=damkar_dispatcher, note="Api padam")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    incident_close(incident_id=incident.pk, actor=call_taker)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    changes = list(
        TimelineEvent.objects.filter(incident=incident, kind="incident.status_changed").values_list("payload__old", "payload__new")
    )
    assert changes == [("new", "routed"), ("routed", "accepted"), ("accepted", "resolved"), ("resolved", "closed")]


def test_all_agencies_declining_sends_the_incident_back_to_routing(routed, damkar_dispatcher):
    incident, assignment = routed
    assignment_decline(assignment_id=assignment.pk, actor=damkar_dispatcher, reason="Semua unit sedang bertugas")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW


def test_decline_needs_a_reason_and_stores_nothing_without_one(routed, damkar_dispatcher):
    _incident, assignment = routed
    before = TimelineEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        assignment_decline(assignment_id=assignment.pk, actor=damkar_dispatcher, reason="   ")
    assert "reason" in exc.value.fields
    assignment.refresh_from_db()
    assert assignment.status == S.OFFERED
    assert TimelineEvent.objects.count() == before


def test_another_agency_cannot_accept(routed, centre):
    _incident, assignment = routed
    police = f.AgencyFactory(command_centre=centre, type="police")
    outsider = f.dispatcher(police)
    with pytest.raises(Exception) as exc:
        assignment_accept(assignment_id=assignment.pk, actor=outsider)
    assert getattr(exc.value, "status_code", None) == 404
    assignment.refresh_from_db()
    assert assignment.status == S.OFFERED


def test_call_taker_cannot_accept_for_an_agency(routed, call_taker):
    _incident, assignment = routed
    with pytest.raises(PermissionDenied):
        assignment_accept(assignment_id=assignment.pk, actor=call_taker)


def test_expiry_offers_the_backup_agency_and_alerts_once(routed, centre, damkar):
    incident, assignment = routed
    bpbd = f.AgencyFactory(command_centre=centre, type="disaster", short_name="BPBD")
    damkar.backup_agency = bpbd
    damkar.save(update_fields=["backup_agency"])
    late = assignment.ack_deadline + timedelta(seconds=1)

    # an early call does nothing: the deadline has not passed
    assert assignment_expire(assignment_id=assignment.pk, now=assignment.ack_deadline - timedelta(seconds=1)) is None
    assert assignment_expire(assignment_id=assignment.pk, now=late).status == S.EXPIRED
    # a second call (the sweeper after the countdown task) changes nothing
    assert assignment_expire(assignment_id=assignment.pk, now=late + timedelta(seconds=5)) is None

    backup = Assignment.objects.get(incident=incident, agency=bpbd)
    assert backup.status == S.OFFERED and backup.previous_id == assignment.pk and backup.escalation_stage == 1
    assert SupervisorAlert.objects.filter(assignment=assignment, kind="assignment_expired").count() == 1
    assert TimelineEvent.objects.filter(kind="assignment.expired", incident=incident).count() == 1
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ROUTED


def test_expiry_without_backup_flags_the_supervisor(routed):
    incident, assignment = routed
    assignment_expire(assignment_id=assignment.pk, now=assignment.ack_deadline + timedelta(seconds=1))
    assert SupervisorAlert.objects.filter(incident=incident, kind="no_backup").count() == 1
    incident.refresh_from_db()
    assert incident.status == Incident.Status.NEW


def test_handoff_across_centres_keeps_the_chain(make_incident, call_taker, damkar, damkar_dispatcher):
    # given a Palangka Raya incident accepted by its Damkar
    incident = make_incident()
    [first] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=first.pk, actor=damkar_dispatcher)
    smd = f.samarinda_centre()
    smd_damkar = f.AgencyFactory(command_centre=smd, type="fire", short_name="Damkar SMD")

    # when Damkar hands it to the Samarinda agency
    second = assignment_handoff(assignment_id=first.pk, actor=damkar_dispatcher, to_agency_id=smd_damkar.pk, reason="Lokasi di perbatasan")

    # then the new assignment is offered under a deadline, linked to the first
    first.refresh_from_db()
    assert first.status == S.HANDED_OFF and first.reason == "Lokasi di perbatasan"
    assert second.status == S.OFFERED and second.previous_id == first.pk and second.ack_deadline > timezone.now()
    # and the Samarinda centre and agency are in the audience of the handoff events
    offered = TimelineEvent.objects.filter(kind="assignment.offered", payload__assignment__id=second.pk).get()
    assert smd.pk in offered.centre_ids and smd_damkar.pk in offered.agency_ids
    assert incident.command_centre_id in offered.centre_ids


def test_handoff_to_the_same_or_unknown_agency_is_refused(routed, damkar, damkar_dispatcher):
    _incident, assignment = routed
    with pytest.raises(ValidationFailed):
        assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher, to_agency_id=damkar.pk, reason="x")
    with pytest.raises(ValidationFailed):
        assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher, to_agency_id=999999, reason="x")
    assignment.refresh_from_db()
    assert assignment.status == S.OFFERED


def test_closing_with_agencies_at_work_needs_a_supervisor(routed, damkar_dispatcher, call_taker, centre):
    incident, assignment = routed
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    with pytest.raises(Exception) as exc:
        incident_close(incident_id=incident.pk, actor=call_taker)
    assert exc.value.code == "incident_has_live_assignments"
    with pytest.raises(Exception) as exc:
        incident_close(incident_id=incident.pk, actor=call_taker, force=True)
    assert exc.value.code == "force_close_needs_supervisor"
    incident_close(incident_id=incident.pk, actor=f.supervisor(centre), force=True)
    assignment.refresh_from_db()
    incident.refresh_from_db()
    assert assignment.status == S.CANCELLED and incident.status == Incident.Status.CLOSED


def test_closed_incident_cannot_be_routed_again(routed, call_taker, centre):
    incident, _assignment = routed
    incident_cancel(incident_id=incident.pk, actor=call_taker, reason="Laporan palsu")
    with pytest.raises(IllegalTransition):
        incident_route(incident_id=incident.pk, actor=call_taker)
    with pytest.raises(IllegalTransition):
        incident_close(incident_id=incident.pk, actor=call_taker)


def test_routing_twice_to_the_same_agency_is_a_no_op(routed, call_taker):
    incident, assignment = routed
    before = TimelineEvent.objects.count()
    live = incident_route(incident_id=incident.pk, actor=call_taker)
    assert [a.pk for a in live] == [assignment.pk]
    assert TimelineEvent.objects.count() == before
