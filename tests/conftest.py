import pytest
from django.contrib.gis.geos import Point

from tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_refdata():
    """Each test starts without the per-process reference cache (incidents.refdata): a test's rows are rolled back
    afterwards without a signal, and the next test must not be routed by them."""
    from incidents import refdata

    refdata.clear_local()
    yield
    refdata.clear_local()


@pytest.fixture
def centre(db):
    return f.CommandCentreFactory()


@pytest.fixture
def fire_category(db):
    return f.CategoryFactory()


@pytest.fixture
def damkar(centre):
    return f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar PKY")


@pytest.fixture
def call_taker(centre):
    return f.call_taker(centre, username="ct")


@pytest.fixture
def damkar_dispatcher(damkar):
    return f.dispatcher(damkar, username="disp_damkar")


@pytest.fixture
def pky_point():
    return Point(*f.PKY, srid=4326)


@pytest.fixture
def make_incident(call_taker, fire_category, pky_point, damkar):
    """Build an incident through the service, as a call-taker would."""
    from incidents.services import incident_create

    def make(**kw):
        kw.setdefault("actor", call_taker)
        kw.setdefault("category", fire_category.code)
        kw.setdefault("location", pky_point)
        kw.setdefault("caller_number", "081234567890")
        kw.setdefault("description", "Rumah terbakar")
        incident, _created = incident_create(**kw)
        return incident

    return make


# ───────────── real servers and real browsers (tests/support.py) ─────────────
@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for one test module. Playwright's sync API runs an asyncio loop on this thread while
    it is open, so it is closed at the end of the module (asyncio.run() in later tests would refuse to run) and
    the ORM's async-safety check is relaxed only meanwhile."""
    from playwright.sync_api import sync_playwright

    from tests.support import launch_chromium

    with pytest.MonkeyPatch.context() as mp, sync_playwright() as pw:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture
def asgi_process_factory(transactional_db):
    """Start uvicorn subprocesses on the test database: `start(**AsgiProcess kwargs)`; all stopped at teardown
    (their logs are printed then, shown if the test failed). The data a test makes must be committed, hence
    transactional_db."""
    from django.db import connection

    from tests.support import AsgiProcess

    started = []

    def start(port=None, **kw):
        server = AsgiProcess(port, **kw)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
    for server in started:
        server.report()
    connection.close()


@pytest.fixture
def asgi_process(asgi_process_factory):
    """One uvicorn subprocess serving dispatch.asgi on the test database (`.url`, `.port`, `.kill()`, `.start()`)."""
    return asgi_process_factory()
