"""python manage.py import_boundaries FILE [--level district] [--code-field kode] [--source TEXT] [--skip-unknown]

Load real region boundaries from a GeoJSON file or a Shapefile (anything GDAL reads), keyed by the
Kemendagri code in a feature property. Codes may be written with or without dots ("6271" = "62.71",
"6271011001" = "62.71.01.1001"). Geometries are transformed to EPSG:4326 and stored as MultiPolygons;
several features with the same code are merged. Imported boundaries replace approximate ones and are
marked `boundary_is_approximate=False`.

All or nothing: one transaction; a feature whose code is not in the region list (or not at --level)
refuses the whole import unless --skip-unknown is given.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.geo import touches_indonesia
from agencies.models import Region
from agencies.tiles import bump_tile_version

# Digits per level of a Kemendagri code: 62 | 71 | 01 | 1001.
_PARTS = (2, 2, 2, 4)
_LEVEL_BY_PARTS = {1: Region.Level.PROVINCE, 2: Region.Level.REGENCY, 3: Region.Level.DISTRICT, 4: Region.Level.VILLAGE}


def normalise_code(raw) -> str | None:
    """'6271' / '62.71' / 6271 → '62.71'; '627101' → '62.71.01'; anything else → None."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if "." in text:
        return text if re.fullmatch(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?", text) else None
    if not text.isdigit():
        return None
    parts, pos = [], 0
    for width in _PARTS:
        if pos == len(text):
            break
        parts.append(text[pos:pos + width])
        pos += width
    if pos != len(text) or any(len(p) != w for p, w in zip(parts, _PARTS)):
        return None
    return ".".join(parts)


def level_of(code: str) -> str:
    return _LEVEL_BY_PARTS[code.count(".") + 1]


def _polygons(geom: GEOSGeometry) -> MultiPolygon | None:
    if not geom.valid:
        geom = geom.make_valid()
    if geom.geom_type == "Polygon":
        polys = [geom]
    elif geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        polys = [g for g in geom if g.geom_type == "Polygon"] + [p for g in geom if g.geom_type == "MultiPolygon" for p in g]
    else:
        return None
    if not polys:
        return None
    result = MultiPolygon(polys, srid=4326)
    return result


@dataclass
class ImportResult:
    matched: list = field(default_factory=list)  # codes written
    unknown: list = field(default_factory=list)  # codes not in the region list (or not at --level)
    invalid: list = field(default_factory=list)  # "feature N: reason"


def import_boundaries(path, *, level=None, code_field="kode", source=None, skip_unknown=False, log=lambda msg: None) -> ImportResult:
    path = Path(path)
    if not path.exists():
        raise CommandError(f"File not found: {path}")
    if level and level not in Region.Level.values:
        raise CommandError(f"Unknown level '{level}'; use one of {', '.join(Region.Level.values)}.")
    try:
        datasource = DataSource(str(path))
    except GDALException as exc:
        raise CommandError(f"GDAL cannot read {path}: {exc}") from exc
    if not len(datasource):
        raise CommandError(f"{path} has no layers.")
    layer = datasource[0]
    if code_field not in layer.fields:
        raise CommandError(
            f"{path.name} has no property '{code_field}'. Properties found: {', '.join(layer.fields) or '(none)'}. "
            "Pass the one holding the Kemendagri code with --code-field."
        )
    srs = layer.srs  # None for GeoJSON without crs: RFC 7946 says WGS 84

    result = ImportResult()
    shapes: OrderedDict[str, MultiPolygon] = OrderedDict()
    for index, feature in enumerate(layer):
        raw = feature.get(code_field)
        code = normalise_code(raw)
        if code is None:
            result.invalid.append(f"feature {index}: '{code_field}'={raw!r} is not a Kemendagri code")
            continue
        ogr = feature.geom
        if srs is not None and ogr.srs is None:
            ogr.srs = srs
        if ogr.srs is not None and ogr.srs.srid != 4326:
            ogr.transform(4326)
        geom = GEOSGeometry(ogr.wkb, srid=4326)
        multi = _polygons(geom)
        if multi is None:
            result.invalid.append(f"feature {index} ({code}): geometry {geom.geom_type} is not a polygon")
            continue
        if not touches_indonesia(multi):
            result.invalid.append(
                f"feature {index} ({code}): extent {multi.extent} lies outside Indonesia — wrong coordinate system?"
            )
            continue
        shapes[code] = _polygons(shapes[code].union(multi)) if code in shapes else multi

    if result.invalid:
        raise CommandError("Nothing imported; fix these features first:\n  " + "\n  ".join(result.invalid[:50]))
    if not shapes:
        raise CommandError(f"{path.name} holds no features.")

    wanted = Region.objects.filter(code__in=list(shapes))
    if level:
        wanted = wanted.filter(level=level)
    known = set(wanted.values_list("code", flat=True))
    result.unknown = [code for code in shapes if code not in known]
    if result.unknown and not skip_unknown:
        where = f" at level '{level}'" if level else ""
        raise CommandError(
            f"Nothing imported: {len(result.unknown)} of {len(shapes)} codes are not in the region list{where} "
            f"(load_regions loads it): {', '.join(result.unknown[:20])}{' …' if len(result.unknown) > 20 else ''}. "
            "Check --code-field and --level, or pass --skip-unknown to import the others."
        )

    source = (source or f"import_boundaries: {path.name}")[:200]
    with transaction.atomic():
        for region in Region.objects.select_for_update().filter(code__in=known).order_by("code"):
            boundary = shapes[region.code]
            region.boundary = boundary
            region.boundary_is_approximate = False
            region.boundary_source = source
            centroid = boundary.centroid
            region.centroid = centroid if boundary.contains(centroid) else boundary.point_on_surface
            region.save(update_fields=["boundary", "boundary_is_approximate", "boundary_source", "centroid"])
            result.matched.append(region.code)
    log(f"{len(result.matched)} matched, {len(result.unknown)} unmatched"
        + (f" (skipped: {', '.join(result.unknown[:20])})" if result.unknown else ""))
    return result


class Command(BaseCommand):
    help = "Import real region boundaries from a GeoJSON file or Shapefile keyed by Kemendagri code."

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON (.geojson/.json) or Shapefile (.shp) — anything GDAL reads")
        parser.add_argument("--level", choices=Region.Level.values, help="Only accept codes of this level (e.g. district).")
        parser.add_argument("--code-field", default="kode", help="Feature property holding the Kemendagri code (default: kode).")
        parser.add_argument("--source", help="Text stored as the boundary source (default: the file name).")
        parser.add_argument("--skip-unknown", action="store_true", help="Import the known codes and skip unknown ones.")

    def handle(self, *args, **options):
        import_boundaries(
            options["file"],
            level=options.get("level"),
            code_field=options["code_field"],
            source=options.get("source"),
            skip_unknown=options["skip_unknown"],
            log=lambda msg: self.stdout.write(msg),
        )
        bump_tile_version()  # the basemap draws the boundaries: new tiles
