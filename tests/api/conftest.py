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


@pytest.fixture
def smd_centre(db):
    return f.samarinda_centre()


@pytest.fixture
def smd_api(smd_centre):
    """A Samarinda call-taker: must never see Palangka Raya's work."""
    return client_for(f.call_taker(smd_centre, username="ct_smd"))


def assert_error(response, status, code=None, field=None):
    """Every refusal has the one shape {"error": {"code", "message", "fields"}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["fields"], error
    return error
