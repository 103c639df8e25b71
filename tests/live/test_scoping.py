"""A socket receives exactly the events of its user's scope."""
import pytest

from tests import factories as f
from tests.live.conftest import db, events, open_socket, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_centre_province_and_foreign_centre_scopes(call_taker, make_incident, samarinda, sampit, province_supervisor, fire_category):
    from incidents.services import incident_create

    keys = {name: token_for(u) for name, u in {
        "pky": call_taker, "smd_disp": samarinda["dispatcher"], "smd_ct": samarinda["call_taker"],
        "spv": province_supervisor, "ktm": sampit["call_taker"],
    }.items()}

    def ktm_incident():
        return incident_create(actor=sampit["call_taker"], category=fire_category.code, location=sampit["point"],
                               caller_number="081299990000", description="Lahan terbakar")[0]

    async def body():
        s = {name: await open_socket(token=key) for name, key in keys.items()}
        # when Palangka Raya logs an incident, then one in Kotawaringin Timur (same province)
        pky = await db(make_incident)()
        ktm = await db(ktm_incident)()
        # then Palangka Raya's call-taker sees only its own
        [ev] = await events(s["pky"], 1)
        assert (ev["kind"], ev["incident"]) == ("incident.created", pky.pk)
        # the provincial supervisor sees both centres of Kalimantan Tengah, in order
        assert [e["incident"] for e in await events(s["spv"], 2)] == [pky.pk, ktm.pk]
        [ev] = await events(s["ktm"], 1)
        assert ev["incident"] == ktm.pk
        # and Samarinda (another province) sees nothing
        for name in ("pky", "ktm", "smd_disp", "smd_ct", "spv"):
            assert await s[name].receive_nothing(timeout=0.3), name
        for comm in s.values():
            await comm.disconnect()

    run(body())


def test_agency_dispatcher_sees_its_assignments_including_a_cross_centre_handoff(
    make_incident, call_taker, damkar, damkar_dispatcher, samarinda
):
    from incidents.services import assignment_handoff, incident_route

    other = f.AgencyFactory(command_centre=damkar.command_centre, type="police", short_name="Polresta")
    keys = [token_for(u) for u in (damkar_dispatcher, samarinda["dispatcher"], f.dispatcher(other, username="disp_pol"))]

    async def body():
        damkar_ws, smd_ws, other_ws = [await open_socket(token=k) for k in keys]
        incident = await db(make_incident)()
        # the incident itself is the centre's business: no agency is told before it is routed
        assert await damkar_ws.receive_nothing(timeout=0.3)
        [assignment] = await db(lambda: incident_route(incident_id=incident.pk, actor=call_taker))()
        [offered] = await events(damkar_ws, 1)
        assert (offered["kind"], offered["payload"]["assignment"]["id"]) == ("assignment.offered", assignment.pk)
        # when Damkar PKY hands the incident off to Damkar Samarinda (another centre)
        await db(lambda: assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher,
                                            to_agency_id=samarinda["agency"].pk, reason="Di luar wilayah"))()
        # then Samarinda's dispatcher receives the offer for its agency, and nothing from before the handoff
        received = []
        while True:
            msg = await smd_ws.receive_json_from(timeout=3)
            received.append(msg)
            if msg["kind"] == "assignment.offered":
                break
        assert received[-1]["payload"]["assignment"]["agency"] == samarinda["agency"].pk
        assert not any(m["kind"] in ("incident.created",) for m in received)
        # an agency not involved never hears of it
        assert await other_ws.receive_nothing(timeout=0.3)
        for comm in (damkar_ws, smd_ws, other_ws):
            await comm.disconnect()

    run(body())


def test_following_one_incident_narrows_the_socket_and_never_widens_the_scope(
    make_incident, call_taker, damkar, damkar_dispatcher, samarinda
):
    from incidents.services import assignment_accept, assignment_handoff, incident_route, incident_update
    from tests.live.conftest import closed_with, socket

    disp_key, smd_key, ct_key = (token_for(u) for u in (damkar_dispatcher, samarinda["call_taker"], call_taker))

    async def body():
        followed, other = await db(make_incident)(description="Ruko terbakar"), await db(make_incident)(description="Gudang")
        [assignment] = await db(lambda: incident_route(incident_id=followed.pk, actor=call_taker))()
        await db(lambda: incident_route(incident_id=other.pk, actor=call_taker))()
        # a dispatcher's phone follows the one incident it works on, from before its assignment
        phone = await open_socket(token=disp_key, query=f"incident={followed.pk}", after=0)

        async def drain():
            got = []
            while not await phone.receive_nothing(timeout=0.4):
                got += await events(phone, 1)
            return got

        replayed = await drain()
        assert {e["incident"] for e in replayed} == {followed.pk}
        assert "assignment.offered" in [e["kind"] for e in replayed]
        # then only that incident's events arrive, not the other incident's
        await db(lambda: incident_update(incident_id=other.pk, actor=call_taker, description="Gudang kayu"))()
        await db(lambda: incident_update(incident_id=followed.pk, actor=call_taker, description="Ruko dua lantai"))()
        assert [(e["kind"], e["incident"]) for e in await drain()] == [("incident.updated", followed.pk)]
        # when the incident is handed to Samarinda's fire agency, the phone sees the handoff it took part in...
        await db(lambda: assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher,
                                            to_agency_id=samarinda["agency"].pk, reason="Di luar wilayah"))()
        handoff = await drain()
        assert handoff and {e["incident"] for e in handoff} == {followed.pk}
        # ...but not Samarinda's own acceptance, which its scope (agency Damkar PKY) does not cover
        [new] = await db(lambda: list(followed.assignments.filter(agency=samarinda["agency"])))()
        await db(lambda: assignment_accept(assignment_id=new.pk, actor=samarinda["dispatcher"]))()
        assert await drain() == []
        # (the same acceptance reaches a console of the incident's own centre: the event exists)
        assert "assignment.accepted" in [e["kind"] for e in await db(
            lambda: [{"kind": ev.kind} for ev in followed.events.order_by("-seq")[:3]])()]
        await phone.disconnect()

        # an incident outside the user's scope cannot be followed (its existence is not confirmed either)
        foreign = socket(token=smd_key, query=f"incident={other.pk}")
        assert (await foreign.connect(timeout=3))[0]
        assert await closed_with(foreign) == 4404
        bad = socket(token=ct_key, query="incident=abc")
        assert (await bad.connect(timeout=3))[0]
        assert await closed_with(bad) == 4400

    run(body())
