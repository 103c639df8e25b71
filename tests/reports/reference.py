"""The report computed again in plain Python over the fixture rows (no SQL beyond fetching them), by the
convention docs/reports.md states: an interval is ceil(seconds), negative ones are left out; the p-th
percentile is the value at rank ceil(p·n) of the sorted values; a row belongs to the local day (centre's zone)
its incident was created / its call started."""
import math
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from agencies.models import Agency
from incidents.models import Assignment, Call, Incident, SupervisorAlert, UnitDispatch


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[math.ceil(p * len(values)) - 1]


def summary(values, raw):
    return {"n": len(values), "p50_s": pct(values, 0.5), "p90_s": pct(values, 0.9), "p95_s": pct(values, 0.95),
            "mean_s": round(sum(raw) / len(raw), 1) if raw else None}


def local_day(ts, centre):
    return ts.astimezone(ZoneInfo(centre.timezone)).date()


def seconds(a, b):
    if a is None or b is None:
        return None
    s = (b - a).total_seconds()
    return None if s < 0 else s


def expected(*, centres, first, last, category=None, district=None, agency=None, targets=None):
    ids = {c.pk for c in centres}
    by_id = {c.pk: c for c in centres}
    out = {}

    # calls (centre-wide, never narrowed by category/district/agency)
    calls = [c for c in Call.objects.filter(command_centre_id__in=ids)
             if first <= local_day(c.ringing_at or c.answered_at or c.ended_at, by_id[c.command_centre_id]) <= last]
    funnel = Counter(received=len(calls))
    hours, dows = Counter(), Counter()
    answer = []
    callers = defaultdict(Counter)
    for c in calls:
        start = (c.ringing_at or c.answered_at or c.ended_at).astimezone(ZoneInfo(by_id[c.command_centre_id].timezone))
        hours[start.hour] += 1
        dows[start.isoweekday()] += 1
        if c.answered_at:
            funnel["answered"] += 1
            funnel[c.disposition or "unclassified"] += 1
            if c.ringing_at and (s := seconds(c.ringing_at, c.answered_at)) is not None:
                answer.append(s)
        elif c.status == "ended":
            funnel["abandoned"] += 1
        if c.disposition in ("prank", "ghost"):
            callers[c.caller_key][c.disposition] += 1
    out["calls"] = funnel
    out["hours"] = hours
    out["dows"] = dows
    out["repeat"] = sorted(
        ((k, v["prank"], v["ghost"], v["prank"] + v["ghost"]) for k, v in callers.items() if v["prank"] + v["ghost"] >= 2),
        key=lambda r: (-r[3], r[0]),
    )[:10]

    # incidents
    incidents = [i for i in Incident.objects.filter(command_centre_id__in=ids)
                 if first <= local_day(i.created_at, by_id[i.command_centre_id]) <= last]
    if category:
        incidents = [i for i in incidents if i.category_id == category.pk]
    if district:
        incidents = [i for i in incidents if i.district_id == district.code]
    assignments = list(Assignment.objects.filter(incident__in=incidents))
    offered_to = defaultdict(set)
    for a in assignments:
        offered_to[a.incident_id].add(a.agency_id)
    if agency:
        incidents = [i for i in incidents if agency.pk in offered_to[i.id]]
        assignments = [a for a in assignments if a.agency_id == agency.pk]
    out["incidents"] = len(incidents)
    out["by_category"] = Counter(i.category.code for i in incidents)
    out["by_district"] = Counter(i.district_id for i in incidents)
    out["by_agency"] = Counter(a for i in incidents for a in offered_to[i.id] if not agency or a == agency.pk)

    values = defaultdict(list)
    if True:
        values["answer"] = answer
    for i in incidents:
        values["call_to_incident"].append(seconds(i.call_answered_at, i.created_at))
        values["processing"].append(seconds(i.created_at, i.routed_at))
        values["alarm_processing"].append(seconds(i.call_answered_at, i.routed_at))
        values["on_scene_to_resolved"].append(seconds(i.on_scene_at, i.resolved_at))
        values["created_to_closed"].append(seconds(i.created_at, i.closed_at))
    per_agency = defaultdict(lambda: defaultdict(list))
    for a in assignments:
        units = list(UnitDispatch.objects.filter(assignment=a))
        en_route = min((u.en_route_at for u in units if u.en_route_at), default=None)
        on_scene = min((u.on_scene_at for u in units if u.on_scene_at), default=None)
        for name, s in (("acceptance", seconds(a.offered_at, a.accepted_at)), ("turnout", seconds(a.accepted_at, en_route)),
                        ("travel", seconds(en_route, on_scene)), ("response", seconds(a.offered_at, on_scene))):
            values[name].append(s)
            per_agency[a.agency_id][name].append(s)
    out["intervals"] = {}
    for name, raw in values.items():
        raw = [s for s in raw if s is not None]
        out["intervals"][name] = summary([math.ceil(s) for s in raw], raw)
    out["intervals_by_agency"] = {
        agency_id: {name: summary([math.ceil(s) for s in raw if s is not None], [s for s in raw if s is not None]) for name, raw in d.items()}
        for agency_id, d in per_agency.items()
    }
    types = dict(Agency.objects.values_list("pk", "type"))
    out["compliance"] = {}
    for t in targets or []:
        if t.agency_type:
            vals = [math.ceil(s) for a_id, d in per_agency.items() if types[a_id] == t.agency_type for s in d[t.interval] if s is not None]
        else:
            vals = [math.ceil(s) for s in values[t.interval] if s is not None]
        met = sum(1 for v in vals if v <= t.threshold_s)
        out["compliance"][t.code] = (met, len(vals))

    # escalations and handoffs
    esc = Counter()
    by_pk = {a.pk: a for a in Assignment.objects.filter(incident__in=incidents)}
    for a in assignments:
        if a.expired_at:
            esc["expired"] += 1
        if a.previous_id and by_pk[a.previous_id].status == "expired":
            esc["backup_offered"] += 1
        if a.status == "handed_off":
            nxt = Assignment.objects.get(previous=a)
            esc["within" if a.agency.command_centre_id == nxt.agency.command_centre_id else "across"] += 1
    for al in SupervisorAlert.objects.filter(incident__in=incidents):
        if agency and al.assignment_id and al.assignment.agency_id != agency.pk:
            continue
        esc[al.kind] += 1
    out["escalations"] = esc

    # volunteers: call-outs on the period's (filtered) incidents and their members' answers
    from volunteers.models import CallOut, CallOutResponse

    callouts = list(CallOut.objects.filter(incident__in=incidents))
    responses = [r for r in CallOutResponse.objects.filter(callout__in=callouts).select_related("callout")]
    yes = {"accepted", "en_route", "on_scene", "done"}
    arrive = [(r.on_scene_at - r.callout.sent_at).total_seconds() for r in responses if r.on_scene_at]
    accept = [(r.answered_at - r.alerted_at).total_seconds() for r in responses if r.status in yes and r.answered_at]
    out["volunteers"] = {
        "callouts": len(callouts),
        "filled": sum(1 for c in callouts if c.filled_at),  # N accepted at some point, whatever happened next
        "expired": sum(1 for c in callouts if c.expired_at),
        "cancelled": sum(1 for c in callouts if c.status == "cancelled"),
        "members_alerted": len(responses),
        "members_accepted": sum(1 for r in responses if r.status in yes),
        "members_declined": sum(1 for r in responses if r.status == "declined"),
        "members_arrived": sum(1 for r in responses if r.on_scene_at),
        "time_to_accept": summary([math.ceil(s) for s in accept], accept),
        "time_to_arrive": summary([math.ceil(s) for s in arrive], arrive),
    }
    return out
