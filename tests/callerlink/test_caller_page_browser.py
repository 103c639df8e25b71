"""The caller's page in real Chromium (issue 24): a phone at 360 px with a mocked geolocation sends its fix, a photo
and a message; a refused permission gets plain words; the page and everything it loads weigh ≤ 50 kB on the wire and
come from this site only. Then the console's side: Alt+S texts the link, the fix appears live as its own marker, Alt+B
adopts it; the board's drill-down and the dispatcher's panel show the same, live."""
import io
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.geos import Point
from PIL import Image

from incidents.models import CallerLink, CallerMessage, CallerPhoto, CallerPosition, Incident, Notification
from incidents.services import call_start, caller_link_send, caller_message_send, incident_route
from tests import factories as f
from tests.calltaker.conftest import console_page
from tests.support import AsgiProcess, echo_browser_errors, session_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_BUDGET = 50 * 1024
FIX = {"latitude": -2.21234, "longitude": 113.92345, "accuracy": 9}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "locale": "id-ID"}
# GUIDE_SCREENSHOTS=1: the screens of docs/guides/caller-link.md, as small JPEGs (as tests/core/test_every_page_browser.py)
GUIDE_DIR = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"
SHOTS = os.environ.get("GUIDE_SCREENSHOTS") == "1"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        process = AsgiProcess(name="callerlink", log_level="warning", access_log=False,
                              env={"PUBLIC_BASE_URL": "", "MEDIA_ROOT": "/tmp/dispatch112-test-media-callerlink"})
        process.start()
    yield process
    process.stop()


@pytest.fixture
def world(centre, fire_category, damkar, call_taker):
    incident, _ = _incident(call_taker, fire_category)
    return {"centre": centre, "incident": incident, "call_taker": call_taker, "damkar": damkar}


def _incident(call_taker, category, number="081234567890"):
    from incidents.services import incident_create

    return incident_create(actor=call_taker, category=category.code, location=Point(113.9213, -2.2096, srid=4326),
                           caller_number=number, description="Rumah terbakar", location_accuracy_m=1500, location_source="region")


def _link(world, server):
    _link_row, _created, url = caller_link_send(actor=world["call_taker"], base_url=server.url, incident_id=world["incident"].pk)
    return url


def _shot(page, name, *, full_page=True, width=None):
    if not SHOTS:
        return
    GUIDE_DIR.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=full_page)))
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)))
    image.convert("RGB").save(GUIDE_DIR / name.replace(".png", ".jpg"), "JPEG", quality=72, optimize=True)


def _wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_the_page_weighs_under_50_kb_and_loads_nothing_from_another_host(chromium, server, world):
    url = _link(world, server)
    context = chromium.new_context(**PHONE)
    page = echo_browser_errors(context.new_page())
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the first chat poll
    host = urlsplit(server.url).netloc
    hosts = {urlsplit(r.url).netloc for r in responses if not r.url.startswith("data:")}
    assert hosts == {host}
    total = 0
    for request in responses:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    print(f"\ncaller page on the wire: {total} bytes in {len(responses)} responses: {[urlsplit(r.url).path for r in responses]}")
    assert 0 < total <= PAGE_BUDGET
    # everything the page needs is there: the big button, photo, chat; Indonesian; the centre's name and nothing else
    assert page.locator("#locate").inner_text() == "Kirim lokasi saya"
    body = page.locator("body").inner_text()
    assert world["centre"].name in body and world["incident"].reference not in body and "Rumah terbakar" not in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # usable at 360 px: nothing wider
    context.close()


def test_a_phone_with_a_mocked_gps_sends_its_fix_a_photo_and_a_message(chromium, server, world, tmp_path):
    url = _link(world, server)
    incident = world["incident"]
    context = chromium.new_context(**PHONE, geolocation=FIX, permissions=["geolocation"])
    page = echo_browser_errors(context.new_page())
    page.goto(url)
    _shot(page, "caller-page-360.png", width=360)
    # the big button: a high-accuracy fix goes to the centre
    page.click("#locate")
    page.wait_for_selector("#loc-status.ok")
    assert "±9 m" in page.locator("#loc-status").inner_text()
    assert "menit lagi" in page.locator("#watch-note").inner_text()
    assert _wait_until(lambda: CallerPosition.objects.exists())
    first = CallerPosition.objects.order_by("id").first()
    assert (round(first.location.y, 5), round(first.location.x, 5), first.accuracy_m) == (-2.21234, 113.92345, 9)
    # the caller moves: watchPosition sends the new fix too
    context.set_geolocation({"latitude": -2.21300, "longitude": 113.92400, "accuracy": 5})
    assert _wait_until(lambda: CallerPosition.objects.filter(accuracy_m=5).exists())
    # and the incident has not moved by itself
    incident.refresh_from_db()
    assert incident.location_source == "region" and incident.location_accuracy_m == 1500
    _shot(page, "caller-page-sent-360.png", width=360)

    # a photo from the gallery (the camera button is the same upload)
    photo = tmp_path / "foto.jpg"
    Image.new("RGB", (2400, 1800), (180, 40, 40)).save(photo, format="JPEG")
    page.set_input_files("#photo-pick", str(photo))
    page.wait_for_selector("#photo-status.ok")
    assert _wait_until(lambda: CallerPhoto.objects.exists())
    assert max(CallerPhoto.objects.get().width, CallerPhoto.objects.get().height) <= 2048

    # a message, and the call-taker's reply shows up by the page's poll
    page.fill("#chat-text", "Saya di lantai dua, tidak bisa bicara")
    page.click("#send")
    page.wait_for_selector("#chat li.in")
    assert CallerMessage.objects.get().text == "Saya di lantai dua, tidak bisa bicara"
    caller_message_send(actor=world["call_taker"], incident_id=incident.pk, text="Tetap di situ, petugas menuju")
    page.wait_for_selector("#chat li.out", timeout=15_000)
    assert "Petugas 112" in page.locator("#chat li.out").inner_text()
    _shot(page, "caller-page-chat-360.png", width=360)
    context.close()


def test_refused_permission_gets_plain_words(chromium, server, world):
    url = _link(world, server)
    context = chromium.new_context(**PHONE)  # no geolocation permission granted
    page = echo_browser_errors(context.new_page())
    page.goto(url)
    page.click("#locate")
    page.wait_for_selector("#loc-help:not([hidden])")
    text = page.locator("main").inner_text()
    assert "Izin lokasi ditolak" in text and "Setelan" in text and "lewat telepon" in text
    assert not CallerPosition.objects.exists()
    _shot(page, "caller-page-denied-360.png", width=360)
    context.close()


def test_the_english_switch(chromium, server, world):
    url = _link(world, server)
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    page.click("header a")
    page.wait_for_selector("html[lang='en']")
    assert page.locator("#locate").inner_text() == "Send my location"
    assert "112" in page.locator("header").inner_text()
    context.close()


def test_an_ended_link_says_so(chromium, server, world):
    url = _link(world, server)
    CallerLink.objects.update(status="revoked")
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    response = page.goto(url)
    assert response.status == 410
    assert "sudah tidak berlaku" in page.locator("main").inner_text()
    context.close()


# ───────────── the consoles ─────────────

def test_call_taker_sends_the_link_with_one_key_sees_the_fix_live_and_adopts_it(chromium, server, world):
    call_taker = world["call_taker"]
    call = call_start(actor=call_taker, caller_number="081255501234")
    page = console_page(chromium, server, call_taker)
    page.wait_for_selector("#caller-panel:not([hidden])")
    # Alt+S: the SMS goes to the caller's number
    page.keyboard.press("Alt+s")
    page.wait_for_selector("#caller-panel .caller-link-line p:not(.muted)")
    assert "0812" in page.locator("#caller-panel").inner_text()
    sms = Notification.objects.get(reason="caller_link")
    assert sms.recipient == "081255501234"
    url = sms.body.split(" ")[[i for i, w in enumerate(sms.body.split(" ")) if "/c/" in w][0]]
    # the caller's phone opens it and sends a fix
    phone = chromium.new_context(**PHONE, geolocation=FIX, permissions=["geolocation"])
    caller = phone.new_page()
    caller.goto(url)
    started = time.monotonic()
    caller.click("#locate")
    # the console shows it live: text, accuracy, age, and its own marker on the map (not the incident pin)
    page.wait_for_selector("#caller-panel .caller-fix .fix")
    print(f"\nfix on the console {time.monotonic() - started:.2f} s after the caller pressed the button")
    fix_text = page.locator("#caller-panel .caller-fix").inner_text()
    assert "±9 m" in fix_text and "dtk lalu" in fix_text
    assert page.locator("path.caller-fix-marker").count() == 1
    assert page.locator(".caller-fix-tip").inner_text().startswith("Ponsel penelepon ±9 m")
    # the caller writes; the console shows it
    caller.fill("#chat-text", "Tolong cepat")
    caller.click("#send")
    page.wait_for_selector("#caller-panel .caller-chat li.in")
    page.set_viewport_size({"width": 1600, "height": 1000})
    _shot(page, "calltaker-caller-panel.png", full_page=False, width=1200)
    # Alt+B: the fix fills the form's location (the incident does not exist yet)
    page.keyboard.press("Alt+b")
    page.wait_for_function("JSON.parse(localStorage.getItem('ct-draft:%s')).location.source === 'caller_link'" % call_taker.pk)
    draft = page.evaluate("JSON.parse(localStorage.getItem('ct-draft:%s')).location" % call_taker.pk)
    assert round(draft["lat"], 5) == -2.21234 and draft["accuracy_m"] == 9
    assert call.pk  # the call stays the panel's until the incident is logged
    phone.close()
    page.context.close()


def test_adopting_on_an_incident_moves_it_in_one_event_and_the_board_and_dispatcher_see_it_live(chromium, server, world):
    from incidents.services import caller_position_receive
    from incidents.services.callerlink import link_token

    incident, call_taker, damkar = world["incident"], world["call_taker"], world["damkar"]
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    link, _created, _url = caller_link_send(actor=call_taker, base_url=server.url, incident_id=incident.pk)
    token = link_token(link.token_salt)
    caller_position_receive(token=token, lat=-2.2150, lon=113.9260, accuracy_m=12)
    # the supervisor's board: the drill-down shows the fix, and a new one arrives live
    supervisor = f.supervisor(world["centre"], username="spv_cl_browser")
    context = session_context(chromium, server.url, supervisor, viewport={"width": 1600, "height": 1000})
    board = echo_browser_errors(context.new_page())
    board.goto(server.url + "/board/")
    board.wait_for_selector("html[data-board-ready='1']")
    board.evaluate(f"document.querySelector('[data-open=\"{incident.pk}\"]').click()")
    board.wait_for_selector("#drill-caller .caller-fix .fix")
    assert "±12 m" in board.locator("#drill-caller").inner_text()
    caller_position_receive(token=token, lat=-2.2151, lon=113.9261, accuracy_m=6)
    board.wait_for_function("document.querySelector('#drill-caller .caller-fix').textContent.includes('±6 m')")
    # the dispatcher of the assigned agency sees it in the incident panel
    dispatcher = f.dispatcher(damkar, username="disp_cl_browser")
    dctx = session_context(chromium, server.url, dispatcher, viewport={"width": 1600, "height": 1000})
    dpage = echo_browser_errors(dctx.new_page())
    dpage.goto(server.url + "/console/dispatcher/")
    dpage.wait_for_selector("[data-action='detail']")
    dpage.locator("[data-action='detail']").first.click()
    dpage.wait_for_selector(".detail-caller .caller-fix .fix")
    assert "±6 m" in dpage.locator(".detail-caller").inner_text()
    assert dpage.locator(".detail-caller .caller-adopt").count() == 0  # read-only for an agency
    _shot(dpage, "dispatcher-caller-section.png", full_page=False, width=1200)
    # the supervisor adopts from the drill-down: the incident moves in one incident.updated event
    board.click("#drill-caller .caller-adopt")
    assert _wait_until(lambda: Incident.objects.get(pk=incident.pk).location_source == "caller_link")
    moved = Incident.objects.get(pk=incident.pk)
    assert moved.location_accuracy_m == 6 and round(moved.location.y, 4) == -2.2151
    board.wait_for_selector("#drill-caller .adopted")
    _shot(board, "board-drill-caller.png", full_page=False, width=1200)
    context.close()
    dctx.close()
