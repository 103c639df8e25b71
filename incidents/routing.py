"""Who should respond: agencies by category and jurisdiction, and the nearest available units (PostGIS KNN)."""
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point

from agencies.models import Agency, Unit
from incidents import refdata

# Road distance is longer than the straight line, and city traffic is slow: a conservative estimate.
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
    unit: Unit
    distance_m: float
    eta_min: float


def nearest_available_units(*, point: Point, agency_ids=None, capabilities=(), limit=5) -> list[UnitProposal]:
    """KNN over the partial GiST index of available units: ORDER BY position <-> point LIMIT n."""
    qs = Unit.objects.filter(status=Unit.Status.AVAILABLE, position__isnull=False)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    if capabilities:
        qs = qs.filter(capabilities__contains=list(capabilities))
    qs = (
        qs.select_related("agency", "station").defer("agency__jurisdiction")
        .annotate(distance=Distance("position", point))
        .order_by(GeometryDistance("position", point))[:limit]
    )
    return [UnitProposal(unit=u, distance_m=round(u.distance.m, 1), eta_min=eta_minutes(u.distance.m)) for u in qs]
