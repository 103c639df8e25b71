"""Pieces every incident workflow shares: locking, status refresh, deadlines, input checks."""
import re
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.scoping import scope_for
from dispatch.errors import NotFound, PermissionDenied, field_error
from dispatch import prepared
from dispatch.prepared import PreparedQuery, save_fields
from incidents import events, refdata, timers
from incidents.models import Assignment, Incident
from incidents.status import derive_incident_status
from incidents.timeline import flush_events, record_event

PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{2,30}$")

MAX_LENGTHS = {
    "description": 4000,
    "address": 255,
    "caller_name": 120,
    "caller_number": 32,
    "reason": 1000,
    "note": 2000,
    "idempotency_key": 100,
    "answer": 500,
}


def clean_text(field: str, value, *, required=False, message=None) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not value:
        raise field_error(field, message or _("Kolom ini wajib diisi."), code="required")
    limit = MAX_LENGTHS.get(field)
    if limit and len(value) > limit:
        raise field_error(
            field, _("Terlalu panjang: %(n)d karakter, paling banyak %(max)d.") % {"n": len(value), "max": limit}, code="too_long"
        )
    return value


def clean_phone(value, *, required=False) -> str:
    value = clean_text("caller_number", value, required=required, message=_("Nomor penelepon wajib diisi untuk panggilan darurat."))
    if value and not PHONE_RE.match(value):
        raise field_error("caller_number", _("Nomor telepon tidak valid: hanya angka, spasi, tanda - dan awalan +."), code="invalid_phone")
    return value


# A time a device or switch reports (a PBX's call start): a switch whose clock was reset answers the year 0001 or
# 2099, and such a time must never reach the reports' arithmetic (issue 28). Accepted: up to a day old (a PBX
# replaying its queue after an outage), at most 5 minutes ahead (clocks drift; the AVL's own bound is tighter).
REPORTED_TIME_MAX_AGE = timedelta(hours=24)
REPORTED_TIME_MAX_AHEAD = timedelta(minutes=5)


def clean_reported_time(field: str, value, *, now=None):
    """A timestamp sent by a device, refused 400 `too_old` / `future` outside [now − 24 h, now + 5 min]."""
    if value is None:
        return None
    now = now or timezone.now()
    if timezone.is_naive(value):
        raise field_error(field, _("Waktu harus menyertakan zona waktu."), code="invalid")
    if value - now > REPORTED_TIME_MAX_AHEAD:
        raise field_error(field, _("Waktu berada di masa depan (jam perangkat salah?)."), code="future")
    if now - value > REPORTED_TIME_MAX_AGE:
        raise field_error(field, _("Waktu terlalu lama (lebih dari 24 jam; jam perangkat salah?)."), code="too_old")
    return value


def lock_incident(incident_id) -> Incident:
    """Lock the incident row first in every workflow that changes it or its assignments (one lock order, no deadlocks).

    Only the incident row (`of=self`: select_related would otherwise lock the category and centre rows too),
    and FOR NO KEY UPDATE, which still excludes every other writer but not the FK checks of concurrent
    inserts: a FOR UPDATE here deadlocked incident_create (holding the timeline lock, FK-checking the
    category at commit) against an expiry (holding the category row, waiting for the timeline lock).

    Nothing else is read in this statement: under READ COMMITTED a statement that waited for the lock still reads
    other rows as of its start, so what the workflow reads next (its assignments) needs a statement after it."""
    incident = _LOCKED_INCIDENT.first(pk=incident_id)
    if incident is None:
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")
    return incident


# Every workflow's first statement: compiled once per process (issue 27).
_LOCKED_INCIDENT = PreparedQuery(
    lambda pk: Incident.objects.select_for_update(of=("self",), no_key=True).select_related("category", "command_centre").filter(pk=pk)
)


def is_centre_staff(actor) -> bool:
    """Call-takers, supervisors and admins: the roles that act on a centre's tickets (ensure_centre_staff)."""
    return actor.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR, User.Role.ADMIN) or actor.is_superuser


def ensure_centre_staff(actor, incident: Incident):
    """Call-takers, supervisors and admins of the incident's centre (or its province) may act on the ticket."""
    if not is_centre_staff(actor):
        raise PermissionDenied(_("Hanya petugas pusat panggilan yang dapat melakukan ini."))
    scope = scope_for(actor)
    if not scope.is_global and incident.command_centre_id not in scope.centre_ids:
        raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")


def lock_assignment(assignment_id) -> tuple[Incident, Assignment]:
    """Lock the incident, then the assignment (the same order as every incident workflow)."""
    incident_id = Assignment.objects.filter(pk=assignment_id).values_list("incident_id", flat=True).first()
    if incident_id is None:
        raise NotFound(_("Penugasan tidak ditemukan."), code="assignment_not_found")
    incident = lock_incident(incident_id)
    assignment = Assignment.objects.select_for_update(of=("self",), no_key=True).select_related("agency").get(pk=assignment_id)
    assignment.incident = incident
    return incident, assignment


def ensure_agency_actor(actor, assignment):
    """The assigned agency's dispatchers act on it; supervisors and admins of the incident's centre may too."""
    scope = scope_for(actor)
    if scope.is_global:
        return
    if actor.role == User.Role.DISPATCHER and assignment.agency_id in scope.agency_ids:
        return
    if actor.role == User.Role.SUPERVISOR and assignment.incident.command_centre_id in scope.centre_ids:
        return
    if assignment.agency_id in scope.agency_ids or assignment.incident.command_centre_id in scope.centre_ids:
        raise PermissionDenied(_("Peran Anda tidak dapat mengubah penugasan ini."))
    raise NotFound(_("Penugasan tidak ditemukan."), code="assignment_not_found")


_RESPONSE_STATUSES_SQL = """
SELECT
    ARRAY(SELECT a.status FROM incidents_assignment a WHERE a.incident_id = %(incident)s),
    ARRAY(SELECT u.status FROM incidents_unitdispatch d
          JOIN incidents_assignment a ON a.id = d.assignment_id
          JOIN agencies_unit u ON u.id = d.unit_id
          WHERE a.incident_id = %(incident)s AND d.released_at IS NULL),
    ARRAY(SELECT a.agency_id FROM incidents_assignment a
          WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted') ORDER BY a.agency_id)
"""


def response_state(incident_id) -> tuple[list, list, list]:
    """(assignment statuses, statuses of units still dispatched, agencies holding a live assignment) in one round
    trip. Run after lock_incident: under the lock nobody else changes them until commit."""
    with connection.cursor() as cursor:
        cursor.execute(_RESPONSE_STATUSES_SQL, {"incident": incident_id})
        return cursor.fetchone()


def _response_statuses(incident_id):
    """Assignment statuses and the statuses of units still dispatched, in one round trip (every workflow calls this)."""
    statuses, unit_statuses, _live = response_state(incident_id)
    return statuses, unit_statuses


def transition(
    obj,
    *,
    status,
    kind: str,
    payload,
    incident: Incident | None,
    actor=None,
    now=None,
    stamp: str | None = None,
    stamp_once: str | None = None,
    changes: dict | None = None,
    **audience,
) -> str | None:
    """The one state change every workflow makes: set `status`, stamp the time, save only the changed fields,
    record `kind` (old → new) on the timeline. Returns the old status, or None for a no-op (nothing written).

    `payload(old)` builds the event's payload (a builder of incidents.events); `stamp` is always set to `now`,
    `stamp_once` only while unset (the first time a stage is reached); `changes` are further fields set with it.
    The caller holds the locks and has checked that the move is legal; `audience` goes to record_event."""
    old = obj.status
    if old == status:
        return None
    now = now or timezone.now()
    obj.status = status
    fields = ["status"]
    if stamp:
        setattr(obj, stamp, now)
        fields.append(stamp)
    if stamp_once and getattr(obj, stamp_once) is None:
        setattr(obj, stamp_once, now)
        fields.append(stamp_once)
    for name, value in (changes or {}).items():
        setattr(obj, name, value)
        fields.append(name)
    # auto_now fields are only written when named in update_fields
    fields += [name for name in _auto_now_fields(type(obj)) if name not in fields]
    save_fields(obj, fields)  # obj.save(update_fields=fields), its SQL built once (issue 27)
    record_event(kind=kind, incident=incident, actor=actor, payload=payload(old), **audience)
    return old


@lru_cache(maxsize=None)
def _auto_now_fields(model) -> tuple[str, ...]:
    """A model's auto_now fields, looked up once per model (transition runs on every state change)."""
    return tuple(f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False))


# The time each derived incident status is first reached (report intervals read them).
STAGE_STAMPS = {
    Incident.Status.ROUTED: "routed_at",
    Incident.Status.ACCEPTED: "accepted_at",
    Incident.Status.DISPATCHED: "dispatched_at",
    Incident.Status.ON_SCENE: "on_scene_at",
    Incident.Status.RESOLVED: "resolved_at",
}


def incident_refresh_status(*, incident: Incident, actor=None, responses=None) -> bool:
    """Recompute the derived status of a locked incident; write an event only when it really changed.
    `responses`: (assignment statuses, unit statuses) when the caller already holds them under the lock."""
    statuses, unit_statuses = responses if responses is not None else _response_statuses(incident.pk)
    new = derive_incident_status(
        assignment_statuses=statuses,
        unit_statuses=unit_statuses,
        closed=incident.status == Incident.Status.CLOSED,
        cancelled=incident.status == Incident.Status.CANCELLED,
    )
    if new == incident.status:
        return False
    now = timezone.now()
    transition(
        incident, status=new, kind="incident.status_changed", incident=incident, actor=actor, now=now,
        stamp_once=STAGE_STAMPS.get(new),
        changes={**_service_target_start(incident, new, now), **incident_deadlines_for(incident, new, now)},
        payload=lambda old: events.incident_status_changed(old=old, new=new),
    )
    return True


def unrouted_alert_due(incident: Incident, since):
    """When the `unrouted` alert of a spell that began at `since` is due: its centre's threshold for the priority."""
    return since + timedelta(seconds=incident.command_centre.unrouted_alert_seconds(incident.priority))


def incident_deadlines_for(incident: Incident, new_status, now) -> dict:
    """The deadlines an incident moving to `new_status` starts or ends (fields to save with the move):

    - entering "new" (nobody holds it) starts an unrouted spell: its alert is due after the centre's threshold for the
      priority; leaving "new" ends the spell (no alert if it had not fired yet);
    - entering "resolved" starts the auto-close clock (the centre's minutes, none when 0); leaving it stops the clock.
    Closed and cancelled end both."""
    changes = {}
    if new_status == Incident.Status.NEW:
        if incident.unrouted_since is None:
            changes.update(unrouted_since=now, unrouted_alert_due_at=unrouted_alert_due(incident, now))
    elif incident.unrouted_since is not None or incident.unrouted_alert_due_at is not None:
        changes.update(unrouted_since=None, unrouted_alert_due_at=None)
    if new_status == Incident.Status.RESOLVED:
        minutes = incident.command_centre.auto_close_resolved_min
        due = now + timedelta(minutes=minutes) if minutes else None
        if incident.auto_close_due_at != due:
            changes["auto_close_due_at"] = due
    elif incident.auto_close_due_at is not None:
        changes["auto_close_due_at"] = None
    return changes


def _service_target_start(incident: Incident, new_status, now) -> dict:
    """The service-target clock (e.g. Damkar SPM: on scene within 15 min) starts when an agency first
    accepts; once the incident has an on_scene_at the sweeper ignores it."""
    target = incident.category.on_scene_target_min
    reached = new_status not in (Incident.Status.NEW, Incident.Status.ROUTED) and new_status not in Incident.TERMINAL_STATUSES
    if target and reached and incident.on_scene_due_at is None and incident.on_scene_at is None:
        start = incident.accepted_at or now
        return {"on_scene_due_at": start + timedelta(minutes=target)}
    return {}


def ack_seconds_for(incident: Incident) -> tuple[int, int]:
    """(ack window, second-stage delay) from the most specific EscalationRule, else the priority default."""
    # Read from the per-process reference cache (incidents.refdata): a rule matches when each of its fields is the
    # incident's or unset.
    rules = [
        r for r in refdata.escalation_rules()
        if r.command_centre_id in (incident.command_centre_id, None)
        and r.category_id in (incident.category_id, None)
        and r.priority in (incident.priority, None)
    ]
    # A rule naming the centre beats one naming the category beats one naming the priority.
    rules = sorted(rules, key=lambda r: (r.command_centre_id is not None, r.category_id is not None, r.priority is not None), reverse=True)
    if rules:
        return rules[0].ack_seconds, rules[0].second_stage_seconds
    return settings.DEFAULT_ACK_SECONDS.get(incident.priority, 300), 120


def offer_assignment(*, incident: Incident, agency, actor=None, previous=None, reason="", stage=0) -> Assignment:
    """Create one offered assignment with its acknowledgement deadline; the timer starts after commit."""
    now = timezone.now()
    ack, _second = ack_seconds_for(incident)
    flush_events()  # a queued event's audience is read before this assignment exists (events_in_one_statement)
    assignment = prepared.create(  # Assignment.objects.create, its INSERT compiled once per process (issue 27)
        Assignment,
        incident=incident,
        agency=agency,
        status=Assignment.Status.OFFERED,
        offered_at=now,
        ack_deadline=now + timedelta(seconds=ack),
        offered_by=actor if actor is not None and actor.is_authenticated else None,
        previous=previous,
        reason=reason,
        escalation_stage=stage,
    )
    record_event(
        kind="assignment.offered",
        incident=incident,
        actor=actor,
        extra_agency_ids=[agency.pk],
        payload=events.assignment_offered(assignment=assignment, previous=previous),
    )
    transaction.on_commit(lambda: timers.schedule_ack_timer(assignment.pk, assignment.ack_deadline))
    return assignment

