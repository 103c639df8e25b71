"""Basemap tiles (issue 26): how long PostGIS takes to make a vector tile, how big it is, and what a cached tile
costs, over the demo cities at the zooms the maps use.

For every tile covering Palangka Raya and Samarinda at data zooms 8–15 (protomaps-leaflet asks data zoom = display
zoom − 1, at most 15) this renders the tile with `agencies.tiles.render_tile` (the one SQL statement) and then asks
`/tiles/base/…` through Django's test client twice (the first a cache miss that fills the cache — the version is
bumped at the start — the second a cache hit; both include the session and user look-ups of any signed-in request). Read-only on
whatever database DATABASE_URL names (the demo loaded: `manage.py load_demo`); the cache keys it writes expire.

    DJANGO_SETTINGS_MODULE=dispatch.settings.local .venv/bin/python bench/basemap_tiles.py

Copy the printed table into docs/performance.md with the machine load it prints.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from agencies import tileproxy, tiles  # noqa: E402
from agencies.models import User  # noqa: E402

CITIES = {"Palangka Raya": (113.85, -2.28, 114.00, -2.15), "Samarinda": (117.08, -0.58, 117.22, -0.44)}
ZOOMS = range(8, 16)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main():
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    client = Client()
    client.force_login(User.objects.get(username="call_taker_pky"))
    tiles.bump_tile_version()  # a new data version: every view below starts on a cache miss
    rows = []
    for city, bbox in CITIES.items():
        for z in ZOOMS:
            render_ms, sizes, first_ms, hit_ms = [], [], [], []
            for _z, x, y in tileproxy.tiles_in_bbox(*bbox, [z]):
                started = time.perf_counter()
                data = tiles.render_tile(z, x, y)
                render_ms.append((time.perf_counter() - started) * 1000)
                sizes.append(len(data))
                for bucket in (first_ms, hit_ms):
                    started = time.perf_counter()
                    response = client.get(f"/tiles/base/{z}/{x}/{y}.mvt")
                    bucket.append((time.perf_counter() - started) * 1000)
                    assert response.status_code in (200, 204), response.status_code
            rows.append((city, z, len(sizes), statistics.median(render_ms), pct(render_ms, 0.95), max(render_ms),
                         statistics.median(sizes) / 1024, max(sizes) / 1024, statistics.median(first_ms), statistics.median(hit_ms)))
    print("| city | z | tiles | SQL p50 ms | p95 | max | size p50 kB | max kB | view 1st p50 ms | view cached p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.1f} | {r[8]:.1f} | {r[9]:.1f} |")


if __name__ == "__main__":
    main()
