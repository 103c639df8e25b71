"""Push latency: commit → receipt on N real WebSocket consoles, and lost events.

    .venv/bin/python bench/push_latency.py [--consoles 100,500,1000] [--rate 20] [--seconds 30]
        [--servers uvicorn,daphne,split] [--workers 2] [--http-workers 2] [--client-procs 2]
        [--write docs/perf-live.md] [--dump per-incident.json]

Runs against its own database (`bench_dispatch112`, created and migrated if missing) and its own Redis db and
live channel prefix (bench/live_bench_settings.py), so it never touches development or test data. For each
topology (uvicorn with --workers N, or N daphne processes sharing one listening socket — both "several ASGI
processes behind one address" —, or `split`: gunicorn for HTTP beside uvicorn for the sockets) and each console
count it:

1. starts the server on a free loopback port;
2. connects N WebSocket clients (token header, spread over --client-procs processes running uvloop);
3. creates incidents through the public API (`POST /api/v1/incidents/`): 2 s of warm-up (not measured: every
   server process's first requests pay imports and connections, as after a restart), then --rate per second
   for --seconds, measuring the CPU each process role used meanwhile (bench/common.py cpu_by_role);
4. waits for the stragglers, then reports, per `incident.created` event received by each console,
   receipt time − the event's `at` (taken inside the committing transaction; same machine clock), p50/p99/max,
   and lost = (consoles × incidents created) − (distinct (console, incident) pairs received).

Client, server, PostgreSQL and Redis share the machine's cores, as the issue's target assumes.

`--source publish` (issue 15) measures the fan-out alone: instead of creating incidents through the API, the bench
PUBLISHes synthetic `incident.created` events (consecutive seqs after the database's last, the bench centre's
audience, a payload the size of a real one) on the live channel at --rate, so the server's CPU is the fan-out's
(plus its idle work: keep-alive pings, scope re-checks) and the row adds `server CPU ms per 1,000 frames`.
"""
import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import re
import socket
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from common import (PKY, ROOT, bench_env, bench_centre, cpu_by_role, cpu_snapshot, create_database, db_url, free_port, machine as machine_info,
                    md_table, migrate, percentile, process_tree, spawn, stop_processes, wait_http_ok)

DB_NAME = os.environ.get("BENCH_DB", "bench_dispatch112")
DB_URL = db_url(DB_NAME)
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
USERS = 10  # console accounts (call-takers of the bench centre); sockets share them round-robin

os.environ.update(bench_env(settings="live_bench_settings", database_url=DB_URL, redis_url=REDIS, PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)])))
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]


# -- setup -------------------------------------------------------------------------------------------
def ensure_database():
    create_database(DB_NAME)
    migrate(os.environ)


BENCH_CENTRE = {}


def fixtures() -> list[str]:
    """A centre serving Palangka Raya, the fire category, and USERS call-takers with API tokens."""
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from agencies.models import User

    centre = bench_centre()
    BENCH_CENTRE["id"] = centre.pk
    keys = []
    for i in range(USERS):
        user, _ = User.objects.get_or_create(username=f"bench_ct{i}", defaults={"role": "call_taker", "command_centre": centre})
        keys.append(Token.objects.get_or_create(user=user)[0].key)
    return keys


def machine() -> str:
    m = machine_info()
    return f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']:.0f} GB RAM, Python {m['python']}"


# -- server ------------------------------------------------------------------------------------------
SERVER_LOG = Path(os.environ.get("BENCH_SERVER_LOG", "/tmp/push_latency_server.log"))


def start_server(kind: str, workers: int, ws: str | None = None, http_workers: int = 2):
    """Starts the servers of one topology; returns (http port, websocket port, processes, listener).

    - `uvicorn`: uvicorn --workers N serving both HTTP and the sockets on one port (the all-in-one of `make run`);
    - `daphne`: N daphne processes accepting on one inherited listening socket, both HTTP and sockets;
    - `split`: the production topology of docs/deploy.md — gunicorn (WSGI, `http_workers` processes × 4 threads)
      serving pages and the API, uvicorn --workers N serving only /ws/events/ (a proxy routes by path; the
      bench talks to each port directly, so the proxy's own hop is not in the numbers, for any topology)."""
    env = dict(os.environ)
    log = open(SERVER_LOG, "a")
    listener = None
    procs = []
    port = free_port()

    def uvicorn(p, n):
        return spawn([sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(p),
                      "--workers", str(n), "--log-level", "warning", "--no-access-log", "--ws-max-queue", "1024",
                      "--ws-per-message-deflate", "false"] + (["--ws", ws] if ws else []), env=env, log=log)

    if kind == "uvicorn":
        procs.append(uvicorn(port, workers))
        http_port = port
    elif kind == "split":
        http_port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        procs.append(spawn([gunicorn, "dispatch.wsgi:application", "--bind", f"127.0.0.1:{http_port}", "--workers", str(http_workers),
                            "--threads", "4", "--worker-class", "gthread", "--log-level", "warning"], env=env, log=log))
        procs.append(uvicorn(port, workers))
    else:
        # Daphne has no --workers: N processes accept on one inherited listening socket (same as uvicorn's workers).
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(2048)
        daphne = str(Path(sys.executable).with_name("daphne"))
        procs = [
            spawn([daphne, "--fd", str(listener.fileno()), "-v", "0", "dispatch.asgi:application"], env=env, log=log, pass_fds=[listener.fileno()])
            for _ in range(workers)
        ]
        http_port = port
    for p in {http_port, port}:
        if not wait_http_ok(f"http://127.0.0.1:{p}/login/", timeout=40, interval=0.3):
            stop_server(procs, listener)
            raise RuntimeError(f"{kind} did not start")
    return http_port, port, procs, listener


def stop_server(procs, listener):
    stop_processes(procs, timeout=15)
    if listener is not None:
        listener.close()


# -- consoles (client processes) ---------------------------------------------------------------------
# The consoles share the 2 cores with the server, so the client must cost as little as possible: a bare asyncio
# Protocol per socket speaking RFC 6455 directly (no permessage-deflate offered, no message queue, no task per
# socket), the receipt time taken in data_received — the moment the bytes reach the client process — and only
# the fixed-order prefix of each event (`{"seq":…,"kind":…,"at":…,"incident":…`, incidents.live.encode_event)
# read, with a full json.loads only as a fallback.
EVENT_PREFIX = re.compile(rb'\{"seq":(\d+),"kind":"([^"]*)","at":"([^"]*)","incident":(\d+|null)')


def _masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


class ConsoleSocket(asyncio.Protocol):
    def __init__(self, port, key, received, stats):
        self.port, self.key, self.mine, self.stats = port, key, received, stats
        self.buf = b""
        self.open = asyncio.get_running_loop().create_future()
        self.fragments = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        nonce = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (f"GET /ws/events/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {nonce}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token {self.key}\r\n\r\n").encode()
        )

    def connection_lost(self, exc):
        if not self.open.done():
            self.open.set_exception(ConnectionError("closed during handshake"))

    def data_received(self, data):
        now = time.time()
        buf = self.buf + data if self.buf else data
        if not self.open.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 101 " not in buf[: buf.find(b"\r\n")]:
                self.open.set_exception(ConnectionError(buf[:100].decode("latin-1")))
                self.transport.close()
                return
            self.open.set_result(True)
            buf = buf[end + 4:]
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + length:
                break
            payload = buf[pos + head:pos + head + length]
            pos += head + length
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode == 0 and self.fragments is not None:
                self.fragments.append(payload)
                if fin:
                    self.on_text(b"".join(self.fragments), now)
                    self.fragments = None
            elif opcode == 1:
                if fin:
                    self.on_text(payload, now)
                else:
                    self.fragments = [payload]
            elif opcode == 9:
                self.transport.write(_masked(0xA, payload))
            elif opcode == 8:
                self.transport.close()
        self.buf = buf[pos:] if pos < n else b""

    def on_text(self, payload, now):
        m = EVENT_PREFIX.match(payload)
        if m:
            kind, at, incident = m.group(2), m.group(3), m.group(4)
        else:
            ev = json.loads(payload)
            if "seq" not in ev:
                return  # a control message (pong, resync_required, error)
            kind, at, incident = ev["kind"].encode(), ev["at"].encode(), str(ev["incident"]).encode()
        if kind != b"incident.created":
            return
        incident = int(incident)
        if incident in self.mine:
            self.stats["dupes"] += 1
            return
        self.mine[incident] = (now - datetime.fromisoformat(at.decode()).timestamp()) * 1000

    def close(self):
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_masked(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


def console_proc(port, keys, n, ready, go_stop, out):
    import uvloop

    async def main():
        loop = asyncio.get_running_loop()
        received = [dict() for _ in range(n)]  # per console: incident id → latency ms
        stats = {"dupes": 0, "failed": 0}
        socks = []
        sem = asyncio.Semaphore(50)

        async def open_one(i):
            async with sem:
                for attempt in range(5):
                    proto = None
                    try:
                        _, proto = await loop.create_connection(lambda: ConsoleSocket(port, keys[i % len(keys)], received[i], stats), "127.0.0.1", port)
                        await asyncio.wait_for(proto.open, 30)
                        break
                    except Exception:  # noqa: BLE001
                        if proto is not None and proto.transport is not None:
                            proto.transport.close()
                        await asyncio.sleep(0.5 * (attempt + 1))
                else:
                    stats["failed"] += 1  # reported as connect_failures; the run goes on with the others
                    return
                socks.append((i, proto))

        await asyncio.gather(*(open_one(i) for i in range(n)))
        ready.set()
        while not go_stop.is_set():
            await asyncio.sleep(0.1)
        for _, proto in socks:
            proto.close()
        await asyncio.sleep(0.2)
        connected = {i for i, _ in socks}
        out.put({"received": [r for i, r in enumerate(received) if i in connected], "dupes": stats["dupes"], "failed": stats["failed"]})

    uvloop.run(main())


def create_incidents(port, key, rate, seconds) -> tuple[list[int], dict]:
    """Creates at a fixed rate; returns the created ids and the failed creates by cause (HTTP status or exception)."""
    import httpx

    async def main():
        ids, errors = [], {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {key}"}, timeout=30) as api:
            async def one(i):
                nonlocal errors
                lon, lat = PKY[0] + random.uniform(-0.05, 0.05), PKY[1] + random.uniform(-0.05, 0.05)
                try:
                    r = await api.post("/api/v1/incidents/", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
                        "category": "kebakaran", "priority": 2, "location": {"type": "Point", "coordinates": [lon, lat]},
                        "address": f"Jl. Bench {i}", "description": "bench", "caller_number": f"0812{i:08d}", "caller_name": "Bench",
                    })
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    print("  create failed:", repr(exc), file=sys.stderr)
                    return
                if r.status_code == 201:
                    ids.append(r.json()["id"])
                else:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                    if sum(errors.values()) <= 3:
                        print("  create failed:", r.status_code, r.text[:300], f"(server log: {SERVER_LOG})", file=sys.stderr)

            start, pending = time.monotonic(), []
            for i in range(int(rate * seconds)):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(one(i)))
            await asyncio.gather(*pending)
        return ids, errors

    return asyncio.run(main())


_SYNTHETIC_INCIDENT = 10**9  # ids of synthetic incidents: far above any real one


def publish_events(rate, seconds, state) -> tuple[list[int], dict]:
    """`--source publish`: the committed-event wire messages the API would cause, PUBLISHed straight to the live
    channel — consecutive seqs after the database's last (the hubs deliver them in order without a gap fill), the
    bench centre's groups, `at` = now, and a payload shaped like a real incident.created (≈ 600 bytes)."""
    import redis
    from django.utils import timezone

    from incidents.live.publish import live_channel, wire_message
    from incidents.selectors import last_seq

    if "seq" not in state:
        state["seq"], state["incident"] = last_seq(), _SYNTHETIC_INCIDENT
    client, channel = redis.Redis.from_url(REDIS), live_channel()
    groups = ["all", f"centre.{BENCH_CENTRE['id']}"]
    ids, start = [], time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        state["seq"] += 1
        state["incident"] += 1
        seq, incident, now = state["seq"], state["incident"], timezone.now()
        summary = {"id": incident, "reference": f"BEN-2026-{incident % 10**6:06d}", "status": "new", "priority": 2,
                   "category": "kebakaran", "category_name": "Kebakaran", "address": f"Jl. Bench {i}",
                   "location": [113.9213, -2.2096], "caller_count": 1, "command_centre": BENCH_CENTRE["id"],
                   "created_at": now.isoformat(), "call_answered_at": None, "routed_at": None, "accepted_at": None,
                   "on_scene_at": None, "location_to_confirm": False}
        text = json.dumps({"seq": seq, "kind": "incident.created", "at": now.isoformat(), "incident": incident, "actor": None,
                           "payload": {"call": None, "incident": summary}}, ensure_ascii=False, separators=(",", ":"))
        client.publish(channel, wire_message(seq, groups, text))
        ids.append(incident)
    client.close()
    return ids, {}


def run_one(kind, workers, consoles, rate, seconds, client_procs, keys, ws=None, http_workers=2, dump=None, source="api"):
    http_port, port, procs, listener = start_server(kind, workers, ws, http_workers)
    ctx = mp.get_context("spawn")
    try:
        per = [consoles // client_procs + (1 if i < consoles % client_procs else 0) for i in range(client_procs)]
        go_stop, out = ctx.Event(), ctx.Queue()
        readies, clients = [], []
        for n in per:
            ready = ctx.Event()
            p = ctx.Process(target=console_proc, args=(port, keys, n, ready, go_stop, out), daemon=True)
            p.start()
            readies.append(ready)
            clients.append(p)
        t0 = time.monotonic()
        for ready in readies:
            if not ready.wait(timeout=180):
                raise RuntimeError("consoles did not connect")
        connect_s = time.monotonic() - t0
        # Warm-up, not measured: every server process serves its first creates (imports, connections, caches)
        # the way it will after a restart; the run measures the steady state that follows.
        synthetic = {}

        def events(n_seconds):
            if source == "publish":
                return publish_events(rate, n_seconds, synthetic)
            return create_incidents(http_port, keys[0], rate, n_seconds)

        events(2)
        time.sleep(2)
        load_before = os.getloadavg()[0]
        names = ["server (http)", "server (sockets)"] if kind == "split" else ["server"] * len(procs)
        roles = {pid: name for p, name in zip(procs, names) for pid in process_tree(p.pid)}
        roles.update({p.pid: "consoles (client)" for p in clients})
        roles[os.getpid()] = "creates (client)"
        cpu_before, t_cpu = cpu_snapshot(), time.monotonic()
        ids, errors = events(seconds)
        measured_s = time.monotonic() - t_cpu
        cores = cpu_by_role(cpu_before, cpu_snapshot(), measured_s, roles)
        load_after = os.getloadavg()[0]
        time.sleep(5)  # stragglers
        go_stop.set()
        results = [out.get(timeout=60) for _ in clients]
        for p in clients:
            p.join(timeout=10)
    finally:
        stop_server(procs, listener)
    expected = set(ids)
    latencies, got_pairs, dupes, failed = [], 0, 0, 0
    for r in results:
        dupes += r["dupes"]
        failed += r["failed"]
        for mine in r["received"]:
            hits = {k: v for k, v in mine.items() if k in expected}
            got_pairs += len(hits)
            latencies.extend(hits.values())
    lost = (consoles - failed) * len(expected) - got_pairs
    if dump:
        # Per incident, in creation order: (id, p50, max) over the consoles — shows whether the tail is a few slow
        # events (a pause) or a steady queue.
        per = {}
        for r in results:
            for mine in r["received"]:
                for k, v in mine.items():
                    if k in expected:
                        per.setdefault(k, []).append(v)
        with open(dump, "w") as fh:
            json.dump([(k, round(percentile(v, 50), 1), round(max(v), 1)) for k, v in sorted(per.items())], fh)
    row = {
        "server": kind, "workers": workers, "consoles": consoles, "rate": rate, "incidents": len(expected),
        "failed_creates": sum(errors.values()), "failed_by": errors,
        "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies or [0]), 1),
        "lost": lost, "duplicates": dupes, "connect_failures": failed, "connect_s": round(connect_s, 1),
        "load1_before": round(load_before, 2), "load1_after": round(load_after, 2), "ws": ws or "auto",
        "cores": cores, "source": source,
        # the server's CPU over the frames it wrote (consoles × events); with --source api it includes the creates
        "server_cpu_ms_per_1000_frames": round(
            sum(v for k, v in cores.items() if k.startswith("server")) * measured_s * 1000 / max(1, (consoles - failed) * len(expected)) * 1000, 1),
    }
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--consoles", default="100,500,1000")
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--servers", default="uvicorn,daphne")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--http-workers", type=int, default=2, help="gunicorn processes of the split topology")
    ap.add_argument("--dump", default=None, help="write (incident, p50, max over consoles) per incident of the last run, as JSON")
    ap.add_argument("--ws", default=None, help="uvicorn's WebSocket implementation: websockets, websockets-sansio, wsproto")
    ap.add_argument("--write", default=None, help="append a markdown table to this file")
    ap.add_argument("--source", default="api", choices=["api", "publish"],
                    help="api: create incidents through POST /api/v1/incidents/; publish: synthetic events straight to the live channel")
    args = ap.parse_args()

    ensure_database()
    keys = fixtures()
    rows = []
    for kind in args.servers.split(","):
        for n in [int(x) for x in args.consoles.split(",")]:
            rows.append(run_one(kind, args.workers, n, args.rate, args.seconds, args.client_procs, keys, args.ws, args.http_workers, args.dump,
                                args.source))
    cells = []
    for r in rows:
        server = r["server"] + (f" ({r['ws']})" if r["server"] == "uvicorn" and r["ws"] != "auto" else "")
        failed = f"{r['failed_creates']}" + (f" ({', '.join(f'{k}: {v}' for k, v in r['failed_by'].items())})" if r["failed_creates"] else "")
        cells.append([server, r["workers"], r["consoles"], f"{r['rate']:g}", r["incidents"], failed, r["p50_ms"], r["p99_ms"], r["max_ms"],
                      r["lost"], r["duplicates"], r["connect_failures"], r["server_cpu_ms_per_1000_frames"], f"{r['load1_before']} → {r['load1_after']}",
                      ", ".join(f"{k} {v:g}" for k, v in r["cores"].items() if v >= 0.01)])
    table = md_table(["server", "processes", "consoles", "incidents/s", "incidents created", "failed creates", "p50 ms", "p99 ms", "max ms",
                      "lost", "duplicates", "sockets refused", "server CPU ms / 1,000 frames", "load (1 min) before → after",
                      "cores used while creating"], cells)
    text = "\n".join(table)
    print(f"\nMachine: {machine()}\nCommand: {' '.join([Path(sys.executable).name, *sys.argv])}\n\n{text}")
    if args.write:
        with open(ROOT / args.write, "a") as fh:
            fh.write(f"\nMachine: {machine()}  \nCommand: `.venv/bin/python {' '.join(sys.argv)}`\n\n{text}\n")


if __name__ == "__main__":
    main()
