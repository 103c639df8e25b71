"""Call workflows: answer, classify (one keystroke for ghost/prank/info/misdial/test) and undo that, link
duplicates, PBX ringing."""
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import CommandCentre, User
from agencies.scoping import require_role, scope_for
from dispatch.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, field_error
from incidents import events
from incidents.models import Call, Incident
from incidents.services.callerlink import caller_conversation_attach
from incidents.services.common import clean_phone, clean_reported_time, clean_text, lock_incident, transition
from incidents.timeline import record_event


def _centre_audience(call) -> dict:
    # Calls are the centre's business: no agency or community hears about a call, only about incidents.
    return {"centre_ids": [call.command_centre_id], "agency_ids": [], "community_ids": []}


def _centre_event(kind, call, actor):
    """The event of a call that was just created (no old status)."""
    record_event(kind=kind, actor=actor, payload=events.call_changed(call=call), **_centre_audience(call))


def _move_call(call, actor, status, kind, *, stamp=None, changes=None, now=None):
    transition(
        call, status=status, kind=kind, incident=None, actor=actor, stamp=stamp, changes=changes, now=now,
        payload=lambda old: events.call_changed(call=call, old=old), **_centre_audience(call),
    )


def _lock_call(call_id, actor) -> Call:
    scope = scope_for(actor)
    call = Call.objects.select_for_update().filter(pk=call_id).first()
    if call is None or (not scope.is_global and call.command_centre_id not in scope.centre_ids):
        raise NotFound(_("Panggilan tidak ditemukan."), code="call_not_found")
    return call


# A console's key for a call (a UUID in practice): letters, digits and . _ : - only, 8 to 100 characters.
CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{7,99}$")


def _clean_client_key(value):
    if value in (None, ""):
        return None
    value = str(value).strip()
    if not CLIENT_KEY_RE.match(value):
        raise field_error(
            "idempotency_key", _("Kunci idempotensi tidak sah: 8–100 huruf, angka, titik, titik dua, garis bawah atau tanda hubung."),
            code="invalid",
        )
    return value


def _call_of_key(centre_id, key, actor):
    """The call the key created before, if any. The key is the console's, per user: another call-taker's call under the
    same key (a copied key, a bug) is refused 409 rather than handed to this one."""
    call = Call.objects.filter(command_centre_id=centre_id, client_key=key).first()
    if call is not None and call.call_taker_id != actor.pk:
        raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk panggilan petugas lain."), code="idempotency_key_in_use")
    return call


def call_start(*, actor, caller_number="", caller_name="", line="", client_key=None, answered_at=None) -> Call:
    """The call-taker answers a call (typed in, or not pushed by a PBX)."""
    return call_start_once(
        actor=actor, caller_number=caller_number, caller_name=caller_name, line=line, client_key=client_key, answered_at=answered_at,
    )[0]


def call_start_once(*, actor, caller_number="", caller_name="", line="", client_key=None, answered_at=None) -> tuple[Call, bool]:
    """call_start, saying whether the call was created (True) or the key's first call answered (False).

    A console that lost the server starts the call locally and sends it when the server is back (issue 26), with its
    key (`client_key`, the Idempotency-Key header) and the time it was really answered (`answered_at`, within
    [now − 24 h, now + 5 min], never later than now): the key repeated answers the first call, whatever raced."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    if not actor.command_centre_id:
        raise field_error("command_centre", _("Akun Anda tidak terhubung ke pusat panggilan."), code="no_centre")
    key = _clean_client_key(client_key)
    caller_number = clean_phone(caller_number)
    caller_name = clean_text("caller_name", caller_name)
    answered_at = clean_reported_time("answered_at", answered_at)
    if key:
        existing = _call_of_key(actor.command_centre_id, key, actor)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            now = timezone.now()
            call = Call.objects.create(
                command_centre_id=actor.command_centre_id,
                client_key=key,
                caller_number=caller_number,
                caller_name=caller_name,
                line=(line or "")[:40],
                status=Call.Status.ACTIVE,
                answered_at=min(answered_at, now) if answered_at else now,
                call_taker=actor,
            )
            _centre_event("call.answered", call, actor)
    except IntegrityError:
        if key:
            existing = _call_of_key(actor.command_centre_id, key, actor)
            if existing is not None:
                return existing, False
        raise
    return call, True


def call_register_ringing(*, command_centre: CommandCentre, caller_number, external_id, line="", started_at=None) -> tuple[Call, bool]:
    """A ringing call pushed by the PBX. Idempotent by the PBX's id: a repeat returns the first call."""
    external_id = clean_text("external_id", external_id, required=True)[:100]
    caller_number = clean_phone(caller_number)
    started_at = clean_reported_time("started_at", started_at)
    existing = Call.objects.filter(command_centre=command_centre, external_id=external_id).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            call = Call.objects.create(
                command_centre=command_centre,
                external_id=external_id,
                caller_number=caller_number,
                line=(line or "")[:40],
                status=Call.Status.RINGING,
                # a PBX clock up to 5 min ahead is accepted, but a call cannot have started in the future
                ringing_at=min(started_at, timezone.now()) if started_at else timezone.now(),
            )
            _centre_event("call.ringing", call, None)
    except IntegrityError:
        return Call.objects.get(command_centre=command_centre, external_id=external_id), False
    return call, True


def call_claim(*, call_id, actor) -> Call:
    """The first call-taker to pick up a ringing call gets it; the others get a 409."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    with transaction.atomic():
        call = _lock_call(call_id, actor)
        if call.status != Call.Status.RINGING:
            raise Conflict(_("Panggilan ini sudah dijawab petugas lain."), code="call_already_claimed", extra={"call_taker": call.call_taker_id})
        _move_call(call, actor, Call.Status.ACTIVE, "call.answered", stamp="answered_at", changes={"call_taker": actor})
    return call


def call_close(*, call_id, actor, disposition, note="") -> Call:
    """Close a call that is not an emergency (ghost, prank, info, misdial, test): one keystroke on the console."""
    # Officials read the centre's work; only call-takers and supervisors (and admins) change a call.
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    if disposition not in Call.NON_INCIDENT_DISPOSITIONS:
        raise field_error(
            "disposition",
            _("Klasifikasi '%(d)s' tidak dapat dipakai untuk menutup panggilan tanpa kejadian.") % {"d": str(disposition)[:20]},
            code="invalid_disposition",
        )
    note = clean_text("note", note)
    with transaction.atomic():
        call = _lock_call(call_id, actor)
        if call.status == Call.Status.ENDED:
            raise IllegalTransition(entity=_("panggilan"), current=call.status, target=disposition)
        now = timezone.now()
        _move_call(
            call, actor, Call.Status.ENDED, "call.closed", stamp="ended_at", now=now,
            changes={
                "disposition": disposition,
                "note": note,
                "call_taker": call.call_taker if call.call_taker_id is not None else actor,
                # a call closed without being claimed was answered when it was closed
                "answered_at": call.answered_at or now,
                "closed_by": actor,
            },
        )
    return call


def call_reopen(*, call_id, actor) -> Call:
    """Undo a one-key classification: the call is back in progress (answered, with its call-taker), its disposition
    no longer counts in the number's history, and the reopen is on the timeline with what it undid.

    Only the one who closed it, or a supervisor of the centre, and only within Call.REOPEN_WINDOW_SECONDS of the
    close: a slip is noticed at once, while a history that changes an hour later would mislead whoever reads it."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    with transaction.atomic():
        call = _lock_call(call_id, actor)
        if call.status != Call.Status.ENDED or call.disposition not in Call.NON_INCIDENT_DISPOSITIONS:
            raise Conflict(
                _("Hanya panggilan yang ditutup sebagai bukan darurat yang dapat dibuka kembali."),
                code="call_not_reopenable", extra={"status": call.status, "disposition": call.disposition},
            )
        supervisor = actor.is_superuser or actor.role in (User.Role.SUPERVISOR, User.Role.ADMIN)
        if not supervisor and call.closed_by_id != actor.pk:
            raise PermissionDenied(_("Hanya petugas yang menutup panggilan ini, atau supervisor, yang dapat membukanya kembali."))
        now = timezone.now()
        window = timedelta(seconds=Call.REOPEN_WINDOW_SECONDS)
        if call.ended_at is None or now - call.ended_at > window:
            raise Conflict(
                _("Panggilan ini ditutup lebih dari %(min)d menit yang lalu dan tidak dapat dibuka kembali.")
                % {"min": Call.REOPEN_WINDOW_SECONDS // 60},
                code="reopen_window_passed",
            )
        undone = {"disposition": call.disposition, "closed_at": call.ended_at, "closed_by": call.closed_by_id, "note": call.note}
        transition(
            call, status=Call.Status.ACTIVE, kind="call.reopened", incident=None, actor=actor, now=now,
            changes={"disposition": "", "ended_at": None, "note": "", "closed_by": None},
            payload=lambda old: events.call_reopened(call=call, old=old, **undone), **_centre_audience(call),
        )
    return call


def call_end(*, call_id, actor) -> Call:
    """Hang up a call already classified (a genuine call whose incident is logged)."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    with transaction.atomic():
        call = _lock_call(call_id, actor)
        if call.status == Call.Status.ENDED:
            return call
        _move_call(call, actor, Call.Status.ENDED, "call.closed", stamp="ended_at")
    return call


def call_link_duplicate(*, call_id, incident_id, actor) -> Incident:
    """The caller reports an incident already open: count them as another caller instead of a new incident."""
    require_role(actor, User.Role.CALL_TAKER, User.Role.SUPERVISOR)
    with transaction.atomic():
        incident = lock_incident(incident_id)
        call = _lock_call(call_id, actor)
        if incident.command_centre_id != call.command_centre_id:
            raise NotFound(_("Kejadian tidak ditemukan."), code="incident_not_found")
        if incident.status in Incident.TERMINAL_STATUSES:
            raise Conflict(_("Kejadian %(ref)s sudah ditutup.") % {"ref": incident.reference}, code="incident_closed")
        if call.status == Call.Status.ENDED:
            raise IllegalTransition(entity=_("panggilan"), current=call.status, target=Call.Disposition.DUPLICATE)
        now = timezone.now()
        call.status = Call.Status.ENDED
        call.disposition = Call.Disposition.DUPLICATE
        call.incident = incident
        call.ended_at = now
        call.save(update_fields=["status", "disposition", "incident", "ended_at"])
        caller_conversation_attach(call=call, incident=incident)  # the call's caller link, fixes and chat follow it
        old = incident.caller_count
        incident.caller_count = old + 1
        incident.save(update_fields=["caller_count", "updated_at"])
        record_event(
            kind="incident.duplicate_linked",
            incident=incident,
            actor=actor,
            payload=events.incident_duplicate_linked(call=call, caller_count_old=old, caller_count_new=incident.caller_count),
        )
    return incident
