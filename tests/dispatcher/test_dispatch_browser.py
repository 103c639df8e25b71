"""End to end in a real browser: a call-taker routes a fire call; the Damkar dispatcher sees it appear
live, accepts it and dispatches a unit; the unit's crew login moves the unit to on scene (sending its position);
the call-taker's console shows each step live.

The server is a uvicorn subprocess on the pytest database (live updates need the WebSocket): tests/support.py."""
import uuid

import pytest
from django.contrib.gis.geos import Point

from agencies.models import Unit, UnitPosition
from incidents.models import Incident, TimelineEvent
from tests import factories as f
from tests.support import login as _login
from tests.support import wait_live as _wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def server(asgi_process):
    return asgi_process.url


def test_fire_call_to_on_scene_live(server, chromium, centre, fire_category, damkar, call_taker, damkar_dispatcher):
    unit = f.UnitFactory(agency=damkar, call_sign="PKY-DMK-07", position=Point(113.93, -2.215, srid=4326))
    crew_user = f.crew(unit, username="kru_damkar")
    base = server
    browser = chromium
    try:
        ct_ctx, ct = _login(browser, base, call_taker.username)
        ct.goto("/console/call-taker/")
        _wait_live(ct)
        d_ctx, disp = _login(browser, base, damkar_dispatcher.username)
        disp.goto("/console/dispatcher/")
        _wait_live(disp)
        crew_ctx, crew = _login(
            browser, base, crew_user.username, geolocation={"latitude": -2.2120, "longitude": 113.9250}, permissions=["geolocation"]
        )

        # the call-taker logs and routes a fire call (REST API v1, as the console does)
        csrf = next(c["value"] for c in ct_ctx.cookies() if c["name"] == "csrftoken")
        headers = {"X-CSRFToken": csrf, "Idempotency-Key": str(uuid.uuid4()), "Referer": base + "/"}
        r = ct.request.post(base + "/api/v1/incidents/", headers=headers, data={
            "category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [113.9213, -2.2096]},
            "address": "Jl. Tjilik Riwut km 2", "description": "Rumah terbakar, asap tebal", "caller_number": "081234567890",
        })
        assert r.status == 201, r.text()
        incident_id = r.json()["id"]
        r = ct.request.post(base + f"/api/v1/incidents/{incident_id}/route/", headers=headers, data={})
        assert r.status == 200, r.text()
        row = f'#open-incidents li.inc[data-id="{incident_id}"]'
        ct.wait_for_selector(row + '[data-status="routed"]', timeout=10000)

        # the Damkar dispatcher sees it appear live, with its countdown, and accepts it
        offer = f'#offered li.offer[data-incident="{incident_id}"]'
        disp.wait_for_selector(offer, timeout=10000)
        countdown = disp.text_content(offer + " .countdown")
        assert ":" in countdown, countdown
        disp.click(offer + ' button[data-action="accept"]')
        card = f'#accepted li.incident[data-incident="{incident_id}"]'
        disp.wait_for_selector(card, timeout=10000)
        ct.wait_for_selector(row + '[data-status="accepted"]', timeout=10000)

        # dispatches the recommended (nearest, capable) unit
        disp.click(card + ' button[data-action="dispatch"]')
        disp.wait_for_selector(f'#recommend-rows input[name="unit"][value="{unit.pk}"]', timeout=10000)
        assert "PKY-DMK-07" in disp.text_content("#recommend-rows")
        disp.check(f'#recommend-rows input[name="unit"][value="{unit.pk}"]')
        disp.click('#dispatch-form button[type="submit"]')
        disp.wait_for_selector(f'.unit-card[data-unit="{unit.pk}"][data-status="dispatched"]', timeout=10000)
        ct.wait_for_selector(row + '[data-status="dispatched"]', timeout=10000)

        # the unit's crew login reports en route, then on scene
        crew.goto("/crew/")
        crew.wait_for_selector('button[data-to="en_route"]:not([hidden])', timeout=10000)
        crew.click('button[data-to="en_route"]')
        crew.wait_for_selector('button[data-to="on_scene"]:not([hidden])', timeout=10000)
        ct.wait_for_selector(row + '[data-status="en_route"]', timeout=10000)
        disp.wait_for_selector(f'.unit-card[data-unit="{unit.pk}"][data-status="en_route"]', timeout=10000)
        crew.click('button[data-to="on_scene"]')
        crew.wait_for_function("document.getElementById('crew-status').textContent.includes('Di lokasi')", timeout=10000)

        # every step reached the call-taker's console and the dispatcher's board live
        ct.wait_for_selector(row + '[data-status="on_scene"]', timeout=10000)
        disp.wait_for_selector(f'.unit-card[data-unit="{unit.pk}"][data-status="on_scene"]', timeout=10000)
        # and the crew phone's position reached the AVL endpoint
        crew.wait_for_selector("#crew-gps.on", timeout=15000)
    finally:
        for context in browser.contexts:
            context.close()

    incident = Incident.objects.get(pk=incident_id)
    assert incident.status == Incident.Status.ON_SCENE and incident.on_scene_at is not None
    assert Unit.objects.get(pk=unit.pk).status == Unit.Status.ON_SCENE
    pos = UnitPosition.objects.filter(unit=unit).latest("recorded_at")
    assert (round(pos.position.y, 4), round(pos.position.x, 4)) == (-2.2120, 113.9250)
    statuses = [e.payload["new"] for e in TimelineEvent.objects.filter(incident=incident, kind="incident.status_changed").order_by("seq")]
    assert statuses == ["routed", "accepted", "dispatched", "en_route", "on_scene"]
