"""The volunteer call-out in real browsers: two volunteers' phone pages (390×844) and the call-taker's console.
A call-out sent from the console with Alt+V appears live on both phones; one accepts, the other is told it is
filled (who and when); the console shows who is coming — nobody reloads."""
import json

import pytest
from django.utils import timezone

from agencies.models import User
from tests import factories as f
from tests.support import echo_browser_errors, session_context, wait_live
from tests.volunteers.conftest import offset
from volunteers.models import CallOutResponse, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

PHONE = {"width": 390, "height": 844}


def member(community, name, metres):
    user = f.UserFactory(username=f"rel_{name.lower()}", role=User.Role.VOLUNTEER, command_centre=None, community=community,
                         first_name=name)
    return Volunteer.objects.create(community=community, user=user, name=name, phone=f"08125555{metres:04d}",
                                    skills=["firefighting", "first_aid"], location=offset(metres), location_at=timezone.now())


def open_page(browser, base_url, user, path, viewport):
    context = session_context(browser, base_url, user, viewport=viewport)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    echo_browser_errors(page)
    page.goto(base_url + path)
    return page


def test_callout_live_on_two_phones_first_accept_wins_console_shows_who_is_coming(
    asgi_process, chromium, centre, call_taker, make_incident, tmp_path
):
    community = f.CommunityFactory(command_centre=centre, name="Relawan Pemadam Uji", approved_at=timezone.now())
    ani, budi = member(community, "Ani", 400), member(community, "Budi", 900)
    incident = make_incident(caller_number="081377778888", caller_name="Bu Rahasia", address="Jl. Kinibalu 7")

    # given both volunteers have their phone page open (live)
    phones = {}
    for m in (ani, budi):
        page = open_page(chromium, asgi_process.url, m.user, "/relawan/", PHONE)
        wait_live(page)
        page.evaluate("window.__marker = 1")
        assert page.locator("#no-callouts").is_visible()
        phones[m.name] = page
    # and the call-taker's console shows the incident just logged (its routing step, as after saving)
    console = open_page(chromium, asgi_process.url, call_taker, "/console/call-taker/", {"width": 1600, "height": 1000})
    console.wait_for_selector("html[data-ct-ready='1']")
    console.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"ct-route:{call_taker.pk}", json.dumps({"incident": incident.pk, "reference": incident.reference, "category": "kebakaran",
                                                   "proposed": [], "units": []})],
    )
    console.reload()
    console.wait_for_selector("html[data-ct-ready='1']")
    wait_live(console)
    console.wait_for_selector("#callouts-panel:not([hidden])")
    console.evaluate("window.__marker = 1")

    # when the call-taker presses Alt+V: the proposal lists the nearest first; one volunteer needed; Enter sends
    console.keyboard.press("Alt+v")
    console.wait_for_selector(".callout-dialog .proposal li b")
    assert console.locator(".callout-dialog .proposal li b").all_inner_texts()[:2] == ["Ani", "Budi"]
    console.fill("#co-needed", "1")
    console.locator("#co-needed").press("Enter")
    console.wait_for_selector(".callout-dialog", state="detached")

    # then the call-out appears live on both phones, without the caller's name or number
    for page in phones.values():
        page.wait_for_selector("section.callout button.accept")
        text = page.inner_text("#callouts")
        assert incident.reference in text and "Jl. Kinibalu 7" in text
        assert "Bu Rahasia" not in page.content() and "081377778888" not in page.content()
    phones["Ani"].screenshot(path=str(tmp_path / "phone-callout.png"))

    # when Ani accepts ("Bersedia datang": saying yes is not leaving yet)
    accept_label = phones["Ani"].inner_text("section.callout button.accept")
    assert accept_label == "Bersedia datang"
    phones["Ani"].click("section.callout button.accept")
    phones["Ani"].wait_for_selector("section.callout .co-nav")  # she now has the navigation link and the status buttons
    assert phones["Ani"].locator("section.callout button.to-en_route").is_visible()
    # issue 23: the next button never repeats the one just pressed ("Berangkat" → "Berangkat / menuju lokasi")
    steps = phones["Ani"].locator("section.callout .vol-actions button").all_inner_texts()
    assert steps[0].startswith("Berangkat") and not any(accept_label in label for label in steps), steps

    # then Budi is told it is filled, by whom
    phones["Budi"].wait_for_selector("section.callout .filled-notice")
    notice = phones["Budi"].inner_text("section.callout .filled-notice")
    assert "Ani" in notice and "terpenuhi" in notice
    assert phones["Budi"].locator("section.callout button.accept").count() == 0

    # and the console shows who is coming
    console.wait_for_selector("#callouts-panel .coming li.coming-accepted")
    coming = console.inner_text("#callouts-panel")
    assert "Ani" in coming and "bersedia datang" in coming and "Budi" not in console.inner_text("#callouts-panel .coming")
    for page in (*phones.values(), console):
        assert page.evaluate("window.__marker") == 1, "a page reloaded"

    # when Ani presses "Mundur" by mistake: the page asks in place, in Indonesian (never the browser's own dialog,
    # which speaks the browser's language) — Esc keeps her on the call-out, Enter withdraws
    native = []
    phones["Ani"].on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    phones["Ani"].click("section.callout button.withdraw")
    phones["Ani"].wait_for_selector("section.callout .confirm-box")
    assert "Mundur dari panggilan ini?" in phones["Ani"].inner_text("section.callout .confirm-box")
    phones["Ani"].keyboard.press("Escape")
    phones["Ani"].wait_for_selector(".confirm-box", state="detached")
    assert phones["Ani"].locator("section.callout button.withdraw").is_visible()
    phones["Ani"].click("section.callout button.withdraw")
    phones["Ani"].wait_for_selector("section.callout .confirm-box")
    phones["Ani"].keyboard.press("Enter")
    phones["Ani"].wait_for_selector("section.callout button.withdraw", state="detached")
    assert native == []
    withdrawn = CallOutResponse.objects.get(volunteer=ani)
    assert (withdrawn.status, withdrawn.stood_down_reason) == (CallOutResponse.Status.STOOD_DOWN, CallOutResponse.Reason.WITHDREW)
