"""Deactivating a user closes their sockets at once and revokes their token (issue 28, item 8).

Before: the sockets stayed open until the ScopeGuard's next re-check (~30 s) while the docs said "at once", and a
reactivated account's old API token worked again. The guard's interval is set to a minute here, so only the
deactivation's own message can close the socket in time."""
import time

import pytest
from rest_framework.test import APIClient

import incidents.live.consumers as consumers
from tests.live.conftest import closed_with, db, open_socket, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def slow_recheck(monkeypatch):
    monkeypatch.setattr(consumers, "SCOPE_RECHECK_S", 60)


def _set_active(user, active):
    user.is_active = active
    user.save(update_fields=["is_active"])


def test_a_deactivated_users_sockets_close_at_once(call_taker, damkar_dispatcher):
    ct_key, other_key = token_for(call_taker), token_for(damkar_dispatcher)

    async def body():
        first, second = await open_socket(token=ct_key), await open_socket(token=ct_key)
        other = await open_socket(token=other_key)
        started = time.monotonic()
        await db(_set_active)(call_taker, False)
        assert await closed_with(first) == 4401 and await closed_with(second) == 4401
        assert time.monotonic() - started < 2.5  # not the guard's minute
        # another user's socket stays open
        assert await other.receive_nothing(timeout=0.5)
        await other.disconnect()

    run(body())


def test_reactivation_does_not_revive_the_old_token(call_taker):
    old_key = token_for(call_taker)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get("/api/v1/calls/").status_code == 200
    _set_active(call_taker, False)
    _set_active(call_taker, True)
    assert client.get("/api/v1/calls/").status_code == 401

    async def body():
        comm = await open_socket(token=old_key)
        assert await closed_with(comm) == 4401

    run(body())


def test_saving_an_active_user_closes_nothing(call_taker):
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        await db(_set_active)(call_taker, True)
        assert await comm.receive_nothing(timeout=1.0)
        await comm.disconnect()

    run(body())
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/calls/").status_code == 200
