"""python manage.py prefetch_tiles --bbox W,S,E,N --zoom 10-16 — fill the raster tile cache for a centre's area
while the internet link is up (agencies/tileproxy.py), so the raster layer keeps showing when it is down.

Only with TILE_UPSTREAM set. Asks the upstream one tile at a time (a polite client; OpenStreetMap's tile policy
forbids bulk downloads from its servers — point TILE_UPSTREAM at a server that allows it). Refuses more than
--max-tiles (default 20 000) unless --force. Tiles already on disk and fresh are skipped; --refresh asks again.
"""
import time

from django.core.management.base import BaseCommand, CommandError

from agencies import tileproxy

DEFAULT_MAX_TILES = 20_000


def parse_bbox(text: str):
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise CommandError("--bbox must be W,S,E,N in degrees, e.g. 113.80,-2.35,114.05,-2.10") from None
    if not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        raise CommandError("--bbox: need west < east within ±180 and south < north within ±85.06")
    return west, south, east, north


def parse_zoom(text: str):
    try:
        low, _sep, high = text.partition("-")
        low, high = int(low), int(high or low)
    except ValueError:
        raise CommandError("--zoom must be a zoom or a range, e.g. 14 or 10-16") from None
    if not (0 <= low <= high <= tileproxy.max_zoom()):
        raise CommandError(f"--zoom: a range within 0–{tileproxy.max_zoom()}")
    return range(low, high + 1)


class Command(BaseCommand):
    help = "Fill the raster tile cache for a bounding box and zoom range from TILE_UPSTREAM."

    def add_arguments(self, parser):
        parser.add_argument("--bbox", required=True, help="W,S,E,N in degrees (WGS 84)")
        parser.add_argument("--zoom", default="10-16", help="zoom or range, default 10-16")
        parser.add_argument("--max-tiles", type=int, default=DEFAULT_MAX_TILES)
        parser.add_argument("--force", action="store_true", help="fetch even more than --max-tiles")
        parser.add_argument("--refresh", action="store_true", help="ask again for tiles already on disk")
        parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait between upstream requests")

    def handle(self, *args, **options):
        if not tileproxy.upstream():
            raise CommandError("TILE_UPSTREAM is not set: there is no raster upstream to prefetch from.")
        bbox = parse_bbox(options["bbox"])
        zooms = parse_zoom(options["zoom"])
        total = tileproxy.count_in_bbox(*bbox, zooms)
        if total > options["max_tiles"] and not options["force"]:
            raise CommandError(
                f"{total} tiles is more than --max-tiles {options['max_tiles']}: narrow the box or zooms, or --force."
            )
        counts = {"fresh": 0, "hit": 0, "stale": 0, "failed": 0}
        started = time.monotonic()
        for z, x, y in tileproxy.tiles_in_bbox(*bbox, zooms):
            tile = tileproxy.get_tile(z, x, y, refresh=options["refresh"])
            counts["failed" if tile is None else tile.state] += 1
            if tile is not None and tile.state == "fresh" and options["delay"]:
                time.sleep(options["delay"])
        self.stdout.write(
            f"{total} tiles: {counts['fresh']} fetched, {counts['hit']} already cached, "
            f"{counts['stale'] + counts['failed']} failed (of which {counts['stale']} kept from the cache) "
            f"in {time.monotonic() - started:.1f} s; cache {tileproxy.cache_bytes() / 1e6:.1f} MB in {tileproxy.cache_dir()}"
        )
        if counts["failed"] + counts["stale"] and not counts["fresh"] + counts["hit"]:
            raise CommandError("the upstream answered no tile")
