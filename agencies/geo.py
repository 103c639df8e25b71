"""Place lookups: is a point in Indonesia, which village/district/regency holds it, which centre serves it."""
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, Point

from agencies.models import Region
from dispatch.prepared import PreparedQuery

# Indonesia's land and 12 nautical miles of sea around it, minus the neighbours' land (Natural Earth 1:10m,
# public domain; how it is built and why: agencies/management/commands/build_indonesia_outline.py).
OUTLINE_PATH = Path(__file__).resolve().parent / "data" / "indonesia_outline.geojson"


@lru_cache(maxsize=1)
def indonesia_outline() -> GEOSGeometry:
    """Read once per process; the file never changes while the process runs."""
    collection = json.loads(OUTLINE_PATH.read_text())
    return GEOSGeometry(json.dumps(collection["features"][0]["geometry"]), srid=4326)


_local = threading.local()


def _prepared_outline():
    # A prepared geometry indexes the outline's 7,000 edges once: a test is then a few microseconds. GEOS builds
    # that index lazily and does not lock it, so each thread (ASGI runs sync views in several) has its own.
    prepared = getattr(_local, "outline", None)
    if prepared is None:
        prepared = _local.outline = indonesia_outline().clone().prepared
    return prepared


def in_indonesia(point: Point) -> bool:
    """The one answer to "is this point in Indonesia (land or territorial sea)?" for every input path."""
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    return _prepared_outline().covers(point)


def touches_indonesia(geom: GEOSGeometry) -> bool:
    """A boundary or area that lies at least partly in Indonesia (a region file read in the wrong CRS does not)."""
    if geom.srid not in (None, 4326):
        geom = geom.transform(4326, clone=True)
    return _prepared_outline().intersects(geom)


@dataclass(frozen=True)
class PlaceMatch:
    village: Region | None = None
    district: Region | None = None
    regency: Region | None = None


# Every intake asks it: compiled once per process (issue 27).
_REGIONS_HOLDING = PreparedQuery(
    lambda point: Region.objects.filter(boundary__isnull=False, boundary__contains=point).only(
        "code", "level", "name", "parent_id", "boundary_is_approximate"
    )
)


def place_for_point(point: Point) -> PlaceMatch:
    """Point-in-polygon over every level that has boundaries; the finest match fills the coarser levels."""
    found = {r.level: r for r in _REGIONS_HOLDING.all(point=point)}
    village = found.get(Region.Level.VILLAGE)
    district = found.get(Region.Level.DISTRICT)
    regency = found.get(Region.Level.REGENCY)
    if village and not district:
        district = Region.objects.filter(code=village.parent_id).first()
    if district and not regency:
        regency = Region.objects.filter(code=district.parent_id).first()
    return PlaceMatch(village=village, district=district, regency=regency)


def place_for_village(village: Region) -> PlaceMatch:
    """A village named by its Kemendagri code, with its district and regency (its parents)."""
    district = Region.objects.filter(code=village.parent_id).first() if village.parent_id else None
    regency = Region.objects.filter(code=district.parent_id).first() if district is not None and district.parent_id else None
    return PlaceMatch(village=village, district=district, regency=regency)


def contradictions(named: PlaceMatch, found: PlaceMatch) -> list[Region]:
    """The regions an exact boundary puts the point in that differ from the ones named (village → district → regency).
    An approximate boundary (demo data) contradicts nothing: it only says roughly where a region is."""
    out = []
    for level in ("village", "district", "regency"):
        have, hold = getattr(named, level), getattr(found, level)
        if have is not None and hold is not None and hold.code != have.code and not hold.boundary_is_approximate:
            out.append(hold)
    return out


def coordinates_text(lat: float, lon: float, digits: int = 5) -> str:
    """Coordinates as every screen writes them: decimal points, whatever the language ("-2.15119, 113.97394").
    A comma-decimal "-2,15119, 113,97394" cannot be told apart from four numbers."""
    return f"{lat:.{digits}f}, {lon:.{digits}f}"


def regency_code_of(region: Region | None) -> str | None:
    """'62.71.01.1001' → '62.71': Kemendagri codes nest by prefix."""
    if region is None:
        return None
    return ".".join(region.code.split(".")[:2])
