"""No page asks another host (issue 26): every role's page in real Chromium with every non-loopback request aborted
and recorded — the call-taker and dispatcher consoles, the crew's phone, the board, the reports, the volunteer's
phone and the coordinator's page, the volunteer sign-up page, the caller's link page, admin change forms with map
widgets and the API docs. Each must make 0 such requests; each page with a map must draw the platform's own basemap
(the vector layer's canvas tiles present and a /tiles/base/ tile answered 200)."""
import time
from urllib.parse import urlsplit

import pytest

from tests.core.test_every_page_browser import _demo_regions_only, _seed
from tests.support import echo_browser_errors

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
DESK = {"width": 1600, "height": 1000}
PHONE = {"width": 390, "height": 844}


class Recorder:
    """Aborts and remembers every request to another host; remembers the basemap tiles and their answers."""

    def __init__(self, context):
        self.other_hosts = []
        self.base_tiles = []
        self.tile_urls = []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.other_hosts.append(url)
            route.abort()

    def watch(self, page):
        page.on("response", lambda r: self._tile(r) if "/tiles/base/" in r.url else None)

    def _tile(self, response):
        self.base_tiles.append(response.status)
        self.tile_urls.append(f"{response.status} {urlsplit(response.url).path}")


def _login(browser, base, username, viewport, **kw):
    context = browser.new_context(base_url=base, viewport=viewport, locale="id-ID", **kw)
    recorder = Recorder(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    echo_browser_errors(page)
    recorder.watch(page)
    if username:
        page.goto("/login/")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', "demo112")
        page.click('button[type="submit"], input[type="submit"]')
        page.wait_for_load_state("networkidle")
    return context, page, recorder


def _basemap_drawn(page, recorder, map_selector):
    """The vector basemap inside `map_selector`: its canvas tiles present and a /tiles/base/ tile answered 200."""
    end = time.monotonic() + 15
    while time.monotonic() < end:
        canvases = page.locator(f"{map_selector} .basemap-vector canvas").count()
        if canvases and 200 in recorder.base_tiles:
            return canvases
        page.wait_for_timeout(200)
    raise AssertionError(f"no basemap in {map_selector} on {page.url}: canvases={page.locator(f'{map_selector} .basemap-vector canvas').count()}, "
                         f"tiles answered {recorder.tile_urls}")


def test_every_role_page_loads_nothing_from_another_host_and_maps_draw_the_basemap(asgi_process_factory, chromium, tmp_path, settings):
    from agencies.models import Agency, User
    from incidents.services import caller_link_send

    settings.DEMO_ROAD_NETWORK = True  # the basemap draws the demo roads, as load_demo loads them on a demo server
    regions = tmp_path / "regions"
    regions.mkdir()
    incident = _seed(_demo_regions_only(regions))
    base = asgi_process_factory(env={"CSP_ENABLED": "true"}).url
    call_taker = User.objects.get(username="call_taker_pky")
    _link, _created, caller_url = caller_link_send(actor=call_taker, base_url=base, incident_id=incident.pk)
    damkar = Agency.objects.get(short_name="Damkar PKY")
    unit = damkar.units.order_by("call_sign").first()

    # (user, path, viewport, map container or None); None user = not logged in
    pages = [
        ("call_taker_pky", "/console/call-taker/", DESK, "#map"),
        ("dispatcher_damkar_pky", "/console/dispatcher/", DESK, "#dp-map"),
        ("supervisor_pky", "/board/", DESK, "#board-map"),
        ("supervisor_pky", "/laporan/", DESK, None),
        ("crew_damkar_pky", "/crew/", PHONE, "#crew-map"),
        ("volunteer_pky", "/relawan/", PHONE, None),
        ("coordinator_pky", "/relawan/koordinator/", DESK, None),
        (None, "/relawan/daftar/bukan-token-yang-sah/", PHONE, None),
        (None, urlsplit(caller_url).path, PHONE, None),
        ("admin", f"/admin/agencies/agency/{damkar.pk}/change/", DESK, ".leaflet-container"),
        ("admin", f"/admin/agencies/unit/{unit.pk}/change/", DESK, ".admin-point-map"),
        ("admin", "/api/docs/", DESK, None),
    ]
    failures = []
    contexts = {}
    try:
        for username, path, viewport, map_selector in pages:
            key = (username, viewport["width"])
            if key not in contexts:
                contexts[key] = _login(chromium, base, username, viewport,
                                       **({"is_mobile": True, "has_touch": True} if viewport is PHONE else {}))
            _context, page, recorder = contexts[key]
            recorder.other_hosts.clear()
            recorder.base_tiles.clear()
            recorder.tile_urls.clear()
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if map_selector:
                if path == "/crew/":
                    page.wait_for_selector("#crew-job:not([hidden])")
                try:
                    _basemap_drawn(page, recorder, map_selector)
                    if path == "/console/dispatcher/":
                        # the incident panel's own map (D on a card opens it)
                        recorder.base_tiles.clear()
                        recorder.tile_urls.clear()
                        page.locator("li[data-assignment]").first.focus()
                        page.keyboard.press("d")
                        page.wait_for_selector("#detail-map")
                        _basemap_drawn(page, recorder, "#detail-map")
                except AssertionError as exc:
                    failures.append(str(exc))
            page.wait_for_timeout(300)
            if recorder.other_hosts:
                failures.append(f"{path} asked other hosts: {sorted(set(recorder.other_hosts))[:5]}")
            if recorder.base_tiles and any(s not in (200, 204, 304) for s in recorder.base_tiles):
                failures.append(f"{path}: basemap tiles answered {sorted(set(recorder.base_tiles))}")
    finally:
        for context, _page, _recorder in contexts.values():
            context.close()
    assert not failures, "\n".join(failures)
