"""The automatic call-out on a suspected cardiac arrest (issue 30, docs/cardiac-arrest.md).

When an arrest is recognised, incidents runs its recognition hooks after commit (incidents.cardiac.on_recognised;
this module's hook is registered by VolunteersConfig.ready, since incidents never imports volunteers). Unless the
centre turned it off (`CommandCentre.cardiac_auto_callout`), the platform itself — no actor — alerts:

- the nearest available CPR-trained members (skill `cpr`) within the centre's radius (`cardiac_radius_m`, 800 m by
  default), at most three, to go straight to the patient: one call-out, `purpose` `cardiac_arrest`;
- one more member (skill `cpr` or `aed`) to fetch the nearest AED on the way: the one whose way through the AED
  to the patient is shortest among those left, in a call-out of its own that names the AED (`CallOut.aed`).

Nobody to alert (or nobody left to fetch the AED) writes `callout.none_available`, which the call-taker's console
shows. Messages go through the notifier like every call-out's; the volunteer's phone page shows the address, the
AED and the CPR reminder below."""
import logging
from math import asin, cos, radians, sin, sqrt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Aed
from dispatch.errors import NotFound
from incidents import events
from incidents.models import CardiacArrest, Incident
from incidents.services.common import lock_incident
from incidents.timeline import record_event
from volunteers.models import CallOut
from volunteers.selectors import members_for_callout
from volunteers.services.callouts import INCIDENT_ENDED, callout_send, phone_url

logger = logging.getLogger(__name__)

TO_PATIENT = 3  # at most this many go straight to the patient
CANDIDATES = 20  # nearest members read (KNN) to choose the patient group and the AED runner from
DEADLINE_MIN = 3  # an arrest's call-out is useless after a few minutes: the no-answer alert comes sooner
CPR_SKILLS = ["cpr"]
RUNNER_SKILLS = ["aed", "cpr"]

CPR_REMINDER = gettext_lazy(
    "RJP: baringkan pasien telentang di lantai. Letakkan pangkal telapak tangan di tengah dada, tangan lain di atasnya. "
    "Tekan sekuat dan secepat mungkin (100–120 kali per menit, sedalam 5–6 cm), biarkan dada mengembang lagi. "
    "Jangan berhenti sampai AED atau ambulans tiba. Nyalakan AED dan ikuti petunjuk suaranya."
)

# the SMS/WhatsApp alert's short form (the phone page shows CPR_REMINDER whole): one message, not three
CPR_REMINDER_SHORT = gettext_lazy("RJP: tekan tengah dada sekuat dan secepat mungkin, 100–120/menit, sampai bantuan tiba.")


def metres_between(a, b) -> float:
    """Great-circle distance of two WGS 84 points in metres (haversine; within a city the error is under 0.5 %)."""
    lon1, lat1, lon2, lat2 = map(radians, (a.x, a.y, b.x, b.y))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * asin(sqrt(h))


def choose_responders(members, *, patient, aed_point=None, to_patient=TO_PATIENT):
    """(patient group, AED runner or None) from members nearest first, each with `skills` and `location`: the
    nearest CPR-trained go to the patient; of the others the runner is the one whose way through the AED to the
    patient is shortest. A pure function of its input (tests/cardiac)."""
    group = [m for m in members if "cpr" in m.skills][:to_patient]
    taken = {m.pk for m in group}
    runner = None
    if aed_point is not None:
        rest = [m for m in members if m.pk not in taken and m.location is not None]
        if rest:
            runner = min(rest, key=lambda m: (metres_between(m.location, aed_point) + metres_between(aed_point, patient), m.pk))
    return group, runner


def _text(incident, *, aed=None) -> str:
    # What a volunteer needs, never the caller's number or name.
    place = incident.address or _("lokasi di peta")
    if aed is not None:
        head = _("HENTI JANTUNG 112 %(ref)s di %(addr)s. Ambil AED di %(aed)s (%(where)s) lalu bawa ke pasien.") % {
            "ref": incident.reference, "addr": place, "aed": aed.name, "where": aed.address or _("lihat peta"),
        }
    else:
        head = _("HENTI JANTUNG 112 %(ref)s di %(addr)s. Segera ke pasien dan lakukan RJP.") % {"ref": incident.reference, "addr": place}
    return f"{head} {_('Balas 1 atau YA jika berangkat, 2 atau TIDAK jika tidak bisa.')} {CPR_REMINDER_SHORT}"


def _with_link(text, callout_id) -> str:
    url = phone_url(callout_id)
    return f"{text} {url}".strip()


def callout_cardiac_arrest(*, incident_id, now=None) -> list[CallOut]:
    """The platform's call-out for a recognised arrest (the hook). Once per incident: a second run finds its
    call-outs and does nothing. Returns the call-outs sent."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            incident = lock_incident(incident_id)
        except NotFound:
            return []
        centre = incident.command_centre
        if not centre.cardiac_auto_callout or incident.status in INCIDENT_ENDED or incident.status in Incident.TERMINAL_STATUSES:
            return []
        if CallOut.objects.filter(incident_id=incident.pk, purpose=CallOut.Purpose.CARDIAC_ARREST).exists():
            return []
        arrest = CardiacArrest.objects.filter(incident_id=incident.pk).first()
        if arrest is None:
            return []
        radius = centre.cardiac_radius_m
        aed = None
        for item in arrest.nearest_aeds or []:
            aed = Aed.objects.filter(pk=item.get("id"), is_active=True).first()
            if aed is not None:
                break
        members = members_for_callout(centre=centre, point=incident.location, skills=RUNNER_SKILLS, radius_m=radius,
                                      now=now, limit=CANDIDATES)
        group, runner = choose_responders(members, patient=incident.location, aed_point=aed.location if aed else None)
        sent = []
        if group:
            callout = callout_send(
                incident=incident, members=group, needed=len(group), skills=CPR_SKILLS, radius_m=radius,
                note=_("Dugaan henti jantung: ke pasien, lakukan RJP."), deadline_min=DEADLINE_MIN, actor=None, now=now,
                purpose=CallOut.Purpose.CARDIAC_ARREST, text=lambda c: _with_link(_text(incident), c.pk),
            )
            sent.append(callout)
        else:
            record_event(kind="callout.none_available", incident=incident, payload=events.callout_none_available(
                purpose=CallOut.Purpose.CARDIAC_ARREST, role="cpr", skills=CPR_SKILLS, radius_m=radius))
        if aed is not None:
            if runner is not None:
                callout = callout_send(
                    incident=incident, members=[runner], needed=1, skills=RUNNER_SKILLS, radius_m=radius,
                    note=_("Dugaan henti jantung: ambil %(aed)s, bawa ke pasien.") % {"aed": aed.name},
                    deadline_min=DEADLINE_MIN, actor=None, now=now, purpose=CallOut.Purpose.CARDIAC_ARREST, aed=aed,
                    text=lambda c: _with_link(_text(incident, aed=aed), c.pk),
                )
                sent.append(callout)
            else:
                record_event(kind="callout.none_available", incident=incident, payload=events.callout_none_available(
                    purpose=CallOut.Purpose.CARDIAC_ARREST, role="aed_runner", skills=RUNNER_SKILLS, radius_m=radius,
                    aed=aed.pk))
    return sent


def on_arrest_recognised(incident_id):
    """incidents.cardiac hook: runs after the recognising transaction committed."""
    callout_cardiac_arrest(incident_id=incident_id)
