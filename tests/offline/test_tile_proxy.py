"""The optional raster layer through the same-origin caching proxy (issue 26): /tiles/raster/{z}/{x}/{y}.png and
manage.py prefetch_tiles, against a fake upstream on loopback (a tiny http.server thread)."""
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from agencies import tileproxy

pytestmark = pytest.mark.django_db

PNG_BODY = tileproxy.PNG + b"\x00" * 64


class FakeUpstream:
    """Answers every GET with a PNG (or 500 / a hang when told), remembering the path and User-Agent asked."""

    def __init__(self):
        self.mode = "ok"
        self.body = PNG_BODY
        self.requests = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's name
                upstream.requests.append((self.path, self.headers.get("User-Agent")))
                if upstream.mode == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                if upstream.mode == "hang":
                    time.sleep(2)
                body = upstream.body if upstream.mode != "html" else b"<html>not a tile</html>"
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.template = f"http://127.0.0.1:{self.server.server_port}/osm/{{z}}/{{x}}/{{y}}.png"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream(settings, tmp_path):
    fake = FakeUpstream()
    settings.TILE_UPSTREAM = fake.template
    settings.TILE_CACHE_DIR = str(tmp_path / "tiles")
    settings.TILE_UPSTREAM_TIMEOUT_S = 0.5
    settings.TILE_CACHE_MAX_MB = 50
    yield fake
    fake.close()


def age(z, x, y, seconds):
    path = tileproxy.tile_path(z, x, y)
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_no_upstream_configured_is_404_and_asks_nobody(client, call_taker, settings):
    settings.TILE_UPSTREAM = ""
    client.force_login(call_taker)
    r = client.get("/tiles/raster/14/13376/8292.png")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_tile_is_fetched_once_then_served_from_disk(client, call_taker, upstream):
    client.force_login(call_taker)
    r = client.get("/tiles/raster/14/13376/8292.png")
    assert r.status_code == 200 and r.content == PNG_BODY and r["Content-Type"] == "image/png"
    assert r["X-Tile-Cache"] == "fresh" and "max-age=" in r["Cache-Control"]
    r = client.get("/tiles/raster/14/13376/8292.png")
    assert r["X-Tile-Cache"] == "hit"
    assert [p for p, _ua in upstream.requests] == ["/osm/14/13376/8292.png"]
    # a polite client: it says who it is
    assert upstream.requests[0][1].startswith("dispatch112-tile-proxy/")


@pytest.mark.parametrize("mode", ["fail", "hang", "html"])
def test_upstream_failing_serves_the_stale_tile(client, call_taker, upstream, settings, mode):
    client.force_login(call_taker)
    assert client.get("/tiles/raster/15/26753/16585.png").status_code == 200
    age(15, 26753, 16585, settings.TILE_CACHE_FRESH_S + 10)  # older than fresh: the proxy asks again
    upstream.mode = mode
    started = time.monotonic()
    r = client.get("/tiles/raster/15/26753/16585.png")
    assert r.status_code == 200 and r.content == PNG_BODY and r["X-Tile-Cache"] == "stale"
    assert time.monotonic() - started < 1.8  # the short timeout, not the upstream's two seconds
    assert len(upstream.requests) == 2
    # a tile never fetched, upstream down: 502 in the error shape (the vector basemap shows beneath)
    r = client.get("/tiles/raster/15/26754/16585.png")
    assert r.status_code == 502 and r.json()["error"]["code"] == "upstream_unavailable"


def test_not_an_open_relay(client, call_taker, upstream):
    # anonymous: refused before anything is asked
    r = client.get("/tiles/raster/1/1/1.png")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"
    client.force_login(call_taker)
    for path in (
        "/tiles/raster/20/0/0.png",           # beyond the upstream's zoom
        "/tiles/raster/3/8/1.png",            # x out of range
        "/tiles/raster/1/1/x.png",            # not an integer
        "/tiles/raster/1/1/%2e%2e.png",
        "/tiles/raster/1/1/1%3Fevil.png",
    ):
        r = client.get(path)
        assert r.status_code in (400, 404), path
        assert "error" in r.json(), path
    # other hosts or paths cannot be named: only z/x/y reach the configured template
    assert client.get("/tiles/raster/2/1/1.png?url=http://example.org/&host=evil").status_code == 200
    assert client.get("/tiles/raster/http://example.org/1/1.png").status_code == 404
    assert [p for p, _ua in upstream.requests] == ["/osm/2/1/1.png"]


def test_the_cache_stays_within_its_bound_oldest_first(upstream, settings):
    settings.TILE_CACHE_MAX_MB = 1
    upstream.body = tileproxy.PNG + b"\x00" * 300_000  # ~0.3 MB a tile
    for i in range(3):
        assert tileproxy.get_tile(10, 800 + i, 500).state == "fresh"
        age(10, 800 + i, 500, 100 - i)  # fetched in this order
    assert tileproxy.cache_bytes() < 1024 * 1024
    tileproxy.get_tile(10, 803, 500)  # the fourth passes 1 MB: the oldest goes
    assert tileproxy.cache_bytes() <= 0.9 * 1024 * 1024
    assert not tileproxy.tile_path(10, 800, 500).exists()
    assert tileproxy.tile_path(10, 803, 500).exists() and tileproxy.tile_path(10, 802, 500).exists()


def test_prefetch_fills_the_cache_and_refuses_absurd_counts(upstream, capsys):
    bbox = "113.88,-2.25,113.96,-2.17"  # Palangka Raya
    expected = tileproxy.count_in_bbox(113.88, -2.25, 113.96, -2.17, range(10, 13))
    call_command("prefetch_tiles", "--bbox", bbox, "--zoom", "10-12")
    assert len(upstream.requests) == expected
    assert f"{expected} tiles: {expected} fetched" in capsys.readouterr().out
    for z, x, y in tileproxy.tiles_in_bbox(113.88, -2.25, 113.96, -2.17, range(10, 13)):
        assert tileproxy.tile_path(z, x, y).exists()
    # a second run asks nobody: all fresh on disk
    call_command("prefetch_tiles", "--bbox", bbox, "--zoom", "10-12")
    assert len(upstream.requests) == expected
    # the whole of Kalimantan to zoom 16 is not a prefetch, it is a mirror
    with pytest.raises(CommandError, match="more than --max-tiles"):
        call_command("prefetch_tiles", "--bbox", "108.5,-4.5,119.5,7.5", "--zoom", "10-16")
    with pytest.raises(CommandError, match="--bbox"):
        call_command("prefetch_tiles", "--bbox", "114,-2,113,-3", "--zoom", "10")


def test_prefetch_without_upstream_refuses(settings):
    settings.TILE_UPSTREAM = ""
    with pytest.raises(CommandError, match="TILE_UPSTREAM"):
        call_command("prefetch_tiles", "--bbox", "113.88,-2.25,113.96,-2.17")
