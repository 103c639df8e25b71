import pytest
from rest_framework.test import APIClient

from tests import factories as f


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(call_taker):
    """An API client authenticated as the Palangka Raya call-taker."""
    return client_for(call_taker)


@pytest.fixture
def dispatcher_api(damkar_dispatcher):
    return client_for(damkar_dispatcher)


@pytest.fixture
def supervisor(centre):
    return f.supervisor(centre, username="spv")


@pytest.fixture
def fire_unit(damkar):
    return f.UnitFactory(agency=damkar, call_sign="DMK-01")


@pytest.fixture
def incident_body(fire_category):
    return {
        "category": fire_category.code,
        "location": {"type": "Point", "coordinates": list(f.PKY)},
        "address": "Jl. Tjilik Riwut km 2",
        "description": "Rumah terbakar, asap tebal",
        "caller_number": "081234567890",
        "caller_name": "Budi",
    }
