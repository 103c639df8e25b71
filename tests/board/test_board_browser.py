"""End to end in a real browser, no reload: with the supervisor's board open, a call-taker logs and routes a fire
call; the offer appears with its countdown; nobody accepts, the deadline passes and the sweeper (the same function
beat runs every second) expires it; the alert appears with a flash, and the supervisor acknowledges it with a note.

The server is a uvicorn subprocess on the pytest database (the board needs the WebSocket): tests/support.py."""
import time
import uuid

import pytest

from incidents.models import EscalationRule, SupervisorAlert, TimelineEvent
from incidents.tasks import sweep_ack_deadlines
from tests import factories as f
from tests.support import echo_browser_errors, login, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

ACK_SECONDS = 6


def wait_until(predicate, seconds, what):
    # polled from Python: wait_for_function evaluates a string, which the page's CSP (rightly) refuses
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_offer_countdown_expiry_alert_and_acknowledge_live(asgi_process_factory, chromium, centre, fire_category, damkar, call_taker):
    supervisor = f.supervisor(centre, username="supervisor_pky")
    EscalationRule.objects.create(command_centre=centre, ack_seconds=ACK_SECONDS, second_stage_seconds=600)
    # under the production Content-Security-Policy (no inline script or handler may run)
    base = asgi_process_factory(env={"CSP_ENABLED": "true"}).url
    csp_errors = []
    try:
        _sctx, board = login(chromium, base, supervisor.username, viewport={"width": 1600, "height": 1000})
        echo_browser_errors(board)
        board.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
        board.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        board.goto("/")  # ROLE_HOME: a supervisor lands on the board
        board.wait_for_url("**/board/")
        wait_live(board)
        board.evaluate("() => { window.__sameDocument = true; }")
        assert board.text_content("#offer-count") == "0"

        # a call-taker logs and routes a fire call (REST API v1, as the console does)
        ct_ctx, ct = login(chromium, base, call_taker.username)
        csrf = next(c["value"] for c in ct_ctx.cookies() if c["name"] == "csrftoken")
        headers = {"X-CSRFToken": csrf, "Idempotency-Key": str(uuid.uuid4()), "Referer": base + "/"}
        r = ct.request.post(base + "/api/v1/incidents/", headers=headers, data={
            "category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [113.9213, -2.2096]},
            "address": "Jl. Tjilik Riwut km 2", "description": "Rumah terbakar", "caller_number": "081234567890",
        })
        assert r.status == 201, r.text()
        incident_id = r.json()["id"]
        r = ct.request.post(base + f"/api/v1/incidents/{incident_id}/route/", headers=headers, data={})
        assert r.status == 200, r.text()
        [assignment] = r.json()

        # the offer appears live, with a countdown ticking locally
        offer = f'#offers li.offer[data-assignment="{assignment["id"]}"]'
        board.wait_for_selector(offer, timeout=10_000)
        first = board.text_content(offer + " .countdown")
        assert first.startswith("00:0"), first
        wait_until(lambda: board.text_content(offer + " .countdown") != first, 5, "the countdown to tick")
        board.wait_for_selector(f'#incidents li.inc[data-id="{incident_id}"][data-status="routed"]', timeout=10_000)
        assert board.text_content("#offer-count") == "1"

        # nobody accepts: the deadline passes, the sweeper expires it
        board.wait_for_selector(offer + " .countdown.overdue", timeout=(ACK_SECONDS + 5) * 1000)
        deadline = time.monotonic() + 10
        while sweep_ack_deadlines() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)

        # the alert appears (flashing), the offer is gone
        alert = '#alerts li.alert[data-kind="assignment_expired"][data-acknowledged="false"]'
        board.wait_for_selector(alert, timeout=10_000)
        board.wait_for_selector(".b-alerts.flash", timeout=5_000)
        board.wait_for_selector(offer, state="detached", timeout=10_000)
        assert "Penugasan tidak dikonfirmasi" in board.text_content(alert)
        alert_id = int(board.get_attribute(alert, "data-alert"))

        # acknowledged with a note, from the keyboard
        board.click(f'{alert} button[data-ack="{alert_id}"]')
        board.wait_for_selector("#ack-dialog[open]")
        board.fill("#ack-note", "Damkar dihubungi lewat radio")
        board.click("#ack-submit")
        board.wait_for_selector(f'#alerts li.alert[data-alert="{alert_id}"][data-acknowledged="true"]', timeout=10_000)
        # the live alert.acknowledged event brings the note to every board
        wait_until(lambda: "Damkar dihubungi lewat radio" in board.text_content(f'#alerts li.alert[data-alert="{alert_id}"]'), 10,
                   "the note on the acknowledged alert")
        assert board.evaluate("() => window.__sameDocument") is True  # never reloaded
        assert csp_errors == []
    finally:
        for context in chromium.contexts:
            context.close()

    row = SupervisorAlert.objects.get(pk=alert_id)
    assert row.acknowledged_by_id == supervisor.pk and row.acknowledged_at is not None
    event = TimelineEvent.objects.get(kind="alert.acknowledged", payload__alert=alert_id)
    assert event.payload["note"] == "Damkar dihubungi lewat radio" and event.actor_id == supervisor.pk


def test_provincial_board_each_centre_in_its_zone_numbers_live(asgi_process, chromium, centre, smd, paser, supervisor_kaltim):
    """The East Kalimantan board: Samarinda and Paser in WITA, not Palangka Raya; a Samarinda call-taker's calls move
    Samarinda's funnel and activity live (on a call, then a prank closed), a Palangka Raya call moves nothing."""
    from incidents.services import call_close, call_start

    ct_smd = f.call_taker(smd, username="ct_smd", first_name="Sari", last_name="Operator")
    ct_pky = f.call_taker(centre, username="ct_pky")
    base = asgi_process.url
    try:
        _ctx, board = login(chromium, base, supervisor_kaltim.username, viewport={"width": 1600, "height": 1000})
        echo_browser_errors(board)
        board.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        board.goto("/board/")
        wait_live(board)
        blocks = board.query_selector_all(".centre-block")
        assert sorted(b.get_attribute("data-centre") for b in blocks) == sorted([str(smd.pk), str(paser.pk)])
        assert [z.text_content() for z in board.query_selector_all(".centre-block .zone")] == ["WITA", "WITA"]
        smd_block = f'.centre-block[data-centre="{smd.pk}"]'
        assert board.text_content(f'{smd_block} [data-funnel="received"]') == "0"

        # a Palangka Raya call is not this board's business
        call_close(call_id=call_start(actor=ct_pky, caller_number="081200000001").pk, actor=ct_pky, disposition="prank")
        # a Samarinda call-taker answers: on a call, with a clock running
        call = call_start(actor=ct_smd, caller_number="081200000002")
        board.wait_for_selector(f'{smd_block} tr[data-user="{ct_smd.pk}"].on-call .since', timeout=10_000)
        assert board.text_content(f'{smd_block} [data-funnel="received"]') == "1"
        assert "Sari Operator" in board.text_content(f'{smd_block} tr[data-user="{ct_smd.pk}"]')
        # … and closes it as a prank
        call_close(call_id=call.pk, actor=ct_smd, disposition="prank")
        board.wait_for_selector(f'{smd_block} tr[data-user="{ct_smd.pk}"]:not(.on-call)', timeout=10_000)
        assert board.text_content(f'{smd_block} [data-funnel="prank"]') == "1"
        assert board.text_content(f'{smd_block} tr[data-user="{ct_smd.pk}"] td:nth-child(3)') == "1"
        # … and undoes it (issue 23): the prank leaves the funnel, the call-taker is on the line again
        from incidents.services import call_reopen

        call_reopen(call_id=call.pk, actor=ct_smd)
        board.wait_for_selector(f'{smd_block} tr[data-user="{ct_smd.pk}"].on-call .since', timeout=10_000)
        assert board.text_content(f'{smd_block} [data-funnel="prank"]') == "0"
        assert board.text_content(f'{smd_block} [data-funnel="received"]') == "1"
        assert board.text_content(f'.centre-block[data-centre="{paser.pk}"] [data-funnel="received"]') == "0"
        assert board.query_selector(f'.centre-block[data-centre="{centre.pk}"]') is None
    finally:
        for context in chromium.contexts:
            context.close()
