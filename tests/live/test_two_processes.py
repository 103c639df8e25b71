"""Scale-out: two real ASGI server processes behind one address; an incident created through one reaches a
console connected to the other."""
import asyncio
import json
import os
import socket as pysocket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.live.conftest import token_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers():
    """Two uvicorn processes on the pytest session's own test database and Redis prefix."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="dispatch.settings.test",
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        PYTHONUNBUFFERED="1",
    )
    ports, procs = [free_port(), free_port()], []
    try:
        for port in ports:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "dispatch.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1", "--log-level", "warning", "--no-access-log"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            ))
        deadline = time.monotonic() + 30
        for port, proc in zip(ports, procs):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode()[-2000:])
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server on {port} did not start")
                time.sleep(0.2)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_an_incident_created_through_one_process_reaches_a_console_on_the_other(two_servers, call_taker, damkar, fire_category):
    from websockets.asyncio.client import connect

    watcher_port, api_port = two_servers
    key = token_for(call_taker)

    async def body():
        async with connect(f"ws://127.0.0.1:{watcher_port}/ws/events/", additional_headers={"Authorization": f"Token {key}"}) as ws:
            # when a call-taker logs an incident through the public API of the OTHER process
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", headers={"Authorization": f"Token {key}"}) as api:
                response = await api.post(
                    "/api/v1/incidents/",
                    json={"category": fire_category.code, "priority": 2, "location": {"type": "Point", "coordinates": [113.9213, -2.2096]},
                          "address": "Jl. Tjilik Riwut km 2", "description": "Rumah terbakar", "caller_number": "081234567890",
                          "caller_name": "Budi"},
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                assert response.status_code == 201, response.text
                created = response.json()
            # then the console connected to the first process receives it
            event = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            assert (event["kind"], event["incident"]) == ("incident.created", created["id"])
            assert event["payload"]["incident"]["reference"] == created["reference"]

    asyncio.run(body())
