"""Unit workflows: send units under an accepted assignment, move them through their field statuses,
record their positions (AVL).

Lock order is the same as every incident workflow: incident row first, then assignment, then units
(pk-ordered), so a unit status change never deadlocks against an accept or a handoff.
"""
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from agencies.geo import in_indonesia
from agencies.models import Unit, UnitPosition, User
from agencies.scoping import scope_for
from dispatch.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed, field_error
from incidents import events
from incidents.models import Assignment, Incident, UnitDispatch
from incidents.routing import predict_travel
from incidents.services.assignments import assignment_complete
from incidents.services.common import (
    clean_text,
    ensure_agency_actor,
    incident_refresh_status,
    lock_assignment,
    lock_incident,
    transition,
)
from incidents.timeline import record_event

US = Unit.Status

# The one table of legal unit transitions (source → targets). "→ available" from a unit on an incident
# means releasing it from that incident; "→ dispatched" only happens through unit_dispatch.
UNIT_TRANSITIONS = {
    US.AVAILABLE: frozenset({US.DISPATCHED, US.OUT_OF_SERVICE}),
    US.DISPATCHED: frozenset({US.EN_ROUTE, US.AVAILABLE, US.OUT_OF_SERVICE}),
    US.EN_ROUTE: frozenset({US.ON_SCENE, US.AVAILABLE, US.OUT_OF_SERVICE}),
    US.ON_SCENE: frozenset({US.TRANSPORTING, US.AVAILABLE, US.OUT_OF_SERVICE}),
    US.TRANSPORTING: frozenset({US.AT_HOSPITAL, US.OUT_OF_SERVICE}),
    US.AT_HOSPITAL: frozenset({US.AVAILABLE, US.OUT_OF_SERVICE}),
    US.OUT_OF_SERVICE: frozenset({US.AVAILABLE}),
}
# Reached only through unit_dispatch (a unit needs an incident to be dispatched to).
DISPATCH_ONLY = frozenset({US.DISPATCHED})
# Statuses that only make sense while the unit is on an incident.
ON_INCIDENT = frozenset({US.DISPATCHED, US.EN_ROUTE, US.ON_SCENE, US.TRANSPORTING, US.AT_HOSPITAL})

# A phone posting every few seconds must not flood the timeline: at most one `unit.position`
# event per unit in this window. Every position is still stored as a UnitPosition row and on the
# Unit itself; consoles see the latest position within the window and on every page load.
POSITION_EVENT_INTERVAL_S = 30
# Older positions are refused (a unit's clock set to the year 0001 is not a position history).
MAX_POSITION_AGE = timedelta(hours=24)


def unit_can_transition(current, target) -> bool:
    return target in UNIT_TRANSITIONS.get(current, frozenset())


def unit_summary(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "call_sign": unit.call_sign,
        "agency": unit.agency_id,
        "type": unit.type,
        "status": unit.status,
        "position": [unit.position.x, unit.position.y] if unit.position else None,
        "position_at": unit.position_at.isoformat() if unit.position_at else None,
    }


def _ensure_unit_actor(actor, unit: Unit):
    """The unit's own agency (its dispatchers and crews) changes it; admins may too; others see nothing."""
    scope = scope_for(actor)
    if scope.is_global:
        return
    if unit.agency_id in scope.agency_ids and actor.role == User.Role.DISPATCHER:
        return
    if unit.pk in scope.unit_ids:  # the unit's own crew login
        return
    if unit.agency_id in scope.agency_ids or unit.agency.command_centre_id in scope.centre_ids:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah unit ini."))
    raise NotFound(_("Unit tidak ditemukan."), code="unit_not_found")


def _move_unit(unit, actor, status, now, *, incident=None, dispatch=None, note="", eta=None):
    """One unit transition with its event: on an incident, the incident's audience and the unit's agency; off an
    incident, the unit's agency and its centre."""
    if incident is not None:
        audience = {"extra_agency_ids": [unit.agency_id]}
    else:
        audience = {"centre_ids": [unit.agency.command_centre_id], "agency_ids": [unit.agency_id], "community_ids": []}
    transition(
        unit, status=status, kind="unit.status_changed", incident=incident, actor=actor, now=now, stamp="status_changed_at",
        payload=lambda old: events.unit_status_changed(
            unit=unit, old=old, assignment_id=dispatch.assignment_id if dispatch is not None else None, note=note, eta=eta
        ),
        **audience,
    )


def unit_dispatch(*, assignment_id, unit_ids, actor) -> list[UnitDispatch]:
    """Send available units of the assignment's agency to its incident. The assignment must be accepted."""
    try:
        ids = sorted({int(u) for u in unit_ids or []})
    except (TypeError, ValueError):
        raise field_error("units", _("Daftar unit tidak valid."), code="invalid") from None
    if not ids:
        raise field_error("units", _("Pilih minimal satu unit."), code="required")
    # The travel time each unit is predicted to need, asked of the routing engine BEFORE any lock is taken (up to
    # ROUTING_TIMEOUT_MS when it is slow): stored on the dispatch for the reports' predicted-vs-actual travel.
    predictions = _predict(assignment_id, ids)
    with transaction.atomic():
        incident, assignment = lock_assignment(assignment_id)
        ensure_agency_actor(actor, assignment)
        if assignment.status != Assignment.Status.ACCEPTED:
            raise IllegalTransition(
                entity=_("penugasan"),
                current=assignment.status,
                target="dispatch",
                message=_("Unit hanya dapat ditugaskan untuk penugasan yang sudah diterima (status saat ini: %(s)s).")
                % {"s": assignment.get_status_display()},
            )
        units = list(Unit.objects.select_for_update(of=("self",), no_key=True).select_related("agency").filter(pk__in=ids).order_by("pk"))
        found = {u.pk for u in units}
        foreign = [u.call_sign for u in units if u.agency_id != assignment.agency_id]
        if set(ids) - found or foreign:
            raise field_error("units", _("Unit tidak dikenal atau bukan milik instansi ini."), code="unknown_unit")
        busy = [u.call_sign for u in units if u.status != US.AVAILABLE]
        if busy:
            raise IllegalTransition(
                entity=_("unit"),
                current="busy",
                target=US.DISPATCHED,
                message=_("Unit tidak siaga: %(units)s.") % {"units": ", ".join(busy)},
                extra={"units": [unit_summary(u) for u in units if u.status != US.AVAILABLE]},
            )
        now = timezone.now()
        dispatches = []
        for unit in units:
            eta = predictions.get(unit.pk)
            dispatch = UnitDispatch.objects.create(
                assignment=assignment, unit=unit, dispatched_at=now, dispatched_by=actor,
                predicted_eta_s=eta.eta_s if eta else None,
                predicted_road_m=round(eta.road_m) if eta and eta.road_m is not None else None,
                eta_basis=eta.basis if eta else "",
            )
            _move_unit(unit, actor, US.DISPATCHED, now, incident=incident, dispatch=dispatch, eta=eta)
            dispatches.append(dispatch)
        incident_refresh_status(incident=incident, actor=actor)
    return dispatches


def _predict(assignment_id, unit_ids) -> dict:
    """{unit id: UnitProposal} for the units asked for, from where they are now to the assignment's incident; {}
    when the assignment or its incident's point is unknown (the service refuses those under the lock anyway)."""
    point = Assignment.objects.filter(pk=assignment_id).values_list("incident__location", flat=True).first()
    if point is None:
        return {}
    units = list(Unit.objects.filter(pk__in=unit_ids, position__isnull=False).only("id", "type", "position"))
    return predict_travel(units=units, point=point)


def _lock_unit_with_incident(unit_id) -> tuple[Incident | None, Unit, UnitDispatch | None]:
    """Lock the unit's incident (if it is on one), then the unit, then its active dispatch; re-check that the
    dispatch found before locking is still the active one (it may have been released meanwhile)."""
    for _attempt in range(3):
        incident_id = (
            UnitDispatch.objects.filter(unit_id=unit_id, released_at__isnull=True)
            .values_list("assignment__incident_id", flat=True)
            .first()
        )
        incident = lock_incident(incident_id) if incident_id is not None else None
        unit = Unit.objects.select_for_update(of=("self",), no_key=True).select_related("agency").filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(_("Unit tidak ditemukan."), code="unit_not_found")
        dispatch = (
            UnitDispatch.objects.select_for_update(of=("self",), no_key=True)
            .filter(unit=unit, released_at__isnull=True)
            .select_related("assignment")
            .first()
        )
        now_incident = dispatch.assignment.incident_id if dispatch else None
        if now_incident == incident_id:
            return incident, unit, dispatch
    raise ValidationFailed(_("Unit sedang diubah oleh pengguna lain; coba lagi."), code="unit_busy")


def unit_change_status(*, unit_id, status, actor, note="") -> Unit:
    """One field status step of a unit. Illegal steps are refused with IllegalTransition (409);
    a step to the status the unit already has is a no-op and writes nothing."""
    note = clean_text("note", note)
    if status not in US.values:
        raise field_error("status", _("Status unit tidak dikenal."), code="unknown_status")
    with transaction.atomic():
        incident, unit, dispatch = _lock_unit_with_incident(unit_id)
        _ensure_unit_actor(actor, unit)
        if unit.status == status:
            return unit
        if status in DISPATCH_ONLY or not unit_can_transition(unit.status, status):
            raise IllegalTransition(
                entity=_("unit"),
                current=unit.status,
                target=status,
                message=_("Unit %(unit)s berstatus '%(cur)s'; tidak dapat diubah menjadi '%(new)s'.")
                % {"unit": unit.call_sign, "cur": unit.get_status_display(), "new": US(status).label},
                extra={"unit": unit_summary(unit)},
            )
        if status in ON_INCIDENT and dispatch is None:
            raise IllegalTransition(
                entity=_("unit"),
                current=unit.status,
                target=status,
                message=_("Unit %(unit)s tidak sedang ditugaskan ke kejadian mana pun.") % {"unit": unit.call_sign},
                extra={"unit": unit_summary(unit)},
            )
        now = timezone.now()
        _move_unit(unit, actor, status, now, incident=incident, dispatch=dispatch, note=note)
        if dispatch is not None:
            fields = []
            if status == US.EN_ROUTE and dispatch.en_route_at is None:
                dispatch.en_route_at = now
                fields.append("en_route_at")
            if status == US.ON_SCENE and dispatch.on_scene_at is None:
                dispatch.on_scene_at = now
                fields.append("on_scene_at")
            if status in (US.AVAILABLE, US.OUT_OF_SERVICE):
                # Released from the incident (or taken out of service while on it).
                dispatch.released_at = now
                fields.append("released_at")
            if note:
                dispatch.note = (dispatch.note + "\n" + note).strip() if dispatch.note else note
                fields.append("note")
            if fields:
                dispatch.save(update_fields=fields)
        if incident is not None:
            incident_refresh_status(incident=incident, actor=actor)
    return unit


def unit_resolve(*, unit_id, actor, note="") -> Unit:
    """The crew reports "resolved" from the field: the unit is released with its note; when it was the
    agency's last unit on the incident, the agency's assignment is completed too."""
    with transaction.atomic():
        incident, unit, dispatch = _lock_unit_with_incident(unit_id)
        _ensure_unit_actor(actor, unit)
        if dispatch is None:
            raise IllegalTransition(
                entity=_("unit"),
                current=unit.status,
                target="resolved",
                message=_("Unit %(unit)s tidak sedang ditugaskan ke kejadian mana pun.") % {"unit": unit.call_sign},
                extra={"unit": unit_summary(unit)},
            )
        assignment_id = dispatch.assignment_id
        unit = unit_change_status(unit_id=unit.pk, status=US.AVAILABLE, actor=actor, note=note)
        others = UnitDispatch.objects.filter(assignment_id=assignment_id, released_at__isnull=True).exists()
        status = Assignment.objects.filter(pk=assignment_id).values_list("status", flat=True).first()
        if not others and status == Assignment.Status.ACCEPTED:
            assignment_complete(assignment_id=assignment_id, actor=actor, note=note, via_unit_id=unit.pk)
    return unit


def _float(name, value, low, high, *, required=False):
    if value in (None, ""):
        if required:
            raise field_error(name, _("Kolom ini wajib diisi."), code="required")
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise field_error(name, _("Harus berupa angka."), code="invalid") from None
    if value != value or not (low <= value <= high):  # NaN or out of range
        raise field_error(name, _("Harus antara %(lo)s dan %(hi)s.") % {"lo": low, "hi": high}, code="out_of_range")
    return value


def unit_record_position(
    *, unit_id, lat, lon, accuracy_m=None, speed_kmh=None, heading=None, recorded_at=None, actor
) -> UnitPosition:
    """AVL: store the position; move the unit's last known position only when this one is newer
    (phones resend out of order after losing signal). Publishes at most one `unit.position` event per
    unit per POSITION_EVENT_INTERVAL_S, outside any incident's timeline."""
    lat = _float("lat", lat, -90, 90, required=True)
    lon = _float("lon", lon, -180, 180, required=True)
    accuracy_m = _float("accuracy_m", accuracy_m, 0, 100_000)
    speed_kmh = _float("speed_kmh", speed_kmh, 0, 1_000)
    heading = _float("heading", heading, 0, 360)
    now = timezone.now()
    if recorded_at in (None, ""):
        recorded_at = now
    elif not isinstance(recorded_at, datetime):
        parsed = parse_datetime(str(recorded_at))
        if parsed is None:
            raise field_error("recorded_at", _("Waktu tidak valid (ISO 8601)."), code="invalid")
        recorded_at = parsed
    if timezone.is_naive(recorded_at):
        raise field_error("recorded_at", _("Waktu harus menyertakan zona waktu."), code="invalid")
    if (recorded_at - now).total_seconds() > 60:
        raise field_error("recorded_at", _("Waktu posisi berada di masa depan."), code="future")
    if now - recorded_at > MAX_POSITION_AGE:
        # a phone resending after hours without signal is fine; the year 0001 is a broken clock
        raise field_error("recorded_at", _("Waktu posisi terlalu lama (lebih dari 24 jam)."), code="too_old")
    point = Point(lon, lat, srid=4326)
    if not in_indonesia(point):
        raise field_error("lat", _("Posisi berada di luar wilayah Indonesia."), code="outside_indonesia")

    unit = Unit.objects.select_related("agency").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("Unit tidak ditemukan."), code="unit_not_found")
    _ensure_unit_actor(actor, unit)
    with transaction.atomic():
        position = UnitPosition.objects.create(
            unit=unit, position=point, recorded_at=recorded_at, accuracy_m=accuracy_m, speed_kmh=speed_kmh, heading=heading
        )
        # Compare-and-set: an older fix arriving late never overwrites a newer one.
        newer = Unit.objects.filter(pk=unit.pk).filter(Q(position_at__isnull=True) | Q(position_at__lt=recorded_at)).update(
            position=point, position_at=recorded_at
        )
        if newer and _position_event_due(unit.pk):
            unit.position, unit.position_at = point, recorded_at
            incident_centres = list(
                UnitDispatch.objects.filter(unit=unit, released_at__isnull=True).values_list(
                    "assignment__incident__command_centre_id", flat=True
                )
            )
            record_event(
                kind="unit.position",
                actor=actor,
                centre_ids=sorted({unit.agency.command_centre_id, *incident_centres}),
                agency_ids=[unit.agency_id],
                community_ids=[],
                payload=events.unit_position(
                    unit=unit, lon=lon, lat=lat, recorded_at=recorded_at, accuracy_m=accuracy_m, speed_kmh=speed_kmh, heading=heading
                ),
            )
    return position


def _position_event_due(unit_id) -> bool:
    """An atomic add in the shared cache: the first writer in the window wins, on any web process."""
    try:
        return bool(cache.add(f"unitpos-event:{unit_id}", 1, timeout=POSITION_EVENT_INTERVAL_S))
    except Exception:  # noqa: BLE001 — without the cache publish every time rather than never
        return True
