"""Push latency: commit → receipt on N real WebSocket consoles, and lost events.

    .venv/bin/python bench/push_latency.py [--consoles 100,500,1000] [--rate 20] [--seconds 30]
        [--servers uvicorn,daphne,split] [--workers 2] [--http-workers 2] [--client-procs 2]
        [--repeat 3] [--idle-before 0] [--write docs/perf-live.md] [--dump per-incident.json]

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

Stalls (issue 27): each configuration is one server and one set of connected consoles for `--repeat N` (default 3)
consecutive measured runs — no restart between them, so later runs meet a server that has been up a while —
optionally after `--idle-before S` seconds of the consoles connected and idle. Every run is printed with p50/p99/max,
the frames later than 0.5 s and 1 s (and for each late incident when in the run it was committed), and whose pause
each frame > 1 s sat through: the client's (its own loop-lag monitor and GC timings: one client process with 1,000
sockets can stall itself) or a server process's (the servers run with D112_STALL_LOG, incidents/live/stallwatch.py:
loop lag, GC pauses, slow hub steps), or `?` when neither loop was paused that long. BENCH_DB, BENCH_REDIS (a URL)
and BENCH_LIVE_PREFIX (the live channel's prefix: PUBLISH is not per Redis db) keep two benches apart.

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

os.environ.update(bench_env(settings="live_bench_settings", database_url=DB_URL, redis_url=REDIS, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")])))
# The project first: bench/volunteers.py (a bench script) must not shadow the `volunteers` app (else Django fails
# with "Related model 'volunteers.VolunteerCommunity' cannot be resolved").
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


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
LATE_MS = (500, 1000)  # the frames later than these are counted, with when they happened
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
        latency = self.mine[incident] = (now - datetime.fromisoformat(at.decode()).timestamp()) * 1000
        if latency > LATE_MS[0]:
            self.stats["late"].append((incident, now, latency))

    def close(self):
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_masked(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


def console_proc(port, keys, n, ready, cmd, out):
    """n consoles in one process; stays connected across the runs of a session. `cmd` says "report" (put this run's
    receipts, late frames and the process's own loop stalls on `out`, then start afresh) or "stop"."""
    import gc

    import uvloop

    async def main():
        loop = asyncio.get_running_loop()
        received = [dict() for _ in range(n)]  # per console: incident id → latency ms
        stats = {"dupes": 0, "failed": 0, "late": [], "lags": [], "gc": []}
        socks = []
        sem = asyncio.Semaphore(50)

        # The client's own stalls: a frame can look late because this process (one loop for hundreds of sockets)
        # did not run, not because the server sent it late. A 20 ms timer's overshoot is the loop's lag; each
        # pause ≥ 50 ms is kept as (wall-clock end, lag ms), and GC pauses ≥ 10 ms as (end, generation, ms).
        async def watch_lag():
            while True:
                before = loop.time()
                await asyncio.sleep(0.02)
                lag = (loop.time() - before - 0.02) * 1000
                if lag >= 50:
                    stats["lags"].append((time.time(), lag))

        gc_started = {}

        def on_gc(phase, info):
            if phase == "start":
                gc_started[info["generation"]] = time.perf_counter()
            elif info["generation"] in gc_started:
                ms = (time.perf_counter() - gc_started.pop(info["generation"])) * 1000
                if ms >= 10:
                    stats["gc"].append((time.time(), info["generation"], ms))

        gc.callbacks.append(on_gc)

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
        watcher = loop.create_task(watch_lag())
        ready.set()
        connected = {i for i, _ in socks}
        while True:
            try:
                command = cmd.get_nowait()
            except Exception:  # noqa: BLE001 — queue.Empty
                await asyncio.sleep(0.1)
                continue
            if command == "stop":
                break
            out.put({"received": [dict(r) for i, r in enumerate(received) if i in connected], "dupes": stats["dupes"],
                     "failed": stats["failed"], "late": list(stats["late"]), "lags": list(stats["lags"]), "gc": list(stats["gc"])})
            for r in received:
                r.clear()  # the sockets keep their dicts: clear in place
            stats.update(dupes=0, late=[], lags=[], gc=[])
        watcher.cancel()
        for _, proto in socks:
            proto.close()
        await asyncio.sleep(0.2)

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


STALL_LOG = Path(os.environ.get("BENCH_STALL_LOG", "/tmp/push_latency_stalls.jsonl"))


def _stalls_between(t0, t1) -> list[dict]:
    """The server processes' pause records (incidents/live/stallwatch.py) that ended within [t0, t1]."""
    if not STALL_LOG.exists():
        return []
    rows = []
    with open(STALL_LOG) as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if t0 <= row.get("t", 0) <= t1:
                rows.append(row)
    return rows


def _overlap(intervals, a, b) -> float:
    """Seconds of [a, b] covered by the (start, end) intervals (they may overlap each other)."""
    total, cursor = 0.0, a
    for start, end in sorted(intervals):
        start, end = max(start, cursor), min(end, b)
        if end > start:
            total += end - start
            cursor = end
    return total


def _blame(late, client_stalls, server_stalls) -> str:
    """Whose pause a late frame sat through: `client` when the client process's own loop was stalled for at least
    half of the frame's delay, `server` when a server process's loop was, else `?` (queued work, the database,
    Redis, the kernel — no single pause explains it)."""
    _incident, receipt, latency_ms = late
    a, b = receipt - latency_ms / 1000, receipt + 0.05
    if _overlap(client_stalls, a, b) * 1000 >= latency_ms / 2:
        return "client"
    if _overlap(server_stalls, a, b) * 1000 >= latency_ms / 2:
        return "server"
    return "?"


def run_session(kind, workers, consoles, rate, seconds, client_procs, keys, ws=None, http_workers=2, dump=None, source="api",
                repeat=3, idle_before=0.0):
    """One server (one set of processes) and one set of connected consoles for `repeat` consecutive measured runs:
    the second and later runs meet a server that has been up and serving for a while, as in production; with
    `idle_before` the consoles sit connected and idle that long before the first run (keep-alive pings, scope
    re-checks, pool shrinking, GC generations all happen meanwhile). Returns one row per run."""
    if STALL_LOG.exists():
        STALL_LOG.unlink()
    os.environ["D112_STALL_LOG"] = str(STALL_LOG)  # the server processes log their pauses (stallwatch)
    http_port, port, procs, listener = start_server(kind, workers, ws, http_workers)
    server_started = time.time()
    ctx = mp.get_context("spawn")
    rows, clients, cmds = [], [], []
    try:
        per = [consoles // client_procs + (1 if i < consoles % client_procs else 0) for i in range(client_procs)]
        out = ctx.Queue()
        readies = []
        for n in per:
            ready, cmd = ctx.Event(), ctx.Queue()
            p = ctx.Process(target=console_proc, args=(port, keys, n, ready, cmd, out), daemon=True)
            p.start()
            readies.append(ready)
            clients.append(p)
            cmds.append(cmd)
        t0 = time.monotonic()
        for ready in readies:
            if not ready.wait(timeout=180):
                raise RuntimeError("consoles did not connect")
        connect_s = time.monotonic() - t0
        synthetic = {}

        def events(n_seconds):
            if source == "publish":
                return publish_events(rate, n_seconds, synthetic)
            return create_incidents(http_port, keys[0], rate, n_seconds)

        def collect():
            for cmd in cmds:
                cmd.put("report")
            return [out.get(timeout=120) for _ in clients]

        # Warm-up, not measured: every server process serves its first creates (imports, connections, caches)
        # the way it will after a restart; the runs measure what follows.
        events(2)
        time.sleep(2)
        if idle_before:
            print(f"  idle {idle_before:g} s with {consoles} consoles connected …", file=sys.stderr, flush=True)
            time.sleep(idle_before)
        collect()  # drops the warm-up's receipts (and the idle period's client stalls)
        for run in range(1, repeat + 1):
            load_before = os.getloadavg()[0]
            names = ["server (http)", "server (sockets)"] if kind == "split" else ["server"] * len(procs)
            roles = {pid: name for p, name in zip(procs, names) for pid in process_tree(p.pid)}
            roles.update({p.pid: "consoles (client)" for p in clients})
            roles[os.getpid()] = "creates (client)"
            run_start = time.time()
            cpu_before, t_cpu = cpu_snapshot(), time.monotonic()
            ids, errors = events(seconds)
            measured_s = time.monotonic() - t_cpu
            cores = cpu_by_role(cpu_before, cpu_snapshot(), measured_s, roles)
            load_after = os.getloadavg()[0]
            time.sleep(5)  # stragglers
            results = collect()
            run_end = time.time()
            rows.append(_run_row(kind, workers, consoles, rate, ws, source, ids, errors, results, cores, measured_s, connect_s,
                                 load_before, load_after, run, run_start, run_end, run_start - server_started, dump))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "late_detail"}), flush=True)
            for line in rows[-1]["late_detail"]:
                print("   ", line, flush=True)
    finally:
        for cmd in cmds:
            cmd.put("stop")
        for p in clients:
            p.join(timeout=10)
        stop_server(procs, listener)
    return rows


def _run_row(kind, workers, consoles, rate, ws, source, ids, errors, results, cores, measured_s, connect_s, load_before, load_after,
             run, run_start, run_end, server_age_s, dump):
    expected = set(ids)
    latencies, got_pairs, dupes, failed = [], 0, 0, 0
    late, client_stalls, client_gc = [], [], []
    for r in results:
        dupes += r["dupes"]
        failed += r["failed"]
        stalls = [(end - lag / 1000, end) for end, lag in r["lags"]]
        client_stalls.append(stalls)
        client_gc.extend(r["gc"])
        for mine in r["received"]:
            hits = {k: v for k, v in mine.items() if k in expected}
            got_pairs += len(hits)
            latencies.extend(hits.values())
    server_log = _stalls_between(run_start - 1, run_end)
    server_stalls = [(row["t"] - row["lag_ms"] / 1000, row["t"]) for row in server_log if row["kind"] == "loop"]
    blame = {"client": 0, "server": 0, "?": 0}
    by_incident = {}
    for r, stalls in zip(results, client_stalls):
        for item in r["late"]:
            if item[0] not in expected:
                continue
            who = _blame(item, stalls, server_stalls)
            if item[2] > LATE_MS[1]:
                blame[who] += 1
            entry = by_incident.setdefault(item[0], {"frames": 0, "max": 0.0, "at": item[1] - item[2] / 1000, "who": {}})
            entry["frames"] += 1
            entry["max"] = max(entry["max"], item[2])
            entry["who"][who] = entry["who"].get(who, 0) + 1
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
        with open(f"{dump}.{run}" if run > 1 else dump, "w") as fh:
            json.dump([(k, round(percentile(v, 50), 1), round(max(v), 1)) for k, v in sorted(per.items())], fh)
    late_detail = [
        f"late: incident {k} committed at +{e['at'] - run_start:.1f} s: {e['frames']} consoles > {LATE_MS[0]} ms, max {e['max']:.0f} ms "
        f"(pause in: {', '.join(f'{w} {n}' for w, n in e['who'].items())})"
        for k, e in sorted(by_incident.items(), key=lambda kv: kv[1]["at"])
    ][:12]
    server_loop = [row for row in server_log if row["kind"] == "loop"]
    server_gc = [row for row in server_log if row["kind"] == "gc"]
    server_hub = [row for row in server_log if row["kind"] == "hub"]
    for row in sorted(server_loop, key=lambda x: -x["lag_ms"])[:5]:
        late_detail.append(f"server pid {row['pid']} loop paused {row['lag_ms']:.0f} ms, ending +{row['t'] - run_start:.1f} s")
    for row in sorted(server_gc, key=lambda x: -x["ms"])[:3]:
        late_detail.append(f"server pid {row['pid']} gc gen {row['gen']} {row['ms']:.0f} ms at +{row['t'] - run_start:.1f} s")
    for row in sorted(server_hub, key=lambda x: -x["ms"])[:3]:
        late_detail.append(f"server pid {row['pid']} hub {row['what']} {row['ms']:.0f} ms at +{row['t'] - run_start:.1f} s")
    for end, lag in sorted(((e, l) for stalls in client_stalls for _s, e in stalls for l in [(e - _s) * 1000]), key=lambda x: -x[1])[:3]:
        late_detail.append(f"client loop paused {lag:.0f} ms, ending +{end - run_start:.1f} s")
    return {
        "server": kind, "workers": workers, "consoles": consoles, "rate": rate, "run": run, "server_up_s": round(server_age_s),
        "incidents": len(expected), "failed_creates": sum(errors.values()), "failed_by": errors,
        "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies or [0]), 1),
        "late_500ms": sum(e["frames"] for e in by_incident.values()),
        "late_1s": sum(blame.values()), "late_1s_by_pause": blame,
        "client_max_lag_ms": round(max([(e - s) * 1000 for stalls in client_stalls for s, e in stalls] or [0])),
        "client_gc_max_ms": round(max([ms for _t, _g, ms in client_gc] or [0])),
        "server_max_lag_ms": round(max([row["lag_ms"] for row in server_loop] or [0])),
        "server_gc_max_ms": round(max([row["ms"] for row in server_gc] or [0])),
        "lost": lost, "duplicates": dupes, "connect_failures": failed, "connect_s": round(connect_s, 1),
        "load1_before": round(load_before, 2), "load1_after": round(load_after, 2), "ws": ws or "auto",
        "cores": cores, "source": source,
        # the server's CPU over the frames it wrote (consoles × events); with --source api it includes the creates
        "server_cpu_ms_per_1000_frames": round(
            sum(v for k, v in cores.items() if k.startswith("server")) * measured_s * 1000 / max(1, (consoles - failed) * len(expected)) * 1000, 1),
        "late_detail": late_detail,
    }


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
    ap.add_argument("--repeat", type=int, default=3, help="measured runs per configuration, consecutive on the same server")
    ap.add_argument("--idle-before", type=float, default=0, help="seconds the consoles sit connected and idle before the first run")
    ap.add_argument("--source", default="api", choices=["api", "publish"],
                    help="api: create incidents through POST /api/v1/incidents/; publish: synthetic events straight to the live channel")
    args = ap.parse_args()

    ensure_database()
    keys = fixtures()
    rows = []
    for kind in args.servers.split(","):
        for n in [int(x) for x in args.consoles.split(",")]:
            rows.extend(run_session(kind, args.workers, n, args.rate, args.seconds, args.client_procs, keys, args.ws, args.http_workers,
                                    args.dump, args.source, args.repeat, args.idle_before))
    cells = []
    for r in rows:
        server = r["server"] + (f" ({r['ws']})" if r["server"] == "uvicorn" and r["ws"] != "auto" else "")
        failed = f"{r['failed_creates']}" + (f" ({', '.join(f'{k}: {v}' for k, v in r['failed_by'].items())})" if r["failed_creates"] else "")
        blame = ", ".join(f"{k} {v}" for k, v in r["late_1s_by_pause"].items() if v)
        cells.append([server, r["workers"], r["consoles"], f"{r['rate']:g}", r["run"], f"{r['server_up_s']} s", r["incidents"], failed, r["p50_ms"],
                      r["p99_ms"], r["max_ms"], r["late_500ms"], f"{r['late_1s']}" + (f" ({blame})" if blame else ""),
                      f"{r['client_max_lag_ms']} / {r['server_max_lag_ms']}", f"{r['client_gc_max_ms']} / {r['server_gc_max_ms']}",
                      r["lost"], r["duplicates"], r["connect_failures"], r["server_cpu_ms_per_1000_frames"], f"{r['load1_before']} → {r['load1_after']}",
                      ", ".join(f"{k} {v:g}" for k, v in r["cores"].items() if v >= 0.01)])
    table = md_table(["server", "processes", "consoles", "incidents/s", "run", "server up at start", "incidents created", "failed creates",
                      "p50 ms", "p99 ms", "max ms", "frames > 0.5 s", "frames > 1 s (whose pause)", "loop pause max ms client / server",
                      "GC pause max ms client / server", "lost", "duplicates", "sockets refused", "server CPU ms / 1,000 frames", "load (1 min) before → after",
                      "cores used while creating"], cells)
    text = "\n".join(table)
    print(f"\nMachine: {machine()}\nCommand: {' '.join([Path(sys.executable).name, *sys.argv])}\n\n{text}")
    if args.write:
        with open(ROOT / args.write, "a") as fh:
            fh.write(f"\nMachine: {machine()}  \nCommand: `.venv/bin/python {' '.join(sys.argv)}`\n\n{text}\n")


if __name__ == "__main__":
    main()
