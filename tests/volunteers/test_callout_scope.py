"""Call-outs follow their incident's audience (issue 28, item 3).

The probe: a dispatcher of an agency never offered the incident (PSC 119 on a fire) listed and read the fire's
call-outs — description, address, every volunteer's name and distance — sent one (201, six volunteers alerted)
and cancelled one (all stood down), while GET /api/v1/incidents/{id}/ was 404 for the same user. Now the centre's
staff and the agencies holding an assignment on the incident see and send call-outs; cancelling is for the member
of staff who sent it, the supervisors of their centre and the community's coordinator.
"""
import pytest

from agencies.models import User
from incidents.services import assignment_handoff, incident_route
from tests import factories as f
from volunteers.models import CallOut, CallOutResponse
from volunteers.services import callout_create

from .conftest import api_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire(make_incident, damkar, call_taker):
    incident = make_incident(description="Gudang terbakar, Jl. Rahasia 7")
    incident_route(incident_id=incident.pk, actor=call_taker, agency_ids=[damkar.pk])
    return incident


@pytest.fixture
def psc(centre):
    return f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119 PKY")


@pytest.fixture
def psc_dispatcher(psc):
    return f.dispatcher(psc, username="disp_psc")


@pytest.fixture
def callout(fire, call_taker, members):
    return callout_create(incident_id=fire.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=2)


def test_an_agency_never_offered_the_incident_sees_none_of_its_callouts(callout, fire, psc_dispatcher):
    api = api_for(psc_dispatcher)
    assert api.get(f"/api/v1/incidents/{fire.pk}/").status_code == 404
    listed = api.get("/api/v1/callouts/", {"open": "0"})
    assert listed.status_code == 200 and listed.json() == []
    assert "Ani" not in api.get(f"/api/v1/callouts/?incident={fire.pk}").content.decode()
    error_of(api.get(f"/api/v1/callouts/{callout.pk}/"), 404)
    error_of(api.get(f"/api/v1/incidents/{fire.pk}/callouts/"), 404)
    error_of(api.get(f"/api/v1/incidents/{fire.pk}/callouts/proposal/?skills=first_aid&radius_m=5000"), 404)


def test_an_agency_never_offered_the_incident_can_neither_send_nor_cancel(callout, fire, psc_dispatcher):
    api = api_for(psc_dispatcher)
    before = CallOutResponse.objects.count()
    error_of(api.post(f"/api/v1/incidents/{fire.pk}/callouts/", {"skills": ["first_aid"], "radius_m": 5000, "needed": 1},
                      format="json"), 404)
    assert CallOutResponse.objects.count() == before and CallOut.objects.count() == 1
    error_of(api.post(f"/api/v1/callouts/{callout.pk}/cancel/", {}, format="json"), 404)
    callout.refresh_from_db()
    assert callout.status == CallOut.Status.SENT


def test_the_agency_holding_the_incident_sees_and_sends(callout, fire, damkar_dispatcher):
    api = api_for(damkar_dispatcher)
    body = api.get(f"/api/v1/callouts/{callout.pk}/").json()
    assert body["description"] == "Gudang terbakar, Jl. Rahasia 7" and {r["volunteer_name"] for r in body["responses"]} >= {"Ani"}
    assert body["can_cancel"] is False  # the call-taker sent it
    created = api.post(f"/api/v1/incidents/{fire.pk}/callouts/", {"skills": ["water_rescue"], "radius_m": 5000, "needed": 1}, format="json")
    assert created.status_code == 201, created.content


def test_an_agency_that_handed_the_incident_off_loses_its_callouts(callout, fire, damkar, damkar_dispatcher, psc):
    [assignment] = fire.assignments.all()
    assignment_handoff(assignment_id=assignment.pk, actor=damkar_dispatcher, to_agency_id=psc.pk, reason="bukan kebakaran")
    error_of(api_for(damkar_dispatcher).get(f"/api/v1/callouts/{callout.pk}/"), 404)
    # … and the receiving agency now has them
    assert api_for(f.dispatcher(psc, username="disp_psc2")).get(f"/api/v1/callouts/{callout.pk}/").status_code == 200


@pytest.mark.parametrize("who, allowed", [
    ("requester", True), ("supervisor", True), ("provincial_supervisor", True), ("coordinator", True),
    ("other_call_taker", False), ("agency_dispatcher", False), ("official", False), ("member", False),
])
def test_cancel_is_the_requesters_their_supervisors_and_the_coordinators(who, allowed, fire, call_taker, centre, community,
                                                                        members, damkar_dispatcher):
    coordinator = f.UserFactory(username="coord_uji", role=User.Role.VOLUNTEER, command_centre=None, community=community)
    community.coordinator = coordinator
    community.save(update_fields=["coordinator"])
    callout = callout_create(incident_id=fire.pk, actor=call_taker, community=community.pk, needed=1)
    actor = {
        "requester": call_taker,
        "supervisor": f.supervisor(centre, username="spv_uji"),
        "provincial_supervisor": f.UserFactory(username="spv62", role=User.Role.SUPERVISOR, command_centre=None, province=centre.province),
        "coordinator": coordinator,
        "other_call_taker": f.call_taker(centre, username="ct_lain"),
        "agency_dispatcher": damkar_dispatcher,
        "official": f.UserFactory(username="off_uji", role=User.Role.OFFICIAL, command_centre=centre),
        "member": members["ani"].user,
    }[who]
    response = api_for(actor).post(f"/api/v1/callouts/{callout.pk}/cancel/", {"reason": "sudah ditangani"}, format="json")
    callout.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "cancelled" and callout.status == CallOut.Status.CANCELLED
    else:
        assert response.status_code in (403, 404), response.content
        if who in ("other_call_taker", "agency_dispatcher"):
            assert error_of(response, 403)["code"] == "not_the_requester"  # they see it: told why, not "not found"
        assert callout.status == CallOut.Status.SENT


def test_the_coordinator_page_offers_cancel_to_the_coordinator(client, fire, call_taker, community, members):
    coordinator = f.UserFactory(username="coord_page", role=User.Role.VOLUNTEER, command_centre=None, community=community)
    community.coordinator = coordinator
    community.save(update_fields=["coordinator"])
    callout_create(incident_id=fire.pk, actor=call_taker, community=community.pk, needed=1)
    rows = api_for(coordinator).get(f"/api/v1/communities/{community.pk}/callouts/").json()
    assert [r["can_cancel"] for r in rows] == [True]
