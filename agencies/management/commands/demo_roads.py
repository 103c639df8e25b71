"""python manage.py demo_roads [--out FILE] [--import]

Write the generated demo road network of Palangka Raya, Samarinda and Tanah Grogot (agencies.demo.roads, built by
agencies.demo.roadgen) as an .osm.pbf; with --import, load and prepare it as the network 'demo' too (what
load_demo does). Idempotent: the file is rewritten only when the network changed.
"""
from django.core.management.base import BaseCommand

from agencies.demo.roadgen import demo_network_file
from agencies.roads.services import road_network_import


class Command(BaseCommand):
    help = "Generate the demo road network (.osm.pbf); --import also loads it into PostGIS and prepares the routing engine."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="where to write the .osm.pbf (default OSRM_DATA_DIR/demo-source/demo.osm.pbf)")
        parser.add_argument("--import", dest="do_import", action="store_true", help="load and prepare it as the network 'demo'")

    def handle(self, *args, **options):
        path, written = demo_network_file(options.get("out"))
        self.stdout.write(f"{path} {'written' if written else 'up to date'}")
        if options["do_import"]:
            result = road_network_import(path=path, name="demo", log=lambda msg: self.stdout.write("  " + msg))
            self.stdout.write(f"network 'demo': {'loaded' if result.loaded else 'already loaded'}, "
                              f"engine files {'already prepared' if result.prepared.skipped else 'prepared'}")
