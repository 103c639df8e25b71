"""What the benchmark scripts in bench/ share: environment, database, fixtures, subprocesses, statistics, machine.

The scripts run as `python bench/<script>.py`, so this folder is on sys.path and they `import common`.
Nothing here runs on import; Django is set up by the caller (the `bench_centre` fixture needs it).
"""
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"
# Palangka Raya city centre (lon, lat): the bench centre's service area is a square around it.
PKY = (113.9213, -2.2096)


# -- environment and database ------------------------------------------------------------------------
def db_url(name: str) -> str:
    return f"postgis://postgres@127.0.0.1:5432/{name}"


def bench_env(*, settings: str, database_url: str, redis_url: str, **extra: str) -> dict:
    """The variables that point Django, Channels and Celery at the bench's own database and Redis db."""
    return {
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def create_database(name: str, *, drop: bool = False) -> None:
    """Creates the database if missing; with drop=True drops it first (a fresh one every run)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop or not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, env: dict, python: str = sys.executable) -> None:
    """`manage.py <args>` in a subprocess with the bench environment (e.g. migrate, load_demo)."""
    subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True)


def migrate(env: dict, python: str = sys.executable) -> None:
    manage("migrate", "--noinput", "-v", "0", env=env, python=python)


def start_django_bench(db: str, redis_url: str) -> dict:
    """The start every in-process bench shares: print the machine and its load, a fresh database `db` migrated, the
    environment set for bench.live_bench_settings, django.setup(). Returns the environment for the servers it spawns."""
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib'] or 0:.1f} GiB, Python {m['python']}")
    print(f"load average at start: {open('/proc/loadavg').read().strip()}")
    env = {**os.environ, **bench_env(settings="bench.live_bench_settings", database_url=db_url(db), redis_url=redis_url,
                                     DATABASE_POOL="false")}
    create_database(db, drop=True)
    migrate(env)
    os.environ.update(env)
    import django

    django.setup()
    return env


def bench_centre():
    """The minimal world of push_latency and timer_precision (idempotent): the province and Palangka Raya with a
    square boundary, the `bench` command centre serving it, the fire category and one fire agency. Needs Django set up."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from agencies.models import Agency, CommandCentre, Region
    from incidents.models import IncidentCategory

    (lon, lat), h = PKY, 0.2
    square = MultiPolygon(Polygon(((lon - h, lat - h), (lon + h, lat - h), (lon + h, lat + h), (lon - h, lat + h), (lon - h, lat - h))), srid=4326)
    province, _ = Region.objects.get_or_create(code="62", defaults={"level": "province", "name": "Kalimantan Tengah", "timezone": "Asia/Jakarta"})
    regency, _ = Region.objects.get_or_create(
        code="62.71", defaults={"level": "regency", "name": "Kota Palangka Raya", "parent": province, "timezone": "Asia/Jakarta", "boundary": square}
    )
    centre, _ = CommandCentre.objects.get_or_create(
        code="bench", defaults={"reference_prefix": "BEN", "name": "112 Bench", "province": province, "timezone": "Asia/Jakarta"}
    )
    centre.regions.add(regency)
    IncidentCategory.objects.get_or_create(
        code="kebakaran", defaults={"name_id": "Kebakaran", "name_en": "Fire", "default_priority": 2, "responsible_agency_types": ["fire"]}
    )
    agency, _ = Agency.objects.get_or_create(short_name="Damkar Bench", defaults={"name": "Damkar Bench", "type": "fire", "command_centre": centre})
    agency.regions.add(regency)
    return centre


# -- subprocesses ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(cmd: list[str], *, env: dict, log=None, **popen) -> subprocess.Popen:
    """Starts a server/worker in its own process group (so stop_processes also ends its children);
    output to `log` (stderr merged) when given, else inherited."""
    if log is not None:
        popen.update(stdout=log, stderr=subprocess.STDOUT)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, **popen)


def stop_processes(procs, timeout: float = 15) -> None:
    """SIGTERM to every process group still running, then waits; SIGKILL for any still there after `timeout`."""
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_http_ok(url: str, timeout: float, interval: float = 0.2) -> bool:
    """Polls `url` until it answers 200; False when `timeout` seconds pass first."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    return False


# -- results -----------------------------------------------------------------------------------------
def percentile(values, p):
    """Linear-interpolated percentile (p in 0..100) of a sequence; nan when empty."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine() -> dict:
    """cpu (lscpu's model name), cores, ram_gib (MemTotal, unrounded), python — each script formats its own line."""
    info = {"cpu": platform.processor() or "?", "cores": os.cpu_count(), "ram_gib": None, "python": platform.python_version()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name:")), info["cpu"])
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/meminfo") as fh:
            info["ram_gib"] = int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        pass
    return info


def md_table(header: list[str], rows) -> list[str]:
    """A markdown table as lines: `| a | b |`, the `|---|---|` rule, then one line per row of cells."""
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]


# -- where the cores went ----------------------------------------------------------------------------
_CLK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> dict[int, tuple[str, str, float]]:
    """pid → (comm, first cmdline words, user+system CPU seconds) of every process on the machine."""
    snap = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")[:200]
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        snap[int(entry)] = (comm, cmd, (int(fields[11]) + int(fields[12])) / _CLK)
    return snap


def cpu_by_role(before: dict, after: dict, seconds: float, roles: dict[int, str]) -> dict[str, float]:
    """Cores used per role between two snapshots: `roles` names known pids (server workers, client
    processes); PostgreSQL and Redis are recognised by name; the rest is "other". Children that started
    and ended between the snapshots are not seen (none do in these benches)."""
    used: dict[str, float] = {}
    for pid, (comm, cmd, cpu) in after.items():
        delta = cpu - (before.get(pid, (comm, cmd, 0.0))[2] if before.get(pid, ("", "", 0))[0] == comm else 0.0)
        if delta <= 0:
            continue
        if pid in roles:
            role = roles[pid]
        elif comm.startswith("postgres") or cmd.startswith("postgres"):
            role = "postgresql"
        elif comm.startswith("redis"):
            role = "redis"
        else:
            role = "other"
        used[role] = used.get(role, 0.0) + delta / seconds
    return {k: round(v, 2) for k, v in sorted(used.items(), key=lambda kv: -kv[1])}


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (uvicorn's workers are children of the supervisor process)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out
