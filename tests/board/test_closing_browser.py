"""Issue 23 item 4 (closing) and the board's leftovers, in real headless Chromium against the ASGI app:

- a resolved incident is closed from the supervisor board's drill-down (a note, Enter; the button is out of the Tab
  order), and from the call-taker list with one key (Alt+U, a note, Enter) — every other open console sees the row go;
- the drill-down's timeline numbers are not cut off; the map legend says what a cluster's "12/3" means."""
import pytest
from django.contrib.gis.geos import Point

from incidents.models import Incident, TimelineEvent
from incidents.services import assignment_accept, assignment_complete, incident_create, incident_route, incident_update
from tests import factories as f
from tests.support import echo_browser_errors, session_context, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PKY_POINT = Point(113.9213, -2.2096, srid=4326)


def resolved_incident(call_taker, damkar_dispatcher, *, updates=0, address="Jl. Tjilik Riwut km 2"):
    incident, _ = incident_create(actor=call_taker, category="kebakaran", location=PKY_POINT, address=address,
                                  caller_number="081234567890", description="Sarang tawon")
    for i in range(updates):  # a long timeline: event numbers past 10
        incident_update(incident_id=incident.pk, actor=call_taker, description=f"Sarang tawon, catatan {i}")
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    assignment_complete(assignment_id=offer.pk, actor=damkar_dispatcher, note="Sarang dipindahkan")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
    return incident


def page_for(browser, base, user, path, viewport):
    context = session_context(browser, base, user, viewport=viewport)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    echo_browser_errors(page)
    page.goto(base + path)
    wait_live(page)
    return page


def test_the_supervisor_closes_a_resolved_incident_from_the_drill_down(asgi_process, chromium, centre, fire_category, damkar,
                                                                        call_taker, damkar_dispatcher):
    supervisor = f.supervisor(centre, username="spv_pky")
    incident = resolved_incident(call_taker, damkar_dispatcher, updates=9)
    try:
        board = page_for(chromium, asgi_process.url, supervisor, "/board/", {"width": 1600, "height": 1000})
        # the map legend explains a cluster's two numbers in words, not only on hover
        legend = board.locator(".legend-clusters")
        assert legend.is_visible() and "kejadian" in legend.inner_text() and "unit" in legend.inner_text()

        board.click(f'#incidents li.inc[data-id="{incident.pk}"] button')
        board.wait_for_selector("#drill[open] #close-form:not([hidden])")
        # the timeline's numbers fit in the list's margin (an 18 px margin showed "2." of "12.")
        timeline = board.locator("#drill .timeline")
        assert timeline.locator("li").count() >= 12
        fits = timeline.evaluate("""(ol) => {
            const style = getComputedStyle(ol), ctx = document.createElement("canvas").getContext("2d");
            ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            return parseFloat(style.paddingLeft) - ctx.measureText("99. ").width;
        }""")
        assert fits >= 0, f"the numbers need {-fits:.0f} px more"
        # it says when the centre would close it by itself; the button is out of the Tab order
        assert "ditutup otomatis" in board.inner_text("#close-hint")
        assert board.get_attribute("#close-form button[type=submit]", "tabindex") == "-1"
        # the drill-down's own button does not say "Tutup" beside "Tutup kejadian"
        assert board.inner_text("#drill [data-close]") == "Kembali ke papan"

        board.fill("#close-note", "Penelepon konfirmasi aman")
        board.press("#close-note", "Enter")
        board.wait_for_selector(f'#incidents li.inc[data-id="{incident.pk}"]', state="detached", timeout=10_000)
        board.wait_for_selector("#drill #close-form[hidden], #drill:not([open])", state="attached", timeout=10_000)
    finally:
        for context in chromium.contexts:
            context.close()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    event = TimelineEvent.objects.get(incident=incident, kind="incident.status_changed", payload__new="closed")
    assert event.actor_id == supervisor.pk and event.payload["note"] == "Penelepon konfirmasi aman"


def test_the_call_taker_closes_a_resolved_incident_with_one_key(asgi_process, chromium, centre, fire_category, damkar,
                                                                  call_taker, damkar_dispatcher):
    colleague = f.call_taker(centre, username="ct2_pky")
    open_one = resolved_incident(call_taker, damkar_dispatcher, address="Jl. Kinibalu 1")
    other = resolved_incident(call_taker, damkar_dispatcher, address="Jl. Kinibalu 2")
    try:
        page = page_for(chromium, asgi_process.url, call_taker, "/console/call-taker/", {"width": 1500, "height": 950})
        page.wait_for_selector("html[data-ct-ready='1']")
        watcher = page_for(chromium, asgi_process.url, colleague, "/console/call-taker/", {"width": 1500, "height": 950})
        row = f'#open-incidents li.inc[data-id="{open_one.pk}"]'
        page.wait_for_selector(row + ' [data-close-incident]')
        # the row's button is out of the Tab order (a stray Tab + Space must not close a ticket)
        assert page.get_attribute(row + " [data-close-incident]", "tabindex") == "-1"

        # Alt+U: a dialog naming the resolved incidents, the note focused; Esc leaves everything as it was
        page.keyboard.press("Alt+KeyU")
        page.wait_for_selector("#close-dialog[open]")
        options = page.locator("#close-which option")
        assert options.count() == 2 and {open_one.reference, other.reference} <= {
            o.split(" · ")[0] for o in options.all_inner_texts()}
        page.keyboard.press("Escape")
        page.wait_for_selector("#close-dialog:not([open])", state="attached")
        assert Incident.objects.get(pk=open_one.pk).status == Incident.Status.RESOLVED

        # the row's button preselects its incident; a note, Enter: closed, gone from both consoles
        page.click(row + " [data-close-incident]")
        page.wait_for_selector("#close-dialog[open]")
        assert page.input_value("#close-which") == str(open_one.pk)
        page.keyboard.type("Penelepon konfirmasi aman")
        page.keyboard.press("Enter")
        page.wait_for_selector(row, state="detached", timeout=10_000)
        watcher.wait_for_selector(row, state="detached", timeout=10_000)
        assert watcher.locator(f'#open-incidents li.inc[data-id="{other.pk}"]').count() == 1
    finally:
        for context in chromium.contexts:
            context.close()
    event = TimelineEvent.objects.get(incident=open_one, kind="incident.status_changed", payload__new="closed")
    assert event.actor_id == call_taker.pk and event.payload["note"] == "Penelepon konfirmasi aman"
    assert Incident.objects.get(pk=other.pk).status == Incident.Status.RESOLVED
