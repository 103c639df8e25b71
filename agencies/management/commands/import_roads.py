"""python manage.py import_roads FILE.osm.pbf [--name NAME] [--profile car] [--no-prepare] [--no-load] [--force]

Import an OpenStreetMap extract (a province from the usual OSM mirrors, docs/deploy.md "Road data"): its roads
and rivers into PostGIS for the maps (agencies.models.Road / Waterway, one RoadNetwork named NAME, replaced whole),
and the routing engine's files (osrm-extract → osrm-partition → osrm-customize, MLD) under
OSRM_DATA_DIR/NAME/NAME.osrm for `osrm-routed`. Each half is skipped when it already holds this very file.
Restart osrm-routed afterwards to serve the new files (scripts/run.sh and scripts/topology.sh restart it when it exits).
"""
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.roads.engine_files import EnginePreparationFailed
from agencies.roads.services import road_network_import


class Command(BaseCommand):
    help = "Load an OpenStreetMap extract's roads and rivers into PostGIS and prepare the routing engine's files (MLD)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .osm.pbf (or .osm / .osm.bz2) extract")
        parser.add_argument("--name", help="the network's name (default: the file name without .osm.pbf)")
        parser.add_argument("--profile", default="car", help="OSRM profile: car, bicycle, foot, or a path to a .lua file (default car)")
        parser.add_argument("--no-prepare", action="store_true", help="only load PostGIS (the engine's files are made elsewhere, e.g. docker compose's osrm-prepare)")
        parser.add_argument("--no-load", action="store_true", help="only prepare the engine's files")
        parser.add_argument("--force", action="store_true", help="load and prepare even when this file was imported already")
        parser.add_argument("--threads", type=int, default=2)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        name = options["name"] or path.name.split(".")[0]
        if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 40:
            raise CommandError("--name: letters, digits, - and _ only (at most 40)")
        started = time.monotonic()
        try:
            result = road_network_import(
                path=path, name=name, profile=options["profile"], prepare=not options["no_prepare"],
                load=not options["no_load"], force=options["force"], threads=options["threads"],
                log=lambda msg: self.stdout.write("  " + msg),
            )
        except EnginePreparationFailed as exc:
            raise CommandError(str(exc)) from exc
        network = result.network
        if network is not None:
            what = "loaded" if result.loaded else "already loaded"
            self.stdout.write(f"PostGIS: network '{network.name}' {what}: {network.roads} roads, {network.waterways} waterways")
        if result.prepared is not None:
            what = "already prepared" if result.prepared.skipped else "prepared"
            self.stdout.write(f"Routing engine: {result.prepared.dataset} {what}")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
