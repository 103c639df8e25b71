"""Scale-out: two real ASGI server processes behind one address; an incident created through one reaches a
console connected to the other."""
import asyncio
import json
import uuid

import httpx
import pytest

from tests.live.conftest import token_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_servers(asgi_process_factory):
    """Two uvicorn processes on the pytest session's own test database and Redis prefix (tests/support.py)."""
    return [asgi_process_factory(log_level="warning", access_log=False, name=name).port for name in ("watcher", "api")]


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
