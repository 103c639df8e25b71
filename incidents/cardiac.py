"""Suspected cardiac arrest (issue 30): the recognition rule, the CPR steps, the `cardiac_arrest` block, and the hooks
run after an arrest is recognised. A leaf: no services, no writes (incidents.services.cardiac holds the workflows).

The rule (docs/cardiac-arrest.md): in a category whose script asks both `conscious` ("Pasien sadar?") and
`breathing` ("Pasien bernapas normal?") — the medical script — each is answered `true`, `false` or `"unsure"`
("tidak yakin"); not conscious and not breathing normally, each `false` or `"unsure"`, is a suspected arrest. An
unsure answer counts as "no" on purpose: the published protocols (King County, Oslo) start CPR when in doubt, and
CPR on a patient who is not in arrest rarely harms, while waiting kills."""
from django.utils.translation import gettext_lazy as _

from incidents.models import CardiacArrest

CONSCIOUS = "conscious"
BREATHING = "breathing"
UNSURE = "unsure"
RECOGNITION_KEYS = (CONSCIOUS, BREATHING)
# what each of the two answers may be; None (or leaving it out) = not asked yet
ALLOWED_ANSWERS = (True, False, UNSURE)

# step → the CardiacArrest column it stamps, in the order a call should go
STEPS = {
    "recognised": "recognised_at",
    "instructions_started": "instructions_started_at",
    "first_compression": "first_compression_at",
    "aed_on_scene": "aed_on_scene_at",
    "ems_on_scene": "ems_on_scene_at",
    "stopped": "stopped_at",
}
STEP_LABELS = {
    "recognised": _("Dugaan henti jantung dikenali"),
    "instructions_started": _("Instruksi RJP dimulai"),
    "first_compression": _("Kompresi dada pertama"),
    "aed_on_scene": _("AED tiba di lokasi"),
    "ems_on_scene": _("Ambulans tiba di lokasi"),
    "stopped": _("RJP dihentikan"),
}
# a step recorded before these is allowed (the call-taker records what happened) but the event says which were
# missing (`out_of_order`)
EXPECTED_BEFORE = {
    "instructions_started": ("recognised",),
    "first_compression": ("recognised", "instructions_started"),
    "aed_on_scene": ("recognised",),
    "ems_on_scene": ("recognised",),
    "stopped": ("recognised", "first_compression"),
}
OUTCOMES = ("rosc", "transported", "deceased", "unknown")


def uses_recognition(category) -> bool:
    """True for a category whose SOP script asks both recognition questions (the medical script)."""
    keys = {q.get("key") for q in (category.question_script or [])}
    return CONSCIOUS in keys and BREATHING in keys


def valid_answer(value) -> bool:
    """`true`, `false`, `"unsure"`, or None (not answered). `1`/`0` are not booleans here: a client that sends them
    means something else."""
    return value is None or value is True or value is False or value == UNSURE


def is_suspected(answers) -> bool:
    """Not conscious and not breathing normally: each answer `false` or `"unsure"`. A missing answer is not a no."""
    answers = answers or {}
    return all(answers.get(key) is False or answers.get(key) == UNSURE for key in RECOGNITION_KEYS)


def out_of_order(arrest, step) -> list[str]:
    """The steps expected before `step` that have no time yet."""
    return [before for before in EXPECTED_BEFORE.get(step, ()) if getattr(arrest, STEPS[before]) is None]


def _iso(dt):
    return dt.isoformat() if dt else None


def arrest_block(arrest) -> dict | None:
    """The `cardiac_arrest` block of every incident answer (API, events); None without a suspicion."""
    if arrest is None:
        return None
    return {
        "suspected": True,
        "recognition": arrest.recognition,
        "recognised_at": _iso(arrest.recognised_at),
        "instructions_started_at": _iso(arrest.instructions_started_at),
        "first_compression_at": _iso(arrest.first_compression_at),
        "aed_on_scene_at": _iso(arrest.aed_on_scene_at),
        "ems_on_scene_at": _iso(arrest.ems_on_scene_at),
        "stopped_at": _iso(arrest.stopped_at),
        "outcome": arrest.outcome or None,
        "nearest_aeds": list(arrest.nearest_aeds or []),
    }


def arrest_of(incident):
    """The incident's CardiacArrest or None. An incident never suspected (`Incident.cardiac_arrest_suspected` false:
    nearly all) costs no query — the summary of every event asks (incidents.timeline.incident_summary); a suspected
    one is read once by primary key unless it was loaded with it (select_related, or set by the service)."""
    cache = incident._state.fields_cache
    if "cardiac_arrest" in cache:
        return cache["cardiac_arrest"]
    if not incident.cardiac_arrest_suspected or incident.pk is None:
        return None
    arrest = CardiacArrest.objects.filter(incident_id=incident.pk).first()
    cache["cardiac_arrest"] = arrest
    return arrest


def block_for(incident) -> dict | None:
    return arrest_block(arrest_of(incident))


# --- after recognition --------------------------------------------------------------------------------------
# Callables `hook(incident_id)` run after the transaction that recognised an arrest commits, outside every lock.
# The volunteers app registers its automatic call-out here (volunteers.apps.VolunteersConfig.ready): incidents
# never imports volunteers (docs/architecture.md, "Import directions").
_recognised_hooks: list = []


def on_recognised(hook):
    """Register `hook(incident_id)` (once per callable); returns it, so it can decorate."""
    if hook not in _recognised_hooks:
        _recognised_hooks.append(hook)
    return hook


def recognised_hooks() -> tuple:
    return tuple(_recognised_hooks)
