#!/usr/bin/env python
"""Road routing benchmark (issue 25): what ranking by drive time costs the intake, what the fallback costs, and
what the engine costs to prepare and to serve.

    .venv/bin/python bench/routing.py [--n 200] [--province-ways 0|200000] [--keep-db]

1. A database of its own (`bench_routing`, dropped first), migrated, with the demo data and the demo road network
   (load_demo imports and prepares it: `.cache/osrm/data/demo/`).
2. osrm-routed on the demo network (MLD) on a free loopback port, and three uvicorn servers (1 worker each) on the
   same database: road ranking ON (OSRM_URL = the engine), OFF (OSRM_URL empty: straight line, the code path
   before this issue) and HUNG (OSRM_URL = a socket that accepts and never answers).
3. create + route as call_taker_smd (token auth, keep-alive, one client), fires on the south bank of the Mahakam
   (Samarinda: 9 fire engines of Damkar SMD in the shortlist), ON and OFF interleaved request by request so the
   machine's load falls on both alike: p50/p95/max of each and of the difference. HUNG: the first intake (waits
   for the 300 ms deadline) and the next ones (the breaker skips the engine). KILLED: the ON server after the
   engine is killed (connection refused).
4. The engine's own time for one `table` of 20 units (the client of dispatch/osrm.py, keep-alive): wall time, and
   the CPU it costs the engine and the client (from /proc: what a quiet machine would see), and its resident memory.
5. Preparation (extract → partition → customize) of the demo network, from its stamp; with --province-ways N a
   synthetic province-sized network (grid towns joined by roads, N ways) is generated, prepared and served too.
6. Prints the tables with the machine and its load average (copy into docs/performance.md "Road routing").
"""
import argparse
import json
import os
import socket
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from common import ROOT, create_database, db_url, drop_database, free_port, machine, manage, md_table, migrate, percentile, spawn, stop_processes, wait_http_ok
from common import bench_env as _bench_env

PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB_NAME = "bench_routing"
REDIS_DB = 13
FIRES = [(117.1500, -0.5125), (117.1550, -0.5170), (117.1450, -0.5200), (117.1620, -0.5230), (117.1350, -0.5300)]
OSRM_BIN = ROOT / ".cache" / "osrm" / "bin"


def log(msg):
    print(f"[bench] {msg}", flush=True)


def load():
    return open("/proc/loadavg").read().split()[:3]


def env_for(osrm_url):
    env = os.environ.copy()
    env.update(_bench_env(settings="dispatch.settings.local", database_url=db_url(DB_NAME), redis_url=f"redis://127.0.0.1:6379/{REDIS_DB}",
                          DJANGO_DEBUG="false", DEMO_PASSWORD="demo112", OSRM_URL=osrm_url, DEMO_ROAD_NETWORK="true"))
    return env


def cpu_s(pid):
    """utime + stime of a process (s): what it cost in CPU, whatever the machine's load did to the wall clock."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class Hung:
    """A port that first refuses connections (bound, not listening: the server under test warms up with the engine
    "down"), then, after `hang()`, accepts them and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held = []

    def hang(self):
        self.sock.listen(256)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)


def start_engine(dataset, port):
    proc = spawn([str(OSRM_BIN / "osrm-routed"), "--algorithm", "mld", "--ip", "127.0.0.1", "--port", str(port), "--threads", "2",
                  "--max-table-size", "100", str(dataset)], env=os.environ.copy(), log=open(f"/tmp/bench-routed-{port}.log", "w"))
    if not wait_http_ok(f"http://127.0.0.1:{port}/nearest/v1/driving/0,0", timeout=120):
        raise SystemExit("osrm-routed did not answer")
    return proc


def start_web(osrm_url, name):
    port = free_port()
    proc = spawn([PYTHON, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                  "--no-access-log", "--log-level", "warning"], env=env_for(osrm_url), log=open(f"/tmp/bench-routing-{name}.log", "w"))
    if not wait_http_ok(f"http://127.0.0.1:{port}/login/", timeout=120):
        raise SystemExit(f"uvicorn {name} did not start")
    return proc, f"http://127.0.0.1:{port}"


def intake(client, base, k):
    lon, lat = FIRES[k % len(FIRES)]
    started = time.perf_counter()
    r = client.post(f"{base}/api/v1/incidents/", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "category": "kebakaran", "location": {"type": "Point", "coordinates": [lon + (k % 7) * 0.0002, lat]},
        "caller_number": "081255500000", "description": "bench"})
    r.raise_for_status()
    body = r.json()
    client.post(f"{base}/api/v1/incidents/{body['id']}/route/", json={}).raise_for_status()
    return (time.perf_counter() - started) * 1000, {u["basis"] for u in body["nearest_units"]}


def stats(values):
    return [f"{statistics.median(values):.1f}", f"{percentile(values, 95):.1f}", f"{max(values):.1f}"]


def synthetic_province(path, ways_wanted):
    """A province-sized road network: towns (grids) joined by long roads, ≈ ways_wanted ways, like a real extract's
    road part (a real file also carries buildings and land use, which cost reading time, not routing memory)."""
    sys.path.insert(0, str(ROOT))
    from agencies.demo.roadgen import Network, write_pbf

    nodes, ways = [], []
    towns_side = max(2, int((ways_wanted / 60) ** 0.5))
    node_id = 1
    grid = {}
    for tx in range(towns_side):
        for ty in range(towns_side):
            ox, oy = 111.0 + tx * 0.15, -3.0 + ty * 0.15
            ids = {}
            for i in range(16):
                for j in range(16):
                    nodes.append((node_id, round(ox + i * 0.0025, 7), round(oy + j * 0.0025, 7)))
                    ids[(i, j)] = node_id
                    node_id += 1
            grid[(tx, ty)] = ids
            for j in range(16):
                ways.append([ids[(i, j)] for i in range(16)])
            for i in range(16):
                ways.append([ids[(i, j)] for j in range(16)])
    for (tx, ty), ids in grid.items():
        for nx, ny in ((tx + 1, ty), (tx, ty + 1)):
            if (nx, ny) not in grid:
                continue
            a, b = ids[(15, 15)], grid[(nx, ny)][(0, 0)]
            (ax, ay), (bx, by) = nodes[a - 1][1:], nodes[b - 1][1:]
            chain = [a]
            for s in range(1, 40):
                nodes.append((node_id, round(ax + (bx - ax) * s / 40, 7), round(ay + (by - ay) * s / 40, 7)))
                chain.append(node_id)
                node_id += 1
            chain.append(b)
            ways.append(chain)
    out = Network(nodes=nodes, ways=[(k + 1, refs, {"highway": "residential" if len(refs) <= 16 else "primary"}) for k, refs in enumerate(ways)])
    write_pbf(out, path)
    return len(nodes), len(ways)


def prepare(pbf, name):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")
    import django

    django.setup()
    from agencies.roads import engine_files

    return engine_files.prepare(pbf=pbf, name=name, force=True)


def table_ms(url, sources, destination, n):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dispatch.settings.local")
    import django

    django.setup()
    from django.conf import settings

    from dispatch import osrm

    settings.ROUTING_PROFILES = {"car": url}
    osrm.reset()
    osrm.table(sources=sources, destination=destination)  # connect once
    times = []
    for _ in range(n):
        started = time.perf_counter()
        osrm.table(sources=sources, destination=destination)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--province-ways", type=int, default=0)
    ap.add_argument("--keep-db", action="store_true")
    args = ap.parse_args()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    info = machine()
    out = [f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']:.1f} GiB; Python {info['python']}",
           f"Command: .venv/bin/python bench/routing.py --n {args.n} --province-ways {args.province_ways}"]
    procs = []
    try:
        log("database, demo data and demo road network")
        create_database(DB_NAME, drop=True)
        env = env_for("")
        migrate(env, PYTHON)
        manage("load_demo", env=env, python=PYTHON)
        dataset = ROOT / ".cache" / "osrm" / "data" / "demo" / "demo.osrm"
        stamp = json.loads(dataset.with_suffix(".prepared.json").read_text())
        engine_port = free_port()
        engine = start_engine(dataset, engine_port)
        procs.append(engine)
        engine_url = f"http://127.0.0.1:{engine_port}"
        hung = Hung()
        on, on_url = start_web(engine_url, "on")
        off, off_url = start_web("", "off")
        hung_web, hung_url = start_web(hung.url, "hung")
        procs += [on, off, hung_web]
        client = httpx.Client(timeout=30)
        token = client.post(f"{on_url}/api/v1/auth/token/", json={"username": "call_taker_smd", "password": "demo112"}).json()["token"]
        client.headers["Authorization"] = f"Token {token}"

        log("warm-up (the HUNG server too, while its port still refuses)")
        for k in range(10):
            intake(client, on_url, k)
            intake(client, off_url, k)
            intake(client, hung_url, k)
        log(f"create + route, ON and OFF interleaved, {args.n} each (load {load()})")
        load_before = load()
        t_on, t_off, bases = [], [], set()
        for k in range(args.n):
            ms, basis = intake(client, on_url, k)
            t_on.append(ms)
            bases |= basis
            t_off.append(intake(client, off_url, k)[0])
        load_after = load()
        assert bases == {"road"}, bases
        diff = [a - b for a, b in zip(t_on, t_off)]

        log("HUNG engine: the first intake after the breaker's retry interval, then the breaker")
        hung.hang()
        time.sleep(6)  # ROUTING_RETRY_S (5 s) after the warm-up's refusals: the next intake tries the engine again
        first_hung, hung_basis = intake(client, hung_url, 0)
        after_hung = [intake(client, hung_url, k)[0] for k in range(1, 21)]

        log("table of 20 units alone (client of dispatch/osrm.py)")
        sources = [(117.10 + 0.004 * k, -0.49 - 0.002 * (k % 5)) for k in range(20)]
        engine_cpu, client_cpu = cpu_s(engine.pid), time.process_time()
        t_table = table_ms(engine_url, sources, FIRES[0], 1000)
        engine_cpu_ms = (cpu_s(engine.pid) - engine_cpu) * 1000 / 1001
        client_cpu_ms = (time.process_time() - client_cpu) * 1000 / 1001
        routed_rss = rss_mb(engine.pid)

        log("KILLED engine: the ON server answers by straight line")
        engine.kill()
        engine.wait()
        killed = [intake(client, on_url, k) for k in range(30)]
        killed_ms = [ms for ms, _b in killed]
        assert all(b == {"straight_line"} for _ms, b in killed)

        out += ["", f"Load average before/after the interleaved run: {' '.join(load_before)} / {' '.join(load_after)}", ""]
        out += md_table(["create + route (ms)", "p50", "p95", "max"], [
            ["road ranking ON (engine, table of the shortlist)", *stats(t_on)],
            ["OFF (straight line, as before)", *stats(t_off)],
            ["ON − OFF, same intake pair", *stats(diff)],
            ["engine KILLED (connection refused → straight line)", *stats(killed_ms)],
            ["engine HUNG: first intake (300 ms deadline)", f"{first_hung:.1f}", "", ""],
            ["engine HUNG: the next 20 (breaker open)", *stats(after_hung)],
        ])
        out += ["", f"Table of 20 units → 1 incident, alone (keep-alive, 1,000 runs): wall p50 {statistics.median(t_table):.2f} ms, "
                f"p95 {percentile(t_table, 95):.2f} ms, min {min(t_table):.2f} ms; CPU per table: engine {engine_cpu_ms:.2f} ms, "
                f"client {client_cpu_ms:.2f} ms. osrm-routed resident memory (demo): {routed_rss:.1f} MB. Load {' '.join(load())}."]
        steps = stamp["steps"]
        out += ["", "Preparation of the demo network (from its stamp): " + ", ".join(
            f"{k} {v['seconds']} s / {v['max_rss_mb']} MB peak" for k, v in steps.items())
            + f"; source {stamp['source_bytes'] / 1024:.0f} kB, files {stamp['dataset_bytes'] / 1e6:.1f} MB."]

        if args.province_ways:
            log(f"synthetic province: ~{args.province_ways} ways")
            path = Path("/tmp/bench-province.osm.pbf")
            n_nodes, n_ways = synthetic_province(path, args.province_ways)
            started = time.monotonic()
            prepared = prepare(path, "bench-province")
            total = time.monotonic() - started
            st = prepared.stamp
            port = free_port()
            big = start_engine(prepared.dataset, port)
            procs.append(big)
            big_sources = [(111.0 + 0.15 * (k % 5) + 0.01, -3.0 + 0.15 * (k // 5) + 0.01) for k in range(20)]
            t_big = table_ms(f"http://127.0.0.1:{port}", big_sources, (111.0 + 0.15 * 3 + 0.02, -3.0 + 0.15 * 2 + 0.02), 100)
            out += ["", f"Synthetic province: {n_nodes:,} nodes, {n_ways:,} ways, PBF {st['source_bytes'] / 1e6:.1f} MB → prepared in {total:.1f} s ("
                    + ", ".join(f"{k} {v['seconds']} s / {v['max_rss_mb']} MB peak" for k, v in st["steps"].items())
                    + f"); files {st['dataset_bytes'] / 1e6:.0f} MB; osrm-routed {rss_mb(big.pid):.0f} MB resident; table of 20 p50 "
                    f"{statistics.median(t_big):.2f} ms, p95 {percentile(t_big, 95):.2f} ms. Load {' '.join(load())}."]
            for f in Path(prepared.dataset).parent.glob("*"):
                f.unlink()
            Path(prepared.dataset).parent.rmdir()
    finally:
        stop_processes(procs)
        if not args.keep_db:
            drop_database(DB_NAME)
    print("\n".join(out))


if __name__ == "__main__":
    main()
