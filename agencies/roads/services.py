"""Import an OpenStreetMap extract: its roads and rivers into PostGIS (one `RoadNetwork` with its `Road` and
`Waterway` rows, replaced whole in one transaction) and the routing engine's files (agencies.roads.engine_files).

Both halves are skipped when they already hold this very file (same sha256, same profile): `load_demo` calls it on
every `make run` and it costs a hash then."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Road, RoadNetwork, Waterway
from agencies.roads import engine_files
from agencies.roads.extract import read_lines

COPY_ROADS = "COPY {table} (network_id, osm_id, name, ref, kind, is_bridge, oneway, geometry) FROM STDIN"
COPY_WATERWAYS = "COPY {table} (network_id, osm_id, name, kind, geometry) FROM STDIN"


@dataclass(frozen=True)
class ImportResult:
    network: RoadNetwork
    loaded: bool  # False: the database already held this file
    prepared: engine_files.Prepared | None  # None: not asked to prepare the engine's files
    skipped_ways: int = 0


def road_network_import(*, path, name: str, profile: str = "car", prepare: bool = True, load: bool = True,
                        force: bool = False, threads: int = 2, log=lambda msg: None) -> ImportResult:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    sha = engine_files.sha256_of(path)
    network = RoadNetwork.objects.filter(name=name).first()
    loaded, skipped = False, 0
    if load and (force or network is None or network.sha256 != sha or network.profile != profile):
        network, skipped = _load(path=path, name=name, sha=sha, profile=profile, log=log)
        loaded = True
    prepared = None
    if prepare:
        prepared = engine_files.prepare(pbf=path, name=name, profile=profile, force=force, threads=threads, log=log, sha256=sha)
    return ImportResult(network=network, loaded=loaded, prepared=prepared, skipped_ways=skipped)


def _load(*, path, name, sha, profile, log):
    roads, waters = [], []

    def sink(line):
        (roads if line.kind == "road" else waters).append(line)

    log(f"reading {path.name} …")
    skipped = read_lines(path, sink)
    log(f"{len(roads)} roads, {len(waters)} waterways ({skipped} ways skipped)")
    with transaction.atomic():
        network = RoadNetwork.objects.select_for_update().filter(name=name).first()
        if network is None:
            network = RoadNetwork(name=name)
        network.source, network.sha256, network.profile = path.name[:255], sha, profile
        network.roads, network.waterways, network.imported_at = len(roads), len(waters), timezone.now()
        network.extent = _extent(roads + waters)
        network.save()
        Road.objects.filter(network=network).delete()
        Waterway.objects.filter(network=network).delete()
        # COPY, not bulk_create: a province is hundreds of thousands of ways (docs/performance.md "Road routing").
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(COPY_ROADS.format(table=Road._meta.db_table)) as copy:
                for r in roads:
                    copy.write_row((network.pk, r.osm_id, r.name, r.ref, r.cls, r.is_bridge, r.oneway, _ewkt(r.coords)))
            with raw.copy(COPY_WATERWAYS.format(table=Waterway._meta.db_table)) as copy:
                for w in waters:
                    copy.write_row((network.pk, w.osm_id, w.name, w.cls, _ewkt(w.coords)))
    return network, skipped


def _ewkt(coords) -> str:
    return "SRID=4326;LINESTRING(" + ",".join(f"{x:.7f} {y:.7f}" for x, y in coords) + ")"


def _extent(lines):
    if not lines:
        return None
    xs = [x for line in lines for x, _y in line.coords]
    ys = [y for line in lines for _x, y in line.coords]
    return Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys)))
