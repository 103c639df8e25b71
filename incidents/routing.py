"""Who should respond: agencies by category and jurisdiction, and the units that arrive first — a PostGIS KNN
shortlist ranked by drive time from the routing engine (dispatch.osrm), straight line when it cannot answer."""
import functools
import math
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import connection

from agencies.models import Agency, Unit
from dispatch import osrm
from dispatch.prepared import PreparedQuery
from incidents import refdata

# Without the engine: road distance is longer than the straight line, and city traffic is slow (an estimate).
ROAD_FACTOR = 1.4
URBAN_SPEED_KMH = 30.0


def eta_minutes(distance_m: float) -> float:
    return round(distance_m * ROAD_FACTOR / (URBAN_SPEED_KMH * 1000 / 60), 1)


@dataclass(frozen=True)
class AgencyProposal:
    agency: Agency
    reason: str  # "jurisdiction", "region", "centre"


def propose_agencies(*, category, point: Point, command_centre, regency_code=None) -> list[AgencyProposal]:
    """One agency per responsible type: whose jurisdiction holds the point, else who serves the regency,
    else the centre's own agency of that type.

    No statement: the active agencies, their served regions and their jurisdictions (as prepared geometries) come
    from the per-process reference cache (incidents.refdata), so the create answer and `route {}` both compute the
    proposal from memory, from the same locked-in inputs (category, point, regency, centre)."""
    types = list(category.responsible_agency_types)
    if not types:
        return []
    centre_id = getattr(command_centre, "pk", command_centre)
    best = {}
    for info in refdata.agencies_of_types(types):
        agency = info.agency
        if info.jurisdiction is not None and point is not None and info.jurisdiction.contains(point):
            rank, reason = 0, "jurisdiction"
        elif regency_code and regency_code in info.regions:
            rank, reason = 1, "region"
        elif agency.command_centre_id == centre_id:
            rank, reason = 2, "centre"
        else:
            continue
        current = best.get(agency.type)
        if current is None or (rank, agency.pk) < current[0]:
            best[agency.type] = ((rank, agency.pk), AgencyProposal(agency=agency, reason=reason))
    return [best[t][1] for t in types if t in best]


@dataclass(frozen=True)
class UnitProposal:
    """One recommended unit. `distance_m` is the straight line (as before); `eta_min` the ETA in minutes on the
    item's basis. With `basis` "road": `road_m` (engine distance plus the legs from each point to its road) and
    `eta_s`; `snap_m` is how far the unit's position is from the road the engine put it on, `incident_snap_m` the
    same for the incident (said on screen beyond ROUTING_SNAP_NOTE_M). With "straight_line": `eta_s` is the
    straight-line estimate (× 1.4 at 30 km/h, with the unit type's speed factor) and the road fields are None."""

    unit: Unit
    distance_m: float
    eta_min: float
    basis: str = "straight_line"  # "road" | "straight_line"
    road_m: float | None = None
    eta_s: int | None = None
    snap_m: float | None = None
    incident_snap_m: float | None = None

    @property
    def snapped(self) -> bool:
        limit = settings.ROUTING_SNAP_NOTE_M
        return (self.snap_m or 0) > limit or (self.incident_snap_m or 0) > limit


def speed_factor(unit_type: str) -> float:
    """How much faster (> 1) or slower (< 1) than the engine's car this unit type drives (settings)."""
    try:
        factor = float(settings.ROUTING_SPEED_FACTORS.get(unit_type, 1.0))
    except (TypeError, ValueError):
        return 1.0
    return factor if factor > 0 else 1.0


def straight_line_eta_s(distance_m: float, unit_type: str) -> int:
    return round(distance_m * ROAD_FACTOR / (URBAN_SPEED_KMH / 3.6) / speed_factor(unit_type))


def _straight_line(unit, distance_m: float) -> UnitProposal:
    eta_s = straight_line_eta_s(distance_m, unit.type)
    return UnitProposal(unit=unit, distance_m=round(distance_m, 1), eta_min=round(eta_s / 60, 1), eta_s=eta_s)


def nearest_available_units(*, point: Point, agency_ids=None, capabilities=(), limit=5) -> list[UnitProposal]:
    """The units that ARRIVE first: a PostGIS KNN shortlist of the capable available units (ROUTING_SHORTLIST,
    over the partial GiST index of available units), then ONE routing-engine `table` request (sources = the
    units, destination = the incident) per profile, ranked by drive time with each unit type's speed factor.

    The engine down, slower than ROUTING_TIMEOUT_MS, or not configured: the shortlist by straight line, every item
    with `basis: "straight_line"` — never an error (dispatch.osrm logs the outage once). A unit the engine cannot
    reach (no road joins it, or it is farther than ROUTING_MAX_SNAP_M from any road) keeps its straight-line
    estimate and comes after the units with a road answer."""
    shortlist_size = max(limit, settings.ROUTING_SHORTLIST)
    query = _SHORTLISTS.get(shortlist_size)
    if query is None:
        query = _SHORTLISTS.setdefault(shortlist_size, PreparedQuery(lambda **kw: _shortlist(size=shortlist_size, **kw)))
    shortlist = query.rows(
        point=point, agency_ids=list(agency_ids) if agency_ids is not None else None, capabilities=list(capabilities or ()),
    )
    # Ranked on three columns of each row; only the `limit` units answered become model instances (with their agency
    # and station): 5 of the 20 shortlisted (issue 27).
    straight = [_straight_line(_Candidate(row), _metres_of(row.raw("distance"))) for row in shortlist]
    if not straight:
        return []
    ranked = rank_by_road(point=point, proposals=straight)
    return [replace(p, unit=p.unit.row.instance()) for p in (ranked if ranked is not None else straight)[:limit]]


class _Candidate:
    """A shortlisted unit as the ranking reads it (pk, type, position) before it is made a Unit. The position (a GEOS
    point per row) is made only when the routing engine is asked."""

    __slots__ = ("row", "pk", "type", "_position")

    def __init__(self, row):
        self.row = row
        self.pk, self.type, self._position = row.value("id"), row.value("type"), None

    @property
    def position(self):
        if self._position is None:
            self._position = self.row.value("position")
        return self._position


@functools.cache
def _distance_unit():
    return connection.ops.get_distance_att_for_field(Unit._meta.get_field("position"))


def _metres_of(raw) -> float:
    """The shortlist's `distance` in metres from the column as PostgreSQL sent it (issue 27): Django's converter made a
    Distance per row, and asked per row which unit the field's SRID measures in (an import and a lookup each time).
    The unit is asked once per process; geographic coordinates (SRID 4326) give metres."""
    if raw is None:
        return raw
    if hasattr(raw, "m"):
        return raw.m  # the QuerySet fallback already converted it
    unit = _distance_unit()
    return float(raw) if unit in ("m", None) else D(**{unit: raw}).m


def _shortlist(*, size, point, agency_ids, capabilities):
    qs = Unit.objects.filter(status=Unit.Status.AVAILABLE, position__isnull=False)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    if capabilities:
        qs = qs.filter(capabilities__contains=capabilities)
    return (
        qs.select_related("agency", "station").defer("agency__jurisdiction")
        .annotate(distance=Distance("position", point))
        .order_by(GeometryDistance("position", point))[:size]
    )


# The KNN shortlist of every create answer: compiled once per process and shortlist size (issue 27).
_SHORTLISTS: dict[int, PreparedQuery] = {}


def rank_by_road(*, point: Point, proposals: list[UnitProposal]) -> list[UnitProposal] | None:
    """The proposals ranked by road ETA, or None when the engine gave no answer (the caller keeps straight line)."""
    if not osrm.profiles():
        return None  # no engine configured: what every table() below would end in, without reading the positions
    by_profile: dict[str, list[UnitProposal]] = {}
    for p in proposals:
        by_profile.setdefault(settings.ROUTING_UNIT_PROFILES.get(p.unit.type, osrm.DEFAULT_PROFILE), []).append(p)
    destination = (point.x, point.y)
    road, fallback = [], []
    for profile, group in by_profile.items():
        try:
            table = osrm.table(sources=[(p.unit.position.x, p.unit.position.y) for p in group], destination=destination, profile=profile)
        except osrm.EngineUnavailable:
            if profile == osrm.DEFAULT_PROFILE or osrm.DEFAULT_PROFILE not in by_profile:
                return None
            fallback.extend(group)  # a second profile's engine is down: its units by straight line, after the rest
            continue
        incident_snap = round(table.destination.distance_m, 1)
        if incident_snap > settings.ROUTING_MAX_SNAP_M:
            return None  # the incident is nowhere near the loaded roads (another region): straight line says so
        for p, duration, distance, snap in zip(group, table.durations_s, table.distances_m, table.sources):
            if duration is None or distance is None or snap.distance_m > settings.ROUTING_MAX_SNAP_M:
                fallback.append(p)
                continue
            # The legs between each point and the road the engine put it on count too, at an off-road pace: so a
            # road answer is never shorter than the straight line, and a far snap says what it costs.
            off_road_m = snap.distance_m + table.destination.distance_m
            eta_s = round(duration / speed_factor(p.unit.type) + off_road_m / (settings.ROUTING_OFFROAD_KMH / 3.6))
            road.append(replace(
                p, basis="road", road_m=round(distance + off_road_m, 1), eta_s=eta_s, eta_min=round(eta_s / 60, 1),
                snap_m=round(snap.distance_m, 1), incident_snap_m=incident_snap,
            ))
    if not road:
        return None
    road.sort(key=lambda p: (p.eta_s, p.distance_m, p.unit.pk))
    fallback.sort(key=lambda p: (p.distance_m, p.unit.pk))
    return road + fallback


def predict_travel(*, units, point: Point) -> dict[int, UnitProposal]:
    """The travel time predicted for units being sent to `point` (stored on their UnitDispatch for the reports): the
    same engine request and the same fallback as the recommendation, for the units chosen."""
    straight = []
    for u in units:
        if u.position is None or point is None:
            continue
        straight.append(_straight_line(u, _metres(u.position, point)))
    if not straight:
        return {}
    ranked = rank_by_road(point=point, proposals=straight) or straight
    return {p.unit.pk: p for p in ranked}


def _metres(a: Point, b: Point) -> float:
    """Great-circle distance (m) between two WGS84 points, without a database round trip."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))
