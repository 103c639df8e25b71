"""Where a live frame's delay comes from, measured inside each server process (issue 27, "No stalls").

Off unless the environment names a log file: `D112_STALL_LOG=/tmp/stalls.jsonl` (bench/push_latency.py sets it).
Then every ASGI process appends one JSON line per noteworthy pause to that file:

- `loop`: the event loop did not run a 20 ms timer for `lag_ms` longer than asked — everything on the loop (the hub,
  every socket of the process, the HTTP requests' async parts) waited that long. The line ends at `t` (wall clock).
- `gc`: one garbage collection of generation `gen` took `ms` (gc.callbacks), and how many objects it collected.
- `hub`: the live hub spent `ms` on one step (`what`: `deliver` = one event's fan-out to the local sockets,
  `fill` = a gap filled from the database, `scopes` = the ScopeGuard's re-check query, `subscribed` = the reading
  of the last seq after a (re)subscription).

Lines with `t` (the wall-clock end of the pause, seconds) and `pid`, so the bench can line a late frame up with the
pause in the server that caused it (or with none: then the delay was elsewhere — PostgreSQL, Redis, the client).
"""
import asyncio
import gc
import json
import os
import time

LOG_PATH = os.environ.get("D112_STALL_LOG") or None
LOOP_TICK_S = 0.02
LOOP_LAG_LOG_MS = 50  # a loop pause shorter than this is below what a console could notice
GC_LOG_MS = 10
HUB_LOG_MS = 20

_started = set()
_gc_start = {}


def note(kind: str, **fields) -> None:
    if LOG_PATH is None:
        return
    fields.update(kind=kind, pid=os.getpid(), t=round(time.time(), 3))
    line = json.dumps(fields) + "\n"
    # One write() of a short line on an O_APPEND file: lines of several processes do not interleave.
    fd = os.open(LOG_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _gc_callback(phase, info):
    if phase == "start":
        _gc_start[info["generation"]] = time.perf_counter()
        return
    started = _gc_start.pop(info["generation"], None)
    if started is None:
        return
    ms = (time.perf_counter() - started) * 1000
    if ms >= GC_LOG_MS:
        note("gc", gen=info["generation"], ms=round(ms, 1), collected=info.get("collected"))


async def _watch_loop():
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(LOOP_TICK_S)
        lag_ms = (loop.time() - before - LOOP_TICK_S) * 1000
        if lag_ms >= LOOP_LAG_LOG_MS:
            note("loop", lag_ms=round(lag_ms, 1))


def start() -> None:
    """Once per event loop (the live hub calls it when it is created); a no-op unless D112_STALL_LOG is set."""
    if LOG_PATH is None:
        return
    loop = asyncio.get_running_loop()
    if id(loop) in _started:
        return
    _started.add(id(loop))
    if _gc_callback not in gc.callbacks:
        gc.callbacks.append(_gc_callback)
    loop.create_task(_watch_loop(), name="live-stallwatch")
    note("start", gc_threshold=list(gc.get_threshold()), gc_frozen=gc.get_freeze_count(), gc_counts=list(gc.get_count()))


class timed:
    """`with timed("deliver", seq=…):` — notes the step when it took HUB_LOG_MS or more (only when enabled)."""

    __slots__ = ("what", "fields", "t0")

    def __init__(self, what, **fields):
        self.what, self.fields = what, fields

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        ms = (time.perf_counter() - self.t0) * 1000
        if LOG_PATH is not None and ms >= HUB_LOG_MS:
            note("hub", what=self.what, ms=round(ms, 1), **self.fields)
        return False
