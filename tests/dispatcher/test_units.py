"""Unit services: dispatch, every field status step (legal and illegal), release, AVL positions."""
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Unit, UnitPosition
from dispatch.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from incidents.models import Assignment, Incident, TimelineEvent, UnitDispatch
from incidents.services import unit_change_status, unit_dispatch, unit_record_position, unit_resolve
from tests import factories as f

pytestmark = pytest.mark.django_db

AV, DI, ER, OS, TR, AH, OOS = "available", "dispatched", "en_route", "on_scene", "transporting", "at_hospital", "out_of_service"
ALL = [AV, DI, ER, OS, TR, AH, OOS]
# Written out independently of the service's table: what a crew or dispatcher may do by one click.
LEGAL = {
    (AV, OOS),
    (DI, ER), (DI, AV), (DI, OOS),
    (ER, OS), (ER, AV), (ER, OOS),
    (OS, TR), (OS, AV), (OS, OOS),
    (TR, AH), (TR, OOS),
    (AH, AV), (AH, OOS),
    (OOS, AV),
}
ON_INCIDENT = {DI, ER, OS, TR, AH}


def _put_unit_in(status, accepted, engine, actor):
    """Bring the unit into `status` the way the field would (dispatch, then legal steps)."""
    if status == AV:
        return
    if status == OOS:
        unit_change_status(unit_id=engine.pk, status=OOS, actor=actor)
        return
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=actor)
    path = {DI: [], ER: [ER], OS: [ER, OS], TR: [ER, OS, TR], AH: [ER, OS, TR, AH]}[status]
    for step in path:
        unit_change_status(unit_id=engine.pk, status=step, actor=actor)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", [t for t in ALL if t != DI])
def test_every_unit_transition(source, target, accepted, engine, damkar_dispatcher):
    # given a unit in `source`
    _put_unit_in(source, accepted, engine, damkar_dispatcher)
    engine.refresh_from_db()
    assert engine.status == source
    before = TimelineEvent.objects.count()
    # when the dispatcher sets `target`
    if source == target:
        unit_change_status(unit_id=engine.pk, status=target, actor=damkar_dispatcher)
        # then a no-op writes nothing
        assert TimelineEvent.objects.count() == before
    elif (source, target) in LEGAL:
        unit_change_status(unit_id=engine.pk, status=target, actor=damkar_dispatcher)
        engine.refresh_from_db()
        assert engine.status == target
        ev = TimelineEvent.objects.filter(kind="unit.status_changed").latest("seq")
        assert (ev.payload["old"], ev.payload["new"], ev.payload["unit"]) == (source, target, engine.pk)
        active = UnitDispatch.objects.filter(unit=engine, released_at__isnull=True).exists()
        # leaving an incident (available / out of service) releases the unit from it
        assert active == (target in ON_INCIDENT)
        if source in ON_INCIDENT:
            assert ev.incident_id == accepted.incident_id
    else:
        with pytest.raises(IllegalTransition):
            unit_change_status(unit_id=engine.pk, status=target, actor=damkar_dispatcher)
        engine.refresh_from_db()
        assert engine.status == source
        assert TimelineEvent.objects.count() == before


@pytest.mark.parametrize("source", ALL)
def test_dispatched_only_through_unit_dispatch(source, accepted, engine, damkar_dispatcher):
    _put_unit_in(source, accepted, engine, damkar_dispatcher)
    if source == DI:
        unit_change_status(unit_id=engine.pk, status=DI, actor=damkar_dispatcher)  # no-op
        return
    with pytest.raises(IllegalTransition):
        unit_change_status(unit_id=engine.pk, status=DI, actor=damkar_dispatcher)


def test_dispatch_moves_incident_status_through_stages(accepted, engine, engine2, damkar_dispatcher):
    incident = accepted.incident
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk, engine2.pk], actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DISPATCHED and incident.dispatched_at is not None
    unit_change_status(unit_id=engine.pk, status=ER, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.EN_ROUTE
    unit_change_status(unit_id=engine2.pk, status=ER, actor=damkar_dispatcher)
    unit_change_status(unit_id=engine2.pk, status=OS, actor=damkar_dispatcher)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ON_SCENE and incident.on_scene_at is not None
    d = UnitDispatch.objects.get(unit=engine2, released_at__isnull=True)
    assert d.en_route_at and d.on_scene_at and d.on_scene_at >= d.en_route_at
    # releasing both brings the incident back to "accepted" (agency still on it), on_scene_at kept
    unit_change_status(unit_id=engine.pk, status=AV, actor=damkar_dispatcher)
    unit_change_status(unit_id=engine2.pk, status=AV, actor=damkar_dispatcher, note="Api padam")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACCEPTED and incident.on_scene_at is not None
    assert UnitDispatch.objects.get(unit=engine2).note == "Api padam"


def test_dispatch_refuses_offered_assignment(offered, engine, damkar_dispatcher):
    with pytest.raises(IllegalTransition):
        unit_dispatch(assignment_id=offered.pk, unit_ids=[engine.pk], actor=damkar_dispatcher)
    assert not UnitDispatch.objects.exists()


def test_dispatch_refuses_busy_and_foreign_units(accepted, engine, damkar_dispatcher, centre):
    other_agency = f.AgencyFactory(command_centre=centre, type="ems")
    foreign = f.UnitFactory(agency=other_agency)
    with pytest.raises(ValidationFailed):
        unit_dispatch(assignment_id=accepted.pk, unit_ids=[foreign.pk], actor=damkar_dispatcher)
    unit_change_status(unit_id=engine.pk, status=OOS, actor=damkar_dispatcher)
    with pytest.raises(IllegalTransition):
        unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=damkar_dispatcher)
    with pytest.raises(ValidationFailed):
        unit_dispatch(assignment_id=accepted.pk, unit_ids=[], actor=damkar_dispatcher)
    assert not UnitDispatch.objects.exists()


def test_other_agency_cannot_touch_units(accepted, engine, centre):
    other = f.dispatcher(f.AgencyFactory(command_centre=centre, type="police"), username="polisi")
    with pytest.raises(NotFound):
        unit_change_status(unit_id=engine.pk, status=OOS, actor=other)
    with pytest.raises(NotFound):
        unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk], actor=other)
    with pytest.raises(NotFound):
        unit_record_position(unit_id=engine.pk, lat=-2.2, lon=113.9, actor=other)
    sup = f.supervisor(centre, username="sup")
    with pytest.raises(PermissionDenied):
        unit_change_status(unit_id=engine.pk, status=OOS, actor=sup)


def test_resolve_releases_and_completes_when_last_unit(accepted, engine, engine2, damkar_dispatcher):
    unit_dispatch(assignment_id=accepted.pk, unit_ids=[engine.pk, engine2.pk], actor=damkar_dispatcher)
    for u in (engine, engine2):
        unit_change_status(unit_id=u.pk, status=ER, actor=damkar_dispatcher)
        unit_change_status(unit_id=u.pk, status=OS, actor=damkar_dispatcher)
    unit_resolve(unit_id=engine.pk, actor=damkar_dispatcher, note="Selesai sebagian")
    accepted.refresh_from_db()
    assert accepted.status == Assignment.Status.ACCEPTED
    unit_resolve(unit_id=engine2.pk, actor=damkar_dispatcher, note="Api padam, tidak ada korban")
    accepted.refresh_from_db()
    assert accepted.status == Assignment.Status.COMPLETED
    incident = Incident.objects.get(pk=accepted.incident_id)
    assert incident.status == Incident.Status.RESOLVED
    assert set(Unit.objects.values_list("status", flat=True)) == {AV}
    with pytest.raises(IllegalTransition):
        unit_resolve(unit_id=engine.pk, actor=damkar_dispatcher)


def test_service_target_starts_on_accept(accepted):
    incident = Incident.objects.get(pk=accepted.incident_id)
    assert incident.on_scene_due_at == incident.accepted_at + timedelta(minutes=15)


def test_position_updates_unit_only_when_newer_and_throttles_events(engine, damkar_dispatcher):
    t0 = timezone.now() - timedelta(seconds=20)
    unit_record_position(unit_id=engine.pk, lat=-2.21, lon=113.92, accuracy_m=8, speed_kmh=40, heading=90, recorded_at=t0, actor=damkar_dispatcher)
    engine.refresh_from_db()
    assert engine.position_at == t0 and (round(engine.position.y, 2), round(engine.position.x, 2)) == (-2.21, 113.92)
    # a late, older fix is stored but does not move the unit back
    unit_record_position(unit_id=engine.pk, lat=-2.30, lon=113.80, recorded_at=t0 - timedelta(seconds=10), actor=damkar_dispatcher)
    engine.refresh_from_db()
    assert engine.position_at == t0
    # a newer fix within the throttle window moves the unit but writes no second event
    unit_record_position(unit_id=engine.pk, lat=-2.22, lon=113.93, recorded_at=t0 + timedelta(seconds=5), actor=damkar_dispatcher)
    engine.refresh_from_db()
    assert round(engine.position.y, 2) == -2.22
    assert UnitPosition.objects.filter(unit=engine).count() == 3
    events = TimelineEvent.objects.filter(kind="unit.position")
    assert events.count() == 1
    ev = events.get()
    assert ev.incident_id is None and ev.agency_ids == [engine.agency_id] and ev.payload["unit"] == engine.pk


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"lat": 95, "lon": 113}, "lat"),
        ({"lat": "x", "lon": 113}, "lat"),
        ({"lat": -2, "lon": None}, "lon"),
        ({"lat": -2, "lon": 113, "accuracy_m": -1}, "accuracy_m"),
        ({"lat": -2, "lon": 113, "heading": 400}, "heading"),
        ({"lat": -2, "lon": 113, "recorded_at": "kemarin"}, "recorded_at"),
    ],
)
def test_position_refuses_bad_input(kw, field, engine, damkar_dispatcher):
    with pytest.raises(ValidationFailed) as exc:
        unit_record_position(unit_id=engine.pk, actor=damkar_dispatcher, **kw)
    assert field in exc.value.fields
    assert not UnitPosition.objects.exists()
