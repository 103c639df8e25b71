"""Approximate demo boundaries: a regency outline cut into district cells around one seed point each.

The cells are a Voronoi partition of the district seeds clipped to the outline, so they tile the
regency exactly (no gaps, no overlaps) and point-in-polygon resolves one district for any point in
the regency. They are NOT official boundaries: every region they are written to is marked
`boundary_is_approximate=True` with `boundary_source=DEMO_BOUNDARY_SOURCE`.
"""
from math import hypot

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

DEMO_BOUNDARY_SOURCE = "demo approximation — not official"

# Far enough to cover any regency: a half-plane is drawn as a square this many degrees across.
_FAR = 20.0


def polygon(ring) -> Polygon:
    """[(lon, lat), …] → a closed Polygon in EPSG:4326."""
    points = list(ring)
    if points[0] != points[-1]:
        points.append(points[0])
    return Polygon(points, srid=4326)


def _half_plane(own, other) -> Polygon:
    """Every point at least as close to `own` as to `other`: the side of their bisector that holds `own`."""
    (ax, ay), (bx, by) = own, other
    mx, my = (ax + bx) / 2, (ay + by) / 2
    length = hypot(ax - bx, ay - by)
    nx, ny = (ax - bx) / length, (ay - by) / length  # towards own
    dx, dy = -ny, nx  # along the bisector
    return polygon(
        [
            (mx - dx * _FAR, my - dy * _FAR),
            (mx + dx * _FAR, my + dy * _FAR),
            (mx + dx * _FAR + nx * _FAR, my + dy * _FAR + ny * _FAR),
            (mx - dx * _FAR + nx * _FAR, my - dy * _FAR + ny * _FAR),
        ]
    )


def as_multipolygon(geom) -> MultiPolygon:
    if geom.geom_type == "MultiPolygon":
        result = geom
    elif geom.geom_type == "Polygon":
        result = MultiPolygon(geom, srid=4326)
    else:  # a GeometryCollection left by clipping: keep its polygons
        result = MultiPolygon([g for g in geom if g.geom_type == "Polygon"], srid=4326)
    result.srid = 4326
    return result


def tile(outline: Polygon, seeds: dict) -> dict:
    """{code: (lon, lat)} → {code: MultiPolygon}: each seed's Voronoi cell clipped to the outline."""
    cells = {}
    for code, own in seeds.items():
        cell = outline
        for other_code, other in seeds.items():
            if other_code != code:
                cell = cell.intersection(_half_plane(own, other))
        cells[code] = as_multipolygon(cell)
    return cells


def inner_point(geom) -> Point:
    """The centroid when it falls inside the shape, else a point guaranteed to be on its surface."""
    centroid = geom.centroid
    point = centroid if geom.contains(centroid) else geom.point_on_surface
    point.srid = 4326
    return point
