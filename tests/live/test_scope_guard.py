"""A socket does not outlive its user's account or posting (issue 14): deactivated → 4401, moved → 4403."""
import pytest

import incidents.live.consumers as consumers
from tests import factories as f
from tests.live.conftest import closed_with, db, open_socket, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_recheck(monkeypatch):
    monkeypatch.setattr(consumers, "SCOPE_RECHECK_S", 0.2)


def _deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def _move(user, centre):
    user.command_centre = centre
    user.save(update_fields=["command_centre"])


def test_a_deactivated_users_socket_is_closed(call_taker):
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        await db(_deactivate)(call_taker)
        assert await closed_with(comm) == 4401

    run(body())


def test_a_user_moved_to_another_centre_is_closed(call_taker):
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        other = await db(f.samarinda_centre)()
        await db(_move)(call_taker, other)
        assert await closed_with(comm) == 4403

    run(body())


def test_an_unchanged_user_keeps_the_socket(call_taker):
    key = token_for(call_taker)

    async def body():
        comm = await open_socket(token=key)
        assert await comm.receive_nothing(timeout=1.0)
        await comm.disconnect()

    run(body())
