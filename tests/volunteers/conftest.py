"""Volunteer fixtures: an approved community of the test centre with members around the incident point, built
the way the registry builds them (members with accounts, skills, positions)."""
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from tests import factories as f
from volunteers.models import Volunteer


def offset(metres_east=0, metres_north=0):
    """A point this far from the test incident (Palangka Raya centre); ~111,320 m per degree here."""
    lon, lat = f.PKY
    return Point(lon + metres_east / 111_320, lat + metres_north / 110_574, srid=4326)


@pytest.fixture
def community(centre):
    return f.CommunityFactory(command_centre=centre, name="Relawan SAR Uji", approved_at=timezone.now())


@pytest.fixture
def make_member(community):
    def make(name, *, skills=("first_aid",), metres=500, availability=Volunteer.Availability.AVAILABLE, user=True, comm=None, **kw):
        comm = comm or community
        account = None
        if user:
            account = f.UserFactory(username=f"rel_{name.lower()}", role=User.Role.VOLUNTEER, command_centre=None, community=comm)
        return Volunteer.objects.create(
            community=comm, user=account, name=name, phone=kw.pop("phone", f"0812{abs(hash(name)) % 10**8:08d}"),
            skills=list(skills), availability=availability, location=offset(metres) if metres is not None else None,
            location_at=timezone.now(), **kw,
        )

    return make


@pytest.fixture
def members(make_member):
    """Three members with first aid at 300 m, 800 m and 2 km; one with water rescue at 1 km."""
    return {
        "ani": make_member("Ani", metres=300),
        "budi": make_member("Budi", metres=800),
        "citra": make_member("Citra", metres=2000),
        "dodi": make_member("Dodi", skills=("water_rescue",), metres=1000),
    }


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def error_of(response, status):
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]
