"""The board's numbers against values computed here, in plain Python, from the fixture rows themselves (never from
the SQL the board runs): the call funnel of the centre's local day, call-taker activity, intervals p50/p90, agency
load and the offers' countdowns."""
from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from agencies.models import Unit
from incidents.models import Assignment, Call, Incident
from incidents.services import assignment_accept, assignment_decline, incident_route
from reporting.board.selectors import board_snapshot
from tests import factories as f

UTC = dt_timezone.utc
WIB = ZoneInfo("Asia/Jakarta")
# 10:00 WIB on 30 Nov 2026: the board's "now" in every test here.
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def local_today(at, zone=WIB):
    return at.astimezone(zone).date() == NOW.astimezone(zone).date()


def percentile(values, q):
    """Linear interpolation between the closest ranks (the textbook definition, as R's type 7)."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@pytest.fixture
def calls(centre, call_taker):
    """(ringing_at or None, answered_at, ended_at or None, disposition, call_taker): a day of calls, with some just
    before and after the local midnight (which in UTC is 17:00 of the day before)."""
    other = f.call_taker(centre, username="ct2")
    at = lambda h, m=0, s=0: datetime(2026, 11, 29, 0, 0, tzinfo=UTC) + timedelta(hours=h, minutes=m, seconds=s)  # noqa: E731
    specs = [
        # yesterday in WIB (23:30 WIB on 29 Nov) although the same UTC date as some of today's
        (at(16, 30), at(16, 30, 0), at(16, 31), "prank", call_taker),
        (at(16, 59), at(16, 59), at(17, 1), "ghost", other),
        # today in WIB
        (at(17, 30), at(17, 30), at(17, 31), "ghost", call_taker),
        (at(20, 0), at(20, 0, 0) + timedelta(seconds=5), at(20, 1, 35), "genuine", call_taker),
        (None, at(21, 0), at(21, 2, 30), "info", call_taker),
        (at(22, 0), at(22, 0) + timedelta(seconds=3), at(22, 0) + timedelta(seconds=63), "prank", other),
        (at(23, 0), at(23, 0), at(23, 0) + timedelta(seconds=40), "prank", other),
        (at(24, 0), at(24, 0), at(24, 2), "duplicate", call_taker),
        (at(25, 0), at(25, 0), at(25, 0) + timedelta(seconds=20), "misdial", other),
        (at(26, 0), None, None, "", None),  # still ringing, nobody took it
        (at(26, 30), at(26, 30), None, "", call_taker),  # on the line now
    ]
    for ringing, answered, ended, disposition, user in specs:
        Call.objects.create(
            command_centre=centre, caller_number="0812000111", ringing_at=ringing, answered_at=answered, ended_at=ended,
            disposition=disposition, call_taker=user,
            status=Call.Status.ENDED if ended else (Call.Status.ACTIVE if answered else Call.Status.RINGING),
        )
    return specs, [call_taker, other]


@pytest.mark.django_db
def test_funnel_today_is_the_centre_local_day(calls, supervisor_pky):
    specs, _users = calls
    today = [s for s in specs if local_today(s[0] or s[1])]
    expected = {"received": len(today)}
    for key in ("genuine", "info", "ghost", "prank", "duplicate", "misdial"):
        expected[key] = sum(1 for s in today if s[3] == key)

    snap = board_snapshot(user=supervisor_pky, now=NOW)

    for key, value in expected.items():
        assert snap["funnel_today"][key] == value, key
        assert snap["centres"][0]["funnel_today"][key] == value, key
    assert snap["funnel_today"]["unclassified"] == sum(1 for s in today if not s[3])
    assert expected["received"] == 9 and expected["prank"] == 2  # the fixture really straddles midnight


@pytest.mark.django_db
def test_call_taker_activity(calls, supervisor_pky):
    specs, users = calls
    snap = board_snapshot(user=supervisor_pky, now=NOW)
    rows = {r["user"]: r for r in snap["call_takers"]}
    for user in users:
        mine = [s for s in specs if s[4] == user and s[1] and local_today(s[1])]
        ended = [(s[2] - s[1]).total_seconds() for s in mine if s[2]]
        active = [s[1] for s in mine if not s[2]]
        row = rows[user.pk]
        assert row["calls_today"] == len(mine)
        assert row["avg_handling_s"] == pytest.approx(sum(ended) / len(ended), abs=0.05)
        assert row["on_call_since"] == (active[0].isoformat() if active else None)
    assert rows[users[0].pk]["on_call_since"] is not None and rows[users[1].pk]["on_call_since"] is None


@pytest.mark.django_db
def test_intervals_p50_p90_of_today(make_incident, supervisor_pky):
    base = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)  # 01:00 WIB today
    # (answer→created, created→routed, routed→accepted, accepted→on scene) in seconds; None: not reached
    spans = [(35, 10, 60, 600), (50, 5, 120, 900), (20, 40, None, None), (90, 8, 30, 420), (44, None, None, None), (61, 12, 45, None)]
    for i, (a, b, c, d) in enumerate(spans):
        incident = make_incident()
        answered = base + timedelta(minutes=30 * i)
        created = answered + timedelta(seconds=a)
        routed = created + timedelta(seconds=b) if b is not None else None
        accepted = routed + timedelta(seconds=c) if c is not None else None
        on_scene = accepted + timedelta(seconds=d) if d is not None else None
        Incident.objects.filter(pk=incident.pk).update(
            call_answered_at=answered, created_at=created, routed_at=routed, accepted_at=accepted, on_scene_at=on_scene
        )
    # an incident of yesterday (local) counts for nothing
    old = make_incident()
    Incident.objects.filter(pk=old.pk).update(call_answered_at=base - timedelta(hours=2), created_at=base - timedelta(hours=2) + timedelta(seconds=999))

    snap = board_snapshot(user=supervisor_pky, now=NOW)

    names = ["answer_to_created", "created_to_routed", "routed_to_accepted", "accepted_to_on_scene"]
    for k, name in enumerate(names):
        values = [s[k] for s in spans if s[k] is not None]
        got = snap["intervals_today"][name]
        assert got["n"] == len(values), name
        assert got["p50"] == pytest.approx(percentile(values, 0.5), abs=0.05), name
        assert got["p90"] == pytest.approx(percentile(values, 0.9), abs=0.05), name
        assert snap["centres"][0]["intervals_today"][name] == got
    assert snap["intervals_today"]["answer_to_created"]["p90"] == pytest.approx(75.5)  # 61 + 0.5 × (90 − 61)


@pytest.mark.django_db
def test_agency_load_and_offer_countdowns(make_incident, call_taker, damkar, damkar_dispatcher, centre, supervisor_pky):
    police = f.AgencyFactory(command_centre=centre, type="police", short_name="Polresta")
    statuses = ["available", "available", "en_route", "on_scene", "out_of_service", "dispatched"]
    for i, status in enumerate(statuses):
        f.UnitFactory(agency=damkar, call_sign=f"DMK-{i}", status=status)
    f.UnitFactory(agency=police, call_sign="POL-1", status="available")
    # three fire incidents routed to Damkar: one accepted, one declined, one still offered; one also to the police
    incidents = [make_incident() for _ in range(3)]
    offers = [incident_route(incident_id=i.pk, actor=call_taker)[0] for i in incidents]
    assignment_accept(assignment_id=offers[0].pk, actor=damkar_dispatcher)
    assignment_decline(assignment_id=offers[1].pk, actor=damkar_dispatcher, reason="Unit habis")
    incident_route(incident_id=incidents[2].pk, actor=call_taker, agency_ids=[police.pk])
    deadlines = {a.pk: a.ack_deadline for a in Assignment.objects.filter(status="offered")}
    now = max(deadlines.values()) - timedelta(seconds=42, milliseconds=300)

    snap = board_snapshot(user=supervisor_pky, now=now)

    rows = {a["id"]: a for a in snap["agencies"]}
    busy = {"dispatched", "en_route", "on_scene", "transporting", "at_hospital"}
    for agency, unit_statuses, live in (
        (damkar, statuses, [offers[0], offers[2]]),
        (police, ["available"], [1]),
    ):
        assert rows[agency.pk]["open_assignments"] == len(live)
        assert rows[agency.pk]["units_available"] == unit_statuses.count("available")
        assert rows[agency.pk]["units_busy"] == sum(1 for s in unit_statuses if s in busy)
        assert rows[agency.pk]["units_out_of_service"] == unit_statuses.count("out_of_service")
    got = {o["assignment"]: o for o in snap["offers"]}
    assert set(got) == set(deadlines)
    for pk, deadline in deadlines.items():
        assert got[pk]["ack_deadline"] == deadline.isoformat()
        assert got[pk]["seconds_left"] == max(0, int((deadline - now).total_seconds()))
    assert max(o["seconds_left"] for o in got.values()) == 42


@pytest.mark.django_db
def test_open_incidents_units_and_alerts_are_the_scope_s(make_incident, call_taker, damkar, supervisor_pky):
    from incidents.services import assignment_expire

    open_one, closed_one = make_incident(), make_incident()
    from incidents.services import incident_cancel

    incident_cancel(incident_id=closed_one.pk, actor=call_taker, reason="Salah input")
    [offer] = incident_route(incident_id=open_one.pk, actor=call_taker)
    assignment_expire(assignment_id=offer.pk, now=offer.ack_deadline + timedelta(seconds=1))
    unit = f.UnitFactory(agency=damkar, call_sign="DMK-9", position=Point(113.93, -2.21, srid=4326))

    snap = board_snapshot(user=supervisor_pky)

    assert [i["id"] for i in snap["incidents"]] == [open_one.pk]
    row = snap["incidents"][0]
    assert row["reference"] == open_one.reference and row["category"] == "kebakaran" and row["location"] == [113.9213, -2.2096]
    assert [u["id"] for u in snap["units"]] == [unit.pk] and snap["units"][0]["position"] == [113.93, -2.21]
    kinds = sorted(a["kind"] for a in snap["alerts"])
    assert kinds == ["assignment_expired", "no_backup"]
    assert all(a["incident"] == open_one.pk and a["acknowledged"] is False for a in snap["alerts"])
    assert Unit.objects.count() == 1
