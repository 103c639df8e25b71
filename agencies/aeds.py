"""The AED registry's one search: the AEDs nearest a point, within a radius, of the centres a user may see.

Nearest first by `<->` (PostGIS KNN over the partial GiST index of active AEDs), cut by the radius's bounding box
(`&&`, the index condition) and then by the exact spheroid distance computed for the few rows the KNN walk
returns — the same shape as the volunteers' search (volunteers.selectors.members_for_callout) and the units'."""
from math import cos, radians

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point, Polygon

from agencies.models import Aed

MAX_RADIUS_M = 50_000
MAX_RESULTS = 50


def radius_box(point: Point, radius_m: float) -> Polygon:
    """The bounding box of a circle of `radius_m` around a WGS 84 point (a little larger than the circle)."""
    dlat = radius_m / 110_574
    dlon = radius_m / (111_320 * max(cos(radians(point.y)), 0.01))
    return Polygon.from_bbox((point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat))


def aeds_near(*, point: Point, radius_m: int, centre_ids=None, limit: int = MAX_RESULTS) -> list[Aed]:
    """Active AEDs within `radius_m` of the point, nearest first; `centre_ids` None = every centre (global scope).
    Each carries `distance_m` (whole metres, spheroid)."""
    qs = Aed.objects.filter(is_active=True, location__bboverlaps=radius_box(point, radius_m))
    if centre_ids is not None:
        qs = qs.filter(command_centre_id__in=list(centre_ids))
    rows = list(qs.annotate(distance=Distance("location", point)).order_by(GeometryDistance("location", point))[:limit])
    found = []
    for aed in rows:
        aed.distance_m = int(round(aed.distance.m))
        if aed.distance_m <= radius_m:
            found.append(aed)
    # `<->` orders by planar degrees; the spheroid distance decides the final order among the few found
    found.sort(key=lambda a: (a.distance_m, a.pk))
    return found


def aed_summary(aed: Aed) -> dict:
    """An AED as the API, the incident's `nearest_aeds` and the volunteer's phone show it."""
    return {
        "id": aed.pk,
        "name": aed.name,
        "location": {"type": "Point", "coordinates": [aed.location.x, aed.location.y]},
        "address": aed.address,
        "access": aed.access,
        "available_hours": aed.available_hours,
        "distance_m": getattr(aed, "distance_m", None),
    }
