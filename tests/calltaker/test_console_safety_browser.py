"""Issue 23, the call-taker console: no emergency lost to a slip — in real headless Chromium against the ASGI app.

- A pushed ringing call answered with F2, Shift+Tab one to three times, a name with spaces typed: the call stays in
  progress and the caller's history stays clean (the disposition buttons were one Shift+Tab away and the space in
  "Budi Santoso" pressed "Salah sambung").
- A disposition with something typed asks first (Enter / Esc), and Ctrl+Z undoes it for 10 s: the call is back in
  progress and the form holds what it held.
- The call-taker's own unrouted incidents are pinned in a tray above the list, live; F2/Esc with an unrouted incident
  on the routing panel warns once instead of dropping it.
- The kelurahan picked is recorded; Enter from the place lands in the address with the label selected; Alt+N/Alt+A.
"""
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.contrib.gis.geos import Point

from agencies.models import Region, TimeZoneName
from incidents.models import Assignment, Call, Incident, TimelineEvent
from incidents.services import call_register_ringing, incident_create
from tests import factories as f
from tests.calltaker.conftest import Keyboard, console_page
from tests.live.conftest import token_for
from tests.support import wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

PKY_POINT = Point(113.9213, -2.2096, srid=4326)


def wait_until(predicate, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def api(server, user, method, path, body=None, expect=300):
    response = httpx.request(method, server.url + path, json=body, timeout=10, headers={
        "Authorization": f"Token {token_for(user)}", "Idempotency-Key": str(uuid.uuid4()),
    })
    assert response.status_code < expect, response.text
    return response.json()


def open_console(server, browser, user, **kw):
    page = console_page(browser, server, user, **kw)
    wait_live(page)
    return page


def ring_live(page, centre, number):
    """A ringing call pushed by the PBX while the console is open: it pops up live."""
    call, _ = call_register_ringing(command_centre=centre, caller_number=number, external_id=f"pbx-{uuid.uuid4()}")
    page.wait_for_selector(f'#ringing .ringing-call[data-call-id="{call.pk}"]', timeout=5_000)
    return call


def active_element(page):
    return page.evaluate("document.activeElement.id || document.activeElement.className || document.activeElement.tagName")


@pytest.fixture
def world(centre, fire_category, damkar, call_taker, pky_places):
    return {"centre": centre, "damkar": damkar, "call_taker": call_taker, "places": pky_places}


@pytest.mark.parametrize("shift_tabs", [1, 2, 3])
def test_shift_tab_and_a_name_with_spaces_never_close_the_call(world, asgi_server, ct_browser, shift_tabs):
    # given the console open and a genuine caller's call pushed by the PBX
    number = f"08129990000{shift_tabs}"
    page = open_console(asgi_server, ct_browser, world["call_taker"])
    call = ring_live(page, world["centre"], number)
    # when the call-taker answers with F2, presses Shift+Tab to reach the caller's name and types it, spaces and all
    page.keyboard.press("F2")
    page.wait_for_selector("#call-panel.active")
    assert active_element(page) == "f-category"
    on_a_disposition = []
    for _ in range(shift_tabs):
        page.keyboard.press("Shift+Tab")
        on_a_disposition.append(page.evaluate("!!document.activeElement.closest('.dispositions')"))
    page.keyboard.type("Budi Santoso", delay=20)
    page.wait_for_timeout(600)  # what a stray close would have sent has landed by now
    # then the call is still in progress, nothing closed it, and the number's history is clean
    call.refresh_from_db()
    assert call.status == Call.Status.ACTIVE and call.disposition == "", (call.status, call.disposition)
    assert not TimelineEvent.objects.filter(kind="call.closed").exists()
    history = page.evaluate(f"fetch('/api/v1/callers/{number}/history/').then((r) => r.json())")
    assert history["by_disposition"] == {"unclassified": 1} and history["prank_count"] == 0, history
    assert page.locator("#call-panel.active").count() == 1
    # the focus never rested on a button that closes the call
    assert not any(on_a_disposition), on_a_disposition
    if shift_tabs == 1:
        # one Shift+Tab from the category is the caller's name
        assert page.input_value("#f-name") == "Budi Santoso"
    page.context.close()


def test_a_disposition_asks_when_something_was_typed_and_ctrl_z_undoes_it(world, asgi_server, ct_browser):
    page = open_console(asgi_server, ct_browser, world["call_taker"])
    call = ring_live(page, world["centre"], "081299900011")
    keys = Keyboard(page)
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    # the call-taker types the category, the place, the caller's name (Alt+N) and what happened
    keys.type("keb")
    keys.press("Enter")
    keys.type("bund")
    keys.press("Enter")
    page.wait_for_function("document.activeElement.id === 'f-address'")
    keys.press("Alt+n")
    keys.type("Budi Santoso")
    keys.press("Enter")  # back where Alt+N jumped from: the address
    assert active_element(page) == "f-address"
    page.fill("#f-description", "asap tebal dari ruko")
    page.dispatch_event("#f-description", "input")

    # when a slip presses Alt+M: it only asks — and neither Space nor Tab answers it, Esc says no
    keys.press("Alt+m")
    page.wait_for_selector(".confirm-box")
    assert "Salah sambung" in page.inner_text(".confirm-box")
    keys.press(" ")
    keys.press("Tab")
    keys.press("Shift+Tab")
    page.wait_for_timeout(300)
    call.refresh_from_db()
    assert call.status == Call.Status.ACTIVE and page.locator(".confirm-box").count() == 1
    keys.press("Escape")
    page.wait_for_selector(".confirm-box", state="detached")
    call.refresh_from_db()
    assert call.status == Call.Status.ACTIVE and page.input_value("#f-name") == "Budi Santoso"

    # when it is pressed and confirmed with Enter, the call closes as misdial and the form empties
    keys.press("Alt+m")
    page.wait_for_selector(".confirm-box")
    keys.press("Enter")
    page.wait_for_selector("#undo-bar:not([hidden])")
    assert "Dibatalkan?" in page.inner_text("#undo-bar") and "Ctrl+Z" in page.inner_text("#undo-bar")
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED and call.disposition == Call.Disposition.MISDIAL
    assert page.input_value("#f-name") == "" and page.input_value("#f-description") == ""

    # then Ctrl+Z reopens it: in progress again, the history clean, the form as it was
    keys.press("Control+z")
    page.wait_for_selector("#call-panel.active")
    wait_until(lambda: Call.objects.get(pk=call.pk).status == Call.Status.ACTIVE, 5, "the call reopened")
    call.refresh_from_db()
    assert call.disposition == "" and call.call_taker_id == world["call_taker"].pk
    assert page.locator("#undo-bar").is_hidden()
    assert page.input_value("#f-number") == "081299900011"
    assert page.input_value("#f-name") == "Budi Santoso"
    assert page.input_value("#f-category") == "Kebakaran"
    assert page.input_value("#f-place").startswith("Bundaran Besar")
    assert page.input_value("#f-description") == "asap tebal dari ruko"
    history = page.evaluate("fetch('/api/v1/callers/081299900011/history/').then((r) => r.json())")
    assert "misdial" not in history["by_disposition"], history
    assert TimelineEvent.objects.filter(kind="call.reopened").count() == 1

    # and the emergency is logged from there, from the same call
    keys.press("Control+Enter")
    page.wait_for_selector("#routing:not([hidden])")
    incident = Incident.objects.get()
    call.refresh_from_db()
    assert call.incident_id == incident.pk and call.disposition == Call.Disposition.GENUINE
    assert incident.caller_name == "Budi Santoso" and incident.description == "asap tebal dari ruko"
    page.context.close()


def test_the_undo_lasts_ten_seconds_and_a_click_by_keyboard_closes_nothing(world, asgi_server, ct_browser):
    page = open_console(asgi_server, ct_browser, world["call_taker"])
    call = ring_live(page, world["centre"], "081299900012")
    # a disposition button is out of the Tab order and deaf to Enter/Space even when it has the focus
    page.focus('[data-disposition="ghost"]')
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    page.wait_for_timeout(400)
    call.refresh_from_db()
    assert call.status == Call.Status.RINGING
    assert page.get_attribute('[data-disposition="ghost"]', "tabindex") == "-1"
    # a ringing call closed with one key (nothing typed: no question) offers the undo for 10 s
    page.keyboard.press("Alt+g")
    page.wait_for_selector("#undo-bar:not([hidden])")
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED and call.disposition == Call.Disposition.GHOST
    # something typed since the close belongs to what comes next: Ctrl+Z there is the field's own undo
    page.focus("#f-description")
    page.keyboard.type("x")
    page.keyboard.press("Control+z")
    page.wait_for_timeout(400)
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED and not TimelineEvent.objects.filter(kind="call.reopened").exists()
    page.wait_for_selector("#undo-bar", state="hidden", timeout=12_000)
    page.keyboard.press("Control+z")
    page.wait_for_timeout(500)
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED and not TimelineEvent.objects.filter(kind="call.reopened").exists()
    page.context.close()


def log_incident(actor, **kw):
    kw.setdefault("category", "kebakaran")
    kw.setdefault("location", PKY_POINT)
    kw.setdefault("address", "Jl. Tjilik Riwut km 2")
    kw.setdefault("caller_number", "081234567890")
    incident, _ = incident_create(actor=actor, **kw)
    return incident


def tray_ids(page):
    return page.eval_on_selector_all("#tray-list .tray-item", "(items) => items.map((i) => Number(i.dataset.id))")


def test_my_unrouted_incidents_are_pinned_in_a_live_tray(world, asgi_server, ct_browser):
    call_taker, centre, damkar = world["call_taker"], world["centre"], world["damkar"]
    colleague = f.call_taker(centre, username="ct_colleague")
    supervisor = f.supervisor(centre, username="spv_tray")
    # given two incidents I saved and never routed (the older first), and one a colleague saved
    older = log_incident(call_taker, address="Jl. Yos Sudarso")
    Incident.objects.filter(pk=older.pk).update(created_at=older.created_at - timedelta(minutes=6))
    newer = log_incident(call_taker)
    log_incident(colleague, address="Jl. Colleague")
    page = open_console(asgi_server, ct_browser, call_taker)
    # then the tray above the list holds mine, the longest waiting first, its age ticking and coloured
    page.wait_for_selector("#tray:not([hidden])")
    assert tray_ids(page) == [older.pk, newer.pk]
    assert page.locator(f'#tray-list [data-id="{older.pk}"].age-2').count() == 1
    first = page.inner_text(f'#tray-list [data-id="{older.pk}"] .t-age')
    page.wait_for_timeout(1200)
    assert page.inner_text(f'#tray-list [data-id="{older.pk}"] .t-age') != first
    assert page.locator("#tray").bounding_box()["y"] < page.locator("#open-incidents").bounding_box()["y"]

    # when the supervisor routes the older one from elsewhere, it leaves the tray at once
    [offer] = api(asgi_server, supervisor, "POST", f"/api/v1/incidents/{older.pk}/route/", {"agencies": [damkar.pk]})
    page.wait_for_function(f"!document.querySelector('#tray-list [data-id=\"{older.pk}\"]')", timeout=5_000)
    assert tray_ids(page) == [newer.pk]
    # when Damkar declines and nobody holds it any more, it comes back
    api(asgi_server, f.dispatcher(damkar), "POST", f"/api/v1/assignments/{offer['id']}/decline/", {"reason": "Armada habis"})
    page.wait_for_selector(f'#tray-list [data-id="{older.pk}"]', timeout=5_000)
    assert "ditolak" in page.inner_text(f'#tray-list [data-id="{older.pk}"]')

    # a click on an item opens its routing panel; routing it there empties that slot
    page.click(f'#tray-list [data-id="{newer.pk}"]')
    page.wait_for_selector("#routing:not([hidden])")
    assert newer.reference in page.inner_text("#routing-ref")
    # never routed: the category's agency (the centre has one Damkar) is checked, as the save would have proposed
    assert page.inner_text("#routing-list .agency.checked b") == damkar.short_name
    page.keyboard.press("Enter")
    page.wait_for_selector("#assignments .assignment")
    page.wait_for_function(f"!document.querySelector('#tray-list [data-id=\"{newer.pk}\"]')", timeout=5_000)
    assert Assignment.objects.filter(incident=newer).count() == 1
    page.context.close()


def test_f2_and_esc_warn_once_before_leaving_an_unrouted_incident(world, asgi_server, ct_browser):
    page = open_console(asgi_server, ct_browser, world["call_taker"])
    keys = Keyboard(page)
    # given an incident just saved, its routing panel open, and the next call ringing
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    page.fill("#f-number", "081299900013")
    page.dispatch_event("#f-number", "input")
    page.focus("#f-category")
    keys.type("keb")
    keys.press("Enter")
    keys.type("bund")
    keys.press("Enter")
    page.wait_for_function("document.activeElement.id === 'f-address'")
    keys.press("Control+Enter")
    page.wait_for_selector("#routing:not([hidden])")
    incident = Incident.objects.get()
    ringing = ring_live(page, world["centre"], "081299900014")

    # when F2 is pressed for the next call, it warns and stays: nothing answered, the panel still there
    keys.press("F2")
    page.wait_for_selector("#routing-warning:not([hidden])")
    warning = page.inner_text("#routing-warning")
    assert warning == f"{incident.reference} belum diteruskan — Enter teruskan, F2 lagi lanjut"
    ringing.refresh_from_db()
    assert ringing.status == Call.Status.RINGING and page.locator("#routing").is_visible()
    # Esc now goes on (it warned once): the panel leaves, the incident waits in the tray
    keys.press("Escape")
    page.wait_for_selector("#routing", state="hidden")
    assert tray_ids(page) == [incident.pk]

    # the tray opens it again; Esc warns with its own words, Esc again leaves it
    page.click(f'#tray-list [data-id="{incident.pk}"]')
    page.wait_for_selector("#routing:not([hidden])")
    keys.press("Escape")
    page.wait_for_selector("#routing-warning:not([hidden])")
    assert "Esc lagi" in page.inner_text("#routing-warning")
    assert page.locator("#routing").is_visible()
    # Enter routes it from the warning
    keys.press("Enter")
    page.wait_for_selector("#assignments .assignment")
    assert page.locator("#routing-warning").is_hidden()
    page.wait_for_selector("#tray", state="hidden")
    # a routed incident on the panel: F2 answers the next call at once
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    ringing.refresh_from_db()
    assert ringing.status == Call.Status.ACTIVE
    page.context.close()


def test_the_kelurahan_picked_is_recorded_and_the_enter_flow_reaches_address_and_name(world, asgi_server, ct_browser):
    # a kelurahan without a polygon (most of the Kemendagri list): its pin is its kecamatan's centre, so only the
    # choice itself can say which kelurahan it is
    seberang = Region.objects.create(
        code="62.71.01.1002", level=Region.Level.VILLAGE, name="Pahandut Seberang", parent=world["places"]["pahandut"],
        timezone=TimeZoneName.WIB, centroid=Point(113.93, -2.21, srid=4326),
    )
    page = open_console(asgi_server, ct_browser, world["call_taker"])
    ring_live(page, world["centre"], "081299900015")
    keys = Keyboard(page)
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    keys.type("keb")
    keys.press("Enter")
    # the kelurahan by type-ahead: Enter lands in the address, its label selected (type over it, or keep it)
    keys.type("seberang")
    keys.press("Enter")
    page.wait_for_function("document.activeElement.id === 'f-address'")
    label = page.input_value("#f-address")
    assert label.startswith("Pahandut Seberang")
    assert page.evaluate("[document.activeElement.selectionStart, document.activeElement.selectionEnd]") == [0, len(label)]
    keys.type("Jl. Rajawali 12")
    keys.press("Enter")  # on to the questions
    assert active_element(page) == "q-people_trapped"
    page.wait_for_function("document.querySelector('#place-info').textContent.includes('Kel. Pahandut Seberang')")
    # Alt+N: the caller's name from anywhere; Enter goes back
    keys.press("Alt+n")
    assert active_element(page) == "f-name"
    keys.type("Siti Aminah")
    keys.press("Enter")
    assert active_element(page) == "q-people_trapped"
    # Alt+A: the address from anywhere
    keys.press("Alt+a")
    assert active_element(page) == "f-address"
    keys.press("Control+Enter")
    page.wait_for_selector("#routing:not([hidden])")
    incident = Incident.objects.get()
    assert incident.village_id == seberang.code and incident.district_id == "62.71.01"
    assert incident.address == "Jl. Rajawali 12" and incident.caller_name == "Siti Aminah"
    # the list can show just that kelurahan's incidents
    page.wait_for_selector("#flt-village:not([hidden])")
    assert "Pahandut Seberang (1)" in page.inner_text("#flt-village")
    page.select_option("#flt-village", seberang.code)
    assert page.eval_on_selector_all("#open-incidents li.inc", "(rows) => rows.map((r) => Number(r.dataset.id))") == [incident.pk]
    page.context.close()
