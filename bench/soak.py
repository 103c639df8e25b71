"""Soak with faults, and the earthquake surge, through the scale-out topology (issue 14 items 7–9).

    scripts/topology.sh up
    flock /tmp/bench.lock .venv/bin/python bench/soak.py --minutes 10 --consoles 300 --rate 10
    flock /tmp/bench.lock .venv/bin/python bench/soak.py --surge --calls 1000 --seconds 60 --consoles 20

Everything goes to scripts/topology.sh's loopback ports: nginx (:8028) for every HTTP request and WebSocket, its
PostgreSQL and Redis for the checks. Bounded: the load stops after --minutes, the checks wait at most a few
minutes more.

Soak: `--consoles` live sockets (`/ws/events/?after=<seq at start>`, through nginx, spread over the demo users of
several roles and two centres) while an open loop creates `--rate` intakes a second, each as a centre does it:
the PBX pushes the ringing call (`POST /calls/`, idempotent by external_id), the call-taker logs the incident on
it (`POST /incidents/` with an Idempotency-Key), routes it (`POST /incidents/{id}/route/`) and, for 7 in 10, the
fire dispatcher accepts the offer; the other offers are left to expire (an escalation rule of --ack seconds for
the soak's category). Every request that fails (5xx, connection error, timeout) is retried with the same key —
what a console does — and every answer is logged with its time. Meanwhile the faults (see FAULTS): the timers
worker and a default worker are killed (SIGKILL) and restarted, the Redis primary is shut down (Sentinel promotes
the replica) and started again, and the PostgreSQL primary is crashed and the replica promoted.

Afterwards the script proves, from the database and the events feed:
- every event committed in the run reached every console of every user, in order, once (the feed — the server's
  own scope rule — is the expected list per user; a socket that closed resumed by `?after=<last seq>`);
- every escalation that came due fired exactly once (one `assignment.expired` per expired assignment, none left
  offered past its deadline, none for an accepted one, at most one expiry alert each);
- no call or incident lost or doubled (per external_id and per Idempotency-Key: exactly one row each);
- the 5xx answers, by second, and whether any came outside a fault's window.

Surge (`--surge`): `--calls` intakes (ring + incident, no routing) spread evenly over `--seconds`, with
`--consoles` live: the slowest create, the requests in flight at worst (the queue), the time the last one
finished, Celery's queue lengths, and the same lost/doubled and delivery checks.
"""
import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from array import array
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from common import machine as machine_info, percentile  # noqa: E402

TOPOLOGY = ROOT / "scripts" / "topology.sh"
BASE = "http://127.0.0.1:8028"
HOST, PORT = "127.0.0.1", 8028
CONSOLE_USERS = ["call_taker_pky", "call_taker2_pky", "supervisor_pky", "dispatcher_damkar_pky", "dispatcher_psc_pky",
                 "dispatcher_polisi_pky", "call_taker_smd", "dispatcher_damkar_smd"]
CREATORS = ["call_taker_pky", "call_taker2_pky"]
ACCEPTER = "dispatcher_damkar_pky"
PKY = (113.9213, -2.2096)
SEQ = re.compile(rb'\{"seq":(\d+),')


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (masked, as RFC 6455 requires); short payloads only (pong, close)."""
    mask = os.urandom(4)
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def topology_env() -> dict:
    out = subprocess.run(["bash", str(TOPOLOGY), "env"], capture_output=True, text=True, check=True).stdout
    return dict(line[len("export "):].split("=", 1) for line in out.splitlines() if line.startswith("export "))


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# -- setup (Django, on the topology's primary) --------------------------------------------------------
def setup(ack_seconds: int) -> dict:
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from agencies.models import CommandCentre, User
    from incidents.models import EscalationRule, IncidentCategory
    from incidents.selectors import last_seq

    tokens = {}
    for name in set(CONSOLE_USERS + CREATORS + [ACCEPTER]):
        user = User.objects.get(username=name)
        Token.objects.filter(user=user).delete()  # a fresh one: expiring tokens (agencies/tokens.py)
        tokens[name] = Token.objects.create(user=user).key
    centre = CommandCentre.objects.get(code="pky")
    EscalationRule.objects.update_or_create(
        command_centre=centre, category=IncidentCategory.objects.get(code="kebakaran"), priority=None,
        defaults={"ack_seconds": ack_seconds, "second_stage_seconds": 3600},
    )
    return {"tokens": tokens, "start_seq": last_seq()}


# -- consoles ----------------------------------------------------------------------------------------
class Console(asyncio.Protocol):
    """One live socket; keeps the seqs it received (in order) and reopens with ?after=<last> when closed."""

    def __init__(self, key, seqs, stats, after):
        self.key, self.seqs, self.stats, self.after = key, seqs, stats, after
        self.buf, self.opened, self.transport = b"", False, None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write((f"GET /ws/events/?after={self.after} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
                         f"Authorization: Token {self.key}\r\n\r\n").encode())

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data):
        buf = self.buf + data if self.buf else data
        if not self.opened:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 101 " not in buf[: buf.find(b"\r\n")]:
                self.stats["refused"] += 1
                self.transport.close()
                return
            self.opened = True
            buf = buf[end + 4:]
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, length, head = buf[pos], buf[pos + 1] & 0x7F, 2
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
            payload, opcode = buf[pos + head:pos + head + length], b0 & 0x0F
            pos += head + length
            if opcode == 1:
                self.on_text(payload)
            elif opcode == 9:
                self.transport.write(_masked(0xA, payload))
            elif opcode == 8:
                self.stats["server_closes"] += 1
                self.transport.close()
        self.buf = buf[pos:] if pos < n else b""

    def on_text(self, payload):
        m = SEQ.match(payload)
        if m is None:
            msg = json.loads(payload)
            if msg.get("type") == "resync_required":
                self.stats["resyncs"] += 1
            return
        seq = int(m.group(1))
        if self.seqs and seq <= self.seqs[-1]:
            self.stats["dupes_or_reorders"] += 1
            return
        self.seqs.append(seq)
        self.after = seq


def console_proc(assign, start_seq, ready, stop, out):
    """assign: [(console index, user, key)]; sends back {index: (user, seqs)} and counters."""
    import uvloop

    async def main():
        loop = asyncio.get_running_loop()
        stats = {"refused": 0, "server_closes": 0, "reconnects": 0, "resyncs": 0, "dupes_or_reorders": 0, "connect_errors": 0}
        seqs = {i: array("q") for i, _, _ in assign}
        sem = asyncio.Semaphore(40)
        first = {"left": len(assign)}

        async def run(i, key):
            after, opened_once = start_seq, False
            while not stop.is_set():
                try:
                    async with sem:
                        _, proto = await loop.create_connection(lambda: Console(key, seqs[i], stats, after), HOST, PORT)
                    if not opened_once:
                        opened_once = True
                        first["left"] -= 1
                        if first["left"] == 0:
                            ready.set()
                    await proto.closed
                    after = proto.after
                except OSError:
                    stats["connect_errors"] += 1
                if stop.is_set():
                    break
                stats["reconnects"] += 1
                await asyncio.sleep(1 + random.random())

        tasks = [loop.create_task(run(i, key)) for i, _, key in assign]
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for t in tasks:
            t.cancel()
        out.put({"seqs": {i: (user, seqs[i].tolist()) for i, user, _ in assign}, "stats": stats})

    uvloop.run(main())


# -- load --------------------------------------------------------------------------------------------
class Log:
    """Every HTTP answer of the load: (unix time, step, status) — status is the code or an exception name."""

    def __init__(self):
        self.rows = []
        self.inflight = 0
        self.max_inflight = 0
        self.client = None  # the load's HTTP client figures (Browsers), set when the load ends

    def add(self, step, status):
        self.rows.append((time.time(), step, status))


class Browsers:
    """The load's HTTP clients: `n` clients of one keep-alive connection each, like the consoles of a room of
    call-takers; a request takes a free one (waiting here, client-side, when all are busy) and gives it back.

    Not one shared httpx client with a pool of many connections: httpcore 1.0.9 leaks a pool slot whenever a
    request is cancelled by its timeout while waiting for or opening a pooled connection under contention
    (encode/httpcore#1093, #830), and once every slot has leaked each request waits out the pool timeout against
    a healthy server. That is what stopped the earlier full-size soaks after 107 s and after the PostgreSQL
    failover: nginx and the three uvicorns had nothing in flight while the client showed hundreds. With one
    connection per client nothing ever waits inside httpcore's pool; a client whose request failed in transport
    is closed and replaced."""

    def __init__(self, n: int):
        import httpx

        self._httpx, self._free, self.n, self.replaced = httpx, asyncio.Queue(), n, 0
        for _ in range(n):
            self._free.put_nowait(self._new())
        self.waited_s = []

    def _new(self):
        return self._httpx.AsyncClient(base_url=BASE, timeout=self._httpx.Timeout(30, connect=5),
                                       limits=self._httpx.Limits(max_connections=1, max_keepalive_connections=1))

    async def request(self, method, url, **kwargs):
        t0 = time.perf_counter()
        client = await self._free.get()
        self.waited_s.append(time.perf_counter() - t0)
        try:
            return await client.request(method, url, **kwargs)
        except BaseException:
            await client.aclose()
            client = self._new()
            self.replaced += 1
            raise
        finally:
            self._free.put_nowait(client)

    async def close(self):
        while not self._free.empty():
            await self._free.get_nowait().aclose()


async def request(client, log, step, method, url, *, key=None, json_body=None, token, give_up_s=60):
    """One request, retried with the same Idempotency-Key on 5xx / connection errors / timeouts (honouring
    Retry-After) for up to give_up_s; returns (response or None, latency of the successful try in s)."""
    headers = {"Authorization": f"Token {token}"}
    if key:
        headers["Idempotency-Key"] = key
    deadline = time.monotonic() + give_up_s
    while True:
        t0 = time.perf_counter()
        try:
            r = await client.request(method, url, json=json_body, headers=headers)
            log.add(step, r.status_code)
            if r.status_code < 500:
                return r, time.perf_counter() - t0
            wait = float(r.headers.get("Retry-After", "1") or 1)
        except Exception as exc:  # noqa: BLE001 — httpx's transport errors: retry like a console
            log.add(step, type(exc).__name__)
            wait = 1.0
        if time.monotonic() > deadline:
            return None, None
        await asyncio.sleep(min(wait, 5) * (0.5 + random.random()))


async def intake(client, log, run_id, i, tokens, route, accept_share, results):
    creator = CREATORS[i % len(CREATORS)]
    number = f"0813{random.randrange(10**7, 10**8)}"
    ext = f"{run_id}-call-{i}"
    log.inflight += 1
    log.max_inflight = max(log.max_inflight, log.inflight)
    rec = {"i": i, "external_id": ext, "key": f"{run_id}-inc-{i}"}
    results.append(rec)
    try:
        r, _ = await request(client, log, "ring", "POST", "/api/v1/calls/", token=tokens[creator],
                             json_body={"caller_number": number, "external_id": ext, "command_centre": "pky"})
        if r is None or r.status_code not in (200, 201):
            rec["failed"] = f"ring {r.status_code if r else 'gave up'}"
            return
        call_id = r.json()["id"]
        lon, lat = PKY[0] + random.uniform(-0.02, 0.02), PKY[1] + random.uniform(-0.02, 0.02)
        r, took = await request(client, log, "create", "POST", "/api/v1/incidents/", key=rec["key"], token=tokens[creator], json_body={
            "call": call_id, "category": "kebakaran", "location": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "address": f"Jl. Soak {i}", "description": f"{run_id} #{i}", "caller_number": number, "location_source": "map"})
        if r is None or r.status_code not in (200, 201):
            rec["failed"] = f"create {r.status_code if r else 'gave up'}"
            return
        rec["incident"], rec["create_s"], rec["created_at"] = r.json()["id"], took, time.time()
        if not route:
            return
        r, _ = await request(client, log, "route", "POST", f"/api/v1/incidents/{rec['incident']}/route/", token=tokens[creator], json_body={})
        if r is None or r.status_code != 200:
            # A retried route whose first try committed answers 409 (already routed): the offer exists.
            rec["route_status"] = r.status_code if r else "gave up"
            return
        offers = [a for a in r.json() if a["status"] == "offered"]
        if offers and random.random() < accept_share:
            await asyncio.sleep(random.uniform(0.5, 5))
            r, _ = await request(client, log, "accept", "POST", f"/api/v1/assignments/{offers[0]['id']}/accept/", token=tokens[ACCEPTER], json_body={})
            rec["accept_status"] = r.status_code if r else "gave up"
    finally:
        log.inflight -= 1


async def load(run_id, tokens, rate, seconds, route, accept_share, log, results, stop_evt, browsers=64):
    client = Browsers(browsers)
    try:
        start, pending, i = time.monotonic(), [], 0
        while i < int(rate * seconds) and not stop_evt.is_set():
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(intake(client, log, run_id, i, tokens, route, accept_share, results)))
            i += 1
        await asyncio.gather(*pending)
    finally:
        await client.close()
        waited = sorted(client.waited_s) or [0.0]
        log.client = {"browsers": client.n, "replaced_after_transport_error": client.replaced,
                      "wait_for_free_browser_p99_ms": round(waited[int(len(waited) * 0.99)] * 1000, 1),
                      "wait_for_free_browser_max_ms": round(waited[-1] * 1000, 1)}


# -- faults ------------------------------------------------------------------------------------------
def fault_plan(minutes: float) -> list[tuple[float, str, list[str]]]:
    """(seconds after the start, label, topology.sh arguments), spread over the run."""
    s = minutes * 60
    return [
        (0.10 * s, "kill timers worker", ["kill", "timers"]),
        (0.10 * s + 15, "timers worker back (its supervisor restarts it after 10 s; start is a no-op then)", ["start", "timers"]),
        (0.30 * s, "Redis primary down (Sentinel failover), back after 8 s", ["redis-restart", "8"]),
        (0.50 * s, "kill default1 worker", ["kill", "default1"]),
        (0.50 * s + 15, "default1 worker back (its supervisor restarts it after 10 s; start is a no-op then)", ["start", "default1"]),
        (0.65 * s, "PostgreSQL primary crash, replica promoted", ["pg-failover"]),
    ]


def run_faults(plan, t0, faults_log, stop_evt):
    for at, label, args in plan:
        while time.monotonic() - t0 < at:
            if stop_evt.wait(0.2):
                return
        started = time.time()
        proc = subprocess.run(["bash", str(TOPOLOGY), *args], capture_output=True, text=True)
        faults_log.append({"label": label, "start": started, "end": time.time(), "rc": proc.returncode,
                           "out": (proc.stdout + proc.stderr).strip()[-300:]})
        print(f"  [{time.monotonic() - t0:6.1f}s] {label}: rc={proc.returncode} ({time.time() - started:.1f}s)", flush=True)


# -- checks ------------------------------------------------------------------------------------------
def feed(token, after, upto):
    """The user's events with after < seq <= upto, from the events feed (the server's own scope rule)."""
    import httpx

    seqs = []
    with httpx.Client(base_url=BASE, headers={"Authorization": f"Token {token}"}, timeout=30) as c:
        for _ in range(600):
            r = c.get("/api/v1/events/", params={"after": after, "limit": 1000})
            if r.status_code != 200:
                time.sleep(1)
                continue
            page = r.json()
            seqs.extend(e["seq"] for e in page["results"] if e["seq"] <= upto)
            if page["results"] and page["results"][-1]["seq"] >= upto:
                return seqs
            if not page["has_more"]:
                if page["last_seq"] >= upto:
                    return seqs
                time.sleep(0.5)  # read from a replica still behind: ask again from the same point
            after = page["next_after"]
    raise RuntimeError("events feed did not reach the end of the run")


def db_checks(run_id, results, start_seq, route):
    from django.db import connection
    from django.db.models import Count

    from incidents.models import Assignment, Call, IdempotencyRecord, Incident, SupervisorAlert, TimelineEvent

    connection.close()  # the connection of before a failover is gone
    ext_ids = [r["external_id"] for r in results]
    calls = dict(Call.objects.filter(external_id__in=ext_ids).values_list("external_id").annotate(n=Count("id")))
    keys = [r["key"] for r in results]
    records = dict(IdempotencyRecord.objects.filter(key__in=keys).values_list("key").annotate(n=Count("id")))
    incidents = dict(Incident.objects.filter(description__startswith=f"{run_id} #").values_list("description").annotate(n=Count("id")))
    expect_incident = {f"{run_id} #{r['i']}" for r in results if r.get("incident")}
    out = {
        "intakes": len(results),
        "intakes_failed": sum(1 for r in results if r.get("failed")),
        "calls_lost": sum(1 for r in results if r.get("incident") and not calls.get(r["external_id"])),
        "calls_doubled": sum(1 for n in calls.values() if n > 1),
        "incidents_committed": len(incidents),
        "incidents_lost": len(expect_incident - set(incidents)),
        "incidents_doubled": sum(1 for n in incidents.values() if n > 1) + sum(1 for n in records.values() if n > 1),
        "incidents_without_a_201": len(set(incidents) - expect_incident),
    }
    if route:
        ids = [r["incident"] for r in results if r.get("incident")]
        assignments = list(Assignment.objects.filter(incident_id__in=ids).values("id", "status", "ack_deadline", "accepted_at"))
        expired_events = {}
        for ev in TimelineEvent.objects.filter(seq__gt=start_seq, kind="assignment.expired").only("payload"):
            aid = ev.payload["assignment"]["id"]
            expired_events[aid] = expired_events.get(aid, 0) + 1
        alerts = dict(SupervisorAlert.objects.filter(assignment_id__in=[a["id"] for a in assignments],
                                                     kind=SupervisorAlert.Kind.ASSIGNMENT_EXPIRED)
                      .values_list("assignment_id").annotate(n=Count("id")))
        from django.utils import timezone as djtz

        # An offer re-made after an expiry gets a new deadline; the sweeper runs every second: 10 s of grace.
        now = djtz.now() - timedelta(seconds=10)
        out.update({
            "assignments": len(assignments),
            "accepted": sum(1 for a in assignments if a["status"] == "accepted"),
            "escalations_due": sum(1 for a in assignments if a["ack_deadline"] and a["ack_deadline"] < now and a["status"] in ("offered", "expired")),
            "escalations_fired": sum(1 for a in assignments if a["status"] == "expired" and expired_events.get(a["id"]) == 1),
            "escalations_missed": sum(1 for a in assignments if a["status"] == "offered" and a["ack_deadline"] < now),
            "escalations_doubled": sum(1 for n in expired_events.values() if n > 1) + sum(1 for n in alerts.values() if n > 1),
            "expired_after_accept": sum(1 for a in assignments if a["status"] == "accepted" and expired_events.get(a["id"])),
            "routes_not_200": sum(1 for r in results if "route_status" in r),
            "accepts_not_200": sum(1 for r in results if r.get("accept_status") not in (None, 200)),
        })
    return out


def delivery_checks(consoles, tokens, start_seq, end_seq):
    expected = {user: feed(tokens[user], start_seq, end_seq) for user in {u for u, _ in consoles.values()}}
    per_user = {}
    for i, (user, seqs) in consoles.items():
        want = expected[user]
        got = [s for s in seqs if s <= end_seq]
        row = per_user.setdefault(user, {"consoles": 0, "events": len(want), "complete": 0, "missing_pairs": 0, "extra_pairs": 0})
        row["consoles"] += 1
        missing = len(set(want) - set(got))
        extra = len(set(got) - set(want))
        row["missing_pairs"] += missing
        row["extra_pairs"] += extra
        row["complete"] += int(missing == 0 and extra == 0 and got == sorted(got))
    return per_user


def fivexx(log, faults, t_start):
    """5xx and transport errors per second, and those outside every fault's window (start − 1 s … end + 30 s)."""
    windows = [(f["start"] - 1, f["end"] + 30) for f in faults]
    bad = [(t, step, s) for t, step, s in log.rows if not (isinstance(s, int) and s < 500)]
    by_second = {}
    for t, step, s in bad:
        k = round(t - t_start)
        by_second.setdefault(k, {}).setdefault(str(s), 0)
        by_second[k][str(s)] += 1
    outside = [(round(t - t_start, 1), step, s) for t, step, s in bad if not any(a <= t <= b for a, b in windows)]
    return {"total_requests": len(log.rows), "failed_answers": len(bad),
            "http_5xx": sum(1 for _, _, s in bad if isinstance(s, int)),
            "by_second": dict(sorted(by_second.items())), "outside_fault_windows": outside[:50], "outside_count": len(outside)}


# -- main --------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--consoles", type=int, default=300)
    ap.add_argument("--rate", type=float, default=10)
    ap.add_argument("--ack", type=int, default=20, help="acknowledgement window of the soak's offers (s)")
    ap.add_argument("--accept-share", type=float, default=0.7)
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--surge", action="store_true", help="the earthquake: --calls intakes in --seconds, no routing, no faults")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--out", default="/tmp/soak-result.json")
    args = ap.parse_args()

    os.environ.update(topology_env())
    os.environ["DATABASE_POOL"] = "false"  # this process: plain connections, reopened after the failover
    ctx = setup(args.ack)
    tokens, start_seq = ctx["tokens"], ctx["start_seq"]
    run_id = f"soak{int(time.time())}"
    minutes = args.seconds / 60 if args.surge else args.minutes
    rate = args.calls / args.seconds if args.surge else args.rate
    print(f"{run_id}: {'surge' if args.surge else 'soak'} {minutes:g} min, {rate:g} intakes/s, {args.consoles} consoles, from seq {start_seq}", flush=True)

    # Consoles first, all from start_seq: every event of the run is owed to each of them.
    users = [CONSOLE_USERS[i % len(CONSOLE_USERS)] for i in range(args.consoles)]
    mpctx = mp.get_context("spawn")
    stop, out = mpctx.Event(), mpctx.Queue()
    readies, procs = [], []
    for p in range(args.client_procs):
        assign = [(i, users[i], tokens[users[i]]) for i in range(p, args.consoles, args.client_procs)]
        ready = mpctx.Event()
        proc = mpctx.Process(target=console_proc, args=(assign, start_seq, ready, stop, out), daemon=True)
        proc.start()
        readies.append(ready)
        procs.append(proc)
    t_connect = time.monotonic()
    for r in readies:
        r.wait(timeout=180)
    print(f"  consoles open in {time.monotonic() - t_connect:.1f}s", flush=True)

    log, results, faults, stop_evt = Log(), [], [], threading.Event()
    load_before = os.getloadavg()
    t0, t_start = time.monotonic(), time.time()
    fault_thread = None
    if not args.surge and not args.no_faults:
        fault_thread = threading.Thread(target=run_faults, args=(fault_plan(minutes), t0, faults, stop_evt), daemon=True)
        fault_thread.start()
    queue_samples = []

    def sample_queues():
        import redis

        from dispatch import redis_client

        while not stop_evt.is_set():
            try:
                c = redis_client.sync_client(socket_timeout=1, socket_connect_timeout=1)
                queue_samples.append((round(time.monotonic() - t0, 1), c.llen("celery"), c.llen("timers"), log.inflight, os.getloadavg()[0]))
            except redis.RedisError:
                pass
            if len(queue_samples) % 15 == 0:
                done = sum(1 for r in results if r.get("created_at"))
                print(f"  [{time.monotonic() - t0:6.1f}s] intakes started {len(results)}, incidents created {done}, in flight {log.inflight}, "
                      f"answers {len(log.rows)}, load {os.getloadavg()[0]:.1f}", flush=True)
            stop_evt.wait(2)

    sampler = threading.Thread(target=sample_queues, daemon=True)
    import django  # noqa: F401 — set up in setup(); the sampler reads settings
    sampler.start()
    asyncio.run(load(run_id, tokens, rate, minutes * 60, not args.surge, args.accept_share, log, results, stop_evt))
    load_s = time.monotonic() - t0
    load_mid = os.getloadavg()
    print(f"  load done in {load_s:.1f}s; max in flight {log.max_inflight}", flush=True)
    if fault_thread:
        fault_thread.join(timeout=120)
    # Let every offer's deadline pass and the timers fire (sweeper: 1 s), then fix the end of the run.
    time.sleep((args.ack + 15) if not args.surge else 5)
    stop_evt.set()

    from incidents.selectors import last_seq
    from django.db import connection

    connection.close()
    end_seq = last_seq()
    # Wait (at most 120 s) for every console to reach the end: the catch-up after any reconnect.
    time.sleep(20)
    stop.set()
    consoles, stats = {}, {}
    for _ in procs:
        part = out.get(timeout=300)
        consoles.update(part["seqs"])
        for k, v in part["stats"].items():
            stats[k] = stats.get(k, 0) + v
    for p in procs:
        p.join(timeout=10)

    creates = [r["create_s"] for r in results if r.get("create_s") is not None]
    report = {
        "run": run_id, "mode": "surge" if args.surge else "soak", "minutes": minutes, "rate": rate, "consoles": args.consoles,
        "machine": machine_info(), "load_before": load_before, "load_end_of_load": load_mid, "load_after": os.getloadavg(),
        "load_seconds": round(load_s, 1), "start_seq": start_seq, "end_seq": end_seq, "events_in_run": end_seq - start_seq,
        "create_p50_ms": round(percentile(creates, 50) * 1000, 1) if creates else None,
        "create_p99_ms": round(percentile(creates, 99) * 1000, 1) if creates else None,
        "create_max_ms": round(max(creates) * 1000, 1) if creates else None,
        "max_in_flight": log.max_inflight,
        "http_client": log.client,
        "last_create_done_s": round(max((r["created_at"] for r in results if r.get("created_at")), default=t_start) - t_start, 1),
        "queue_max": {"celery": max((q[1] for q in queue_samples), default=None), "timers": max((q[2] for q in queue_samples), default=None)},
        "faults": faults, "console_stats": stats,
        "db": db_checks(run_id, results, start_seq, not args.surge),
        "delivery": delivery_checks(consoles, tokens, start_seq, end_seq),
        "errors": fivexx(log, faults, t_start),
        "queue_samples": queue_samples,
    }
    Path(args.out).write_text(json.dumps(report, indent=1, default=str))
    short = {k: v for k, v in report.items() if k not in ("queue_samples", "faults")}
    short["faults"] = [(round(f["start"] - t_start, 1), round(f["end"] - f["start"], 1), f["label"], f["rc"]) for f in faults]
    print(json.dumps(short, indent=1, default=str))


if __name__ == "__main__":
    main()
