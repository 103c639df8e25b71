"""Fixture history for the report tests: a few dozen calls and incidents in two centres (WIB and WITA) with
every disposition, every interval (some missing, one negative), every default target, expiries, backups,
handoffs within and across centres, breached targets — written as rows with chosen timestamps, each with its
timeline event, so the rollups are built the way production builds them (from the timeline)."""
import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Point

from agencies.models import Region, TimeZoneName, User
from incidents.models import Assignment, Call, Incident, IncidentCategory, SupervisorAlert, TimelineEvent, UnitDispatch
from tests import factories as f

UTC = dt.timezone.utc
DISPOSITIONS = ["genuine", "info", "ghost", "prank", "duplicate", "misdial", "test"]


def _event(kind, at, *, incident=None, centre, payload=None):
    return TimelineEvent(kind=kind, at=at, incident=incident, centre_ids=[centre.pk], payload=payload or {})


@pytest.fixture
def report_world(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    rnd = random.Random(112)
    pky = f.CommandCentreFactory()
    smd = f.samarinda_centre()
    regency = pky.regions.get()
    districts = [
        Region.objects.create(code="62.71.01", level="district", name="Pahandut", parent=regency, timezone=TimeZoneName.WIB),
        Region.objects.create(code="62.71.02", level="district", name="Jekan Raya", parent=regency, timezone=TimeZoneName.WIB),
    ]
    fire = f.CategoryFactory()
    medic = IncidentCategory.objects.create(code="medis", name_id="Medis", name_en="Medical", default_priority=2,
                                            responsible_agency_types=["ems"])
    damkar = f.AgencyFactory(command_centre=pky, type="fire", short_name="Damkar PKY")
    psc = f.AgencyFactory(command_centre=pky, type="ems", short_name="PSC 119 PKY")
    polres = f.AgencyFactory(command_centre=pky, type="police", short_name="Polresta PKY")
    damkar_smd = f.AgencyFactory(command_centre=smd, type="fire", short_name="Damkar SMD")
    units = {a.pk: [f.UnitFactory(agency=a) for _ in range(2)] for a in (damkar, psc, polres, damkar_smd)}
    ct = f.call_taker(pky, username="ct_rep")

    # Local days 1–5 Nov 2026 in Palangka Raya (WIB); a few rows just outside, to prove the borders.
    start = dt.datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 31 Oct 23:30 WIB
    prank_numbers = ["081234567890", "+6281298765432", "0813-1111-2222"]
    calls, events, incidents = [], [], []
    number = 0
    for i in range(90):
        centre = pky if i % 6 else smd
        at = start + dt.timedelta(minutes=rnd.randint(0, 6 * 24 * 60))
        disposition = DISPOSITIONS[i % 7]
        answered = i % 9 != 4
        ring = rnd.choice([None] + [rnd.uniform(0, 40)] * 5)
        call = Call(
            command_centre=centre,
            caller_number=rnd.choice(prank_numbers) if disposition in ("prank", "ghost") else f"08{rnd.randint(10**9, 10**10 - 1)}",
            status=Call.Status.ENDED if i % 13 else (Call.Status.RINGING if not answered else Call.Status.ACTIVE),
            disposition=(disposition if answered else "") if i % 17 else "",
            ringing_at=at if ring is not None else None,
            answered_at=(at + dt.timedelta(seconds=ring or 0)) if answered else None,
            ended_at=at + dt.timedelta(seconds=200) if i % 13 else None,
            call_taker=ct if answered else None,
        )
        if not answered and ring is None:
            call.ringing_at = at  # a call nobody answered has at least rung
        calls.append(call)
    Call.objects.bulk_create(calls)
    for call in calls:
        events.append(_event("call.closed", call.ringing_at or call.answered_at, centre=call.command_centre, payload={"call": {"id": call.pk}}))

    genuine_calls = [c for c in calls if c.disposition == "genuine" and c.answered_at]
    for i in range(40):
        centre = pky if i % 5 else smd
        call = genuine_calls[i % len(genuine_calls)] if i < len(genuine_calls) else None
        created = (call.answered_at if call else start + dt.timedelta(minutes=rnd.randint(0, 6 * 24 * 60))) + dt.timedelta(seconds=rnd.uniform(5, 120))
        stage = i % 8  # how far the incident got
        number += 1
        incident = Incident(
            command_centre=centre, reference=f"REP-{number:05d}", year=2026, number=number,
            category=fire if i % 3 else medic, priority=2, status="new",
            location=Point(*f.PKY, srid=4326), district=districts[i % 2] if (centre == pky and i % 7) else None,
            caller_number="081200000000", created_at=created,
            call_answered_at=call.answered_at if call else None,
        )
        t = created
        if stage >= 1:
            incident.routed_at = t = t + dt.timedelta(seconds=rnd.uniform(10, 150))
        if stage >= 4:
            incident.on_scene_at = t + dt.timedelta(seconds=rnd.uniform(200, 1300))
        if stage >= 5:
            incident.resolved_at = incident.on_scene_at + dt.timedelta(seconds=rnd.uniform(300, 4000))
        if stage >= 6:
            incident.closed_at = incident.resolved_at + dt.timedelta(seconds=rnd.uniform(60, 900))
            incident.status = "closed"
        if i == 13:
            incident.closed_at = incident.created_at - dt.timedelta(seconds=30)  # a skewed clock: left out
        incidents.append((incident, stage, call))
    Incident.objects.bulk_create([x[0] for x in incidents])
    for call in genuine_calls:
        pass
    assignments, dispatches, alerts = [], [], []
    for i, (incident, stage, call) in enumerate(incidents):
        if call:
            Call.objects.filter(pk=call.pk).update(incident=incident)
        events.append(_event("incident.created", incident.created_at, incident=incident, centre=incident.command_centre))
        if stage < 1:
            continue
        if incident.command_centre_id == pky.pk:
            agency = damkar if incident.category_id == fire.pk else psc
        else:
            agency = damkar_smd
        offered = incident.routed_at
        first = Assignment(incident=incident, agency=agency, offered_at=offered, status="offered")
        chain = [first]
        if i % 7 == 2:  # the first agency let it expire, the backup took it
            first.status, first.expired_at = "expired", offered + dt.timedelta(seconds=90)
            chain.append(Assignment(incident=incident, agency=polres if agency != polres else psc, offered_at=first.expired_at, status="offered", escalation_stage=1))
        if i % 11 == 3 and incident.command_centre_id == pky.pk:  # handed off: within the centre, or to Samarinda
            first.status, first.handed_off_at = "handed_off", offered + dt.timedelta(seconds=40)
            target = damkar_smd if i % 2 else polres
            chain.append(Assignment(incident=incident, agency=target, offered_at=first.handed_off_at, status="offered"))
        last = chain[-1]
        if stage >= 2:
            last.status, last.accepted_at = "accepted", last.offered_at + dt.timedelta(seconds=rnd.uniform(5, 200))
        for a in chain:
            a.save()
        for prev, nxt in zip(chain, chain[1:]):
            nxt.previous = prev
            nxt.save(update_fields=["previous"])
        events.append(_event("assignment.offered", offered, incident=incident, centre=incident.command_centre))
        if stage >= 3:
            unit = units[last.agency_id][i % 2]
            en_route = last.accepted_at + dt.timedelta(seconds=rnd.uniform(20, 150))
            on_scene = incident.on_scene_at if stage >= 4 else None
            dispatches.append(UnitDispatch(assignment=last, unit=unit, dispatched_at=last.accepted_at, en_route_at=en_route,
                                           on_scene_at=on_scene, released_at=on_scene or en_route))
            if i % 4 == 1:  # a second unit, later on the road and on scene: only the first counts
                other = units[last.agency_id][(i + 1) % 2]
                dispatches.append(UnitDispatch(assignment=last, unit=other, dispatched_at=last.accepted_at,
                                               en_route_at=en_route + dt.timedelta(seconds=30),
                                               on_scene_at=on_scene + dt.timedelta(seconds=60) if on_scene else None,
                                               released_at=en_route + dt.timedelta(seconds=99)))
        if i % 5 == 1:
            alerts.append(SupervisorAlert(command_centre=incident.command_centre, incident=incident, kind="target_breached",
                                          message="x", created_at=incident.created_at + dt.timedelta(minutes=15)))
        if first.status == "expired":
            alerts.append(SupervisorAlert(command_centre=incident.command_centre, incident=incident, assignment=first,
                                          kind="second_stage", message="x", created_at=first.expired_at))
    UnitDispatch.objects.bulk_create(dispatches)
    SupervisorAlert.objects.bulk_create(alerts)
    TimelineEvent.objects.bulk_create(events)

    # volunteer call-outs on a few Palangka Raya incidents, with members who accept, decline, arrive
    from volunteers.models import CallOut, CallOutResponse, Volunteer, VolunteerCommunity

    community = VolunteerCommunity.objects.create(name="SAR Relawan PKY", kind="sar", command_centre=pky)
    members = [Volunteer.objects.create(community=community, name=f"Relawan {k}", phone=f"0812555000{k:02d}") for k in range(4)]
    outcomes = ["on_scene", "accepted", "declined", "pending", "done", "stood_down"]
    for k, (incident, _stage, _call) in enumerate([x for x in incidents if x[0].command_centre_id == pky.pk][:8]):
        sent = incident.created_at + dt.timedelta(seconds=60)
        status = ["sent", "filled", "completed", "expired", "cancelled"][k % 5]
        callout = CallOut.objects.create(
            incident=incident, community=community, sent_at=sent, needed=2, status=status,
            expired_at=sent + dt.timedelta(minutes=5) if k % 5 == 3 else None,
            # the last "completed" one ended with its incident short of volunteers (issue 23): never filled
            filled_at=sent + dt.timedelta(minutes=2) if status == "filled" or (status == "completed" and k < 7) else None,
        )
        for m, member in enumerate(members[: 2 + k % 3]):
            status = outcomes[(k + m) % len(outcomes)]
            answered = sent + dt.timedelta(seconds=rnd.uniform(20, 300)) if status != "pending" else None
            on_scene = answered + dt.timedelta(seconds=rnd.uniform(300, 1500)) if status in ("on_scene", "done") else None
            CallOutResponse.objects.create(callout=callout, incident=incident, community=community, volunteer=member, status=status,
                                           alerted_at=sent, answered_at=answered, on_scene_at=on_scene)

    official = f.UserFactory(username="official_pky", role=User.Role.OFFICIAL, command_centre=pky)
    supervisor = f.supervisor(pky, username="sup_pky")
    provincial = f.UserFactory(username="official_kaltim", role=User.Role.OFFICIAL, command_centre=None, province=smd.province)
    return SimpleNamespace(
        pky=pky, smd=smd, districts=districts, fire=fire, medic=medic, damkar=damkar, psc=psc, polres=polres,
        damkar_smd=damkar_smd, official=official, supervisor=supervisor, provincial=provincial, call_taker=ct,
    )
