"""One way for tests to start real servers and real browsers.

- `free_port()`: a free TCP port on 127.0.0.1.
- `AsgiProcess`: `uvicorn dispatch.asgi:application` as a subprocess against the pytest test database
  (DATABASE_URL from `connection.settings_dict`, DJANGO_SETTINGS_MODULE=dispatch.settings.test, the same
  PYTEST_DB_SUFFIX so the Redis key/channel prefix matches). `start()` waits until the port answers HTTP;
  the server logs to a temp file whose tail is printed when it stops (pytest shows it when a test fails).
  `kill()` simulates a crash, `start()` again restarts it on the same port.
- `launch_chromium(playwright)`: Debian's Chromium ($CHROMIUM_PATH or /usr/bin/chromium) with CHROMIUM_ARGS.
- `login(browser, base_url, username, password)`: a new context logged in through the login form.
- `session_context(browser, base_url, user)`: a new context carrying a force-logged-in session cookie.
- `wait_live(page)`: until the page's `#live-state` says live.
- `api_routes()`: every /api/v1/ route of the URL conf with the HTTP methods its view answers;
  `fill_route(route, values)`: that route with its parameters set (the access matrix, the hostile fuzz).

The fixtures (`chromium`, `asgi_process`, `asgi_process_factory`) live in tests/conftest.py.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFAULT_PASSWORD = "pw"  # tests/factories.py: UserFactory.password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def current_database_url() -> str:
    """The URL of the database this pytest process uses (the test database, once pytest-django set it up)."""
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgis://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def server_env(**extra) -> dict:
    env = dict(os.environ)
    # The server must behave as in production: no async-unsafe escape hatch the browser fixtures need here.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="dispatch.settings.test",
        DATABASE_URL=current_database_url(),
        PYTEST_DB_SUFFIX=os.environ.get("PYTEST_DB_SUFFIX", ""),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class AsgiProcess:
    """`uvicorn dispatch.asgi:application` in a subprocess on the test database. Usable as a context manager."""

    def __init__(self, port: int | None = None, *, log_level: str = "info", access_log: bool = True,
                 start_timeout: float = 40, env: dict | None = None, name: str = "uvicorn", args: list[str] | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_level = log_level
        self.access_log = access_log
        self.start_timeout = start_timeout
        self.extra_env = env or {}
        self.name = name
        self.args = list(args or [])  # more uvicorn flags (e.g. the topology's --proxy-headers --forwarded-allow-ips)
        self.log_path = Path(tempfile.mkdtemp(prefix=f"asgi-{name}-")) / "uvicorn.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # ── lifecycle ──
    def start(self) -> "AsgiProcess":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        cmd = [sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(self.port),
               "--log-level", self.log_level]
        if not self.access_log:
            cmd.append("--no-access-log")
        cmd += self.args
        self._log = open(self.log_path, "a")
        self._log.write(f"── start {time.strftime('%H:%M:%S')}: {' '.join(cmd)}\n")
        self._log.flush()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(**self.extra_env), stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_answering()
        return self

    def _wait_answering(self):
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/login/", timeout=2) as response:
                    if response.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.name} did not answer on port {self.port} within {self.start_timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10):
        """Terminate cleanly (SIGTERM, then SIGKILL after `timeout`)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._close_log()

    def kill(self):
        """Crash: SIGKILL, sockets dropped by the kernel, no goodbye to anyone."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._close_log()

    def restart(self) -> "AsgiProcess":
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _close_log(self):
        if self._log and not self._log.closed:
            self._log.close()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:]

    def report(self):
        """Print the log tail: captured by pytest and shown only when the test fails."""
        print(f"\n──── {self.name} log ({self.log_path}) ────\n{self.log_tail()}")

    def __enter__(self) -> "AsgiProcess":
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.report()


# ───────────────────────── the browser ─────────────────────────
def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def launch_chromium(playwright, **kw):
    kw.setdefault("headless", True)
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, **kw)


def echo_browser_errors(page):
    """Browser-side errors end up in the test's captured output (shown when it fails)."""
    page.on("console", lambda msg: print(f"[browser {msg.type}] {msg.text}") if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: print(f"[browser pageerror] {exc}"))
    return page


def login(browser, base_url: str, username: str, password: str = DEFAULT_PASSWORD, **context_options):
    """A new browser context logged in through the login form; returns (context, page)."""
    context_options.setdefault("locale", "id-ID")
    context = browser.new_context(base_url=base_url, **context_options)
    page = context.new_page()
    page.goto("/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"], input[type="submit"]')
    page.wait_for_load_state("networkidle")
    return context, page


def session_context(browser, base_url: str, user, **context_options):
    """A new browser context carrying a session of `user` made by Django's test client (no login form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context_options.setdefault("locale", "id-ID")
    context = browser.new_context(**context_options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])
    return context


def wait_live(page, timeout: float = 15_000):
    page.wait_for_selector("#live-state.live", timeout=timeout)


ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def api_routes():
    """(route, methods) for every route under /api/v1/ in the URL conf, methods upper-case; a new endpoint
    appears here by itself, so tests built on this cannot forget one."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p

    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        yield route, [m.upper() for m in ("get", "post", "patch", "put", "delete") if view is not None and hasattr(view, m)]


def fill_route(route: str, values: dict, missing=None) -> str | None:
    """The route as a path with each parameter taken from `values` by name; a parameter not in `values` takes
    `missing`, or makes the answer None when `missing` is None."""
    unfilled = []

    def value(match):
        name = match.group(2)
        if name in values:
            return str(values[name])
        unfilled.append(name)
        return str(missing)

    path = "/" + ROUTE_PARAM.sub(value, route)
    return None if unfilled and missing is None else path
