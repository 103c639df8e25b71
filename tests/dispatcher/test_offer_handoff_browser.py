"""Issue 23 in a real browser (dispatcher): an incoming offer that is not the agency's is handed on straight from
its card — the same searchable list grouped by centre, with the reason — without accepting it first; what the
agency finished stays in sight under "Selesai hari ini", live; "Tidak beroperasi" asks first, stays out of the Tab
order and is undone by putting the unit back in service."""
import pytest
from django.contrib.gis.geos import Point

from agencies.models import Unit
from incidents.models import Assignment
from incidents.services import assignment_accept, assignment_complete, incident_create, incident_route
from tests import factories as f
from tests.support import login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _incident(call_taker, fire_category, description="Pohon tumbang menimpa rumah"):
    incident, _ = incident_create(
        actor=call_taker, category=fire_category.code, location=Point(113.9213, -2.2096, srid=4326),
        address="Jl. Tjilik Riwut km 2", description=description, caller_number="081234567890",
    )
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    return incident, offer


def test_handoff_straight_from_an_offer(asgi_process, chromium, centre, fire_category, damkar, call_taker, damkar_dispatcher):
    bpbd = f.AgencyFactory(command_centre=centre, type="disaster", short_name="BPBD PKY", name="Badan Penanggulangan Bencana Daerah")
    f.AgencyFactory(command_centre=f.samarinda_centre(), type="disaster", short_name="BPBD SMD")
    bpbd_dispatcher = f.dispatcher(bpbd, username="disp_bpbd")
    incident, offer = _incident(call_taker, fire_category)
    try:
        _c, page = login(chromium, asgi_process.url, damkar_dispatcher.username, viewport={"width": 1600, "height": 1000})
        page.goto("/console/dispatcher/")
        wait_live(page)
        _c2, other = login(chromium, asgi_process.url, bpbd_dispatcher.username, viewport={"width": 1600, "height": 1000})
        other.goto("/console/dispatcher/")
        wait_live(other)
        card = f'#offered li.offer[data-incident="{incident.pk}"]'
        page.wait_for_selector(card, timeout=10000)

        # the offer itself carries "Alihkan": the dialog opens with the search focused, agencies grouped by centre
        page.click(card + ' button[data-action="handoff"]')
        page.wait_for_selector("#handoff-dialog[open]")
        assert page.evaluate("document.activeElement.id") == "handoff-search"
        groups = page.eval_on_selector_all("#handoff-agency optgroup", "gs => gs.map(g => g.label)")
        assert groups[0] == "112 Kota Palangka Raya" and "112 Kota Samarinda" in groups
        page.fill("#handoff-search", "bpbd palangka")
        options = page.eval_on_selector_all("#handoff-agency option:not([disabled])", "os => os.map(o => o.textContent)")
        assert options == ["BPBD PKY — " + bpbd.get_type_display()]
        page.keyboard.press("ArrowDown")
        page.fill("#handoff-reason", "Pohon tumbang, bukan kebakaran")
        page.click('#handoff-form button[type="submit"]')

        # the offer leaves Damkar's list and arrives, live, on BPBD's with the reason
        page.wait_for_selector(card, state="detached", timeout=10000)
        arrived = f'#offered li.offer[data-incident="{incident.pk}"]'
        other.wait_for_selector(arrived, timeout=10000)
        assert "Pohon tumbang, bukan kebakaran" in other.text_content(arrived + " .note")
    finally:
        for context in chromium.contexts:
            context.close()
    offer.refresh_from_db()
    assert offer.status == Assignment.Status.HANDED_OFF and offer.accepted_at is None
    new = Assignment.objects.get(previous=offer)
    assert (new.agency_id, new.status, new.reason) == (bpbd.pk, "offered", "Pohon tumbang, bukan kebakaran")


def test_finished_today_stays_listed_and_out_of_service_is_confirmed(asgi_process, chromium, centre, fire_category, damkar,
                                                                     call_taker, damkar_dispatcher):
    engine = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-05", position=Point(113.925, -2.212, srid=4326))
    incident, offer = _incident(call_taker, fire_category, description="Rumah terbakar")
    accepted = assignment_accept(assignment_id=offer.pk, actor=damkar_dispatcher)
    try:
        _c, page = login(chromium, asgi_process.url, damkar_dispatcher.username, viewport={"width": 1600, "height": 1000})
        page.goto("/console/dispatcher/")
        wait_live(page)
        page.wait_for_selector(f'#accepted li.incident[data-incident="{incident.pk}"]', timeout=10000)
        assert page.is_visible("#done-empty")

        # the crew (here: the service, as the crew page's "Selesai" does) finishes: the card moves to "Selesai hari ini"
        assignment_complete(assignment_id=accepted.pk, actor=damkar_dispatcher, note="api padam")
        done = f'#done li.done[data-incident="{incident.pk}"]'
        page.wait_for_selector(done, timeout=10000)
        page.wait_for_selector(f'#accepted li.incident[data-incident="{incident.pk}"]', state="detached", timeout=10000)
        assert page.text_content("#done-count") == "1"
        assert incident.reference in page.text_content(done) and "selesai" in page.text_content(done + " .done-at")
        # its detail is still one key away
        page.focus(done)
        page.keyboard.press("Enter")
        page.wait_for_selector("#detail-dialog[open] #detail-body .description", timeout=10000)
        page.keyboard.press("Escape")

        # "Tidak beroperasi": not reachable by Tab, and a click only asks
        oos = f'.unit-card[data-unit="{engine.pk}"] button[data-to="out_of_service"]'
        page.wait_for_selector(oos)
        assert page.get_attribute(oos, "tabindex") == "-1"
        page.click(oos)
        page.wait_for_selector("#oos-dialog[open]")
        assert "PKY-DMK-05" in page.text_content("#oos-dialog")
        page.keyboard.press("Escape")
        page.wait_for_selector("#oos-dialog[open]", state="detached")
        engine.refresh_from_db()
        assert engine.status == Unit.Status.AVAILABLE
        # confirmed: out of service; the toast's undo puts it back in service
        page.click(oos)
        page.wait_for_selector("#oos-dialog[open]")
        page.keyboard.press("Enter")
        page.wait_for_selector(f'.unit-card[data-unit="{engine.pk}"][data-status="out_of_service"]', timeout=10000)
        page.click("#dp-flash .flash-action")
        page.wait_for_selector(f'.unit-card[data-unit="{engine.pk}"][data-status="available"]', timeout=10000)
    finally:
        for context in chromium.contexts:
            context.close()
    engine.refresh_from_db()
    assert engine.status == Unit.Status.AVAILABLE
