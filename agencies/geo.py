"""Place lookups: is a point in Indonesia, which village/district/regency holds it, which centre serves it."""
from dataclasses import dataclass

from django.contrib.gis.geos import Point

from agencies.models import Region

# Indonesia's extent with a margin for its outer islands and territorial sea.
INDONESIA_BBOX = (94.5, -11.5, 141.5, 6.5)  # min lon, min lat, max lon, max lat


def in_indonesia(point: Point) -> bool:
    min_lon, min_lat, max_lon, max_lat = INDONESIA_BBOX
    return min_lon <= point.x <= max_lon and min_lat <= point.y <= max_lat


@dataclass(frozen=True)
class PlaceMatch:
    village: Region | None = None
    district: Region | None = None
    regency: Region | None = None


def place_for_point(point: Point) -> PlaceMatch:
    """Point-in-polygon over every level that has boundaries; the finest match fills the coarser levels."""
    found = {
        r.level: r
        for r in Region.objects.filter(boundary__isnull=False, boundary__contains=point).only("code", "level", "name", "parent_id")
    }
    village = found.get(Region.Level.VILLAGE)
    district = found.get(Region.Level.DISTRICT)
    regency = found.get(Region.Level.REGENCY)
    if village and not district:
        district = Region.objects.filter(code=village.parent_id).first()
    if district and not regency:
        regency = Region.objects.filter(code=district.parent_id).first()
    return PlaceMatch(village=village, district=district, regency=regency)


def regency_code_of(region: Region | None) -> str | None:
    """'62.71.01.1001' → '62.71': Kemendagri codes nest by prefix."""
    if region is None:
        return None
    return ".".join(region.code.split(".")[:2])
