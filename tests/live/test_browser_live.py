"""Issue 4 in a real browser: consoles follow each other live, without reloading, and a console that lost its
server shows it is stale, then catches up on what it missed once the server is back.

The servers are uvicorn subprocesses on the pytest database (tests/support.py); Chromium is headless."""
import time
import uuid

import httpx
import pytest
from django.contrib.gis.geos import Point

from incidents.models import Incident
from incidents.services import incident_create
from tests import factories as f
from tests.live.conftest import token_for
from tests.support import echo_browser_errors, login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

CALL_TAKER = "/console/call-taker/"
DISPATCHER = "/console/dispatcher/"


def open_console(browser, base_url, user, path):
    context, page = login(browser, base_url, user.username, viewport={"width": 1400, "height": 900})
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page.set_default_timeout(10_000)
    echo_browser_errors(page)
    if not page.url.endswith(path):  # the login already lands on the role's console
        page.goto(path)
    if path == CALL_TAKER:
        page.wait_for_selector("html[data-ct-ready='1']")
    wait_live(page)
    # Set once on the loaded document: a reload would lose it.
    page.evaluate("window.__marker = 1")
    return page


def not_reloaded(page):
    return page.evaluate("window.__marker") == 1


def shows_live(page):
    state = page.locator("#live-state")
    return "live" in state.get_attribute("class").split() and page.evaluate("!document.body.classList.contains('stale')")


def row(incident_id):
    return f'#open-incidents li.inc[data-id="{incident_id}"]'


def api_create_incident(base_url, key, **extra):
    body = {"category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [113.9213, -2.2096]},
            "address": "Jl. Tjilik Riwut km 2", "description": "Rumah terbakar", "caller_number": "081234567890", **extra}
    response = httpx.post(base_url + "/api/v1/incidents/", json=body, timeout=10,
                          headers={"Authorization": f"Token {key}", "Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_incident_typed_by_one_call_taker_appears_live_on_a_colleague_and_on_the_dispatcher(
    asgi_process, chromium, centre, fire_category, damkar, call_taker, damkar_dispatcher
):
    colleague = f.call_taker(centre, username="ct_kedua")
    # given a second call-taker of the same centre and the Damkar dispatcher, both with their consoles open
    colleague_page = open_console(chromium, asgi_process.url, colleague, CALL_TAKER)
    dispatcher_page = open_console(chromium, asgi_process.url, damkar_dispatcher, DISPATCHER)
    typist = open_console(chromium, asgi_process.url, call_taker, CALL_TAKER)
    assert colleague_page.locator("#open-incidents li.inc").count() == 0

    # when the first call-taker logs a typed call with the keyboard (as tests/calltaker do) and saves it
    typist.keyboard.press("F2")
    typist.wait_for_selector("#call-panel.active")
    assert typist.evaluate("document.activeElement.id") == "f-number"
    typist.keyboard.type("0812 4444 5555", delay=10)
    typist.keyboard.press("Enter")
    typist.keyboard.press("Enter")  # no name
    typist.keyboard.type("keb", delay=10)
    typist.keyboard.press("Enter")
    typist.keyboard.type(f"{f.PKY[1]}, {f.PKY[0]}", delay=10)
    typist.wait_for_selector("#place-list li")
    typist.keyboard.press("Enter")
    typist.keyboard.press("Enter")  # the address: the coordinates' label kept (issue 23: it is in the Enter flow)
    typist.keyboard.press("n")  # nobody trapped
    typist.keyboard.press("Enter")
    typist.keyboard.type("Gudang terbakar", delay=10)
    typist.keyboard.press("Enter")  # saves
    typist.wait_for_selector("#routing:not([hidden]) .agency.checked")
    incident = Incident.objects.get()
    assert incident.description == "Gudang terbakar" and incident.created_by_id == call_taker.pk

    # then it appears on the colleague's console, without a reload
    colleague_page.wait_for_selector(row(incident.pk) + '[data-status="new"]')
    assert colleague_page.locator(row(incident.pk) + " .ref").inner_text() == incident.reference

    # when the first call-taker routes it (Enter on the proposal: Damkar)
    typist.keyboard.press("Enter")
    typist.wait_for_selector("#assignments .assignment")
    # then the Damkar dispatcher's console offers it and the colleague's row says routed
    offer = f'#offered li.offer[data-incident="{incident.pk}"]'
    dispatcher_page.wait_for_selector(offer)
    assert incident.reference in dispatcher_page.locator(offer).inner_text()
    colleague_page.wait_for_selector(row(incident.pk) + '[data-status="routed"]')

    # when the dispatcher accepts it, the colleague's list shows the new status live
    dispatcher_page.click(offer + ' button[data-action="accept"]')
    dispatcher_page.wait_for_selector(f'#accepted li.incident[data-incident="{incident.pk}"]')
    colleague_page.wait_for_selector(row(incident.pk) + '[data-status="accepted"]')
    assert colleague_page.locator(row(incident.pk) + " .status").inner_text() == "Diterima"

    # and none of it needed a reload; both consoles still say live
    for page in (colleague_page, dispatcher_page):
        assert not_reloaded(page)
        assert shows_live(page)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACCEPTED
    for context in chromium.contexts:
        context.close()


def test_a_console_whose_server_died_looks_stale_then_catches_up_without_reload(
    asgi_process_factory, chromium, centre, fire_category, damkar, call_taker
):
    colleague = f.call_taker(centre, username="ct_kedua")
    key = token_for(call_taker)
    server_a = asgi_process_factory(name="A")
    server_b = asgi_process_factory(name="B", log_level="warning", access_log=False)
    # given a call-taker console connected to server A
    page = open_console(chromium, server_a.url, colleague, CALL_TAKER)

    # when A dies (its sockets are cut by the kernel)
    server_a.kill()
    # then the console says so: stale state, red banner
    page.wait_for_selector("body.stale", timeout=15_000)
    page.wait_for_selector("#live-state.stale")
    page.wait_for_selector("#live-stale-banner:not([hidden])")

    # while A is down, a call-taker logs and routes an incident through the API of server B
    missed = api_create_incident(server_b.url, key, description="Kios terbakar, terjadi saat konsol terputus")
    route = httpx.post(f"{server_b.url}/api/v1/incidents/{missed['id']}/route/", json={}, timeout=10,
                       headers={"Authorization": f"Token {key}", "Idempotency-Key": str(uuid.uuid4())})
    assert route.status_code == 200, route.text
    assert page.locator(row(missed["id"])).count() == 0
    assert page.locator("body.stale").count() == 1

    # when A comes back on the same port
    server_a.start()
    back = time.monotonic()
    # then the console reconnects by itself, replays what it missed (the incident, routed) and is live again
    page.wait_for_selector(row(missed["id"]) + '[data-status="routed"]', timeout=30_000)
    print(f"\ncaught up {time.monotonic() - back:.1f} s after server A answered again")
    assert page.locator(row(missed["id"]) + " .ref").inner_text() == missed["reference"]
    page.wait_for_selector("#live-state.live")
    page.wait_for_selector("#live-stale-banner", state="hidden")
    assert shows_live(page)
    assert not_reloaded(page)

    # and it is live again: an incident created now (a service call in this process) arrives through A
    fresh, _ = incident_create(actor=call_taker, category="kebakaran", location=Point(*f.PKY, srid=4326),
                               caller_number="081299990000", description="Asap dari rumah warga")
    page.wait_for_selector(row(fresh.pk) + '[data-status="new"]')
    assert page.locator("#open-incidents li.inc").count() == 2
    assert not_reloaded(page)
    for context in chromium.contexts:
        context.close()
