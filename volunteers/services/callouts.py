"""Call-outs: ask for N volunteers at an incident, take the first N who accept, stand the others down.

Every workflow locks the incident row, then the call-out row (volunteers.services.common.lock_callout), re-checks
the state and writes one timeline event; SMS/WhatsApp messages are queued through the notifier and sent after
commit. "Exactly N" holds because every acceptance counts the accepted responses while holding the call-out's
row lock: a second accept waits for the first to commit and then sees its row (tests/volunteers/test_race.py).
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dispatch.errors import ApplicationError, Conflict, IllegalTransition, field_error
from incidents import events
from incidents.models import Incident, Notification
from incidents.notifications import notification_queue
from incidents.services.common import lock_incident, transition
from incidents.services.escalation import supervisor_phones
from incidents.timeline import record_event
from volunteers import timers
from volunteers.models import CallOut, CallOutResponse, Volunteer, VolunteerCommunity
from volunteers.selectors import busy_responses, members_for_callout
from volunteers.services.common import counts_for, ensure_canceller, ensure_requester, lock_callout, member_for, response_of
from volunteers.skills import SKILLS

logger = logging.getLogger(__name__)

MAX_NEEDED = 50
MAX_RADIUS_M = 100_000
MAX_NOTE = 500
MAX_REPLY = 120
DEFAULT_DEADLINE_MIN = 5
MAX_DEADLINE_MIN = 120
# An incident in one of these needs no volunteers any more: its open call-outs end (callouts_end_with_incident).
INCIDENT_ENDED = frozenset({Incident.Status.RESOLVED, Incident.Status.CLOSED, Incident.Status.CANCELLED})


# --- input --------------------------------------------------------------------------------------------------

def _int(field, value, *, low, high, message):
    if isinstance(value, bool):
        raise field_error(field, message, code="invalid")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise field_error(field, message, code="invalid") from None
    if number != value and not (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        raise field_error(field, message, code="invalid")
    if not low <= number <= high:
        raise field_error(field, message, code="out_of_range")
    return number


def clean_callout_request(*, community=None, skills=None, radius_m=None, needed=None, note="", deadline_min=None):
    """Check a call-out request before anything is locked or stored: a whole community, or skills + radius."""
    needed = _int("needed", needed, low=1, high=MAX_NEEDED,
                  message=_("Jumlah relawan yang dibutuhkan harus 1 sampai %(max)d.") % {"max": MAX_NEEDED})
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > MAX_NOTE:
        raise field_error("note", _("Catatan paling banyak %(max)d karakter.") % {"max": MAX_NOTE}, code="too_long")
    deadline_min = DEFAULT_DEADLINE_MIN if deadline_min in (None, "") else _int(
        "deadline_min", deadline_min, low=1, high=MAX_DEADLINE_MIN,
        message=_("Batas jawab harus 1 sampai %(max)d menit.") % {"max": MAX_DEADLINE_MIN})
    if community not in (None, ""):
        if skills or radius_m not in (None, ""):
            raise field_error("community", _("Pilih satu komunitas, atau keahlian dengan radius — bukan keduanya."), code="invalid")
        community_id = _int("community", community, low=1, high=2**62, message=_("Komunitas tidak dikenal."))
        return {"community_id": community_id, "skills": [], "radius_m": None, "needed": needed, "note": note, "deadline_min": deadline_min}
    if not isinstance(skills, list) or not skills:
        raise field_error("skills", _("Pilih komunitas, atau minimal satu keahlian dengan radius."), code="required")
    unknown = [s for s in skills if not isinstance(s, str) or s not in SKILLS]
    if unknown:
        raise field_error("skills", _("Keahlian tidak dikenal: %(s)s") % {"s": ", ".join(str(s)[:40] for s in unknown)}, code="unknown_skill")
    if radius_m in (None, ""):
        raise field_error("radius_m", _("Radius wajib diisi untuk panggilan berdasarkan keahlian."), code="required")
    radius_m = _int("radius_m", radius_m, low=1, high=MAX_RADIUS_M,
                    message=_("Radius harus lebih dari 0 dan paling jauh %(km)d km.") % {"km": MAX_RADIUS_M // 1000})
    return {"community_id": None, "skills": sorted(set(skills)), "radius_m": radius_m, "needed": needed, "note": note,
            "deadline_min": deadline_min}


def clean_reply(value) -> str:
    reply = (value or "").strip() if isinstance(value, str) else ""
    if len(reply) > MAX_REPLY:
        raise field_error("reply", _("Balasan paling banyak %(max)d karakter.") % {"max": MAX_REPLY}, code="too_long")
    return reply


# --- messages -----------------------------------------------------------------------------------------------

def phone_url(callout_id) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    return f"{base.rstrip('/')}/relawan/#c{callout_id}" if base else ""


def _queue(member, body, incident, reason):
    channel = Notification.Channel.WHATSAPP if member.notify_channel == Volunteer.Channel.WHATSAPP else Notification.Channel.SMS
    try:
        notification_queue(channel=channel, recipient=member.phone, body=body, incident=incident, reason=reason)
    except ApplicationError:
        # A malformed number on file must not stop the call-out or the other members' messages.
        logger.warning("call-out: cannot notify volunteer %s (%s)", member.pk, reason)


def _alert_text(callout, incident) -> str:
    # What a volunteer needs, never the caller's number or name.
    text = ngettext(
        "PANGGILAN RELAWAN 112 %(ref)s: %(cat)s di %(addr)s. Dibutuhkan %(n)d relawan. "
        "Balas 1 atau YA jika berangkat, 2 atau TIDAK jika tidak bisa.",
        "PANGGILAN RELAWAN 112 %(ref)s: %(cat)s di %(addr)s. Dibutuhkan %(n)d relawan. "
        "Balas 1 atau YA jika berangkat, 2 atau TIDAK jika tidak bisa.",
        callout.needed,
    ) % {"ref": incident.reference, "cat": incident.category.name_id, "addr": incident.address or _("lokasi di peta"),
         "n": callout.needed}
    url = phone_url(callout.pk)
    return f"{text} {url}".strip()


# --- workflows ----------------------------------------------------------------------------------------------

def callout_create(*, incident_id, actor, community=None, skills=None, radius_m=None, needed=None, note="",
                   deadline_min=None, now=None) -> CallOut:
    """Alert volunteers for an incident: every alertable member of one community, or the members with any of
    the skills within the radius, nearest first. 409 `no_volunteers_available` when nobody can be alerted
    (nothing is stored)."""
    request = clean_callout_request(community=community, skills=skills, radius_m=radius_m, needed=needed, note=note,
                                    deadline_min=deadline_min)
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_requester(actor, incident)
        if incident.status not in Incident.OPEN_STATUSES or incident.status in INCIDENT_ENDED:
            raise Conflict(_("Kejadian sudah selesai atau ditutup."), code="incident_closed", extra={"current_status": incident.status})
        target = None
        if request["community_id"] is not None:
            target = VolunteerCommunity.objects.filter(pk=request["community_id"], command_centre_id=incident.command_centre_id).first()
            if target is None:
                raise field_error("community", _("Komunitas tidak dikenal di pusat panggilan ini."), code="unknown_community")
            if not target.is_active or not target.is_approved:
                raise field_error("community", _("Komunitas belum disetujui atau tidak aktif."), code="community_not_approved")
        members = members_for_callout(
            centre=incident.command_centre, point=incident.location, skills=request["skills"], radius_m=request["radius_m"],
            community_id=request["community_id"], now=now,
        )
        if not members:
            raise Conflict(_("Tidak ada relawan siaga yang cocok untuk dipanggil."), code="no_volunteers_available")
        callout = callout_send(
            incident=incident, members=members, community=target, skills=request["skills"], radius_m=request["radius_m"],
            needed=request["needed"], note=request["note"], deadline_min=request["deadline_min"], actor=actor, now=now,
        )
    return callout


def callout_send(*, incident, members, needed, skills, radius_m, note, deadline_min, actor, now, community=None,
                 purpose=CallOut.Purpose.GENERAL, aed=None, text=None) -> CallOut:
    """Under the incident's lock: store the call-out and one response per member, write `callout.sent`, queue the
    members' messages (`text(callout)`, else the usual alert) and the no-answer timer after commit. `actor` None = the
    platform sent it (volunteers.cardiac)."""
    callout = CallOut.objects.create(
        incident=incident, community=community, skills=skills, radius_m=radius_m, needed=needed, note=note, sent_at=now,
        ack_deadline=now + timedelta(minutes=deadline_min), sent_by=actor, purpose=purpose, aed=aed,
    )
    CallOutResponse.objects.bulk_create([
        CallOutResponse(callout=callout, incident=incident, community_id=m.community_id, volunteer=m,
                        distance_m=m.distance_m, alerted_at=now)
        for m in members
    ])
    counts = {"accepted": 0, "declined": 0, "pending": len(members), "recipients": len(members)}
    record_event(
        kind="callout.sent", incident=incident, actor=actor,
        payload=events.callout_sent(callout=callout, counts=counts, members=[m.pk for m in members]),
    )
    body = text(callout) if text is not None else _alert_text(callout, incident)
    for member in members:
        _queue(member, body, incident, "callout")
    transaction.on_commit(lambda: timers.schedule_callout_timer(callout.pk, callout.ack_deadline))
    callout.counts = counts
    return callout


def _stand_down(callout, responses, *, reason, actor, now):
    for response in responses:
        response.status = CallOutResponse.Status.STOOD_DOWN
        response.stood_down_at = now
        response.stood_down_reason = reason
        response.stood_down_by = actor if (actor is not None and actor.is_authenticated) else None
    CallOutResponse.objects.bulk_update(responses, ["status", "stood_down_at", "stood_down_reason", "stood_down_by"])


def _fill(incident, callout, *, actor, now):
    """N accepted: the call-out is filled; everyone still pending is stood down and told who goes, and when."""
    pending = list(
        callout.responses.select_for_update(of=("self",), no_key=True).select_related("volunteer")
        .filter(status=CallOutResponse.Status.PENDING)
    )
    _stand_down(callout, pending, reason=CallOutResponse.Reason.FILLED, actor=actor, now=now)
    taken = list(callout.responses.select_related("volunteer").filter(status__in=sorted(CallOutResponse.COUNTED_STATUSES)).order_by("answered_at", "pk"))
    transition(
        callout, status=CallOut.Status.FILLED, kind="callout.filled", incident=incident, actor=actor, now=now, stamp="filled_at",
        payload=lambda _old: events.callout_filled(callout=callout, counts=counts_for(callout), taken=taken,
                                                   stood_down=[r.volunteer_id for r in pending], filled_at=now),
    )
    local = timezone.localtime(now, timezone=_centre_zone(incident))
    text = _("112 %(ref)s: panggilan relawan sudah terpenuhi (%(names)s) pukul %(time)s. Anda tidak perlu berangkat. Terima kasih.") % {
        "ref": incident.reference, "names": ", ".join(r.volunteer.name for r in taken), "time": local.strftime("%H:%M"),
    }
    for response in pending:
        _queue(response.volunteer, text, incident, "callout_filled")


def _centre_zone(incident):
    from zoneinfo import ZoneInfo

    return ZoneInfo(incident.command_centre.timezone)


def callout_accept(*, callout_id, actor=None, member=None, reply="", channel=CallOutResponse.Channel.WEB, now=None) -> CallOutResponse:
    """The member accepts. The first N acceptances are taken; after that 409 `callout_filled` (with the counts).
    Accepting twice is a no-op."""
    member = member or member_for(actor)
    reply = clean_reply(reply)
    now = now or timezone.now()
    with transaction.atomic():
        incident, callout = lock_callout(callout_id)
        response = response_of(callout, member)
        if response.status in CallOutResponse.COUNTED_STATUSES:
            return response
        counts = counts_for(callout)
        if callout.status not in CallOut.ACCEPTING_STATUSES or counts["accepted"] >= callout.needed:
            code = "callout_filled" if callout.status in (CallOut.Status.FILLED, CallOut.Status.COMPLETED) or counts["accepted"] >= callout.needed else "callout_closed"
            raise Conflict(
                _("Panggilan ini sudah terpenuhi: %(a)d dari %(n)d relawan sudah berangkat.") % {"a": counts["accepted"], "n": callout.needed}
                if code == "callout_filled" else _("Panggilan ini sudah dibatalkan atau selesai."),
                code=code,
                extra={"current_status": callout.status, "accepted": counts["accepted"], "needed": callout.needed},
            )
        if response.status not in (CallOutResponse.Status.PENDING, CallOutResponse.Status.DECLINED):
            raise IllegalTransition(entity=_("jawaban"), current=response.status, target=CallOutResponse.Status.ACCEPTED)
        if busy_responses().filter(volunteer=member).exclude(pk=response.pk).exists():
            raise Conflict(_("Anda sedang bertugas di panggilan lain. Selesaikan atau mundur dulu."), code="volunteer_busy")
        after = {}

        def accepted(_old):
            after.update(counts_for(callout))
            return events.callout_answered(callout=callout, counts=after, response=response)

        transition(response, status=CallOutResponse.Status.ACCEPTED, kind="callout.accepted", incident=incident, actor=actor,
                   now=now, stamp="answered_at", changes={"reply": reply, "channel": channel}, payload=accepted)
        if after["accepted"] >= callout.needed:
            _fill(incident, callout, actor=actor, now=now)
    return response


def callout_decline(*, callout_id, actor=None, member=None, reply="", channel=CallOutResponse.Channel.WEB, now=None) -> CallOutResponse:
    """The member cannot come. Declining twice is a no-op; after accepting, use `callout_withdraw`."""
    member = member or member_for(actor)
    reply = clean_reply(reply)
    now = now or timezone.now()
    with transaction.atomic():
        incident, callout = lock_callout(callout_id)
        response = response_of(callout, member)
        if response.status == CallOutResponse.Status.DECLINED:
            return response
        if response.status != CallOutResponse.Status.PENDING:
            raise IllegalTransition(entity=_("jawaban"), current=response.status, target=CallOutResponse.Status.DECLINED,
                                    code="response_not_pending")
        transition(response, status=CallOutResponse.Status.DECLINED, kind="callout.declined", incident=incident, actor=actor,
                   now=now, stamp="answered_at", changes={"reply": reply, "channel": channel},
                   payload=lambda _old: events.callout_answered(callout=callout, counts=counts_for(callout), response=response))
    return response


STATUS_STAMPS = {
    CallOutResponse.Status.EN_ROUTE: "en_route_at",
    CallOutResponse.Status.ON_SCENE: "on_scene_at",
    CallOutResponse.Status.DONE: "done_at",
}


def callout_report_status(*, callout_id, actor, status, location=None, note="", now=None) -> CallOutResponse:
    """En route → on scene → done, with an optional position and short note. Done by everyone counted
    completes the call-out once it is filled (or expired)."""
    member = member_for(actor)
    if status not in STATUS_STAMPS:
        raise field_error("status", _("Status tidak dikenal: pilih Berangkat, Tiba di lokasi atau Selesai (en_route, on_scene, done)."), code="invalid_choice")
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > 500:
        raise field_error("note", _("Catatan paling banyak 500 karakter."), code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        incident, callout = lock_callout(callout_id)
        response = response_of(callout, member)
        if response.status == status:
            return response
        if status not in CallOutResponse.PROGRESS.get(response.status, ()):
            raise IllegalTransition(entity=_("jawaban"), current=response.status, target=status)
        changes = {"note": note or response.note}
        if location is not None:
            changes.update(location=location, location_at=now)
        if status == CallOutResponse.Status.DONE:
            _complete_if_done(callout, finishing=response, now=now)
        transition(
            response, status=status, kind="callout.status", incident=incident, actor=actor, now=now,
            stamp=STATUS_STAMPS[status], changes=changes,
            payload=lambda old: events.callout_status(callout=callout, counts=counts_for(callout), response=response, old=old, new=status),
        )
    return response


def _complete_if_done(callout, *, finishing, now):
    """A filled call-out whose every counted member is done (the `finishing` response included) is completed;
    set before the event is written, so the event carries it."""
    if callout.status != CallOut.Status.FILLED:
        return
    others = callout.responses.filter(status__in=sorted(CallOutResponse.COUNTED_STATUSES)).exclude(pk=finishing.pk)
    if not others.exclude(status=CallOutResponse.Status.DONE).exists():
        # No event of its own: the finishing member's `callout.status` event, written next, carries it.
        callout.status = CallOut.Status.COMPLETED
        callout.completed_at = now
        callout.save(update_fields=["status", "completed_at"])


def callout_withdraw(*, callout_id, actor, reply="", now=None) -> CallOutResponse:
    """A member who accepted stands down (cannot come after all). A filled call-out reopens: the members stood
    down because it was filled may accept again, and are told so by the live event."""
    member = member_for(actor)
    reply = clean_reply(reply)
    now = now or timezone.now()
    with transaction.atomic():
        incident, callout = lock_callout(callout_id)
        response = response_of(callout, member)
        if response.status == CallOutResponse.Status.STOOD_DOWN:
            return response
        if response.status not in CallOutResponse.BUSY_STATUSES:
            raise IllegalTransition(entity=_("jawaban"), current=response.status, target=CallOutResponse.Status.STOOD_DOWN)
        reopened = callout.status == CallOut.Status.FILLED
        if reopened:
            # No event of its own: the `callout.status` event below carries the reopened call-out and its counts.
            callout.status = CallOut.Status.SENT if callout.expired_at is None else CallOut.Status.EXPIRED
            callout.filled_at = None
            callout.save(update_fields=["status", "filled_at"])
            callout.responses.filter(status=CallOutResponse.Status.STOOD_DOWN, stood_down_reason=CallOutResponse.Reason.FILLED).update(
                status=CallOutResponse.Status.PENDING, stood_down_at=None, stood_down_reason="", stood_down_by=None
            )
        transition(
            response, status=CallOutResponse.Status.STOOD_DOWN, kind="callout.status", incident=incident, actor=actor, now=now,
            stamp="stood_down_at", changes={"stood_down_reason": CallOutResponse.Reason.WITHDREW, "stood_down_by": actor,
                                            "reply": reply or response.reply},
            payload=lambda old: events.callout_status(callout=callout, counts=counts_for(callout), response=response, old=old,
                                                      new=CallOutResponse.Status.STOOD_DOWN),
        )
    return response


def callout_cancel(*, callout_id, actor, reason="", now=None) -> CallOut:
    """The requester, their centre's supervisors or the community's coordinator (volunteers.services.common.may_cancel)
    call the call-out off: everyone still alerted or coming is stood down and told. Cancelling twice is a no-op."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if len(reason) > 500:
        raise field_error("reason", _("Alasan paling banyak 500 karakter."), code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        incident, callout = lock_callout(callout_id)
        ensure_canceller(actor, callout)
        if callout.status == CallOut.Status.CANCELLED:
            return callout
        if callout.status not in CallOut.OPEN_STATUSES:
            raise IllegalTransition(entity=_("panggilan relawan"), current=callout.status, target=CallOut.Status.CANCELLED)
        _cancel(incident, callout, actor=actor, reason=reason, now=now)
    return callout


def _cancel(incident, callout, *, actor, reason, now):
    affected = list(
        callout.responses.select_for_update(of=("self",), no_key=True).select_related("volunteer")
        .filter(status__in=sorted(CallOutResponse.BUSY_STATUSES | {CallOutResponse.Status.PENDING}))
    )
    _stand_down(callout, affected, reason=CallOutResponse.Reason.CANCELLED, actor=actor, now=now)
    transition(
        callout, status=CallOut.Status.CANCELLED, kind="callout.cancelled", incident=incident, actor=actor, now=now,
        stamp="cancelled_at", changes={"cancelled_by": actor if (actor is not None and actor.is_authenticated) else None},
        payload=lambda old: events.callout_cancelled(callout=callout, counts=counts_for(callout), old=old, reason=reason,
                                                     stood_down=[r.volunteer_id for r in affected]),
    )
    text = _("112 %(ref)s: panggilan relawan dibatalkan oleh pusat panggilan. Anda tidak perlu berangkat.") % {"ref": incident.reference}
    for response in affected:
        _queue(response.volunteer, text, incident, "callout_cancelled")


def callouts_end_with_incident(*, incident_id, now=None) -> int:
    """The incident was resolved, closed or cancelled: every call-out still open on it ends — whoever is still alerted
    or coming is stood down ("Kejadian sudah selesai") and told, the call-out is completed, one `callout.ended` event
    each. Exactly once: the incident's lock, then each call-out's, and the state re-checked under them; a second call
    (the sweeper again, or racing) finds nothing open. Returns how many call-outs it ended."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident = lock_incident(incident_id)
        except ApplicationError:
            return 0
        if incident.status not in INCIDENT_ENDED:
            return 0
        open_callouts = list(
            CallOut.objects.select_for_update(of=("self",), no_key=True).select_related("community")
            .filter(incident=incident, status__in=sorted(CallOut.OPEN_STATUSES)).order_by("pk")
        )
        for callout in open_callouts:
            _end(incident, callout, now=now)
    return len(open_callouts)


def _end(incident, callout, *, now):
    affected = list(
        callout.responses.select_for_update(of=("self",), no_key=True).select_related("volunteer")
        .filter(status__in=sorted(CallOutResponse.BUSY_STATUSES | {CallOutResponse.Status.PENDING}))
    )
    _stand_down(callout, affected, reason=CallOutResponse.Reason.ENDED, actor=None, now=now)
    transition(
        callout, status=CallOut.Status.COMPLETED, kind="callout.ended", incident=incident, now=now, stamp="completed_at",
        payload=lambda old: events.callout_ended(callout=callout, counts=counts_for(callout), old=old, incident_status=incident.status,
                                                 stood_down=[r.volunteer_id for r in affected]),
    )
    state = {Incident.Status.RESOLVED: _("sudah tertangani"), Incident.Status.CLOSED: _("sudah ditutup"),
             Incident.Status.CANCELLED: _("dibatalkan")}.get(incident.status, _("sudah selesai"))
    text = _("112 %(ref)s: kejadian %(state)s; panggilan relawan berakhir. Anda tidak diperlukan lagi. Terima kasih.") % {
        "ref": incident.reference, "state": state,
    }
    for response in affected:
        _queue(response.volunteer, text, incident, "callout_ended")


def callout_expire(*, callout_id, now=None) -> bool:
    """The no-answer deadline passed short of volunteers: mark it expired (still taking late answers), text the
    centre's supervisors and raise `callout.expired` — once, whoever runs it (countdown task or sweeper).
    Returns True when it acted."""
    given = now
    with transaction.atomic():
        try:
            incident, callout = lock_callout(callout_id)
        except ApplicationError:
            return False
        now = given or timezone.now()
        if callout.status != CallOut.Status.SENT or callout.ack_deadline is None or callout.ack_deadline > now:
            return False
        if incident.status in INCIDENT_ENDED:
            # The incident ended meanwhile: nobody is needed any more — the one rule of callouts_end_with_incident,
            # instead of alerting supervisors about volunteers for a finished incident.
            _end(incident, callout, now=now)
            return True
        counts = counts_for(callout)
        message = _(
            "112 %(ref)s: panggilan relawan belum terpenuhi (%(a)d dari %(n)d bersedia, %(p)d belum menjawab) setelah batas waktu. "
            "Segera tindak lanjuti."
        ) % {"ref": incident.reference, "a": counts["accepted"], "n": callout.needed, "p": counts["pending"]}
        notified = []
        for phone in supervisor_phones(incident.command_centre):
            try:
                notification_queue(channel=Notification.Channel.SMS, recipient=phone, body=message, incident=incident,
                                   subject=_("Panggilan relawan 112 %(ref)s") % {"ref": incident.reference}, reason="callout_expired")
            except ApplicationError:
                logger.warning("callout expiry: cannot notify supervisor %s", phone)
                continue
            notified.append(phone)
        transition(
            callout, status=CallOut.Status.EXPIRED, kind="callout.expired", incident=incident, now=now, stamp="expired_at",
            payload=lambda _old: events.callout_expired(callout=callout, counts=counts, notified=notified,
                                                        late_by_ms=int((now - callout.ack_deadline).total_seconds() * 1000)),
        )
    return True
