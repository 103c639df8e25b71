"""Cardiac arrest fixtures (issue 30): the medical category with the two recognition questions, an EMS agency,
AEDs and CPR-trained members around the test point (Palangka Raya), built through the services."""
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from agencies.models import Aed, User
from tests import factories as f
from tests.volunteers.conftest import api_for, error_of  # noqa: F401 — one copy of the API helpers, re-exported
from volunteers.models import Volunteer

MEDICAL_SCRIPT = [
    {"key": "conscious", "question_id": "Pasien sadar?", "question_en": "Is the patient conscious?", "type": "bool",
     "priority_if": {"answer": False, "priority": 1}},
    {"key": "breathing", "question_id": "Pasien bernapas normal?", "question_en": "Breathing normally?", "type": "bool",
     "priority_if": {"answer": False, "priority": 1}},
    {"key": "bleeding", "question_id": "Ada perdarahan hebat?", "question_en": "Severe bleeding?", "type": "bool",
     "priority_if": {"answer": True, "priority": 1}},
    {"key": "age", "question_id": "Usia pasien?", "question_en": "Age?", "type": "text"},
]


def offset(metres_east=0, metres_north=0, origin=f.PKY):
    lon, lat = origin
    return Point(lon + metres_east / 111_320, lat + metres_north / 110_574, srid=4326)


@pytest.fixture
def medical(db):
    return f.CategoryFactory(
        code="medis", name_id="Kegawatdaruratan medis", name_en="Medical emergency", default_priority=2,
        responsible_agency_types=["ems"], required_capabilities=["bls"], question_script=MEDICAL_SCRIPT,
        on_scene_target_min=None,
    )


@pytest.fixture
def psc(centre):
    return f.AgencyFactory(command_centre=centre, type="ems", short_name="PSC 119 PKY")


@pytest.fixture
def make_medical(call_taker, medical, pky_point, psc):
    from incidents.services import incident_create

    def make(answers=None, **kw):
        kw.setdefault("actor", call_taker)
        kw.setdefault("category", medical.code)
        kw.setdefault("location", pky_point)
        kw.setdefault("caller_number", "081234567890")
        kw.setdefault("address", "Jl. Tjilik Riwut km 2")
        incident, _created = incident_create(answers=answers, **kw)
        return incident

    return make


@pytest.fixture
def make_aed(centre):
    def make(name, *, metres=300, north=0, **kw):
        kw.setdefault("address", f"{name}, lobi")
        kw.setdefault("available_hours", "24 jam")
        return Aed.objects.create(command_centre=centre, name=name, location=offset(metres, north), **kw)

    return make


@pytest.fixture
def community(centre):
    return f.CommunityFactory(command_centre=centre, name="Relawan RJP Uji", approved_at=timezone.now())


@pytest.fixture
def make_member(community):
    def make(name, *, skills=("cpr",), metres=500, north=0, availability=Volunteer.Availability.AVAILABLE, comm=None):
        comm = comm or community
        account = f.UserFactory(username=f"rel_{name.lower()}", role=User.Role.VOLUNTEER, command_centre=None, community=comm)
        return Volunteer.objects.create(
            community=comm, user=account, name=name, phone=f"0812{abs(hash(name)) % 10**8:08d}", skills=list(skills),
            availability=availability, location=offset(metres, north), location_at=timezone.now(),
        )

    return make


