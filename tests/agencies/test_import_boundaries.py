"""import_boundaries: GeoJSON/Shapefile keyed by Kemendagri code → Region.boundary, all or nothing."""
import json
import shutil
import subprocess

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import CommandError, call_command

from agencies.geo import place_for_point
from agencies.management.commands.import_boundaries import normalise_code
from agencies.models import Region, TimeZoneName

PAHANDUT_RING = [(113.91, -2.23), (113.96, -2.23), (113.96, -2.19), (113.91, -2.19), (113.91, -2.23)]
JEKAN_RAYA_RINGS = [
    [(113.80, -2.25), (113.91, -2.25), (113.91, -2.15), (113.80, -2.15), (113.80, -2.25)],
    [(113.70, -2.10), (113.72, -2.10), (113.72, -2.08), (113.70, -2.08), (113.70, -2.10)],  # an exclave
]


@pytest.fixture
def regions(db):
    wib = TimeZoneName.WIB
    province = Region.objects.create(code="62", level="province", name="Kalimantan Tengah", timezone=wib)
    regency = Region.objects.create(code="62.71", level="regency", name="Kota Palangkaraya", parent=province, timezone=wib)
    approx = Polygon(((113.0, -3.0), (114.5, -3.0), (114.5, -1.0), (113.0, -3.0)), srid=4326)
    return {
        "regency": regency,
        "pahandut": Region.objects.create(code="62.71.01", level="district", name="Pahandut", parent=regency, timezone=wib,
                                          boundary=MultiPolygon(approx, srid=4326), boundary_is_approximate=True,
                                          boundary_source="demo approximation — not official"),
        "jekan": Region.objects.create(code="62.71.03", level="district", name="Jekan Raya", parent=regency, timezone=wib),
    }


def feature(code, geometry, field="kode"):
    return {"type": "Feature", "properties": {field: code, "nama": "x"}, "geometry": geometry}


def write(tmp_path, features, name="districts.geojson", crs=None):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


POLY_PAHANDUT = {"type": "Polygon", "coordinates": [PAHANDUT_RING]}
MULTI_JEKAN = {"type": "MultiPolygon", "coordinates": [[ring] for ring in JEKAN_RAYA_RINGS]}


def test_codes_with_or_without_dots():
    assert normalise_code("6271") == "62.71"
    assert normalise_code(6271) == "62.71"
    assert normalise_code("627101") == "62.71.01"
    assert normalise_code("6271011001") == "62.71.01.1001"
    assert normalise_code(" 62.71.01 ") == "62.71.01"
    assert normalise_code("62711") is None
    assert normalise_code("62.1001") is None
    assert normalise_code("Pahandut") is None


def test_imports_polygons_and_multipolygons_by_code(regions, tmp_path, capsys):
    path = write(tmp_path, [feature("627101", POLY_PAHANDUT), feature("62.71.03", MULTI_JEKAN)])
    call_command("import_boundaries", path, level="district", code_field="kode")
    assert "2 matched, 0 unmatched" in capsys.readouterr().out

    pahandut = Region.objects.get(code="62.71.01")
    assert isinstance(pahandut.boundary, MultiPolygon) and len(pahandut.boundary) == 1
    assert pahandut.boundary.equals(MultiPolygon(Polygon(PAHANDUT_RING), srid=4326))
    assert pahandut.boundary_is_approximate is False
    assert pahandut.boundary_source == "import_boundaries: districts.geojson"
    assert pahandut.boundary.contains(pahandut.centroid)
    jekan = Region.objects.get(code="62.71.03")
    assert len(jekan.boundary) == 2

    place = place_for_point(Point(113.93, -2.21, srid=4326))
    assert place.district.code == "62.71.01" and place.regency.code == "62.71"
    assert place_for_point(Point(113.71, -2.09, srid=4326)).district.code == "62.71.03"


def test_unknown_code_refuses_the_whole_file(regions, tmp_path):
    path = write(tmp_path, [feature("627101", POLY_PAHANDUT), feature("627199", MULTI_JEKAN)])
    with pytest.raises(CommandError, match=r"Nothing imported: 1 of 2 codes are not in the region list.*62\.71\.99"):
        call_command("import_boundaries", path, level="district")
    pahandut = Region.objects.get(code="62.71.01")
    assert pahandut.boundary_is_approximate is True  # untouched


def test_skip_unknown_imports_the_rest_and_reports_it(regions, tmp_path, capsys):
    path = write(tmp_path, [feature("627101", POLY_PAHANDUT), feature("627199", MULTI_JEKAN)])
    call_command("import_boundaries", path, level="district", skip_unknown=True)
    assert "1 matched, 1 unmatched (skipped: 62.71.99)" in capsys.readouterr().out
    assert Region.objects.get(code="62.71.01").boundary_is_approximate is False


def test_a_code_of_another_level_is_refused(regions, tmp_path):
    path = write(tmp_path, [feature("6271", POLY_PAHANDUT)])
    with pytest.raises(CommandError, match="at level 'district'"):
        call_command("import_boundaries", path, level="district")
    assert Region.objects.get(code="62.71").boundary is None


def test_configurable_code_field_and_clear_error_when_missing(regions, tmp_path):
    path = write(tmp_path, [feature("627101", POLY_PAHANDUT, field="KDCPUM")])
    with pytest.raises(CommandError, match="has no property 'kode'.*KDCPUM"):
        call_command("import_boundaries", path)
    call_command("import_boundaries", path, code_field="KDCPUM", verbosity=0)
    assert Region.objects.get(code="62.71.01").boundary_is_approximate is False


def test_bad_features_refuse_the_import(regions, tmp_path):
    path = write(tmp_path, [feature("627101", POLY_PAHANDUT), feature("Pahandut", POLY_PAHANDUT),
                            feature("627103", {"type": "Point", "coordinates": [113.9, -2.2]})])
    with pytest.raises(CommandError) as err:
        call_command("import_boundaries", path)
    assert "'kode'='Pahandut' is not a Kemendagri code" in str(err.value)
    assert "Point is not a polygon" in str(err.value)
    assert Region.objects.get(code="62.71.01").boundary_is_approximate is True


def test_transforms_to_wgs84(regions, tmp_path):
    """A file in Web Mercator (a legacy GeoJSON crs member) lands where it should in EPSG:4326."""
    mercator = Polygon(PAHANDUT_RING, srid=4326).transform(3857, clone=True)
    geometry = json.loads(mercator.json)
    path = write(tmp_path, [feature("627101", geometry)], crs="urn:ogc:def:crs:EPSG::3857")
    call_command("import_boundaries", path, verbosity=0)
    boundary = Region.objects.get(code="62.71.01").boundary
    assert boundary.srid == 4326
    x0, y0, x1, y1 = boundary.extent
    assert (x0, y0, x1, y1) == pytest.approx((113.91, -2.23, 113.96, -2.19), abs=1e-6)


def test_coordinates_outside_indonesia_are_refused(regions, tmp_path):
    """Projected coordinates read as degrees (a missing .prj) would land far outside Indonesia."""
    mercator = Polygon(PAHANDUT_RING, srid=4326).transform(3857, clone=True)
    path = write(tmp_path, [feature("627101", json.loads(mercator.json))])  # no crs: taken as WGS 84
    with pytest.raises(CommandError, match="outside Indonesia"):
        call_command("import_boundaries", path)


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) not installed")
def test_reads_a_shapefile_in_utm(regions, tmp_path):
    source = write(tmp_path, [feature("627101", POLY_PAHANDUT)], name="src.geojson")
    shp = tmp_path / "kecamatan.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:32749", str(shp), source], check=True, capture_output=True)
    call_command("import_boundaries", str(shp), level="district", verbosity=0)
    x0, y0, x1, y1 = Region.objects.get(code="62.71.01").boundary.extent
    assert (x0, y0, x1, y1) == pytest.approx((113.91, -2.23, 113.96, -2.19), abs=1e-6)


def test_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_boundaries", str(tmp_path / "nope.geojson"))
