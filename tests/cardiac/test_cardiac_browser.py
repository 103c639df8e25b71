"""Issue 30 in real headless Chromium against the ASGI app: a medical call where the patient is neither conscious nor
breathing normally. The call-taker answers the call, picks the medical category and answers "tidak" twice: the red
banner and the CPR panel with its metronome are on screen at once (keystrokes from F2 counted: at most 12); the step
keys are recorded by the server — those pressed before the incident was saved with the time they were pressed; the
supervisor board shows the arrest live, with the time since recognition and whether compressions have started."""
import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from agencies.demo.categories import CATEGORIES
from agencies.models import Aed
from incidents.cardiac import block_for
from incidents.models import Incident
from incidents.services import call_register_ringing
from tests import factories as f
from tests.calltaker.conftest import Keyboard, asgi_server, console_page, ct_browser, pky_places  # noqa: F401 (fixtures)
from tests.support import echo_browser_errors, session_context, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

GUIDE_IMG = Path(__file__).resolve().parents[2] / "docs" / "guides" / "img"
MEDIS = next(c for c in CATEGORIES if c["code"] == "medis")


@pytest.fixture
def world(centre, call_taker, pky_places):  # noqa: F811
    f.CategoryFactory(
        code="medis", name_id=MEDIS["name_id"], name_en=MEDIS["name_en"], default_priority=MEDIS["default_priority"],
        responsible_agency_types=MEDIS["responsible_agency_types"], required_capabilities=[],
        question_script=MEDIS["question_script"], on_scene_target_min=None,
    )
    psc = f.AgencyFactory(command_centre=centre, type="ems", name="PSC 119 Palangka Raya", short_name="PSC 119 PKY")
    f.UnitFactory(agency=psc, call_sign="AMB-01", position=Point(113.915, -2.205, srid=4326))
    # an AED about 110 m from Bundaran Besar (the place typed); no volunteer anywhere
    Aed.objects.create(command_centre=centre, name="AED Kantor Wali Kota", location=Point(113.9110, -2.2080, srid=4326),
                       address="Lobi kantor, Jl. Tjilik Riwut", available_hours="24 jam")
    return {"centre": centre, "call_taker": call_taker, "psc": psc, "supervisor": f.supervisor(centre, username="spv_ca")}


def board_page(browser, server, user):
    context = session_context(browser, server.url, user, viewport={"width": 1600, "height": 1000})
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    echo_browser_errors(page)
    page.goto(server.url + "/board/")
    wait_live(page)
    return page


def guide_shot(page, name):
    """With GUIDE_SCREENSHOTS=1 (as tests/core/test_every_page_browser.py), the screen for docs/guides/."""
    if os.environ.get("GUIDE_SCREENSHOTS") != "1":
        return
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB").resize((1200, 750))
    image.save(GUIDE_IMG / name, "JPEG", quality=70, optimize=True)


def guide_shot_phone(page, name):
    """A phone screen for docs/guides/ (390×844, kept at its size)."""
    if os.environ.get("GUIDE_SCREENSHOTS") != "1":
        return
    from PIL import Image

    Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("RGB").save(GUIDE_IMG / name, "JPEG", quality=70, optimize=True)


def boxes_overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_cardiac_arrest_recognised_coached_and_shown_live(world, asgi_server, ct_browser):  # noqa: F811
    # given a ringing medical call, the supervisor's board open on a second page
    call_register_ringing(command_centre=world["centre"], caller_number="081255500030", external_id="pbx-ca-1")
    board = board_page(ct_browser, asgi_server, world["supervisor"])
    page = console_page(ct_browser, asgi_server, world["call_taker"], viewport={"width": 1600, "height": 1000})
    keys = Keyboard(page)
    posted = []  # the console's POST /cpr/ bodies
    page.on("request", lambda r: posted.append(r.post_data_json) if r.method == "POST" and r.url.endswith("/cpr/") else None)

    # when the call-taker answers, picks the medical category and answers "tidak" to both questions
    keys.press("F2")
    page.wait_for_selector("#call-panel.active")
    keys.type("med")
    page.wait_for_selector("#category-list:not([hidden])")
    keys.press("Enter")
    assert page.input_value("#f-category") == MEDIS["name_id"]
    # the two questions come first for a medical call, before the place
    assert page.evaluate("document.activeElement.id") == "q-conscious"
    keys.press("t")
    assert page.evaluate("document.activeElement.id") == "q-breathing"
    assert page.locator("#cardiac-banner").is_hidden()
    keys.press("t")

    # then the banner and the CPR panel are on screen at once (no round trip), the incident P1, the panel focused
    banner = page.locator("#cardiac-banner")
    assert banner.is_visible() and "Dugaan henti jantung" in banner.inner_text()
    panel = page.locator("#cpr-panel")
    assert panel.is_visible()
    text = panel.inner_text()
    assert "tekan sekuat dan secepat mungkin" in text.lower() and "telentang" in text and "speaker" in text
    assert page.input_value("#f-priority") == "1"
    assert page.evaluate("document.activeElement.id") == "cpr-panel"
    # F2 to the CPR instructions on screen: at most 12 keystrokes (issue 30)
    assert keys.count <= 12, keys.log
    instructions_keystrokes = keys.count

    # the metronome starts with "instructions started" (2) and beats at 110/min; 3 = first compression
    assert panel.get_attribute("data-metronome") == "stopped"
    keys.press("2")
    page.wait_for_function("Number(document.getElementById('cpr-panel').dataset.beats || 0) >= 3")
    assert panel.get_attribute("data-metronome") == "running"
    beats_then = int(panel.get_attribute("data-beats"))
    page.wait_for_timeout(2200)
    beats = int(panel.get_attribute("data-beats")) - beats_then
    assert 2 <= beats <= 6  # 110/min ≈ 4 in 2.2 s (a loaded machine's timers lag, never run ahead)
    keys.press("3")
    assert panel.locator("[data-step='first_compression'].done").count() == 1

    # Enter goes back to the call: the place, the address, then save (the steps were taken before the incident existed)
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "f-place"
    keys.type("bund")
    page.wait_for_selector("#place-list:not([hidden])")
    keys.press("Enter")
    page.wait_for_function("document.querySelector('#place-info').textContent.includes('Pahandut')")
    # the nearest AED is listed in the panel and drawn on the map as soon as the place is known
    panel.locator(".cpr-aeds").wait_for()
    assert "AED Kantor Wali Kota" in panel.locator(".cpr-aeds").inner_text()
    assert page.get_attribute("#map", "data-aeds") == "1"
    keys.press("Enter")
    keys.press("Control+Enter")
    # routing goes on in parallel: PSC 119 proposed, and the CPR panel covers none of the routing panel
    page.wait_for_selector("#routing:not([hidden]) .agency.checked")
    assert world["psc"].short_name in page.locator("#routing-list").inner_text()
    assert not boxes_overlap(page.locator("#routing").bounding_box(), panel.bounding_box())
    assert panel.is_visible() and banner.is_visible()

    incident = Incident.objects.get()
    assert incident.priority == 1 and incident.answers["conscious"] is False and incident.answers["breathing"] is False
    # the queued steps reach the server with the times they were pressed, before the incident was created
    page.wait_for_function("!document.querySelector('#cpr-panel .cpr-step.pending')")
    block = block_for(Incident.objects.get(pk=incident.pk))
    assert block and block["suspected"] is True
    # the console sent the steps taken on the draft with the times they were taken, before the incident existed
    sent = {b["step"]: b for b in posted if "at" in b}
    assert {"recognised", "instructions_started", "first_compression"} <= set(sent)
    assert datetime.fromisoformat(sent["first_compression"]["at"].replace("Z", "+00:00")) < incident.created_at
    started = datetime.fromisoformat(block["instructions_started_at"])
    compressed = datetime.fromisoformat(block["first_compression_at"])
    # recorded at the times they were taken, in order, before the incident was saved (the server's own recognition at
    # the save replaced by the call-taker's earlier one)
    assert incident.call_answered_at <= datetime.fromisoformat(block["recognised_at"]) <= started <= compressed < incident.created_at
    # the automatic call-out found nobody: the call-taker is told so in the panel
    panel.locator(".cpr-callout.none", has_text="Tidak ada relawan RJP").wait_for()
    guide_shot(page, "call-taker-cpr.jpg")

    # the supervisor board shows it live: the arrest's badge on the incident's row, compressions started
    row = board.locator(f"#incidents li[data-id='{incident.pk}']")
    row.locator(".ca-badge").wait_for()
    assert "Henti jantung" in row.inner_text()
    assert row.locator(".ca-cpr.on").count() == 1

    # later: the AED arrives (Alt+R reaches the panel from the routing panel, 4 records it), then the ambulance
    keys.press("Alt+r")
    assert page.evaluate("document.activeElement.id") == "cpr-panel"
    keys.press("4")
    keys.press("5")
    page.wait_for_function("document.querySelectorAll('#cpr-panel .cpr-step.done').length === 5")
    page.wait_for_function("!document.querySelector('#cpr-panel .cpr-step.pending')")
    block = block_for(Incident.objects.get(pk=incident.pk))
    assert block["aed_on_scene_at"] and block["ems_on_scene_at"]
    # live steps go without `at`: the server's clock
    assert [b for b in posted if b["step"] in ("aed_on_scene", "ems_on_scene")] == [{"step": "aed_on_scene"}, {"step": "ems_on_scene"}]
    assert datetime.fromisoformat(block["aed_on_scene_at"]) > incident.created_at
    # stopping asks first (it ends the coaching), Enter confirms: the metronome stops
    keys.press("6")
    page.wait_for_selector("#cpr-panel .confirm-box")
    keys.press("Enter")
    page.wait_for_function("document.getElementById('cpr-panel').dataset.metronome === 'stopped'")
    page.wait_for_function("!document.querySelector('#cpr-panel .cpr-step.pending')")
    assert block_for(Incident.objects.get(pk=incident.pk))["stopped_at"]
    # a stopped arrest leaves the board's live badge
    row.locator(".ca-badge").wait_for(state="detached")
    print(f"keystrokes F2 → CPR instructions: {instructions_keystrokes}")
    page.context.close()
    board.context.close()


def test_the_volunteers_phones_show_the_arrest_and_the_aed_runner_the_aed(
        asgi_server, ct_browser, centre, call_taker, make_member, make_aed, make_medical):  # noqa: F811
    # given an AED 400 m east, three CPR-trained members west of the patient and Dewi (AED skill) next to the AED
    make_aed("AED Mall Citimall", metres=400, access="public")
    ani = make_member("Ani", metres=-100)
    for name, m in (("Budi", -150), ("Citra", -200)):
        make_member(name, metres=m)
    dewi = make_member("Dewi", skills=("aed",), metres=500)
    # when an arrest is recognised from the two answers (the platform calls out by itself, after commit)
    make_medical(answers={"conscious": False, "breathing": "unsure"}, address="Jl. Tjilik Riwut km 2, depan masjid")

    def phone(volunteer):
        context = session_context(ct_browser, asgi_server.url, volunteer.user, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(10_000)
        echo_browser_errors(page)
        page.goto(asgi_server.url + "/relawan/")
        page.wait_for_selector(".vol-card.callout")
        return page

    # then Dewi's phone sends her to the AED first: its name, place and a navigation link, and the CPR reminder
    runner = phone(dewi)
    card = runner.locator(".vol-card.callout")
    assert "Henti jantung" in card.locator(".co-cardiac").inner_text()
    assert "Jl. Tjilik Riwut km 2, depan masjid" in card.inner_text()
    aed = card.locator(".co-aed")
    assert "AED Mall Citimall" in aed.inner_text() and aed.locator("a.aed-nav").count() == 1
    assert card.locator(".co-cpr").inner_text().strip()
    guide_shot_phone(runner, "volunteer-cardiac.jpg")
    # and Ani's goes straight to the patient: the arrest and the reminder, no AED to fetch
    rescuer = phone(ani)
    card = rescuer.locator(".vol-card.callout")
    assert card.locator(".co-cardiac").count() == 1 and card.locator(".co-aed").count() == 0
    assert card.locator(".co-cpr").inner_text().strip()
    runner.context.close()
    rescuer.context.close()


def test_alt_r_flags_an_arrest_later_in_the_call(world, asgi_server, ct_browser):  # noqa: F811
    # given a medical call where the patient was conscious and breathing when asked, saved and on the routing panel
    call_register_ringing(command_centre=world["centre"], caller_number="081255500031", external_id="pbx-ca-2")
    page = console_page(ct_browser, asgi_server, world["call_taker"], viewport={"width": 1600, "height": 1000})
    page.keyboard.press("F2")
    page.wait_for_selector("#call-panel.active")
    page.keyboard.type("med")
    page.wait_for_selector("#category-list:not([hidden])")
    page.keyboard.press("Enter")
    page.keyboard.press("y")
    page.keyboard.press("y")
    assert page.locator("#cardiac-banner").is_hidden() and page.locator("#cpr-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "f-place"
    page.keyboard.type("bund")
    page.wait_for_selector("#place-list:not([hidden])")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#place-info').textContent.includes('Pahandut')")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#routing:not([hidden]) .agency.checked")
    incident = Incident.objects.get()
    assert incident.priority == 2 and block_for(incident) is None
    # when the patient collapses while the caller talks: Alt+R
    page.keyboard.press("Alt+r")
    # then the banner and the CPR panel open for that incident, and the server has it flagged, P1
    page.wait_for_selector("#cardiac-banner:not([hidden])")
    panel = page.locator("#cpr-panel")
    assert panel.get_attribute("data-incident") == str(incident.pk)
    assert page.evaluate("document.activeElement.id") == "cpr-panel"
    page.wait_for_function("!document.querySelector('#cpr-panel .cpr-step.pending')")
    incident.refresh_from_db()
    block = block_for(incident)
    assert block["recognition"] == "flagged" and incident.priority == 1
    # and the routing panel is still there, beside it
    assert page.locator("#routing").is_visible()
    assert not boxes_overlap(page.locator("#routing").bounding_box(), panel.bounding_box())
    page.context.close()
