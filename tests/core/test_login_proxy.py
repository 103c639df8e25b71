"""Password guessing through the proxy (issue 28, item 2), against the real edge: Debian's nginx with the very
configuration `scripts/topology.sh nginx-conf` writes, in front of a uvicorn started with the topology's own proxy
flags (`scripts/topology.sh uvicorn-proxy-args`), login throttling on.

Before the fix the deployment trusted every client's `X-Forwarded-For` (nginx appended to the client's header and
uvicorn trusted any peer): 30 wrong passwords with a new header each were never throttled, and a locked user signed
in with another header. Now nginx *sets* the header to the address it sees, uvicorn believes it only from nginx's
address, and a username guessed from many real addresses gets short lockouts of its own.
"""
import http.client
import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tests import factories as f
from tests.support import ROOT, free_port

pytestmark = [pytest.mark.integration]

NGINX = "/usr/sbin/nginx"
PAIR_LIMIT = 5
USER_LIMIT = 8


def _topology(*args, **env) -> str:
    return subprocess.run(["bash", str(ROOT / "scripts/topology.sh"), *args], check=True, capture_output=True, text=True,
                          env={**os.environ, **env}).stdout


@pytest.fixture
def edge(asgi_process_factory, tmp_path):
    assert Path(NGINX).exists(), "nginx is installed by scripts/bootstrap.sh (nginx-light)"
    server = asgi_process_factory(
        args=_topology("uvicorn-proxy-args").split(),
        env={"TEST_AXES_ENABLED": "true", "LOGIN_FAILURE_LIMIT": str(PAIR_LIMIT), "LOGIN_USER_FAILURE_LIMIT": str(USER_LIMIT)},
    )
    port = free_port()
    for sub in ("run", "log", "nginx"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(_topology("nginx-conf", TOPOLOGY_DIR=str(tmp_path), TOPOLOGY_WEB_PORTS=str(server.port), TOPOLOGY_NGINX_PORT=str(port)))
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", f"{tmp_path}/nginx/", "-e", str(tmp_path / "log/nginx-error.log"),
                              "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        try:
            if _post(("127.0.0.1", port), "/login/", method="GET")[0] < 500:
                break
        except OSError:
            pass
        assert nginx.poll() is None, nginx.stdout.read().decode()
        assert time.monotonic() < deadline, "nginx did not answer"
        time.sleep(0.1)
    try:
        yield SimpleNamespace(proxy=("127.0.0.1", port), direct=("127.0.0.1", server.port))
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        cache.clear()


def _post(address, path, body=None, *, method="POST", headers=None, source=None):
    conn = http.client.HTTPConnection(*address, timeout=15, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _token(address, username, password, *, xff=None, source=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return _post(address, "/api/v1/auth/token/", {"username": username, "password": password}, headers=headers, source=source)[0]


def _user():
    return f.call_taker(username=f"ct_{uuid.uuid4().hex[:8]}")


def test_a_new_forwarded_header_per_guess_is_still_throttled_at_the_edge(edge):
    victim, colleague = _user(), _user()
    # thirty wrong passwords, each claiming a new client address
    codes = [_token(edge.proxy, victim.username, "salah", xff=f"203.0.113.{i}") for i in range(30)]
    assert codes[:PAIR_LIMIT - 1] == [400] * (PAIR_LIMIT - 1)
    assert set(codes[PAIR_LIMIT - 1:]) == {429}, codes
    # the locked user does not get in with yet another header, even with the right password
    assert _token(edge.proxy, victim.username, "pw", xff="198.51.100.77") == 429
    # a colleague in the same room (the same real address) still signs in
    assert _token(edge.proxy, colleague.username, "pw") == 200


def test_only_the_proxy_may_say_who_the_client_is(edge):
    # a peer that is not the proxy (another loopback address: not in --forwarded-allow-ips) sends X-Forwarded-For
    # straight to a web process: ignored, its own address counts
    victim = _user()
    codes = [_token(edge.direct, victim.username, "salah", xff=f"203.0.113.{i}", source="127.0.0.7") for i in range(PAIR_LIMIT + 2)]
    assert codes[-3:] == [429, 429, 429], codes


def test_a_username_guessed_from_many_real_addresses_gets_short_lockouts_and_the_room_still_signs_in(edge):
    # the proxy forwards many real clients (uvicorn believes the header from nginx's own address, as here)
    victim, colleague = _user(), _user()
    codes = [_token(edge.direct, victim.username, "salah", xff=f"192.0.2.{i}") for i in range(USER_LIMIT)]
    assert codes == [400] * (USER_LIMIT - 1) + [429], codes  # no address reached the pair's limit
    assert _token(edge.direct, victim.username, "pw", xff="192.0.2.200") == 429
    assert _token(edge.direct, colleague.username, "pw", xff="192.0.2.1") == 200
    assert _token(edge.proxy, colleague.username, "pw") == 200
