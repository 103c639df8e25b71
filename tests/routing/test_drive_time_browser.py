"""What the dispatcher and the crew see of drive time, in Chromium against a real server and the real osrm-routed on
the demo network (issue 25): the dispatcher's incident detail ranks by arrival and draws the route with the ETA,
the crew's phone draws its route with the ETA and keeps its navigation link, and with the engine stopped the
detail says the order is by straight line. With GUIDE_SCREENSHOTS=1 the guides' pictures are saved
(docs/guides/img/dispatcher-drive-time.jpg, crew-route.jpg)."""
import io
import os
import re
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from tests import factories as f
from tests.routing.engine import RoutedProcess
from tests.routing.test_drive_time import SMD_HQ, SMD_SEBERANG, SMD_SOUTH_BANK_FIRE
from tests.support import session_context

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.timeout(300)]
GUIDE_DIR = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"
TILES = re.compile(r"^https?://[^/]*tile\.openstreetmap\.org/")


def shoot(target, name, *, size=None):
    if os.environ.get("GUIDE_SCREENSHOTS") != "1":
        return
    from PIL import Image

    image = Image.open(io.BytesIO(target.screenshot()))
    if size:
        image = image.resize(size)
    GUIDE_DIR.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(GUIDE_DIR / f"{name}.jpg", "JPEG", quality=72, optimize=True)


@pytest.fixture
def smd_world(transactional_db):
    from incidents.services import incident_create, incident_route
    from incidents.services.assignments import assignment_accept

    centre = f.samarinda_centre()
    damkar = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar SMD", name="Dinas Pemadam Kebakaran Kota Samarinda")
    hq = f.StationFactory(agency=damkar, name="Markas Damkar Samarinda", location=Point(*SMD_HQ, srid=4326))
    seberang = f.StationFactory(agency=damkar, name="Pos Damkar Samarinda Seberang", location=Point(*SMD_SEBERANG, srid=4326))
    for sign in ("SMD-DMK-01", "SMD-DMK-02"):
        f.UnitFactory(agency=damkar, station=hq, call_sign=sign, position=Point(*SMD_HQ, srid=4326))
    first = f.UnitFactory(agency=damkar, station=seberang, call_sign="SMD-DMK-06", position=Point(*SMD_SEBERANG, srid=4326))
    f.CategoryFactory()
    call_taker = f.call_taker(centre, username="ct_smd_b")
    dispatcher = f.dispatcher(damkar, username="disp_smd_b")
    incident, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(*SMD_SOUTH_BANK_FIRE, srid=4326),
                                  caller_number="081255501234", address="Jl. Tepian Samarinda Seberang, seberang Pasar Pagi",
                                  description="Rumah kayu terbakar di tepi sungai, api membesar")
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=assignment.pk, actor=dispatcher)
    return dispatcher, assignment, first


def open_detail(browser, server, user, viewport):
    context = session_context(browser, server.url, user, viewport=viewport)
    context.route(TILES, lambda route: route.abort())
    page = context.new_page()
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(server.url + "/console/dispatcher/")
    page.click('button[data-action="detail"] >> nth=0')
    page.wait_for_selector("#detail-routes li", timeout=20_000)
    page.wait_for_timeout(400)
    return context, page, hosts


def test_the_dispatcher_sees_who_arrives_first_and_the_crew_its_route(smd_world, demo_osrm_dataset, asgi_process_factory, chromium):
    from incidents.services.units import unit_dispatch

    dispatcher, assignment, first = smd_world
    engine = RoutedProcess(demo_osrm_dataset).start()
    try:
        server = asgi_process_factory(env={"TEST_OSRM_URL": engine.url})
        # the dispatcher's detail: ranked by arrival, the first to arrive drawn on the map with its ETA
        context, page, hosts = open_detail(chromium, server, dispatcher, {"width": 1600, "height": 1000})
        items = page.locator("#detail-units li").all_inner_texts()
        assert items[0].startswith("SMD-DMK-06") and "tiba paling dulu" in items[0] and "lewat jalan" in items[0]
        assert all("lewat jalan" in text for text in items)
        legend = page.locator("#detail-routes").inner_text()
        # the first to arrive, and the one nearest as the crow flies with its detour over the bridge
        assert "SMD-DMK-06 (usulan, tiba paling dulu): ±4 mnt, 2,3 km lewat jalan" in legend
        assert re.search(r"SMD-DMK-0[12] \(terdekat garis lurus\): ±9 mnt, 5,8 km lewat jalan", legend), legend
        assert page.locator("#detail-map .leaflet-overlay-pane path").count() >= 4  # two routes, two unit markers
        assert hosts <= {server.url.split("/")[2], "tile.openstreetmap.org"}
        shoot(page.locator("#detail-dialog"), "dispatcher-drive-time")
        context.close()

        # the unit is sent: its crew's phone draws its own route with the ETA, and keeps the navigation link
        unit_dispatch(assignment_id=assignment.pk, unit_ids=[first.pk], actor=dispatcher)
        crew = f.crew(first, username="crew_smd_06")
        context = session_context(chromium, server.url, crew, viewport={"width": 390, "height": 844})
        context.route(TILES, lambda route: route.abort())
        page = context.new_page()
        page.goto(server.url + "/crew/")
        page.wait_for_selector("#job-eta:not([hidden])", timeout=20_000)
        page.wait_for_timeout(300)
        assert re.fullmatch(r"Perkiraan tiba ±\d+ mnt · \d+,\d km lewat jalan", page.locator("#job-eta").inner_text())
        assert page.locator("#crew-map .leaflet-overlay-pane path").count() >= 1
        assert page.locator("#nav-geo").get_attribute("href").startswith("geo:")
        shoot(page, "crew-route")
        context.close()

        # the engine stops: the detail says its order is by straight line, and the map says the route is unavailable
        engine.kill()
        context, page, _hosts = open_detail(chromium, server, dispatcher, {"width": 390, "height": 844})
        assert "Mesin rute tidak menjawab" in page.locator("#detail-units").inner_text()
        assert "garis lurus (perkiraan kasar)" in page.locator("#detail-units").inner_text()
        assert "rute jalan tidak tersedia" in page.locator("#detail-routes").inner_text()
        context.close()
    finally:
        engine.stop()
