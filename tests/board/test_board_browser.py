"""End to end in a real browser, no reload: with the supervisor's board open, a call-taker logs and routes a fire
call; the offer appears with its countdown; nobody accepts, the deadline passes and the sweeper (the same function
beat runs every second) expires it; the alert appears with a flash as one line for the incident, and the supervisor
marks the line handled with a note — a second supervisor's board (on a phone) sees it happen live.

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
    supervisor = f.supervisor(centre, username="supervisor_pky", first_name="Supervisor", last_name="Satu")
    colleague = f.supervisor(centre, username="supervisor2_pky")
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

        # the alert appears (flashing) as one line for the incident, the offer is gone
        line = f'#alerts li.alert-group[data-incident="{incident_id}"]'
        board.wait_for_selector(line + '.open[data-kinds~="assignment_expired"]', timeout=10_000)
        board.wait_for_selector(".b-alerts.flash", timeout=5_000)
        board.wait_for_selector(offer, state="detached", timeout=10_000)
        assert "Penugasan tidak dikonfirmasi" in board.text_content(line)
        assert board.locator("#alerts li.alert-group").count() == 1

        # a second supervisor has the board open too
        _s2ctx, second = login(chromium, base, colleague.username, viewport={"width": 390, "height": 844})
        echo_browser_errors(second)
        second.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
        second.goto("/board/")
        wait_live(second)
        second.wait_for_selector(line + ".open", timeout=10_000)

        # the first marks the line handled, with a note: the button says what it does, the dialog what it marks
        button = board.locator(f'{line} button[data-ack-incident="{incident_id}"]')
        assert button.inner_text() == "Tandai sudah ditangani"
        button.click()
        board.wait_for_selector("#ack-dialog[open]")
        assert "Penugasan tidak dikonfirmasi" in board.text_content("#ack-list")
        board.fill("#ack-note", "Damkar dihubungi lewat radio")
        board.click("#ack-submit")
        board.wait_for_selector(line + '.acked[data-open-count="0"]', timeout=10_000)
        # the colleague is told who did it, even where the handled line has sunk out of view
        second.wait_for_selector("#board-flash:not([hidden])", timeout=10_000)
        assert "ditangani oleh Supervisor Satu" in second.inner_text("#board-flash")
        # the live alert.acknowledged event brings who and the note to every board, the colleague's phone included
        for page in (board, second):
            wait_until(lambda page=page: "Damkar dihubungi lewat radio" in page.text_content(line), 10, "the note on the handled line")
            assert "Supervisor" in page.text_content(line + " .acked-by")
            assert page.locator(f'{line} button[data-ack-incident]').count() == 0
        assert board.text_content("#alert-count") == "0" and second.text_content("#alert-count") == "0"
        assert board.evaluate("() => window.__sameDocument") is True  # never reloaded
        assert csp_errors == []
    finally:
        for context in chromium.contexts:
            context.close()

    rows = SupervisorAlert.objects.filter(incident_id=incident_id)
    assert rows.count() >= 1 and {r.acknowledged_by_id for r in rows} == {supervisor.pk}
    event = TimelineEvent.objects.get(kind="alert.acknowledged", incident_id=incident_id)
    assert event.payload["note"] == "Damkar dihubungi lewat radio" and event.actor_id == supervisor.pk
    assert sorted(event.payload["alerts"]) == sorted(r.pk for r in rows)


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
