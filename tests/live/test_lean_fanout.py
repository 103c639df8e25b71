"""The lean fan-out (issue 15) on a real Uvicorn server: the hub builds each event's WebSocket frame once and writes
the same bytes to every socket of its audience, with no per-socket encoding or framing (incidents.live.send) — and
everything the slower path guaranteed still holds on it: scoping per audience, no caller data for communities,
gap-free catch-up by seq, in-order delivery behind a full write buffer, the close on a scope change.

The server runs in the test's own event loop (uvicorn.Server), so the test can see the process hub and count the
per-socket framing calls of Uvicorn's WebSocket protocol."""
import asyncio
import json
import socket as pysocket

import pytest
import uvicorn
from django.db import transaction
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.server import ServerProtocol

import incidents.live.consumers as consumers
from agencies.models import User
from incidents.live.hub import get_hub
from incidents.live.publish import encode_event
from incidents.live.send import text_frame
from tests import factories as f
from tests.live.conftest import db, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


class Server:
    """dispatch.asgi under uvicorn (websockets-sansio, as deployed), in the running loop, on a free port."""

    def __init__(self, **config):
        from dispatch.asgi import application

        self.sock = pysocket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        options = {"ws": "websockets-sansio", "ws_per_message_deflate": False, "lifespan": "off", "log_level": "warning",
                   "access_log": False, **config}
        self.server = uvicorn.Server(uvicorn.Config(application, **options))

    async def __aenter__(self):
        self.task = asyncio.get_running_loop().create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc):
        self.server.should_exit = True
        await self.task
        self.sock.close()

    def open(self, key, *, after=None, query="", **kw):
        params = ([f"after={after}"] if after is not None else []) + ([query] if query else [])
        path = "/ws/events/" + ("?" + "&".join(params) if params else "")
        return connect(f"ws://127.0.0.1:{self.port}{path}", additional_headers={"Authorization": f"Token {key}"},
                       compression=kw.pop("compression", None), **kw)


async def all_parked(n):
    """Until the hub has n sockets and each is caught up and idle (its writer parked): the state in which a live
    event goes out as pre-built frame bytes."""
    hub = get_hub()
    for _ in range(500):
        if len(hub.members) == n and all(c._parked for c in hub.members):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("sockets did not settle")


async def nothing(ws, timeout=0.3):
    try:
        msg = await asyncio.wait_for(ws.recv(), timeout)
    except asyncio.TimeoutError:
        return True
    raise AssertionError(f"unexpected message {msg[:200]}")


@pytest.fixture
def framing_calls(monkeypatch):
    """Counts Uvicorn's per-socket framing (websockets' ServerProtocol.send_text: encode, Frame, serialize)."""
    calls = []
    real = ServerProtocol.send_text

    def counted(self, data, fin=True):
        calls.append(bytes(data))
        return real(self, data, fin)

    monkeypatch.setattr(ServerProtocol, "send_text", counted)
    return calls


def test_text_frame_is_the_frame_websockets_builds():
    from websockets.frames import Frame, Opcode

    for size in (0, 125, 126, 65535, 65536):
        text = "é" * (size // 2) + "x" * (size % 2)
        assert text_frame(text) == Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def test_one_event_goes_out_as_the_same_frame_bytes_to_its_audience_only(call_taker, damkar_dispatcher, make_incident, framing_calls):
    samarinda_ct = f.call_taker(f.samarinda_centre(), username="ct_smd")
    keys = [token_for(u) for u in (call_taker, call_taker, call_taker, damkar_dispatcher, samarinda_ct)]

    async def body():
        async with Server() as server:
            socks = [await server.open(k).__aenter__() for k in keys]
            *pky, disp, smd = socks
            await all_parked(len(socks))
            framing_calls.clear()
            incident = await db(make_incident)()
            got = [await asyncio.wait_for(ws.recv(), TIMEOUT) for ws in pky]
            # every console of the centre got the same text: the event, encoded once
            event = await db(lambda: incident.events.get(kind="incident.created"))()
            assert got[0] == got[1] == got[2]
            message = json.loads(got[0])
            assert (message["seq"], message["kind"], message["incident"]) == (event.seq, "incident.created", incident.pk)
            assert message["payload"] == json.loads(encode_event(event))["payload"]
            # and no socket's frame was built by the server's per-socket path
            assert framing_calls == []
            # the agency (not yet routed to) and another centre's call-taker got nothing
            assert await nothing(disp) and await nothing(smd)
            for ws in socks:
                await ws.close()

    run(body())


def test_caller_data_never_reaches_a_community_and_the_rest_does(call_taker, centre, framing_calls):
    from incidents.timeline import record_event

    community = f.CommunityFactory(command_centre=centre, name="Relawan SAR Uji", approved_at=timezone.now())
    volunteer = f.UserFactory(username="rel_ani", role=User.Role.VOLUNTEER, command_centre=None, community=community)
    keys = [token_for(volunteer), token_for(call_taker)]

    def announce(payload):
        with transaction.atomic():
            return record_event(kind="callout.sent", payload=payload, centre_ids=[centre.pk], community_ids=[community.pk]).seq

    async def body():
        async with Server() as server:
            vol, staff = [await server.open(k).__aenter__() for k in keys]
            await all_parked(2)
            framing_calls.clear()
            with_caller = await db(announce)({"caller_number": "081234567890", "note": "penelepon"})
            without = await db(announce)({"note": "butuh relawan P3K"})
            # the centre's staff get both; the volunteers only the one without the caller's number
            assert [json.loads(await asyncio.wait_for(staff.recv(), TIMEOUT))["seq"] for _ in range(2)] == [with_caller, without]
            [ev] = [json.loads(await asyncio.wait_for(vol.recv(), TIMEOUT))]
            assert ev["seq"] == without and "caller_number" not in json.dumps(ev)
            assert await nothing(vol)
            assert framing_calls == []
            for ws in (vol, staff):
                await ws.close()

    run(body())


def test_catch_up_by_seq_then_live_frames_without_gap_or_duplicate(call_taker, make_incident, monkeypatch, framing_calls):
    monkeypatch.setattr(consumers, "REPLAY_PAGE", 2)
    key = token_for(call_taker)

    async def body():
        async with Server() as server:
            async with server.open(key) as ws:
                first = await db(make_incident)()
                seen = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                assert seen["incident"] == first.pk
            missed = [await db(make_incident)(description=f"Kebakaran {i}") for i in range(5)]
            async with server.open(key, after=seen["seq"]) as ws:
                replayed = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(5)]
                assert [e["incident"] for e in replayed] == [i.pk for i in missed]
                await all_parked(1)
                framing_calls.clear()
                later = await db(make_incident)()
                live = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
                assert live["incident"] == later.pk and live["seq"] > replayed[-1]["seq"]
                assert framing_calls == []  # the live one was the hub's frame
                assert await nothing(ws)

    run(body())


def test_a_full_write_buffer_queues_events_in_order_and_the_frames_resume_after(call_taker, make_incident, framing_calls):
    key = token_for(call_taker)

    async def body():
        async with Server() as server:
            async with server.open(key) as ws:
                await all_parked(1)
                [consumer] = get_hub().members
                proto = consumer._direct
                assert proto is not None
                # given the transport reporting its buffer over the high-water mark (uvicorn's pause_writing)
                proto.pause_writing()
                stuck = [await db(make_incident)(description=f"Kebakaran {i}") for i in range(3)]
                await asyncio.sleep(0.3)
                assert await nothing(ws, 0.1)
                # when it drains, the events arrive once, in order (through the server's send, which waited)
                proto.resume_writing()
                got = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(3)]
                assert [e["incident"] for e in got] == [i.pk for i in stuck]
                assert len(framing_calls) == 3
                # and the next event is a pre-built frame again
                await all_parked(1)
                framing_calls.clear()
                later = await db(make_incident)()
                assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["incident"] == later.pk
                assert framing_calls == [] and await nothing(ws)

    run(body())


def test_a_socket_with_per_message_deflate_is_served_through_the_servers_send(call_taker, make_incident, framing_calls):
    key = token_for(call_taker)

    async def body():
        async with Server(ws_per_message_deflate=True) as server:
            async with server.open(key, compression="deflate") as ws:
                await all_parked(1)
                assert next(iter(get_hub().members))._direct is None  # its frames differ per socket
                incident = await db(make_incident)()
                assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["incident"] == incident.pk
                assert len(framing_calls) == 1

    run(body())


def test_a_user_moved_to_another_centre_is_closed_4403_on_the_lean_path(call_taker, monkeypatch):
    monkeypatch.setattr(consumers, "SCOPE_RECHECK_S", 0.2)
    key = token_for(call_taker)

    def move():
        call_taker.command_centre = f.samarinda_centre()
        call_taker.save(update_fields=["command_centre"])

    async def body():
        async with Server() as server:
            async with server.open(key) as ws:
                await all_parked(1)
                await db(move)()
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
                assert closed.value.rcvd.code == 4403

    run(body())


async def open_raw_and_never_read(port, key):
    """A console that completes the WebSocket handshake and then never reads again (a hung browser tab, a phone
    that lost its radio without a FIN): its kernel buffers fill and Uvicorn's write buffer goes over the high-water
    mark. A small receive buffer gets it there after a few hundred kilobytes."""
    sock = pysocket.socket()
    sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, (
        f"GET /ws/events/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token {key}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(sock, 1)  # byte by byte: nothing after the handshake is read
    assert b" 101 " in head.split(b"\r\n", 1)[0]
    return sock


def test_a_console_that_stops_reading_never_delays_the_other_consoles_frames(call_taker, centre):
    """Issue 27: the hub writes each event to every socket of the process in one pass; a socket whose buffers are
    full must take its events on its own queue, not make the hub (and every later socket) wait for it."""
    from incidents.timeline import record_event

    key = token_for(call_taker)
    big = "x" * 60_000  # ≈ 60 kB per event: a few events fill a non-reading socket's buffers

    def announce(i):
        with transaction.atomic():
            return record_event(kind="callout.sent", payload={"note": f"{i} {big}"}, centre_ids=[centre.pk]).seq

    async def body():
        async with Server() as server:
            stuck = await open_raw_and_never_read(server.port, key)
            async with server.open(key, max_size=None) as reader:
                await all_parked(2)
                hub = get_hub()
                [hung] = [c for c in hub.members if c._direct is not None and c._direct.transport.get_extra_info("peername")
                          == stuck.getsockname()]
                # the server's side of it with a small send buffer too, so the kernel cannot absorb megabytes first
                hung._direct.transport.get_extra_info("socket").setsockopt(pysocket.SOL_SOCKET, pysocket.SO_SNDBUF, 4096)
                loop = asyncio.get_running_loop()
                delays, seqs = [], []
                for i in range(40):
                    seq = await db(announce)(i)
                    committed = loop.time()
                    message = json.loads(await asyncio.wait_for(reader.recv(), TIMEOUT))
                    delays.append(loop.time() - committed)
                    seqs.append((seq, message["seq"]))
                # the hung console did fill its buffers (Uvicorn paused writing to it) …
                assert not hung._direct.writable.is_set() and (hung._inflight is not None or hung._pending)
                # … and the reading console got every event, in order, each well under a second after its commit
                assert all(sent == got for sent, got in seqs)
                assert max(delays) < 0.5, delays
            stuck.close()

    run(body())
