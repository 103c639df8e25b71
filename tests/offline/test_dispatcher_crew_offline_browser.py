"""The dispatcher's and the crew's pages without the server (issue 26), in real Chromium (Playwright's set_offline):
"terputus" on screen, the status changes queued on the computer, sent in order when the network returns — and the
server's rules deciding: a queued accept that another dispatcher beat reads as a clear message, nothing sent."""
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from agencies.models import Unit
from incidents.models import Assignment, TimelineEvent
from incidents.services import assignment_accept, incident_route, unit_dispatch
from tests import factories as f
from tests.support import echo_browser_errors, session_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "offline"


def open_page(browser, server, user, path, ready, **context_options):
    context = session_context(browser, server.url, user, **context_options)
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    echo_browser_errors(page)
    page.goto(server.url + path)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_selector("html[data-outbox='online']", state="attached")
    return page


def test_a_queued_accept_another_dispatcher_beat_reads_as_a_clear_message(asgi_server, ct_browser, make_incident, call_taker, damkar):
    mine = f.dispatcher(damkar, username="disp_budi", first_name="Budi", last_name="Santoso")
    other = f.dispatcher(damkar, username="disp_rina", first_name="Rina", last_name="Wati")
    incident = make_incident()
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    page = open_page(ct_browser, asgi_server, mine, "/console/dispatcher/", f'#offered li.offer[data-incident="{incident.pk}"]',
                     viewport={"width": 1600, "height": 1000})

    page.context.set_offline(True)
    page.wait_for_selector("#outbox-banner.offline")
    assert "Server terputus" in page.locator("#outbox-banner").inner_text()
    page.click(f'#offered li.offer[data-incident="{incident.pk}"] button[data-action="accept"]')
    page.wait_for_function("document.documentElement.dataset.outboxPending === '1'")
    assert "Menunggu server" in page.locator("#accepted").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dispatcher-offline-desk.png"))
    # meanwhile another dispatcher of the agency accepts it on a computer that has the server
    assignment_accept(assignment_id=offer.pk, actor=other)

    page.context.set_offline(False)
    page.wait_for_function("document.documentElement.dataset.outboxPending === '0'", timeout=20_000)
    flash = page.locator("#dp-flash")
    flash.wait_for(state="visible")
    text = flash.inner_text()
    assert f"Penugasan {incident.reference} sudah diterima oleh Rina Wati — aksi Anda tidak dikirim." in text, text
    page.screenshot(path=str(SHOTS / "dispatcher-conflict-desk.png"))
    offer.refresh_from_db()
    assert offer.status == Assignment.Status.ACCEPTED and offer.acted_by_id == other.pk
    assert TimelineEvent.objects.filter(kind="assignment.accepted").count() == 1
    # the screen as the server has it: still accepted (by Rina), no "waiting" left
    page.wait_for_function("!document.querySelector('#accepted').textContent.includes('Menunggu server')")
    page.context.close()


def test_the_crew_steps_taken_offline_go_in_order_when_back(asgi_server, ct_browser, make_incident, call_taker, damkar):
    unit = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-09", position=Point(113.92, -2.21, srid=4326))
    crew_user = f.crew(unit, username="kru_09")
    dispatcher = f.dispatcher(damkar, username="disp_x")
    incident = make_incident()
    [offer] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=offer.pk, actor=dispatcher)
    unit_dispatch(assignment_id=offer.pk, actor=dispatcher, unit_ids=[unit.pk])
    page = open_page(ct_browser, asgi_server, crew_user, "/crew/", "#crew-job:not([hidden])",
                     viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)

    page.context.set_offline(True)
    page.wait_for_selector("#outbox-banner.offline")
    assert "Server terputus — status disimpan di ponsel ini" in page.locator("#outbox-banner").inner_text()
    page.click('button[data-to="en_route"]')
    page.wait_for_function("document.documentElement.dataset.outboxPending === '1'")
    page.click('button[data-to="on_scene"]')
    page.wait_for_function("document.documentElement.dataset.outboxPending === '2'")
    assert page.locator("#crew-status").get_attribute("data-status") == "on_scene"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "crew-offline-phone.png"))
    unit.refresh_from_db()
    assert unit.status == Unit.Status.DISPATCHED

    page.context.set_offline(False)
    page.wait_for_function("document.documentElement.dataset.outboxPending === '0'", timeout=20_000)
    unit.refresh_from_db()
    assert unit.status == Unit.Status.ON_SCENE
    kinds = [e.payload.get("new") for e in TimelineEvent.objects.filter(kind="unit.status_changed").order_by("seq")]
    assert kinds[-2:] == ["en_route", "on_scene"], kinds
    page.wait_for_function("document.querySelector('#outbox-banner').textContent.includes('Tersambung kembali')")
    page.context.close()
