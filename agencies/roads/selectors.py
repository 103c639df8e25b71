"""Reads of the road layers for maps (issue 26 draws them as vector tiles): public reference data, so no scope —
but always bounded by a bounding box and, for the busiest zoom levels, by road class."""
from __future__ import annotations

from django.contrib.gis.geos import Polygon

from agencies.models import Road, RoadNetwork, Waterway

# Road classes by importance, so a small-scale map can ask for the big roads only (`min_rank`).
ROAD_RANK = {
    "motorway": 1, "trunk": 1, "primary": 2, "motorway_link": 2, "trunk_link": 2, "secondary": 3, "primary_link": 3,
    "tertiary": 4, "secondary_link": 4, "tertiary_link": 4, "unclassified": 5, "residential": 5, "living_street": 5,
    "road": 5, "service": 6, "track": 6,
}
DEFAULT_RANK = 7  # footways, paths, steps, cycleways …


def bbox_polygon(*, west: float, south: float, east: float, north: float) -> Polygon:
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = 4326
    return box


def roads_in_bbox(*, west: float, south: float, east: float, north: float, max_rank: int | None = None):
    """The roads crossing the box (GiST index on geometry), with `name`, `kind`, `is_bridge`, `oneway`, `geometry`.
    `max_rank=3` keeps primary/secondary and bigger (ROAD_RANK)."""
    qs = Road.objects.filter(geometry__intersects=bbox_polygon(west=west, south=south, east=east, north=north))
    if max_rank is not None:
        qs = qs.filter(kind__in=[k for k, rank in ROAD_RANK.items() if rank <= max_rank])
    return qs.only("id", "name", "ref", "kind", "is_bridge", "oneway", "geometry")


def waterways_in_bbox(*, west: float, south: float, east: float, north: float):
    return Waterway.objects.filter(geometry__intersects=bbox_polygon(west=west, south=south, east=east, north=north)).only(
        "id", "name", "kind", "geometry"
    )


def road_networks():
    """The imported networks with their data version (sha256): a tile cache keyed on it stays valid until the next import."""
    return RoadNetwork.objects.order_by("name")
