"""Issue 16, call-taker: the console fit for a whole shift, in real headless Chromium against the ASGI app.

The routing panel follows the agencies' answers live (dispatchers act through REST API v1 here, as their console
does); an incident nobody holds is flagged in the list and raises a supervisor alert; the list sorts by attention
and filters; its counter is the server's count past 1,000 open incidents; clock and times in the centre's zone.
"""
import re
import time
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from incidents.models import Assignment, Incident, IncidentCategory, SupervisorAlert
from incidents.services import assignment_accept, incident_create, incident_route
from incidents.tasks import sweep_unrouted
from tests import factories as f
from tests.calltaker.conftest import console_page
from tests.live.conftest import token_for
from tests.support import echo_browser_errors, login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

PKY_POINT = Point(113.9213, -2.2096, srid=4326)


def wait_until(predicate, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def api(server, user, method, path, body=None):
    response = httpx.request(method, server.url + path, json=body, timeout=10, headers={
        "Authorization": f"Token {token_for(user)}", "Idempotency-Key": str(uuid.uuid4()),
    })
    assert response.status_code < 300, response.text
    return response.json()


def log_incident(actor, **kw):
    kw.setdefault("category", "kebakaran")
    kw.setdefault("location", PKY_POINT)
    kw.setdefault("address", "Jl. Tjilik Riwut km 2")
    kw.setdefault("caller_number", "081234567890")
    incident, _created = incident_create(actor=actor, **kw)
    return incident


def open_console(server, browser, user, **kw):
    page = console_page(browser, server, user, **kw)
    wait_live(page)
    return page


def row(incident):
    return f'#open-incidents li.inc[data-id="{incident.pk}"]'


@pytest.fixture
def police(centre):
    return f.AgencyFactory(command_centre=centre, type="police", name="Polresta Palangka Raya", short_name="Polresta PKY")


def test_the_routing_panel_turns_diterima_and_ditolak_live(asgi_server, ct_browser, centre, fire_category, damkar, police, call_taker):
    # given an incident logged but not routed, and the console open
    incident = log_incident(call_taker)
    page = open_console(asgi_server, ct_browser, call_taker)
    # when the call-taker picks it from the list and routes it to Damkar and the police (digits, Enter)
    page.click(row(incident))
    page.wait_for_selector("#routing:not([hidden])")
    names = page.locator("#routing-list .agency b").all_inner_texts()
    # never routed: the category's agency is already checked (issue 23: as the save proposed it); the police added
    assert page.locator("#routing-list .agency.checked b").all_inner_texts() == [damkar.short_name]
    page.keyboard.press(str(names.index(police.short_name) + 1))
    page.keyboard.press("Enter")
    page.wait_for_selector("#assignments .assignment.as-offered >> nth=1")
    offers = {a.agency_id: a for a in Assignment.objects.filter(incident=incident)}
    assert "Ditawarkan" in page.inner_text(f'#assignments li[data-id="{offers[damkar.pk].pk}"]')
    # the confirmation is in view
    assert page.evaluate("(() => { const r = document.querySelector('#assignments').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()")

    # when Damkar's dispatcher accepts (REST API, as the dispatcher console does)
    api(asgi_server, f.dispatcher(damkar), "POST", f"/api/v1/assignments/{offers[damkar.pk].pk}/accept/", {})
    # then the panel says "Diterima" without a reload, and its countdown is gone
    accepted = f'#assignments li.as-accepted[data-id="{offers[damkar.pk].pk}"]'
    page.wait_for_selector(accepted, timeout=5_000)
    assert "Diterima" in page.inner_text(accepted) and page.locator(accepted + " .countdown").count() == 0

    # when the police decline with a reason
    api(asgi_server, f.dispatcher(police), "POST", f"/api/v1/assignments/{offers[police.pk].pk}/decline/", {"reason": "Bukan kewenangan kami"})
    declined = f'#assignments li.as-declined[data-id="{offers[police.pk].pk}"]'
    page.wait_for_selector(declined, timeout=5_000)
    assert "Ditolak" in page.inner_text(declined) and "Bukan kewenangan kami" in page.inner_text(declined)
    # and the list row follows: accepted
    page.wait_for_selector(row(incident) + '[data-status="accepted"]', timeout=5_000)

    # when the next call starts, the panel leaves the screen
    page.keyboard.press("F2")
    page.wait_for_selector("#call-panel.active")
    assert page.locator("#routing").is_hidden() and page.locator("#assignments .assignment").count() == 0
    page.context.close()


def test_a_decline_flags_the_incident_unrouted_and_alerts_the_supervisor(asgi_server, ct_browser, centre, fire_category, damkar, call_taker):
    supervisor = f.supervisor(centre, username="spv_pky")
    # given an incident routed to Damkar only, an older accepted one, the console and the supervisor board open
    incident = log_incident(call_taker)
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    older = log_incident(call_taker, address="Jl. Yos Sudarso")
    [older_offer] = incident_route(incident_id=older.pk, actor=call_taker)
    assignment_accept(assignment_id=older_offer.pk, actor=f.dispatcher(damkar))
    page = open_console(asgi_server, ct_browser, call_taker)
    _ctx, board = login(ct_browser, asgi_server.url, supervisor.username, viewport={"width": 1600, "height": 1000})
    echo_browser_errors(board)
    board.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    board.goto("/board/")
    wait_live(board)
    assert page.locator(row(incident) + ".unrouted").count() == 0
    assert page.evaluate("document.documentElement.dataset.ctUnroutedSounds || '0'") == "0"

    # when Damkar declines
    api(asgi_server, f.dispatcher(damkar), "POST", f"/api/v1/assignments/{offer.pk}/decline/", {"reason": "Armada habis"})

    # then the row is flagged "nobody holds it", on top of the list, and the tone played once
    flagged = row(incident) + ".unrouted.left"
    page.wait_for_selector(flagged, timeout=5_000)
    assert "teruskan ulang" in page.inner_text(flagged + " .flag")
    assert page.get_attribute("#open-incidents li.inc >> nth=0", "data-id") == str(incident.pk)
    assert page.evaluate("document.documentElement.dataset.ctUnroutedSounds") == "1"
    assert page.inner_text("#unrouted-count") == "1"
    # and once nobody has held it for the priority's threshold, the sweeper alerts the supervisors, on their board live
    incident.refresh_from_db()
    assert not SupervisorAlert.objects.filter(incident=incident, kind=SupervisorAlert.Kind.UNROUTED).exists()
    assert sweep_unrouted(now=incident.unrouted_alert_due_at + timedelta(seconds=1)) == 1
    board.wait_for_selector(f'#alerts li.alert-group.open[data-incident="{incident.pk}"][data-kinds~="unrouted"]', timeout=5_000)
    board.context.close()

    # the longer nobody holds it, the louder the row: declined 16 minutes ago, it is at the last step after a reload,
    # still flagged, and the tone does not play again for what the page already knew
    Assignment.objects.filter(pk=offer.pk).update(declined_at=timezone.now() - timedelta(minutes=16))
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    page.wait_for_selector(flagged + ".age-3")
    assert page.evaluate("document.documentElement.dataset.ctUnroutedSounds || '0'") == "0"
    page.context.close()


def test_the_list_sorts_by_attention_and_filters(asgi_server, ct_browser, centre, fire_category, damkar, police, call_taker):
    colleague = f.call_taker(centre, username="ct_kolega")
    now = timezone.now()

    def aged(incident, minutes):
        Incident.objects.filter(pk=incident.pk).update(created_at=now - timedelta(minutes=minutes))
        return incident

    # given: a P3 routed to Damkar, a P1 the police accepted, a P2 never routed, two P1 never routed (one a colleague's)
    p3_routed = aged(log_incident(call_taker, priority=3), 40)
    incident_route(incident_id=p3_routed.pk, actor=call_taker, agency_ids=[damkar.pk])
    p1_accepted = aged(log_incident(call_taker, priority=1), 30)
    [a] = incident_route(incident_id=p1_accepted.pk, actor=call_taker, agency_ids=[police.pk])
    assignment_accept(assignment_id=a.pk, actor=f.dispatcher(police))
    p2_new = aged(log_incident(call_taker, priority=2), 20)
    p1_new_old = aged(log_incident(colleague, priority=1), 10)
    p1_new = aged(log_incident(call_taker, priority=1), 5)
    page = open_console(asgi_server, ct_browser, call_taker)

    def order():
        return [int(i) for i in page.eval_on_selector_all("#open-incidents li.inc", "els => els.map(e => e.dataset.id)")]

    # then: nobody holding it first, then priority, then the longest waiting
    assert order() == [p1_new_old.pk, p1_new.pk, p2_new.pk, p1_accepted.pk, p3_routed.pk]
    # filters: unrouted, mine, priority, status, agency (the counter says how many are shown)
    page.click("#flt-unrouted")
    assert order() == [p1_new_old.pk, p1_new.pk, p2_new.pk]
    assert page.inner_text("#shown-count") == "3 ditampilkan"
    page.click("#flt-mine")
    assert order() == [p1_new.pk, p2_new.pk]
    page.click("#flt-unrouted")
    page.click("#flt-mine")
    page.select_option("#flt-priority", "1")
    assert order() == [p1_new_old.pk, p1_new.pk, p1_accepted.pk]
    page.select_option("#flt-priority", "")
    page.select_option("#flt-status", "accepted")
    assert order() == [p1_accepted.pk]
    page.select_option("#flt-status", "")
    page.select_option("#flt-agency", str(damkar.pk))
    assert order() == [p3_routed.pk]
    page.select_option("#flt-agency", "")
    assert page.locator("#shown-count").is_hidden() and page.inner_text("#open-count") == "5"

    # a new P1 call logged elsewhere lands on top, not under the surge
    fresh = api(asgi_server, colleague, "POST", "/api/v1/incidents/", {
        "category": "kebakaran", "priority": 1, "location": {"type": "Point", "coordinates": [113.92, -2.21]}, "address": "Jl. Baru", "caller_number": "081298765432",
    })
    page.wait_for_selector(f'#open-incidents li.inc[data-id="{fresh["id"]}"]', timeout=5_000)
    assert order()[:2] == [p1_new_old.pk, p1_new.pk] and order()[2] == fresh["id"]
    page.context.close()


def test_the_counter_is_the_servers_count_past_a_thousand(asgi_server, ct_browser, centre, fire_category, damkar, call_taker):
    # given 1,100 open incidents in the centre (written in bulk: a surge, not a service test)
    now = timezone.now()
    category = IncidentCategory.objects.get(code="kebakaran")
    Incident.objects.bulk_create([
        Incident(
            command_centre=centre, reference=f"PKY-{now.year}-9{n:05d}", year=now.year, number=900_000 + n, category=category,
            priority=1 + n % 4, status=Incident.Status.NEW if n % 3 else Incident.Status.ROUTED, location=PKY_POINT,
            address=f"Jl. Surge {n}", created_at=now - timedelta(seconds=n), created_by=call_taker,
        )
        for n in range(1100)
    ])
    server_count = Incident.objects.filter(command_centre=centre, status__in=Incident.OPEN_STATUSES).count()
    assert server_count == 1100
    api_count = api(asgi_server, call_taker, "GET", "/api/v1/incidents/?open=1")["count"]
    page = open_console(asgi_server, ct_browser, call_taker)
    # then the counter is the server's count, and the page holds a window of rows, not 1,100 nodes
    assert page.get_attribute("#open-count", "data-count") == str(server_count) == str(api_count)
    assert page.inner_text("#open-count") == "1.100"
    assert page.locator("#open-incidents li.inc").count() < 120
    # scrolled to the end, the last row in attention order is there (nothing dropped past 1,000)
    last = Incident.objects.filter(status=Incident.Status.ROUTED, priority=4).order_by("-created_at").first()
    page.eval_on_selector("#open-incidents", "el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_selector(row(last), timeout=5_000)

    # when another call is logged live, the counter follows; after a reload it is the same number
    api(asgi_server, call_taker, "POST", "/api/v1/incidents/", {
        "category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [113.92, -2.21]}, "address": "Jl. Baru", "caller_number": "081298765432",
    })
    page.wait_for_selector('#open-count[data-count="1101"]', timeout=5_000)
    page.reload()
    page.wait_for_selector("html[data-ct-ready='1']")
    assert page.get_attribute("#open-count", "data-count") == "1101"
    page.context.close()


def test_clock_and_times_in_wita_for_a_samarinda_call_taker(asgi_server, ct_browser, smd_places, fire_category):
    # given a Samarinda (WITA) call-taker whose PC runs on UTC, and an incident of the centre not yet routed
    centre = smd_places["centre"]
    damkar_smd = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar SMD", regions=list(centre.regions.all()))
    ct_smd = f.call_taker(centre, username="ct_smd")
    incident = log_incident(ct_smd, location=Point(117.15, -0.50, srid=4326), address="Jl. Palaran")
    page = console_page(ct_browser, asgi_server, ct_smd, timezone_id="UTC")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") in ("UTC", "Etc/UTC")

    # the clock in the top bar shows WITA time (UTC+8), not the PC's
    text = page.inner_text("#ct-clock")
    assert text.endswith("WITA"), text
    hour = int(re.search(r"(\d{1,2})[.:]\d{2}[.:]\d{2}", text).group(1))
    assert hour == timezone.now().astimezone(ZoneInfo("Asia/Makassar")).hour or (hour + 1) % 24 == timezone.now().astimezone(ZoneInfo("Asia/Makassar")).hour

    # the small things: no priority before a category, no stray override checkbox, the caller icon drawn as SVG
    assert page.input_value("#f-priority") == ""
    assert page.locator("#outside-override").is_hidden() and page.locator("#f-allow-outside").is_hidden()
    assert page.locator(row(incident) + " .callers svg").count() == 1

    # when routed, the agency's confirmation deadline is shown in WITA
    page.click(row(incident))
    page.wait_for_selector("#routing:not([hidden])")
    names = page.locator("#routing-list .agency b").all_inner_texts()
    if not page.locator("#routing-list .agency.checked").count():
        page.keyboard.press(str(names.index(damkar_smd.short_name) + 1))
    page.keyboard.press("Enter")
    page.wait_for_selector("#assignments .assignment.as-offered")
    deadline = Assignment.objects.get(incident=incident).ack_deadline.astimezone(ZoneInfo("Asia/Makassar"))
    shown = re.search(r"batas konfirmasi (\d{1,2})[.:](\d{2})[.:](\d{2})", page.inner_text("#assignments"))
    assert shown and tuple(map(int, shown.groups())) == (deadline.hour, deadline.minute, deadline.second)
    page.context.close()
