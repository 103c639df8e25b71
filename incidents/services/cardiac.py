"""Suspected cardiac arrest: recognising it (from the two answers, or flagged by the call-taker) and recording the
steps of dispatcher-assisted CPR (issue 30, docs/cardiac-arrest.md).

Everything runs under the incident's lock (services.common.lock_incident), writes one timeline event per real
change and nothing on a repeat: the first time of each step stands. After the transaction that recognised an arrest
commits, the hooks registered in incidents.cardiac run outside every lock (the volunteers' automatic call-out)."""
import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.aeds import aed_summary, aeds_near
from dispatch.errors import Conflict, IllegalTransition, field_error
from incidents import cardiac, events
from incidents.models import Call, CardiacArrest, Incident, Priority, TimelineEvent
from incidents.services.common import ensure_centre_staff, lock_incident, unrouted_alert_due
from incidents.timeline import record_event

logger = logging.getLogger(__name__)

NEAREST_AEDS = 3
# A step pressed on the console before the incident existed is sent later with the time it was pressed (`at`):
# no earlier than the call's answer (or 10 minutes before the incident without a call), no later than now plus the
# browser's clock skew.
STEP_AT_BEFORE_INCIDENT = timedelta(minutes=10)
STEP_AT_SKEW = timedelta(seconds=5)


def nearest_aeds_for(incident: Incident) -> list[dict]:
    """Up to three active AEDs of the incident's centre within its cardiac radius, nearest first."""
    centre = incident.command_centre
    found = aeds_near(point=incident.location, radius_m=centre.cardiac_radius_m, centre_ids=[centre.pk], limit=NEAREST_AEDS)
    return [aed_summary(aed) for aed in found[:NEAREST_AEDS]]


def run_recognised_hooks(incident_id: int):
    """After commit: each registered hook once; one failing never stops the others nor the call-taker's request."""
    for hook in cardiac.recognised_hooks():
        try:
            hook(incident_id)
        except Exception:  # noqa: BLE001 — a volunteer SMS gateway down must not fail the intake
            logger.exception("cardiac arrest hook %r failed for incident %s", hook, incident_id)


def arrest_recognise(*, incident: Incident, actor, recognition: str, now, call: Call | None = None,
                     nearest_aeds: list | None = None, before_event=None) -> CardiacArrest:
    """Record the suspicion on an incident the caller holds locked (or has just created) and that has none yet:
    the CardiacArrest row, the incident's flag, one `cardiac_arrest.recognised` event, the hooks after commit.
    The caller sets the priority (P1) in its own write; `before_event()` runs once the row exists and before the
    recognition's event (incident_create writes `incident.created` there, so it comes first and carries the block)."""
    if call is None:
        call = Call.objects.filter(incident_id=incident.pk).order_by("answered_at", "pk").first()
    call_taker_id = call.call_taker_id if call is not None else None
    if call_taker_id is None and actor is not None and getattr(actor, "command_centre_id", None):
        call_taker_id = actor.pk
    arrest = CardiacArrest.objects.create(
        incident=incident, command_centre_id=incident.command_centre_id, call_taker_id=call_taker_id,
        call_answered_at=incident.call_answered_at or (call.answered_at if call is not None else None),
        recognition=recognition, recognised_at=now, recognised_by=actor if (actor is not None and actor.is_authenticated) else None,
        nearest_aeds=nearest_aeds if nearest_aeds is not None else nearest_aeds_for(incident),
    )
    if not incident.cardiac_arrest_suspected:
        incident.cardiac_arrest_suspected = True
        Incident.objects.filter(pk=incident.pk).update(cardiac_arrest_suspected=True)
    incident._state.fields_cache["cardiac_arrest"] = arrest
    if before_event is not None:
        before_event()
    record_event(kind="cardiac_arrest.recognised", incident=incident, actor=actor,
                 payload=events.cardiac_arrest_recognised(arrest=arrest))
    transaction.on_commit(partial(run_recognised_hooks, incident.pk))
    return arrest


def clean_step(step, outcome):
    if not isinstance(step, str) or step not in cardiac.STEPS:
        raise field_error(
            "step", _("Langkah tidak dikenal. Pilih salah satu: %(steps)s") % {"steps": ", ".join(cardiac.STEPS)}, code="unknown_step"
        )
    if outcome in (None, ""):
        return step, None
    if step != "stopped":
        raise field_error("outcome", _("Hasil hanya dicatat saat RJP dihentikan."), code="outcome_only_when_stopped")
    if not isinstance(outcome, str) or outcome not in cardiac.OUTCOMES:
        raise field_error(
            "outcome", _("Hasil tidak dikenal. Pilih salah satu: %(o)s") % {"o": ", ".join(cardiac.OUTCOMES)}, code="invalid_outcome"
        )
    return step, outcome


def clean_step_at(at, *, incident: Incident, arrest: CardiacArrest | None, now):
    """The time a step was reached, when the console says so (`at`): within [the call's answer, now + skew], else 400
    `invalid` on `at` and nothing stored. Later than now (skew) counts as now."""
    if at is None:
        return None
    answered = (arrest.call_answered_at if arrest is not None else None) or incident.call_answered_at
    earliest = answered or (incident.created_at - STEP_AT_BEFORE_INCIDENT)
    if timezone.is_naive(at) or at < earliest or at > now + STEP_AT_SKEW:
        raise field_error(
            "at", _("Waktu langkah harus di antara jawaban panggilan dan sekarang."), code="invalid"
        )
    return min(at, now)


def cardiac_arrest_step(*, incident_id, actor, step, outcome=None, at=None, now=None) -> tuple[CardiacArrest, bool]:
    """Record the time of one CPR step (incidents.cardiac.STEPS). Returns (arrest, recorded): False when the step
    already had its time — the first time stands and nothing is written.

    `recognised` on an incident not suspected yet flags it (the patient collapsed during the call): P1, the
    `cardiac_arrest` block, the automatic call-out. Any other step needs the suspicion first (409
    `cardiac_arrest_not_recognised`). A step out of the usual order is recorded; its event lists the steps missing
    before it (`out_of_order`). `stopped` may carry the `outcome` (rosc, transported, deceased, unknown).

    `at` (optional) is when the step was reached, for a step pressed on the console before the incident existed: the
    console queues it and sends it after the save. A recognition the server made from the answers at the save is
    replaced once by the call-taker's earlier `recognised` (the browser met the rule at the second answer); every other
    repeat keeps the first time."""
    step, outcome = clean_step(step, outcome)
    now = now or timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident_id)
        ensure_centre_staff(actor, incident)
        if incident.status in Incident.TERMINAL_STATUSES:
            raise IllegalTransition(entity=_("kejadian"), current=incident.status, target="cpr", code="incident_closed")
        arrest = CardiacArrest.objects.filter(incident_id=incident.pk).first()
        incident._state.fields_cache["cardiac_arrest"] = arrest
        at = clean_step_at(at, incident=incident, arrest=arrest, now=now)
        when = at or now
        if arrest is None:
            if step != "recognised":
                raise Conflict(
                    _("Tandai dugaan henti jantung lebih dulu (langkah 'recognised')."), code="cardiac_arrest_not_recognised"
                )
            nearest = nearest_aeds_for(incident)
            if incident.priority != Priority.CRITICAL:
                _raise_to_p1(incident, actor)
            arrest = arrest_recognise(incident=incident, actor=actor, recognition=CardiacArrest.Recognition.FLAGGED, now=when,
                                      nearest_aeds=nearest)
            return arrest, True
        column = cardiac.STEPS[step]
        if step == "recognised" and at is not None and _replaces_recognition(arrest, at):
            replaced = arrest.recognised_at
            arrest.recognised_at = at
            arrest.save(update_fields=["recognised_at"])
            record_event(kind="cardiac_arrest.step", incident=incident, actor=actor,
                         payload=events.cardiac_arrest_step(arrest=arrest, step=step, at=at, replaces=replaced))
            return arrest, True
        if getattr(arrest, column) is not None:
            return arrest, False
        missing = cardiac.out_of_order(arrest, step)
        setattr(arrest, column, when)
        fields = [column]
        if step == "stopped" and outcome:
            arrest.outcome = outcome
            fields.append("outcome")
        arrest.save(update_fields=fields)
        record_event(kind="cardiac_arrest.step", incident=incident, actor=actor,
                     payload=events.cardiac_arrest_step(arrest=arrest, step=step, at=when, out_of_order=missing))
    return arrest, True


def _replaces_recognition(arrest: CardiacArrest, at) -> bool:
    """Once, and only the server's own recognition from the answers (made at the save), by an earlier time."""
    if arrest.recognition != CardiacArrest.Recognition.ANSWERS or at >= arrest.recognised_at:
        return False
    return not TimelineEvent.objects.filter(
        incident_id=arrest.incident_id, kind="cardiac_arrest.step", payload__step="recognised"
    ).exists()


def _raise_to_p1(incident, actor):
    """A collapse flagged during the call makes the incident P1: one `incident.updated` like a correction."""
    old = incident.priority
    incident.priority = Priority.CRITICAL
    fields = ["priority", "updated_at"]
    if incident.unrouted_alert_due_at is not None:
        incident.unrouted_alert_due_at = unrouted_alert_due(incident, incident.unrouted_since)
        fields.append("unrouted_alert_due_at")
    incident.save(update_fields=fields)
    record_event(kind="incident.updated", incident=incident, actor=actor,
                 payload=events.incident_updated(changes={"priority": {"old": old, "new": Priority.CRITICAL}}))
