"""The crew's phone (issue 16): a unit's own login lands on /crew/, live from the first moment; the page fits a
360–412 px wide phone without sideways scrolling; the job has a map and navigation links; "Selesai" asks first,
and after it the job card goes away instead of staying empty."""
import pytest
from django.contrib.gis.geos import Point

from agencies.models import Unit
from incidents.services import unit_dispatch
from tests import factories as f
from tests.support import login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def on_job(make_incident, call_taker, damkar, damkar_dispatcher):
    from incidents.services import assignment_accept, incident_route

    incident = make_incident(description="Rumah terbakar di gang 3")
    [assignment] = incident_route(incident_id=incident.pk, actor=call_taker)
    assignment_accept(assignment_id=assignment.pk, actor=damkar_dispatcher)
    unit = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-07", position=Point(113.93, -2.215, srid=4326))
    unit_dispatch(assignment_id=assignment.pk, unit_ids=[unit.pk], actor=damkar_dispatcher)
    return incident, unit


def test_crew_login_lands_on_a_phone_page_that_fits(asgi_process, chromium, on_job):
    incident, unit = on_job
    crew = f.crew(unit, username="kru_dmk_07")
    for width, height in ((360, 740), (412, 915)):
        context, page = login(chromium, asgi_process.url, crew.username, viewport={"width": width, "height": height},
                              is_mobile=True, has_touch=True)
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        try:
            # the login form's redirect goes through home to the crew page
            assert page.url.endswith("/crew/"), page.url
            # live without picking anything
            page.wait_for_selector("#live-state.live", timeout=15000)
            page.wait_for_selector("#crew-job:not([hidden]) #job-desc:text('Rumah terbakar di gang 3')", timeout=10000)
            widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
            assert max(widths[:2]) <= widths[2] == width, widths
            # the logout button is on screen
            box = page.locator(".logout button").bounding_box()
            assert box and box["x"] + box["width"] <= width
        finally:
            context.close()


def test_crew_confirms_before_resolving_and_no_empty_card_remains(asgi_process, chromium, on_job):
    incident, unit = on_job
    crew = f.crew(unit, username="kru_dmk_07b")
    context, page = login(chromium, asgi_process.url, crew.username, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page.wait_for_selector("#live-state.live", timeout=15000)
        page.wait_for_selector("#crew-job:not([hidden])", timeout=10000)
        lon, lat = incident.location.x, incident.location.y
        assert page.get_attribute("#nav-geo", "href").startswith(f"geo:{lat},{lon}")
        assert f"mlat={lat}&mlon={lon}" in page.get_attribute("#nav-osm", "href")
        assert page.locator("#crew-map.leaflet-container").count() == 1

        # "Selesai" asks first; cancelling changes nothing
        page.click("#crew-resolve")
        page.wait_for_selector("#resolve-dialog[open]")
        assert Unit.objects.get(pk=unit.pk).status == Unit.Status.DISPATCHED
        page.click("#resolve-dialog [data-close]")
        page.wait_for_selector("#resolve-dialog[open]", state="detached")
        assert Unit.objects.get(pk=unit.pk).status == Unit.Status.DISPATCHED

        # confirmed with a note: the unit is free again and the job card is gone, not left empty
        page.click("#crew-resolve")
        page.fill("#crew-note", "api padam")
        page.click("#resolve-confirm")
        page.wait_for_selector("#crew-job[hidden]", state="attached", timeout=10000)
        page.wait_for_selector("#crew-idle:not([hidden])", timeout=10000)
        assert Unit.objects.get(pk=unit.pk).status == Unit.Status.AVAILABLE
        visible_cards = page.eval_on_selector_all(".crew-card", "cs => cs.filter(c => c.offsetParent !== null).map(c => c.innerText.trim())")
        assert all(visible_cards), visible_cards
        assert page.text_content("#crew-status") == "Siaga"
    finally:
        context.close()


def test_a_refused_location_is_explained_in_bahasa_indonesia_with_what_to_do(asgi_process, chromium, on_job):
    # issue 23: the browser's own "User denied Geolocation" reached the crew as is
    incident, unit = on_job
    crew = f.crew(unit, username="kru_dmk_07")
    # no geolocation permission granted: the browser refuses the position
    context, page = login(chromium, asgi_process.url, crew.username, viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True, permissions=[])
    context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    try:
        page.wait_for_function("!document.getElementById('crew-gps').textContent.includes('belum dikirim')", timeout=15000)
        text = page.text_content("#crew-gps")
        assert "Izin lokasi ditolak" in text and "pengaturan browser" in text, text
        assert "denied" not in text.lower() and "geolocation" not in text.lower(), text
    finally:
        context.close()
