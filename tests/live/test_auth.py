"""Who may open /ws/events/: the session (same origin), an API token header; nobody else."""
from tests.live.conftest import closed_with, db, events, open_socket, run, session_cookie, socket, token_for

pytestmark = __import__("pytest").mark.django_db(transaction=True)


def test_anonymous_socket_is_closed_4401(centre):
    async def body():
        comm = await open_socket(origin="http://testserver")
        assert await closed_with(comm) == 4401

    run(body())


def test_wrong_token_is_closed_4401_even_with_a_session(call_taker):
    cookie = session_cookie(call_taker)

    async def body():
        comm = await open_socket(token="not-a-token", cookie=cookie, origin="http://testserver")
        assert await closed_with(comm) == 4401

    run(body())


def test_token_header_authenticates_and_streams_events(call_taker, make_incident):
    key = token_for(call_taker)

    async def body():
        # given an integrator's socket (no Origin: not a browser) with a token header
        comm = await open_socket(token=key)
        # when an incident is created in its centre
        incident = await db(make_incident)()
        # then the socket receives it
        [event] = await events(comm, 1)
        assert event["kind"] == "incident.created"
        assert event["incident"] == incident.pk
        assert event["payload"]["incident"]["reference"] == incident.reference
        await comm.disconnect()

    run(body())


def test_session_authenticates_a_same_origin_browser(call_taker, make_incident):
    cookie = session_cookie(call_taker)

    async def body():
        comm = await open_socket(cookie=cookie, origin="http://testserver")
        incident = await db(make_incident)()
        [event] = await events(comm, 1)
        assert (event["kind"], event["incident"]) == ("incident.created", incident.pk)
        await comm.disconnect()

    run(body())


def test_foreign_origin_is_refused(call_taker):
    cookie = session_cookie(call_taker)

    async def body():
        comm = socket(cookie=cookie, origin="http://evil.example.com")
        connected, _ = await comm.connect(timeout=3)
        assert not connected

    run(body())


def test_session_cookie_without_origin_does_not_authenticate(call_taker):
    # A non-browser client must use a token; cookies without Origin are ignored.
    cookie = session_cookie(call_taker)

    async def body():
        comm = await open_socket(cookie=cookie)
        assert await closed_with(comm) == 4401

    run(body())


def test_ping_is_answered(call_taker):
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        await comm.send_json_to({"type": "ping", "t": 7})
        assert await comm.receive_json_from(timeout=3) == {"type": "pong", "t": 7}
        await comm.disconnect()

    run(body())
