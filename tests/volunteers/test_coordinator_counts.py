"""Issue 23: the coordinator's "belum menjawab 6" listed 4 names — a call-out by skill also alerts other
communities, and the counts were the whole call-out's while the list was the community's. The counts now are the
community's own (they agree with the names), the whole call-out's beside them."""
import pytest
from django.utils import timezone

from tests import factories as f
from tests.volunteers.conftest import api_for
from volunteers.models import CallOutResponse
from volunteers.services import callout_accept, callout_create, callout_decline

pytestmark = pytest.mark.django_db


def test_the_coordinators_counts_agree_with_the_names_listed(call_taker, make_incident, community, make_member, centre):
    other = f.CommunityFactory(command_centre=centre, name="Relawan Pemadam Lain", approved_at=timezone.now())
    ours = [make_member(name, metres=300 + 100 * i) for i, name in enumerate(["Ani", "Budi", "Citra", "Dewi"])]
    theirs = [make_member(name, metres=350 + 100 * i, comm=other) for i, name in enumerate(["Eko", "Fajar"])]
    lead = ours[0]
    community.coordinator = lead.user
    community.save(update_fields=["coordinator"])
    incident = make_incident()
    # a call-out by skill within 5 km reaches both communities: 6 members
    callout = callout_create(incident_id=incident.pk, actor=call_taker, skills=["first_aid"], radius_m=5000, needed=3)
    callout_accept(callout_id=callout.pk, member=ours[1])
    callout_decline(callout_id=callout.pk, member=theirs[0])

    [row] = api_for(lead.user).get(f"/api/v1/communities/{community.pk}/callouts/").json()

    names = {r["volunteer_name"]: r["status"] for r in row["responses"]}
    assert set(names) == {"Ani", "Budi", "Citra", "Dewi"}
    # the counts are of those four names
    assert (row["recipients"], row["accepted"], row["declined"], row["pending"]) == (4, 1, 0, 3)
    assert row["pending"] == sum(status == CallOutResponse.Status.PENDING for status in names.values())
    # and the whole call-out's counts are there too, said as such
    assert row["callout_counts"] == {"recipients": 6, "accepted": 1, "declined": 1, "pending": 4}
    assert row["needed"] == 3
