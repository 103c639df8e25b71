"""Helpers for the live-updates tests: real commits (transaction=True), real Redis, the real ASGI app."""
import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.gis.geos import Point

from tests import factories as f

# The consumer reads the database from worker threads: the data must be committed, so every test here uses
# django_db(transaction=True).
pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


def run(coro):
    """Run one async test body on a fresh loop (no pytest-asyncio in this project)."""
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


def db(fn):
    """Call sync code (services, ORM) from an async test body."""
    return database_sync_to_async(fn, thread_sensitive=False)


def token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def socket(*, token=None, cookie=None, origin=None, after=None, query=""):
    from dispatch.asgi import application

    path = "/ws/events/"
    params = ([f"after={after}"] if after is not None else []) + ([query] if query else [])
    if params:
        path += "?" + "&".join(params)
    headers = []
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def open_socket(**kw):
    comm = socket(**kw)
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    return comm


async def events(comm, n, timeout=TIMEOUT):
    """The next n messages (events or control messages)."""
    return [await comm.receive_json_from(timeout=timeout) for _ in range(n)]


async def closed_with(comm):
    out = await comm.receive_output(timeout=TIMEOUT)
    assert out["type"] == "websocket.close", out
    return out.get("code")


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def samarinda():
    """Samarinda (Kalimantan Timur): another province, another centre, its own fire agency and dispatcher."""
    centre = f.samarinda_centre()
    agency = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar SMD")
    return {
        "centre": centre,
        "agency": agency,
        "dispatcher": f.dispatcher(agency, username="disp_smd"),
        "call_taker": f.call_taker(centre, username="ct_smd"),
    }


@pytest.fixture
def sampit(centre):
    """A second centre in Kalimantan Tengah (Kotawaringin Timur), for the provincial supervisor."""
    regency = f.RegencyFactory(code="62.02", name="Kabupaten Kotawaringin Timur", boundary=f.square(112.95, -2.54, half=0.2))
    ktm = f.CommandCentreFactory(code="ktm", reference_prefix="KTM", name="112 Kotawaringin Timur", regions=[regency])
    f.AgencyFactory(command_centre=ktm, type="fire", short_name="Damkar KTM")
    return {"centre": ktm, "call_taker": f.call_taker(ktm, username="ct_ktm"), "point": Point(112.95, -2.54, srid=4326)}


@pytest.fixture
def province_supervisor(centre):
    from agencies.models import User

    return f.UserFactory(username="spv_kalteng", role=User.Role.SUPERVISOR, command_centre=None, province=centre.province)




@pytest.fixture(scope="session", autouse=True)
def _drop_worker_connections(django_db_setup, django_db_blocker):
    """Worker threads of finished event loops leave idle connections behind; drop them at the very end so
    the test database can be destroyed."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
