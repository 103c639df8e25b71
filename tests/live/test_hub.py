"""The process hub hands events to local sockets in global seq order, once per socket."""
import asyncio

from incidents.live.hub import LiveHub


class FakeSocket:
    def __init__(self):
        self.got = []
        self._last_queued = -1

    def push(self, seq, text, groups=(), frame=None):
        if seq <= self._last_queued:
            return
        self._last_queued = seq
        self.got.append(seq)

    def resume_from_last(self):
        self.got.append("resume")


def hub_with(*members):
    hub = LiveHub()
    hub.delivered = 10
    for sock, groups in members:
        hub.members[sock] = groups
        for g in groups:
            hub.groups[g].add(sock)
    return hub


def test_out_of_order_arrivals_are_delivered_in_seq_order_and_once_per_socket():
    async def body():
        pky, spv, smd = FakeSocket(), FakeSocket(), FakeSocket()
        hub = hub_with((pky, ["centre.1"]), (spv, ["centre.1", "centre.2"]), (smd, ["centre.9"]))
        # 12 is published before 11 (two workers committing a millisecond apart)
        hub.offer(12, ["all", "centre.1", "centre.2"], "{12}")
        assert pky.got == [] and hub.delivered == 10
        hub.offer(11, ["all", "centre.1"], "{11}")
        assert pky.got == [11, 12]
        assert spv.got == [11, 12]  # in two of the event's groups, still once
        assert smd.got == []
        hub.offer(11, ["all", "centre.1"], "{11}")  # a duplicate publish is ignored
        assert pky.got == [11, 12]

    asyncio.run(body())


def test_a_gap_is_filled_from_the_database(monkeypatch):
    import incidents.live.hub as live_hub

    async def fake_fetch(after, upto, limit, reader=None):
        assert (after, upto) == (10, 13)
        return [(11, ["all", "centre.1"], "{11}")]  # 12 was rolled back: never committed

    monkeypatch.setattr(live_hub, "fetch_range", fake_fetch)
    monkeypatch.setattr(live_hub, "GAP_WAIT_S", 0.01)

    async def body():
        sock = FakeSocket()
        hub = hub_with((sock, ["centre.1"]))
        hub.offer(13, ["all", "centre.1"], "{13}")
        await asyncio.sleep(0.1)
        assert sock.got == [11, 13]
        assert hub.delivered == 13
        hub.offer(14, ["all", "centre.1"], "{14}")
        assert sock.got == [11, 13, 14]

    asyncio.run(body())
