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
import os  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class AsgiServer:
    """Uvicorn in a thread serving dispatch.asgi (HTTP + the events WebSocket). pytest-django's live_server
    is WSGI only and this project has no WSGI application."""

    def __init__(self):
        import uvicorn

        from dispatch.asgi import application

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def asgi_server():
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ct_browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls our tests make are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS, headless=True)
        yield browser
        browser.close()


def console_page(browser, server, user, *, path="/console/call-taker/"):
    """A logged-in page on the call-taker console (session cookie from Django's test client), tiles blocked."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": 1500, "height": 950}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": server.url}])
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Browser-side errors end up in the test's captured output when it fails.
    page.on("console", lambda msg: print(f"[browser {msg.type}] {msg.text}") if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: print(f"[browser pageerror] {exc}"))
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
