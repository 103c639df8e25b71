"""The event schema: every kind of timeline event, and the one place that builds its payload.

A timeline event is `{"seq", "kind", "at", "incident", "actor", "payload"}` (incidents.live.event_message).
Consoles, the supervisor board, volunteer phones, integrators (`GET /api/v1/events/`) and the reports all read
these payloads, so each kind's fields are built here and nowhere else, and `record_event` refuses a kind that
is not listed. Every payload of an event that belongs to an incident also carries `incident` (the summary of
incidents.timeline.incident_summary), added by `record_event`. Fields are only ever added, never renamed.
docs/architecture.md ("Event schema") lists the kinds with their fields and audience; a test keeps the two equal.

Audience (who may receive the event) is decided by record_event: for an incident's event, its centre, every
agency holding a live assignment (and their centres), the agencies the event names, and the communities whose
call-out follows the incident; events without an incident name their audience explicitly.
"""

from agencies.aeds import aed_summary
from incidents.cardiac import arrest_block

# kind → what it means (the audience rule, when it differs from the incident's, is in docs/architecture.md)
EVENT_KINDS = {
    "incident.created": "a call-taker (or an import) logged the incident",
    "incident.updated": "fields of the incident were corrected: {changes: {field: {old, new}}}",
    "incident.status_changed": "the derived status moved, or the centre closed/cancelled the ticket",
    "incident.duplicate_linked": "another call about the same incident was linked to it",
    "incident.imported": "the incident arrived from another CAD as a NENA EIDO document",
    "incident.eido_updated": "a newer EIDO version of an imported incident was applied",
    "assignment.offered": "an agency was offered the incident, with an acknowledgement deadline",
    "assignment.accepted": "the agency accepted",
    "assignment.declined": "the agency declined, with a reason",
    "assignment.handed_off": "the agency passed the incident to another agency (maybe of another centre)",
    "assignment.completed": "the agency finished its part",
    "assignment.expired": "nobody accepted before the deadline",
    "assignment.cancelled": "the centre closed or cancelled the incident while the agency still held it",
    "unit.status_changed": "a unit moved to another field status (dispatched, en route, on scene, …)",
    "unit.position": "a unit's newer position (at most one event per unit per 30 s)",
    "call.ringing": "the PBX reported a ringing call (centre only)",
    "call.answered": "a call-taker took the call (centre only)",
    "call.closed": "the call ended: classified (ghost, prank, info, …) or hung up after logging (centre only)",
    "call.reopened": "a one-key classification was undone: the call is in progress again (centre only)",
    "call.location": "a handset location (AML/ELS) was attached to a call",
    "alert.raised": "a supervisor alert: a timer's (expired, second stage, service target breached) or nobody left on the incident (unrouted)",
    "alert.acknowledged": "a supervisor acknowledged an alert, or every open alert of an incident at once",
    "callout.sent": "volunteers were called out to the incident (a community, or by skill within a radius)",
    "callout.accepted": "a volunteer accepted a call-out (counted among the N needed)",
    "callout.declined": "a volunteer declined a call-out",
    "callout.filled": "N volunteers accepted: the others were stood down",
    "callout.expired": "the call-out's deadline passed short of volunteers: supervisors alerted",
    "callout.status": "a volunteer reported progress (en route, on scene, done) or withdrew",
    "callout.cancelled": "the requester called the call-out off: everyone alerted was stood down",
    "caller.link_sent": "a caller link was texted to the caller (or the same link texted again within a minute)",
    "caller.link_opened": "the caller's phone opened the link for the first time",
    "caller.link_ended": "a caller link stopped working: revoked, expired, or its incident closed or cancelled",
    "caller.position": "the caller's phone sent a location fix through the link (never moves the incident by itself)",
    "caller.photo": "the caller sent a photo through the link (re-encoded, without EXIF/GPS)",
    "caller.message": "a chat message between the caller and the centre (the link's page or SMS)",
    "callout.ended": "the incident was resolved, closed or cancelled: the open call-out ended, everyone still alerted or coming stood down",
    "callout.none_available": "an automatic call-out found no volunteer to alert (the call-taker is told)",
    "cardiac_arrest.recognised": "a cardiac arrest is suspected: from the two answers, or flagged by the call-taker",
    "cardiac_arrest.step": "a step of dispatcher-assisted CPR was reached (the first time only)",
}


def assignment_summary(assignment) -> dict:
    return {
        "id": assignment.pk,
        "agency": assignment.agency_id,
        "agency_name": str(assignment.agency),
        "status": assignment.status,
        "offered_at": assignment.offered_at.isoformat(),
        "ack_deadline": assignment.ack_deadline.isoformat() if assignment.ack_deadline else None,
        "escalation_stage": assignment.escalation_stage,
    }


# --- incident -----------------------------------------------------------------------------------------------

def _iso(dt):
    return dt.isoformat() if dt else None


def _call_handling(call) -> dict:
    """Who handled the call an incident event ended, and when: the supervisor board's call-taker activity."""
    return {"call_taker": call.call_taker_id, "call_answered_at": _iso(call.answered_at), "call_ended_at": _iso(call.ended_at)}


def incident_created(*, call) -> dict:
    return {"call": call.pk if call else None, **(_call_handling(call) if call else {})}


def incident_updated(*, changes: dict) -> dict:
    return {"changes": changes}


def incident_status_changed(*, old, new, note=None, reason=None, auto_close=None) -> dict:
    """`note` of a close by hand, `reason` of a cancel; `auto_close` {after_min, due_at} when the system closed a
    resolved incident after its centre's auto-close minutes (the event then has no actor)."""
    payload = {"old": old, "new": new}
    if note is not None:
        payload["note"] = note
    if reason is not None:
        payload["reason"] = reason
    if auto_close is not None:
        payload["auto_close"] = auto_close
    return payload


def incident_duplicate_linked(*, call, caller_count_old, caller_count_new) -> dict:
    return {
        "call": call.pk,
        "caller_number": call.caller_number,
        "caller_count": {"old": caller_count_old, "new": caller_count_new},
        **_call_handling(call),
    }


def incident_imported(*, tracking_id, sender, sender_reference, sender_updated, incident_type, links, merges, sha256, sent,
                      sender_type="", unclassified=False) -> dict:
    """`sender_type`: the sender's own type code or text; `unclassified`: no type we could map (the category is
    "perlu diklasifikasi" until someone sets it)."""
    return {
        "format": "eido",
        "tracking_id": tracking_id,
        "sender": sender[:200],
        "sender_reference": str(sender_reference)[:100],
        "sender_updated": str(sender_updated)[:40],
        "incident_type": incident_type[:60],
        "sender_type": str(sender_type)[:120],
        "unclassified": bool(unclassified),
        "links": links,
        "merges": merges,
        "sha256": sha256,
        "sent": sent,
    }


def incident_eido_updated(*, tracking_id, sender, sender_updated, sha256, applied, sent) -> dict:
    return {
        "format": "eido",
        "tracking_id": tracking_id[:255],
        "sender": sender[:200],
        "sender_updated": str(sender_updated)[:40],
        "sha256": sha256,
        "applied": sorted(applied),
        "sent": sent,
    }


# --- assignment ---------------------------------------------------------------------------------------------

def assignment_offered(*, assignment, previous=None) -> dict:
    return {"assignment": assignment_summary(assignment), "previous": previous.pk if previous else None}


def assignment_changed(*, assignment, old, **extra) -> dict:
    """accepted, declined (reason), handed_off (reason, to_agency), completed (note), expired (late_by_ms)."""
    return {"assignment": assignment_summary(assignment), "old": old, "new": assignment.status, **extra}


def assignment_cancelled(*, assignment, old) -> dict:
    return {"assignment": assignment.pk, "agency": assignment.agency_id, "old": old, "new": assignment.status}


# --- unit ---------------------------------------------------------------------------------------------------

def unit_status_changed(*, unit, old, assignment_id=None, note="", eta=None) -> dict:
    payload = {"unit": unit.pk, "call_sign": unit.call_sign, "agency": unit.agency_id, "old": old, "new": unit.status}
    if assignment_id is not None:
        payload["assignment"] = assignment_id
    if note:
        payload["note"] = note
    if eta is not None:
        # Sent to an incident: the travel predicted then (incidents.routing), as the reports compare it.
        payload["eta_s"], payload["eta_basis"], payload["road_m"] = eta.eta_s, eta.basis, eta.road_m
    return payload


def unit_position(*, unit, lon, lat, recorded_at, accuracy_m, speed_kmh, heading) -> dict:
    return {
        "unit": unit.pk,
        "call_sign": unit.call_sign,
        "agency": unit.agency_id,
        "status": unit.status,
        "position": [lon, lat],
        "position_at": recorded_at.isoformat(),
        "accuracy_m": accuracy_m,
        "speed_kmh": speed_kmh,
        "heading": heading,
    }


# --- call ---------------------------------------------------------------------------------------------------

def call_summary(call) -> dict:
    return {
        "id": call.pk,
        "caller_number": call.caller_number,
        # "sms": a text-only emergency (an SMS to the centre's number), answered by chat
        "channel": call.channel,
        "status": call.status,
        "disposition": call.disposition,
        "call_taker": call.call_taker_id,
        "line": call.line,
        # the supervisor board keeps call-taker activity and the day's funnel live from these
        "command_centre": call.command_centre_id,
        "ringing_at": _iso(call.ringing_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
    }


def call_changed(*, call, old=None) -> dict:
    """call.ringing, call.answered, call.closed; `old` is the status it left (absent for a new call)."""
    payload = {"call": call_summary(call)}
    if old is not None:
        payload["old"] = old
    return payload


def call_reopened(*, call, old, disposition, closed_at, closed_by, note) -> dict:
    """What the reopen undid: the disposition that no longer counts, when and by whom the call had been closed."""
    return {
        "call": call_summary(call),
        "old": old,
        "old_disposition": disposition,
        "closed_at": _iso(closed_at),
        "closed_by": closed_by,
        "old_note": note,
    }


def call_location(*, call, point, accuracy_m, located_at, source, old) -> dict:
    return {
        "call": {"id": call.pk, "caller_number": call.caller_number, "status": call.status, "incident": call.incident_id},
        "location": [point.x, point.y],
        "accuracy_m": accuracy_m,
        "located_at": located_at.isoformat(),
        "source": source,
        "old": old,
    }


# --- supervisor alerts --------------------------------------------------------------------------------------

def alert_raised(*, alert: str, alerts=(), **fields) -> dict:
    """`alert` is the SupervisorAlert kind (assignment_expired, second_stage, target_breached, unrouted); the fields say
    what it is about: assignment, agency, notified, target_min, due_at, late_by_ms. `alerts` lists the
    SupervisorAlert rows the event raised (an expiry without a backup raises two), so the board can show and
    acknowledge them without another request."""
    return {
        "alert": alert,
        **fields,
        "alerts": [
            {"id": a.pk, "kind": a.kind, "message": a.message, "raised_at": _iso(a.created_at), "assignment": a.assignment_id}
            for a in alerts
        ],
    }


def alert_acknowledged(*, alerts, note="", by_name="") -> dict:
    """One supervisor's act: one alert (POST /alerts/{id}/acknowledge/) or every open alert of an incident at once
    (POST /incidents/{id}/alerts/acknowledge/). `alert`, `alert_kind` and `assignment` name the first (oldest) of
    them, as before there were groups; `alerts` and `kinds` list every alert the act acknowledged."""
    first = alerts[0]
    return {
        "alert": first.pk,
        "alert_kind": first.kind,
        "assignment": first.assignment_id,
        "note": note,
        "acknowledged_at": _iso(first.acknowledged_at),
        "acknowledged_by": first.acknowledged_by_id,
        "acknowledged_by_name": by_name,
        "alerts": [a.pk for a in alerts],
        "kinds": list(dict.fromkeys(a.kind for a in alerts)),
    }


# --- volunteer call-outs ------------------------------------------------------------------------------------
# Volunteers hear the incident's events (their community follows it): no payload sent to a community may carry
# the caller's number or name. record_event drops the communities from the audience of any payload that does
# (`carries_caller_data`), and these builders never put caller data in.

# The caller.* events keep their data under these keys (caller_link, caller_position, …), so every one of them is
# staff-only by the same rule: the caller's fixes, photos and words never reach a community either.
CALLER_FIELDS = frozenset({"caller_number", "caller_name", "caller_link", "caller_position", "caller_photo", "caller_message"})


def carries_caller_data(payload) -> bool:
    """True when a caller field appears anywhere in the payload (e.g. incident.duplicate_linked's caller_number,
    incident.updated's changes of caller_name)."""
    if isinstance(payload, dict):
        return any(key in CALLER_FIELDS or carries_caller_data(value) for key, value in payload.items())
    if isinstance(payload, (list, tuple)):
        return any(carries_caller_data(value) for value in payload)
    return False


def callout_summary(callout, counts: dict) -> dict:
    """The call-out as every console and phone renders it; `counts` = accepted, declined, pending, recipients."""
    return {
        "id": callout.pk,
        "status": callout.status,
        "needed": callout.needed,
        "accepted": counts["accepted"],
        "declined": counts["declined"],
        "pending": counts["pending"],
        "recipients": counts["recipients"],
        "community": callout.community_id,
        "community_name": callout.community.name if callout.community_id else None,
        "skills": list(callout.skills),
        "radius_m": callout.radius_m,
        "note": callout.note,
        "sent_at": callout.sent_at.isoformat(),
        "ack_deadline": callout.ack_deadline.isoformat() if callout.ack_deadline else None,
        # issue 30: `general`, or `cardiac_arrest` (sent by the platform); `aed` the AED the runner fetches
        "purpose": callout.purpose,
        "aed": aed_summary(callout.aed) if callout.aed_id else None,
    }


def response_summary(response) -> dict:
    """One member's answer: who (name and community, never their phone), what, when, how far."""
    return {
        "id": response.pk,
        "volunteer": response.volunteer_id,
        "volunteer_name": response.volunteer.name,
        "community": response.community_id,
        "community_name": response.volunteer.community.name,
        "status": response.status,
        "reply": response.reply,
        "channel": response.channel,
        "distance_m": response.distance_m,
        "answered_at": response.answered_at.isoformat() if response.answered_at else None,
        "en_route_at": response.en_route_at.isoformat() if response.en_route_at else None,
        "on_scene_at": response.on_scene_at.isoformat() if response.on_scene_at else None,
        "done_at": response.done_at.isoformat() if response.done_at else None,
        "stood_down_reason": response.stood_down_reason or None,
        "location": [response.location.x, response.location.y] if response.location else None,
        "note": response.note,
    }


def callout_sent(*, callout, counts, members) -> dict:
    """`members`: ids of the volunteers alerted (a phone page knows at once whether the call-out is theirs)."""
    return {"callout": callout_summary(callout, counts), "members": sorted(members)}


def callout_answered(*, callout, counts, response) -> dict:
    """callout.accepted and callout.declined."""
    return {"callout": callout_summary(callout, counts), "response": response_summary(response)}


def callout_filled(*, callout, counts, taken, stood_down, filled_at) -> dict:
    """`taken`: the responses counted (names, so the others' stand-down says who goes); `stood_down`: the members
    told they are not needed."""
    return {
        "callout": callout_summary(callout, counts),
        "taken": [{"volunteer": r.volunteer_id, "volunteer_name": r.volunteer.name} for r in taken],
        "stood_down": sorted(stood_down),
        "filled_at": filled_at.isoformat(),
    }


def callout_expired(*, callout, counts, late_by_ms, notified) -> dict:
    return {"callout": callout_summary(callout, counts), "late_by_ms": late_by_ms, "notified": sorted(set(notified))}


def callout_status(*, callout, counts, response, old, new) -> dict:
    return {"callout": callout_summary(callout, counts), "response": response_summary(response), "old": old, "new": new}


def callout_cancelled(*, callout, counts, old, reason, stood_down) -> dict:
    return {"callout": callout_summary(callout, counts), "old": old, "reason": reason, "stood_down": sorted(stood_down)}


# --- the caller's phone (issue 24) --------------------------------------------------------------------------
# Staff-only by construction: every payload below holds its data under a key of CALLER_FIELDS. `call` names the
# call a link was sent on (before its incident existed, such an event is the call's centre's only).

def caller_link_summary(link) -> dict:
    return {
        "id": link.pk,
        "status": link.status,
        "sent_to": link.sent_to,
        "call": link.call_id,
        "created_at": _iso(link.created_at),
        "last_sent_at": _iso(link.last_sent_at),
        "send_count": link.send_count,
        "expires_at": _iso(link.expires_at),
        "opened_at": _iso(link.opened_at),
        "ended_at": _iso(link.ended_at),
    }


def caller_link_sent(*, link, resent: bool) -> dict:
    return {"caller_link": caller_link_summary(link), "call": link.call_id, "resent": resent}


def caller_link_opened(*, link) -> dict:
    return {"caller_link": caller_link_summary(link), "call": link.call_id}


def caller_link_ended(*, link, old, cause: str) -> dict:
    """`cause`: revoked, expired, incident_closed, incident_cancelled, call_closed."""
    return {"caller_link": caller_link_summary(link), "call": link.call_id, "old": old, "new": link.status, "cause": cause}


def caller_position_summary(position) -> dict:
    return {
        "id": position.pk,
        "link": position.link_id,
        "lat": position.location.y,
        "lon": position.location.x,
        "accuracy_m": position.accuracy_m,
        "heading": position.heading,
        "speed": position.speed,
        "received_at": _iso(position.received_at),
        "adopted_at": _iso(position.adopted_at),
    }


def caller_position(*, position) -> dict:
    return {"caller_position": caller_position_summary(position), "call": position.call_id}


def caller_photo_summary(photo) -> dict:
    return {"id": photo.pk, "link": photo.link_id, "width": photo.width, "height": photo.height, "received_at": _iso(photo.received_at)}


def caller_photo(*, photo) -> dict:
    return {"caller_photo": caller_photo_summary(photo), "call": photo.call_id}


def caller_message_summary(message) -> dict:
    return {
        "id": message.pk,
        "link": message.link_id,
        "direction": message.direction,
        "channel": message.channel,
        "text": message.text,
        "at": _iso(message.at),
        "by": message.by_id,
        "by_name": (message.by.get_full_name() or message.by.username) if message.by_id else None,
    }


def caller_message(*, message) -> dict:
    return {"caller_message": caller_message_summary(message), "call": message.call_id}
def callout_ended(*, callout, counts, old, incident_status, stood_down) -> dict:
    """`incident_status`: what ended it (resolved, closed or cancelled); `stood_down`: the members told."""
    return {"callout": callout_summary(callout, counts), "old": old, "incident_status": incident_status,
            "stood_down": sorted(stood_down)}


# --- cardiac arrest (issue 30) --------------------------------------------------------------------------------

def cardiac_arrest_recognised(*, arrest) -> dict:
    """`at` is the recognition time the reports read; `call_taker` and `call_answered_at` say whose call it was and
    when it was answered (the start of the recognition interval)."""
    return {
        "recognition": arrest.recognition,
        "at": _iso(arrest.recognised_at),
        "call_taker": arrest.call_taker_id,
        "call_answered_at": _iso(arrest.call_answered_at),
        "cardiac_arrest": arrest_block(arrest),
    }


def cardiac_arrest_step(*, arrest, step, at, out_of_order=(), replaces=None) -> dict:
    """`step` (incidents.cardiac.STEPS) reached at `at`; `outcome` with `stopped`; `out_of_order`: the steps
    expected before it that had no time (recorded anyway); `replaces`: with `recognised`, the server's recognition
    time from the answers that the call-taker's earlier time replaced (null otherwise)."""
    return {
        "replaces": _iso(replaces) if replaces is not None else None,
        "step": step,
        "at": _iso(at),
        "outcome": arrest.outcome or None,
        "out_of_order": list(out_of_order),
        "call_taker": arrest.call_taker_id,
        "call_answered_at": _iso(arrest.call_answered_at),
        "cardiac_arrest": arrest_block(arrest),
    }


def callout_none_available(*, purpose, skills, radius_m, role=None, aed=None) -> dict:
    """An automatic call-out (`purpose`) found nobody: `role` `cpr` (to the patient) or `aed_runner`; `aed` the AED
    nobody could be sent to fetch."""
    return {"purpose": purpose, "role": role, "skills": sorted(skills), "radius_m": radius_m, "aed": aed}
