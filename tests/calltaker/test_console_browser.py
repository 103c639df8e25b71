"""The call-taker console in real headless Chromium (Playwright, sync API) against the ASGI app.

Covers issue 3's "done when": a prank closed with one key; a genuine fire call logged and routed to
Damkar with the keyboard only (keystrokes counted); a duplicate found and linked; a rejected field
showing its message with nothing typed lost (and drafts surviving a reload, and a resubmit after a
lost response making no second incident).
"""
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from incidents.models import Assignment, Call, IdempotencyRecord, Incident, TimelineEvent
from incidents.services import call_register_ringing, incident_create
from tests import factories as f
from tests.calltaker.conftest import Keyboard, console_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYSTROKES_FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "calltaker-keystrokes.json"


@pytest.fixture
def world(centre, fire_category, damkar, call_taker, pky_places):
    police = f.AgencyFactory(command_centre=centre, type="police", name="Polresta Palangka Raya", short_name="Polresta PKY")
    f.UnitFactory(agency=damkar, call_sign="DMK-01", position=Point(113.915, -2.205, srid=4326))
    f.UnitFactory(agency=damkar, call_sign="DMK-02", position=Point(113.95, -2.23, srid=4326))
    return {"centre": centre, "damkar": damkar, "police": police, "call_taker": call_taker, "places": pky_places}


def ring(centre, number, external_id):
    call, _created = call_register_ringing(command_centre=centre, caller_number=number, external_id=external_id)
    return call


def test_prank_call_closed_with_one_key(world, asgi_server, ct_browser):
    # given a ringing call pushed by the PBX, shown when the console opens
    call = ring(world["centre"], "081298765432", "pbx-prank-1")
    page = console_page(ct_browser, asgi_server, world["call_taker"])
    assert page.locator(f".ringing-call[data-call-id='{call.pk}']").is_visible()
    keys = Keyboard(page)
    # when the call-taker hears a prank and presses Alt+P
    keys.press("Alt+p")
    page.wait_for_selector(".call-message.ok")
    # then the call is closed as prank with that single key, and the pop-up is gone
    assert keys.count == 1
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED and call.disposition == Call.Disposition.PRANK
    assert page.locator(f".ringing-call[data-call-id='{call.pk}']").count() == 0
    assert "Iseng" in page.locator("#call-message").inner_text()
    page.context.close()


def test_genuine_fire_call_logged_and_routed_by_keyboard_only(world, asgi_server, ct_browser):
    # given a ringing call from a number that made prank calls before
    for i in range(2):
        old = ring(world["centre"], "081234500001", f"pbx-old-{i}")
        from incidents.services import call_close

        call_close(call_id=old.pk, actor=world["call_taker"], disposition="prank")
    call = ring(world["centre"], "081234500001", "pbx-fire-1")
    page = console_page(ct_browser, asgi_server, world["call_taker"])
    keys = Keyboard(page)

    # F2 answers the ringing call: the number arrives with its history
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    page.wait_for_selector(".prank-warning")
    assert "2 panggilan iseng dalam 30 hari" in page.locator("#caller-history").inner_text()
    assert page.evaluate("document.activeElement.id") == "f-category"
    # category by type-ahead
    keys.type("keb")
    keys.press("Enter")
    assert page.input_value("#f-category") == "Kebakaran"
    assert page.evaluate("document.activeElement.id") == "f-place"
    # location by type-ahead over landmarks / kelurahan / kecamatan
    keys.type("bund")
    keys.press("Enter")
    page.wait_for_function("document.querySelector('#place-info').textContent.includes('Pahandut')")
    assert "±50 m" in page.locator("#place-info").inner_text()
    # the address next, the place's label selected: Enter keeps it (issue 23: the address is in the Enter flow)
    assert page.evaluate("document.activeElement.id") == "f-address"
    keys.press("Enter")
    # SOP script: "Ada orang terjebak?" yes → priority suggestion P1; building type skipped
    assert page.evaluate("document.activeElement.id") == "q-people_trapped"
    keys.press("y")
    assert page.input_value("#f-priority") == "1"
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "f-description"
    keys.type("api besar")
    keys.press("Enter")  # saves
    # routing: Damkar proposed (checked) with its nearest unit, Enter routes
    page.wait_for_selector("#routing:not([hidden]) .agency.checked")
    routing_text = page.locator("#routing-list").inner_text()
    assert world["damkar"].short_name in routing_text and "DMK-01" in routing_text and "menit" in routing_text
    keys.press("Enter")
    page.wait_for_selector("#assignments .assignment")

    incident = Incident.objects.get()
    assert incident.category.code == "kebakaran" and incident.priority == 1
    assert incident.answers == {"people_trapped": True}
    assert incident.description == "api besar" and incident.address.startswith("Bundaran Besar")
    assert incident.location_source == "landmark" and incident.location_accuracy_m == 50.0
    assert incident.district_id == "62.71.01"
    assert incident.caller_number == "081234500001"
    assert incident.status == Incident.Status.ROUTED
    # time measured: answered → created → routed
    call.refresh_from_db()
    assert call.incident_id == incident.pk and call.disposition == Call.Disposition.GENUINE
    assert incident.call_answered_at == call.answered_at
    assert incident.call_answered_at <= incident.created_at <= incident.routed_at
    assignment = Assignment.objects.get(incident=incident)
    assert assignment.agency_id == world["damkar"].pk and assignment.status == Assignment.Status.OFFERED
    assert assignment.ack_deadline is not None
    assert world["damkar"].short_name in page.locator("#assignments").inner_text()
    assert "batas konfirmasi" in page.locator("#assignments").inner_text()
    # the open-incidents list shows it with its intervals; the draft is gone
    row = page.locator(f"#open-incidents li[data-id='{incident.pk}']")
    assert "jawab→tiket" in row.inner_text() and "tiket→terus" in row.inner_text()
    assert page.evaluate(f"localStorage.getItem('ct-draft:{world['call_taker'].pk}')") is None

    # the standard genuine call (category, location by type-ahead, description, route) in keystrokes
    print(f"\nstandard genuine call: {keys.count} keystrokes: {' '.join(keys.log)}")
    KEYSTROKES_FILE.parent.mkdir(exist_ok=True)
    KEYSTROKES_FILE.write_text(json.dumps({"keystrokes": keys.count, "sequence": keys.log}, ensure_ascii=False))
    assert keys.count < 25
    page.context.close()


def test_duplicate_found_and_linked(world, asgi_server, ct_browser):
    # given an open fire incident at the Bundaran Besar landmark, 10 minutes old
    first, _ = incident_create(
        actor=world["call_taker"], category="kebakaran", location=Point(113.9101, -2.2081, srid=4326),
        caller_number="081200000001", description="Ruko terbakar", address="Dekat Bundaran Besar",
    )
    call = ring(world["centre"], "081200000002", "pbx-dup-1")
    page = console_page(ct_browser, asgi_server, world["call_taker"])
    keys = Keyboard(page)
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    keys.type("keb")
    keys.press("Enter")
    keys.type("bund")
    keys.press("Enter")
    # the duplicate shows up while typing
    page.wait_for_selector(f"#duplicate-list li[data-id='{first.pk}']")
    assert first.reference in page.locator("#duplicates").inner_text()
    # one key links the call instead of creating an incident
    keys.press("Alt+d")
    page.wait_for_function("document.querySelector('#call-message').textContent.includes('ditautkan')")
    first.refresh_from_db()
    call.refresh_from_db()
    assert Incident.objects.count() == 1
    assert first.caller_count == 2
    assert call.disposition == Call.Disposition.DUPLICATE and call.incident_id == first.pk
    assert TimelineEvent.objects.filter(incident=first, kind="incident.duplicate_linked").count() == 1
    page.wait_for_function(f"document.querySelector(\"#open-incidents li[data-id='{first.pk}'] .callers b\").textContent === '2'")
    page.context.close()


def test_rejected_field_keeps_everything_and_resubmit_never_doubles(world, asgi_server, ct_browser):
    user = world["call_taker"]
    page = console_page(ct_browser, asgi_server, user)
    keys = Keyboard(page)
    keys.press("F2")  # no ringing call: a typed call starts, focus on the number
    page.wait_for_selector("#call-panel.active")
    assert page.evaluate("document.activeElement.id") == "f-number"
    keys.type("0812 7777 8888")
    keys.press("Enter")
    keys.press("Enter")  # no name
    keys.type("keb")
    keys.press("Enter")
    # the caller reads coordinates that are not in Indonesia (Paris)
    keys.type("48.8566, 2.3522")
    page.wait_for_selector("#place-list li")
    assert "di luar Indonesia" in page.locator("#place-list").inner_text()
    keys.press("Enter")
    keys.press("Enter")  # the address: the coordinates' label kept
    keys.press("n")
    keys.press("Enter")
    keys.type("Asap tebal dari gudang")
    keys.press("Enter")
    # the server refuses: the message sits next to the location field, nothing typed is lost, nothing saved
    page.wait_for_selector(".field-error[data-for='location']:not(:empty)")
    assert "di luar Indonesia" in page.locator(".field-error[data-for='location']").inner_text()
    assert page.input_value("#f-description") == "Asap tebal dari gudang"
    assert page.input_value("#f-category") == "Kebakaran"
    assert page.input_value("#f-number") == "0812 7777 8888"
    assert Incident.objects.count() == 0

    # a reload keeps the draft (localStorage per user) and the running call
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    assert page.input_value("#f-description") == "Asap tebal dari gudang"
    assert page.input_value("#f-category") == "Kebakaran"
    assert page.input_value("#f-number") == "0812 7777 8888"
    assert page.locator("#call-panel.active").count() == 1

    # fix the location; the first save's response is lost on the way back (the server did create it)
    page.focus("#f-place")
    page.keyboard.press("Control+a")
    page.keyboard.type("bund")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#place-info').textContent.includes('Pahandut')")
    lost = {"n": 0}

    def lose_response(route):
        if route.request.method == "POST" and lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # reaches the server
            route.abort("connectionreset")  # but the browser never sees the answer
        else:
            route.continue_()

    page.route("**/api/v1/incidents/", lose_response)
    page.focus("#f-description")
    page.keyboard.press("Control+Enter")
    # the answer lost: the console takes the server for away (issue 26) and keeps the incident in its queue with
    # its Idempotency-Key — nothing typed is lost — then sends it again when the heartbeat answers: still one incident
    page.wait_for_function("document.querySelector('#call-message').textContent.includes('disimpan di komputer ini')")
    assert Incident.objects.count() == 1  # created server-side already
    page.wait_for_selector("#routing:not([hidden])", timeout=20_000)
    page.wait_for_function("document.documentElement.dataset.outboxPending === '0'")
    assert Incident.objects.count() == 1
    assert IdempotencyRecord.objects.filter(user=user).count() == 1
    incident = Incident.objects.get()
    assert page.locator("#routing-ref").inner_text() == incident.reference
    assert incident.description == "Asap tebal dari gudang"
    page.context.close()


def test_outside_service_area_needs_an_explicit_override(world, asgi_server, ct_browser):
    samarinda = f.samarinda_centre()
    assert samarinda
    page = console_page(ct_browser, asgi_server, world["call_taker"])
    page.keyboard.press("F2")
    page.wait_for_selector("#call-panel.active")
    page.keyboard.type("0812 5555 1234")
    page.focus("#f-category")
    page.keyboard.type("keb")
    page.keyboard.press("Enter")
    page.keyboard.type(f"{f.SMD[1]}, {f.SMD[0]}")  # Samarinda: in Indonesia, not served by Palangka Raya
    page.keyboard.press("Enter")
    page.wait_for_selector("#outside-override:not([hidden])")  # warned before saving
    page.focus("#f-description")
    page.keyboard.type("Kebakaran lahan")
    page.keyboard.press("Enter")
    page.wait_for_selector(".field-error[data-for='location']:not(:empty)")
    assert "wilayah layanan" in page.locator("#form-error").inner_text()
    assert Incident.objects.count() == 0
    page.keyboard.press("Alt+o")  # explicit override re-submits
    page.wait_for_selector("#routing:not([hidden])")
    incident = Incident.objects.get()
    assert incident.outside_service_area is True
    page.context.close()


def test_console_requires_a_centre_role(world, asgi_server, ct_browser, damkar_dispatcher):
    from django.test import Client

    client = Client()
    assert client.get("/console/call-taker/").status_code == 302  # login first
    client.force_login(damkar_dispatcher)
    assert client.get("/console/call-taker/").status_code == 403
