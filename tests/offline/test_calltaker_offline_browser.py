"""The call-taker console without the server (issue 26), in real Chromium: the network cut with Playwright's
`context.set_offline(True)` — which cuts the Service Worker's fetches too, so a page that loads offline was served
from the worker's cache (the copy says so: <html data-offline-copy="1">) — calls taken meanwhile, and each reaching
the server exactly once when the network returns."""
from pathlib import Path

import pytest

from incidents.models import Call, Incident, TimelineEvent
from tests.calltaker.conftest import Keyboard, console_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "offline"
DESK = {"width": 1600, "height": 1000}


@pytest.fixture
def world(centre, fire_category, damkar, call_taker, pky_places):
    return {"centre": centre, "damkar": damkar, "call_taker": call_taker}


def ready_for_offline(page):
    """The worker installed and holding this page, the centre's reference copy in IndexedDB."""
    page.wait_for_selector("html[data-page-kept='1']", state="attached", timeout=20_000)
    page.wait_for_selector("html[data-offline-reference='1']", state="attached")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def go_offline(page):
    page.context.set_offline(True)
    page.wait_for_selector("html[data-outbox='offline']", state="attached")
    banner = page.locator("#outbox-banner")
    banner.wait_for(state="visible")
    assert "Server terputus — panggilan disimpan di komputer ini" in banner.inner_text()


def take_fire_call(page, keys, number, place="lang", description="api di dapur"):
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    assert "tersimpan di komputer ini" in page.locator("#call-state").inner_text()
    assert page.evaluate("document.activeElement.id") == "f-number"
    keys.type(number)
    keys.press("Enter")
    keys.press("Enter")  # no name
    keys.type("keb")
    keys.press("Enter")
    keys.type(place)  # the kelurahan from the reference copy in IndexedDB
    page.wait_for_selector("#place-list li")
    keys.press("Enter")
    keys.press("Enter")  # the address: the place's label
    keys.press("n")
    keys.press("Enter")
    keys.type(description)
    keys.press("Enter")  # saves: into the queue
    page.wait_for_function("document.querySelector('#call-message').textContent.includes('disimpan di komputer ini')")


def pending(page):
    return int(page.evaluate("document.documentElement.dataset.outboxPending || '0'"))


def test_a_call_taken_offline_reaches_the_server_once_when_the_network_returns(world, asgi_server, ct_browser):
    page = console_page(ct_browser, asgi_server, world["call_taker"], viewport=DESK)
    ready_for_offline(page)
    keys = Keyboard(page)
    go_offline(page)

    take_fire_call(page, keys, "081234567001")
    assert pending(page) == 2  # the call, then its incident
    assert "2 dalam antrean" in page.locator("#outbox-banner").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "calltaker-offline-desk.png"))
    # coordinates pasted are read by the browser while the server is away
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    keys.type("081234567009")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("keb")
    keys.press("Enter")
    keys.type("2°12'36\"S 113°54'54\"E")
    page.wait_for_selector("#place-list li")
    assert "-2.210000, 113.915000" in page.locator("#place-list").inner_text()
    keys.press("Escape")
    keys.press("Alt+g")  # a ghost call: closed from the queue too (what was typed: it asks first)
    page.wait_for_selector(".confirm-actions")
    keys.press("Enter")
    page.wait_for_function("document.querySelector('#call-message').textContent.includes('Panggilan ditutup')")
    assert pending(page) == 4
    assert not Call.objects.exists() and not Incident.objects.exists()

    page.context.set_offline(False)
    page.wait_for_function("document.documentElement.dataset.outboxPending === '0'", timeout=20_000)
    page.wait_for_function("document.querySelector('#outbox-banner').textContent.includes('Tersambung kembali')")
    assert "2 panggilan dikirim" in page.locator("#outbox-banner").inner_text()
    page.screenshot(path=str(SHOTS / "calltaker-back-desk.png"))
    # exactly once: two calls, one incident ended the first as genuine, the ghost closed the second
    calls = list(Call.objects.order_by("answered_at"))
    assert len(calls) == 2 and all(c.client_key for c in calls)
    incident = Incident.objects.get()
    assert incident.caller_number == "081234567001" and incident.village_id == "62.71.01.1001"
    assert incident.category.code == "kebakaran" and incident.description == "api di dapur"
    assert calls[0].incident_id == incident.pk and calls[0].disposition == Call.Disposition.GENUINE
    assert calls[1].disposition == Call.Disposition.GHOST
    # the call was answered offline, before the server heard of it
    assert incident.call_answered_at == calls[0].answered_at < incident.created_at
    assert TimelineEvent.objects.filter(kind="incident.created").count() == 1
    # the routing proposal arrives, the operator confirms it as usual
    page.wait_for_selector("#routing:not([hidden]) .agency.checked")
    keys.press("Enter")
    page.wait_for_selector("#assignments .assignment")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ROUTED
    # and nothing is sent twice after a reload
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    page.wait_for_selector("html[data-outbox='online']", state="attached")
    assert pending(page) == 0 and Call.objects.count() == 2 and Incident.objects.count() == 1
    page.context.close()


def test_a_call_survives_a_reload_while_offline_and_is_sent_once(world, asgi_server, ct_browser):
    page = console_page(ct_browser, asgi_server, world["call_taker"])
    ready_for_offline(page)
    # the shift's next load, through the worker: the map draws its basemap tiles, and the worker keeps them
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    tiles_js = "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/tiles/base/'))"
    page.wait_for_function(f"{tiles_js}.length > 0")
    drawn = page.evaluate(tiles_js)
    page.wait_for_timeout(500)  # the worker's copy is written after the answer
    keys = Keyboard(page)
    go_offline(page)
    # the call starts offline, half typed …
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    keys.type("081234567002")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("keb")
    keys.press("Enter")

    # … the page is reloaded with the network still cut: the worker serves its copy, the call and the form survive
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    assert page.evaluate("document.documentElement.dataset.offlineCopy") == "1"
    # and the map keeps the basemap tiles it drew before the cut (the worker's last copy); a tile never drawn fails
    status = "(u) => fetch(u).then((r) => r.status, () => 'failed')"
    assert page.evaluate(status, drawn[0]) == 200
    assert page.evaluate(status, "/tiles/base/3/0/0.mvt") == "failed"
    page.wait_for_selector("html[data-outbox='offline']", state="attached")
    assert page.locator("#call-panel.active").count() == 1
    assert page.input_value("#f-number") == "081234567002" and page.input_value("#f-category") == "Kebakaran"
    assert pending(page) == 1  # the call
    page.click("#f-place")
    keys.type("bund")
    page.wait_for_selector("#place-list li")
    keys.press("Enter")
    keys.press("Enter")
    keys.press("n")
    keys.press("Enter")
    keys.type("asap dari ruko")
    keys.press("Enter")
    page.wait_for_function("document.querySelector('#call-message').textContent.includes('disimpan di komputer ini')")
    assert pending(page) == 2

    # reloaded once more, still offline: the queue is in IndexedDB, not in the page
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    page.wait_for_selector("html[data-outbox='offline']", state="attached")
    assert pending(page) == 2 and not Call.objects.exists()

    page.context.set_offline(False)
    page.wait_for_function("document.documentElement.dataset.outboxPending === '0'", timeout=20_000)
    call = Call.objects.get()
    incident = Incident.objects.get()
    assert call.incident_id == incident.pk and incident.caller_number == "081234567002"
    assert incident.address.startswith("Bundaran Besar") and incident.description == "asap dari ruko"
    page.context.close()
