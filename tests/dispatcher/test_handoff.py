"""Handoff across command centres (Samarinda → Paser): both centres see it, the chain stays intact."""
import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from agencies.models import TimeZoneName
from incidents import selectors
from incidents.models import Assignment, TimelineEvent
from incidents.services import assignment_accept, assignment_handoff, incident_create, incident_route
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def smd_psr(fire_category):
    smd = f.samarinda_centre()
    paser_regency = f.RegencyFactory(
        code="64.01", name="Kabupaten Paser", parent=smd.province, timezone=TimeZoneName.WITA, boundary=f.square(116.2, -1.9, half=0.5)
    )
    psr = f.CommandCentreFactory(code="psr", reference_prefix="PSR", name="112 Kabupaten Paser", province=smd.province,
                                 timezone=TimeZoneName.WITA, regions=[paser_regency])
    damkar_smd = f.AgencyFactory(command_centre=smd, type="fire", short_name="Damkar SMD")
    damkar_psr = f.AgencyFactory(command_centre=psr, type="fire", short_name="Damkar Paser")
    return {
        "smd": smd, "psr": psr, "damkar_smd": damkar_smd, "damkar_psr": damkar_psr,
        "ct_smd": f.call_taker(smd, username="ct_smd"), "ct_psr": f.call_taker(psr, username="ct_psr"),
        "d_smd": f.dispatcher(damkar_smd, username="d_smd"), "d_psr": f.dispatcher(damkar_psr, username="d_psr"),
        "d_psr_b": f.dispatcher(damkar_psr, username="d_psr_b"),
    }


def test_handoff_chain_across_centres(smd_psr, fire_category):
    w = smd_psr
    # given a Samarinda fire, offered to and accepted by Damkar Samarinda
    incident, _ = incident_create(actor=w["ct_smd"], category="kebakaran", location=Point(*f.SMD, srid=4326),
                                  caller_number="081234", description="Kebakaran gudang di perbatasan")
    [first] = incident_route(incident_id=incident.pk, actor=w["ct_smd"])
    assert first.agency == w["damkar_smd"]
    assignment_accept(assignment_id=first.pk, actor=w["d_smd"])
    # when Samarinda hands it to Damkar Paser (another centre) with a reason
    second = assignment_handoff(assignment_id=first.pk, actor=w["d_smd"], to_agency_id=w["damkar_psr"].pk,
                                reason="Lokasi masuk wilayah Kabupaten Paser")
    # then Paser must accept under the same timers
    assert second.status == Assignment.Status.OFFERED and second.previous_id == first.pk
    assert (second.ack_deadline - second.offered_at).total_seconds() == 120
    offered_ev = TimelineEvent.objects.get(kind="assignment.offered", payload__assignment__id=second.pk)
    # both centres see the offer (and the handoff): the assignment events reach the receiving agency's centre
    assert {w["smd"].pk, w["psr"].pk} <= set(offered_ev.centre_ids)
    handed = TimelineEvent.objects.get(kind="assignment.handed_off")
    assert handed.payload["reason"] == "Lokasi masuk wilayah Kabupaten Paser" and handed.payload["to_agency"] == w["damkar_psr"].pk
    assert second in selectors.assignments_visible_to(w["d_psr"])
    assert second in selectors.assignments_visible_to(w["ct_psr"])
    seqs_psr = {e.seq for e in selectors.events_after(w["ct_psr"], 0, 100)}
    assert offered_ev.seq in seqs_psr
    # Paser accepts; a colleague's late accept is refused
    assignment_accept(assignment_id=second.pk, actor=w["d_psr"])
    with pytest.raises(Exception) as exc:
        assignment_accept(assignment_id=second.pk, actor=w["d_psr_b"])
    assert getattr(exc.value, "status_code", None) == 409
    # Paser hands it back again to Samarinda: the chain keeps growing, every link kept
    third = assignment_handoff(assignment_id=second.pk, actor=w["d_psr"], to_agency_id=w["damkar_smd"].pk, reason="Butuh tangga tinggi")
    chain = selectors.handoff_chain(third)
    assert [a.pk for a in chain] == [first.pk, second.pk, third.pk]
    assert [a.agency.command_centre.code for a in chain] == ["smd", "psr", "smd"]
    assert [a.status for a in chain] == ["handed_off", "handed_off", "offered"]
    assert [a.pk for a in selectors.handoff_chain(first)] == [first.pk, second.pk, third.pk]
    # and through the API, from the Paser dispatcher's side
    c = APIClient()
    c.force_authenticate(w["d_psr"])
    body = c.get(f"/api/v1/assignments/{second.pk}/chain/").json()
    assert [(link["id"], link["command_centre"], link["previous"]) for link in body] == [
        (first.pk, "smd", None), (second.pk, "psr", first.pk), (third.pk, "smd", second.pk)
    ]
    kinds = list(TimelineEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds.count("assignment.handed_off") == 2 and kinds.count("assignment.offered") == 3
