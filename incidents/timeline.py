"""Writing the append-only timeline, and publishing it after commit.

Every real state change writes exactly one TimelineEvent inside the service's transaction; the
live push runs only once that transaction commits, so no console sees a change the database then
rolls back.
"""
import re
from contextlib import contextmanager

from django.db import connection, transaction

from incidents.cardiac import block_for
from incidents.events import EVENT_KINDS, carries_caller_data
from incidents.live import publish_events
from incidents.models import Incident, IncidentCategory, TimelineEvent
from volunteers.selectors import communities_following_incident_sql

# Any constant shared by every writer: the lock serialises drawing `seq` with commit, so sequence
# order equals commit order and "give me everything after N" never skips a late committer.
_TIMELINE_LOCK_KEY = 112_000_001


def incident_summary(incident: Incident) -> dict:
    """The compact picture of an incident every console can apply without another request."""
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "priority": incident.priority,
        "category": incident.category.code,
        "category_name": incident.category.name_id,
        "address": incident.address,
        # the kelurahan/desa and kecamatan (Kemendagri codes): consoles group and filter by them
        "village": incident.village_id,
        "district": incident.district_id,
        "location": [incident.location.x, incident.location.y],
        "caller_count": incident.caller_count,
        "command_centre": incident.command_centre_id,
        "created_at": incident.created_at.isoformat(),
        # stage stamps: the supervisor board keeps today's intervals (answer → created → routed → accepted →
        # on scene) live from them
        "call_answered_at": _iso(incident.call_answered_at),
        "routed_at": _iso(incident.routed_at),
        "accepted_at": _iso(incident.accepted_at),
        "on_scene_at": _iso(incident.on_scene_at),
        # placed from an address only (an EIDO without coordinates): the console asks for a pin
        "location_to_confirm": incident.location_source == Incident.LOCATION_TO_CONFIRM,
        # arrived without an incident type (an EIDO transfer): every console flags it until someone sets the category
        "unclassified": incident.category.code == IncidentCategory.UNCLASSIFIED,
        # a suspected cardiac arrest: the block (incidents.cardiac.arrest_block), else null — no query for an
        # incident never suspected
        "cardiac_arrest": block_for(incident),
    }


def _iso(dt):
    return dt.isoformat() if dt else None


_AUDIENCE_SQL = """
SELECT
    ARRAY(SELECT a.agency_id FROM incidents_assignment a
          WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted')),
    ARRAY(SELECT DISTINCT g.command_centre_id FROM agencies_agency g
          WHERE %(agency_centres)s AND (g.id IN (SELECT a.agency_id FROM incidents_assignment a
                         WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted'))
             OR g.id = ANY(%(extra)s))),
    """ + communities_following_incident_sql("%(incident)s")


# Kinds another centre sees when one of its agencies holds (or is named by) the event: what REST shows that centre
# of a handed-in incident — the assignment rows (GET /api/v1/assignments/: reference, status, priority, category,
# address, location, reason) and its units — never the description, the caller or the call-outs, which stay with
# the incident's own centre and the agencies holding it (issue 28: the receiving centre's call-takers got
# `incident.updated` with the description while GET /api/v1/incidents/{id}/ was 404 for them).
AGENCY_CENTRE_KINDS = ("assignment.", "unit.")


def reaches_agency_centres(kind: str) -> bool:
    return kind.startswith(AGENCY_CENTRE_KINDS)


def audience_for_incident(incident: Incident, *, extra_agency_ids=(), kind: str = "assignment.offered"):
    """Centres and agencies that may see events of this incident: its centre, every agency holding a live
    assignment, plus any agency the event concerns directly; those agencies' centres for the assignment and unit
    events only (reaches_agency_centres); communities with an open call-out. record_event computes the same inside
    its INSERT (one round trip)."""
    extra = [int(a) for a in extra_agency_ids]
    with connection.cursor() as cursor:
        cursor.execute(_AUDIENCE_SQL, {"incident": incident.pk, "extra": extra, "agency_centres": reaches_agency_centres(kind)})
        live_agencies, centres, communities = cursor.fetchone()
    agency_ids = set(live_agencies) | set(extra)
    centre_ids = {incident.command_centre_id} | set(centres)
    return centre_ids, agency_ids, set(communities)


_EVENT_TABLE = TimelineEvent._meta.db_table
_COLUMNS = "at, kind, incident_id, actor_id, centre_ids, agency_ids, community_ids, payload"
_LIVE_AGENCIES = (
    "SELECT a.agency_id FROM incidents_assignment a WHERE a.incident_id = %(incident)s AND a.status IN ('offered', 'accepted')"
)


def _sorted_union(*arrays: str) -> str:
    return "ARRAY(SELECT DISTINCT x FROM unnest(" + " || ".join(f"({a})::bigint[]" for a in arrays) + ") AS x ORDER BY x)"


# One round trip per event (issue 15): the timeline lock, the audience and the INSERT, where they were three
# statements. The lock is taken in the `lock` CTE the INSERT selects from: a CTE calling a volatile function is
# evaluated before the rows that depend on it, so the sequence value (the column default) and `at`
# (clock_timestamp()) are drawn only once the lock is held, as before. The audience is read under the lock; it reads
# only the incident's own assignments (locked by this workflow) and small tables: microseconds more of hold.
_INSERT_PREFIX = f"WITH lock AS (SELECT pg_advisory_xact_lock(%(lock)s)) INSERT INTO {_EVENT_TABLE} ({_COLUMNS}) "
_RETURNING = " RETURNING seq, at, centre_ids, agency_ids, community_ids"
_ROW_WITH_AUDIENCE = (
    "SELECT clock_timestamp(), %(kind)s, %(incident)s, %(actor)s, "
    + _sorted_union(
        "ARRAY[%(centre)s]",
        "ARRAY(SELECT DISTINCT g.command_centre_id FROM agencies_agency g "
        f"WHERE %(agency_centres)s AND (g.id IN ({_LIVE_AGENCIES}) OR g.id = ANY(%(extra)s::bigint[])))",
    )
    + ", "
    + _sorted_union(f"ARRAY({_LIVE_AGENCIES})", "%(extra)s")
    + ", CASE WHEN %(staff_only)s THEN '{}'::bigint[] ELSE "
    + _sorted_union(communities_following_incident_sql("%(incident)s"))
    + " END, %(payload)s FROM lock"
)
_INSERT_WITH_AUDIENCE_SQL = _INSERT_PREFIX + _ROW_WITH_AUDIENCE + _RETURNING

# An event that names its audience: the lock and the INSERT, one round trip.
_ROW_NAMED = (
    "SELECT clock_timestamp(), %(kind)s, %(incident)s, %(actor)s, %(centres)s::bigint[], %(agencies)s::bigint[], "
    "%(communities)s::bigint[], %(payload)s FROM lock"
)
_INSERT_SQL = _INSERT_PREFIX + _ROW_NAMED + _RETURNING
_PARAM = re.compile(r"%\((\w+)\)s")


# Events of one workflow in one statement (issue 27). Inside `events_in_one_statement()`, record_event only queues the
# event (its payload and audience parameters are taken at once); flush_events() — called when the block ends, and by
# anything that is about to change what an audience reads (offer_assignment, before it inserts an assignment) —
# writes the queue with ONE INSERT: the same lock CTE, one `SELECT … FROM lock` per event joined by UNION ALL, so the
# rows (and their sequence values and clock_timestamp()) are drawn in queue order once the lock is held. Each event's
# audience is computed by that statement: the same as when it was queued, as long as nothing it reads changed in
# between (hence the flush before an assignment insert). The publish after commit is registered at the flush, in
# sequence order. A queued event has no seq/at until the flush: do not read them inside the block.
@contextmanager
def events_in_one_statement():
    if getattr(connection, "timeline_queue", None) is not None:
        yield  # nested: the outer block writes
        return
    connection.timeline_queue = []
    try:
        yield
        flush_events()
    finally:
        connection.timeline_queue = None


def flush_events():
    queue = getattr(connection, "timeline_queue", None)
    if not queue:
        return
    rows, params = [], {"lock": _TIMELINE_LOCK_KEY}
    for i, (row_sql, row_params, _event) in enumerate(queue):
        rows.append(_PARAM.sub(lambda m, i=i: f"%({m.group(1)}_{i})s", row_sql))
        params.update({f"{k}_{i}": v for k, v in row_params.items()})
    events = [event for _sql, _params, event in queue]
    queue.clear()
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_PREFIX + " UNION ALL ".join(rows) + _RETURNING, params)
        written = sorted(cursor.fetchall())
    for event, row in zip(events, written):
        _written(event, row)

_PAYLOAD_FIELD = TimelineEvent._meta.get_field("payload")


def record_event(
    *,
    kind: str,
    incident: Incident | None = None,
    actor=None,
    payload: dict | None = None,
    centre_ids=None,
    agency_ids=None,
    community_ids=None,
    extra_agency_ids=(),
) -> TimelineEvent:
    """Append one event; must run inside the service's atomic block. An incident's event without a named audience
    gets the incident's (audience_for_incident), computed inside the INSERT: one statement either way."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside transaction.atomic()")
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}: add it to incidents.events and docs/architecture.md")
    body = dict(payload or {})
    if incident is not None:
        body.setdefault("incident", incident_summary(incident))
    # Volunteers never receive the caller's number or name: such an event is staff-only.
    staff_only = carries_caller_data(body)
    actor_id = actor.pk if (actor is not None and actor.is_authenticated) else None
    params = {
        "lock": _TIMELINE_LOCK_KEY, "kind": kind, "incident": incident.pk if incident is not None else None, "actor": actor_id,
        "payload": _PAYLOAD_FIELD.get_db_prep_value(body, connection),
    }
    if incident is not None and centre_ids is None:
        if agency_ids is not None or community_ids is not None:
            raise ValueError("record_event: name the whole audience (centre_ids, agency_ids, community_ids) or none of it")
        row = _ROW_WITH_AUDIENCE
        params.update(centre=incident.command_centre_id, extra=[int(a) for a in extra_agency_ids], staff_only=staff_only,
                      agency_centres=reaches_agency_centres(kind))
    else:
        row = _ROW_NAMED
        params.update(
            centres=sorted(set(centre_ids or [])), agencies=sorted(set(agency_ids or [])),
            communities=[] if staff_only else sorted(set(community_ids or [])),
        )
    event = TimelineEvent(kind=kind, incident=incident, actor_id=actor_id, payload=body)
    queue = getattr(connection, "timeline_queue", None)
    if queue is not None:
        del params["lock"]
        queue.append((row, params, event))
        return event
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_PREFIX + row + _RETURNING, params)
        _written(event, cursor.fetchone())
    return event


def _written(event: TimelineEvent, row):
    event.seq, event.at, centres, agencies, communities = row
    event.centre_ids, event.agency_ids, event.community_ids = list(centres), list(agencies), list(communities)
    event._state.adding = False
    event._state.db = connection.alias
    _publish_after_commit(event)


# The PUBLISH of a transaction's events: one pipeline after commit, in seq order (issue 27), where each event had a
# round trip of its own. Each event still has its own on_commit hook, so Django drops the events of a rolled-back
# savepoint (or of a rolled-back transaction) as it drops any hook; that hook only marks the event ready. The
# pipeline is sent by a flush hook appended after each event's hook with no savepoint ids (a savepoint's rollback never
# drops it), and only the last flush registered sends: the one that runs after every surviving event's hook. A flush
# that is not the last does nothing, so the events go out together, still before any hook registered after them.
class _PublishBatch:
    __slots__ = ("ready", "latest", "started")

    def __init__(self):
        self.ready, self.latest, self.started = [], 0, False

    def hook(self, event):
        def ready():
            self.started = True
            self.ready.append(event)
        return ready

    def flush(self, generation):
        def run():
            if generation != self.latest:
                return  # a later flush follows the events registered after this one
            events, self.ready = self.ready, []
            publish_events(events)
        return run


def _publish_after_commit(event):
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        publish_events([event])  # autocommit: committed already (never the case for record_event)
        return
    batch = getattr(conn, "timeline_publish", None)
    if batch is None or batch.started:
        # per connection, so per thread. A new one once the last one's hooks have begun to run: a transaction opened by
        # a commit hook (between two events of the one committing) has a batch of its own and does not hold back the
        # outer one's flush. A rolled-back transaction's hooks never run: its batch serves the next transaction.
        batch = conn.timeline_publish = _PublishBatch()
    transaction.on_commit(batch.hook(event))
    batch.latest += 1
    conn.run_on_commit.append((set(), batch.flush(batch.latest), False))
