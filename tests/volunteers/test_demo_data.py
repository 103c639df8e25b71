"""The demo data the issue names: 2–3 approved communities per centre with members inside the city, and the
volunteer logins (three members and the coordinator of one Palangka Raya community; one Samarinda member)."""
import pytest
from django.contrib.gis.measure import D

from agencies.demo.loader import load_demo
from agencies.models import CommandCentre, User
from volunteers.models import Volunteer, VolunteerCommunity


@pytest.mark.django_db
def test_demo_communities_members_and_logins():
    load_demo()
    for centre in CommandCentre.objects.all():
        communities = VolunteerCommunity.objects.filter(command_centre=centre)
        assert 2 <= communities.count() <= 3, centre.code
        assert all(c.is_approved for c in communities)
        for community in communities:
            assert community.volunteers.count() >= 3
            # members live within 15 km of their base: inside the city
            assert community.volunteers.filter(location__distance_lte=(community.base_location, D(km=15))).count() == community.volunteers.count()
    pky = {u: User.objects.get(username=u) for u in ("volunteer_pky", "volunteer2_pky", "volunteer3_pky", "coordinator_pky")}
    assert len({u.community_id for u in pky.values()}) == 1
    community = pky["volunteer_pky"].community
    assert community.command_centre.code == "pky" and community.coordinator == pky["coordinator_pky"]
    assert all(u.role == User.Role.VOLUNTEER and u.volunteer.community_id == community.pk for u in pky.values())
    smd = User.objects.get(username="volunteer_smd")
    assert smd.community.command_centre.code == "smd" and smd.volunteer.community_id == smd.community_id
    assert Volunteer.objects.filter(availability=Volunteer.Availability.SCHEDULE).exists()
    # idempotent
    assert not any(key.endswith("created") or key.endswith("updated") for key in load_demo())
