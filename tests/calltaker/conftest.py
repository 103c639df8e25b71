"""Places of Palangka Raya (and one of Samarinda, for scoping) the call-taker tests type."""
import pytest
from django.contrib.gis.geos import Point

from agencies.models import Landmark, Region, TimeZoneName
from tests import factories as f

PAHANDUT = (113.93, -2.21)
JEKAN_RAYA = (113.88, -2.20)


@pytest.fixture
def pky_places(centre):
    """Kecamatan Pahandut with kelurahan Langkai, Kecamatan Jekan Raya (no boundary), and two landmarks."""
    regency = Region.objects.get(code="62.71")
    pahandut = Region.objects.create(
        code="62.71.01", level=Region.Level.DISTRICT, name="Pahandut", parent=regency, timezone=TimeZoneName.WIB,
        boundary=f.square(*PAHANDUT, half=0.03), centroid=Point(*PAHANDUT, srid=4326), boundary_is_approximate=True,
    )
    langkai = Region.objects.create(
        code="62.71.01.1001", level=Region.Level.VILLAGE, name="Langkai", parent=pahandut, timezone=TimeZoneName.WIB,
        boundary=f.square(113.915, -2.21, half=0.01), centroid=Point(113.915, -2.21, srid=4326),
    )
    jekan = Region.objects.create(
        code="62.71.02", level=Region.Level.DISTRICT, name="Jekan Raya", parent=regency, timezone=TimeZoneName.WIB,
        centroid=Point(*JEKAN_RAYA, srid=4326),
    )
    bundaran = Landmark.objects.create(command_centre=centre, name="Bundaran Besar", location=Point(113.9100, -2.2080, srid=4326))
    rsud = Landmark.objects.create(command_centre=centre, name="RSUD Doris Sylvanus", location=Point(113.9050, -2.2140, srid=4326))
    return {"pahandut": pahandut, "langkai": langkai, "jekan": jekan, "bundaran": bundaran, "rsud": rsud}


@pytest.fixture
def smd_places(db):
    centre = f.samarinda_centre()
    regency = Region.objects.get(code="64.72")
    district = Region.objects.create(
        code="64.72.01", level=Region.Level.DISTRICT, name="Palaran", parent=regency, timezone=TimeZoneName.WITA,
        centroid=Point(117.18, -0.57, srid=4326),
    )
    landmark = Landmark.objects.create(command_centre=centre, name="Bundaran Air Mancur", location=Point(*f.SMD, srid=4326))
    return {"centre": centre, "district": district, "landmark": landmark}


# ───────────── browser tests: the real ASGI app under uvicorn, against the test database ─────────────
from tests.support import AsgiProcess, echo_browser_errors, session_context  # noqa: E402


@pytest.fixture(scope="module")
def asgi_server(django_db_setup, django_db_blocker):
    """One uvicorn subprocess serving dispatch.asgi (HTTP + the events WebSocket) for a module's browser
    tests (pytest-django's live_server is WSGI only and this project has no WSGI application)."""
    with django_db_blocker.unblock():
        server = AsgiProcess(name="calltaker", log_level="warning", access_log=False)
        server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ct_browser(chromium):
    return chromium


def console_page(browser, server, user, *, path="/console/call-taker/", **context_options):
    """A logged-in page on the call-taker console (session cookie from Django's test client), tiles blocked.
    `context_options` go to the browser context (e.g. timezone_id: the PC's own zone)."""
    context_options.setdefault("viewport", {"width": 1500, "height": 950})
    context = session_context(browser, server.url, user, **context_options)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Browser-side errors end up in the test's captured output when it fails.
    echo_browser_errors(page)
    page.on("requestfailed", lambda req: print(f"[browser requestfailed] {req.method} {req.url} {req.failure}"))
    page.goto(server.url + path)
    page.wait_for_selector("html[data-ct-ready='1']")
    return page


class Keyboard:
    """Sends keys to the page and counts every keystroke (a typed character is one keystroke)."""

    def __init__(self, page):
        self.page = page
        self.count = 0
        self.log = []

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1
        self.log.append(key)

    def type(self, text):
        self.page.keyboard.type(text, delay=15)
        self.count += len(text)
        self.log.append(repr(text))
