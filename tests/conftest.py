import pytest
from django.contrib.gis.geos import Point

from tests import factories as f


@pytest.fixture
def centre(db):
    return f.CommandCentreFactory()


@pytest.fixture
def fire_category(db):
    return f.CategoryFactory()


@pytest.fixture
def damkar(centre):
    return f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar PKY")


@pytest.fixture
def call_taker(centre):
    return f.call_taker(centre, username="ct")


@pytest.fixture
def damkar_dispatcher(damkar):
    return f.dispatcher(damkar, username="disp_damkar")


@pytest.fixture
def pky_point():
    return Point(*f.PKY, srid=4326)


@pytest.fixture
def make_incident(call_taker, fire_category, pky_point, damkar):
    """Build an incident through the service, as a call-taker would."""
    from incidents.services import incident_create

    def make(**kw):
        kw.setdefault("actor", call_taker)
        kw.setdefault("category", fire_category.code)
        kw.setdefault("location", pky_point)
        kw.setdefault("caller_number", "081234567890")
        kw.setdefault("description", "Rumah terbakar")
        incident, _created = incident_create(**kw)
        return incident

    return make
