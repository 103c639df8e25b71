"""A socket does not outlive its user's account or posting (issue 14): deactivated → 4401, moved → 4403."""
import asyncio

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


def test_one_query_per_interval_rechecks_every_socket_and_closes_only_the_changed_users(call_taker, damkar_dispatcher, monkeypatch):
    # given five sockets of two users, and the guard's reads counted
    reads = []
    real = consumers.db_current_scopes

    async def counted(user_ids):
        reads.append(set(user_ids))
        return await real(user_ids)

    monkeypatch.setattr(consumers, "db_current_scopes", counted)
    ct_key, disp_key = token_for(call_taker), token_for(damkar_dispatcher)

    async def body():
        cts = [await open_socket(token=ct_key) for _ in range(3)]
        disps = [await open_socket(token=disp_key) for _ in range(2)]
        reads.clear()
        await asyncio.sleep(0.6)
        # then each interval is one read of both users, whatever the number of sockets
        assert reads and all(r == {call_taker.pk, damkar_dispatcher.pk} for r in reads)
        assert len(reads) <= 3  # 0.6 s / 0.2 s; a read per socket would be 5 × that
        # when the call-taker moves, all three of its sockets close 4403 and the dispatcher's stay
        other = await db(f.samarinda_centre)()
        await db(_move)(call_taker, other)
        assert [await closed_with(c) for c in cts] == [4403] * 3
        for c in disps:
            assert await c.receive_nothing(timeout=0.5)
            await c.disconnect()

    run(body())
