import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from incidents.services.callerlink import link_token
from tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_throttles_and_media(settings, tmp_path):
    """Throttle counters live in the shared cache (per address: every test client is 127.0.0.1), and photos in
    MEDIA_ROOT: each test starts with neither."""
    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_BASE_URL = "https://112.example.id"
    yield
    cache.clear()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api(call_taker):
    return client_for(call_taker)


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def incident(make_incident):
    return make_incident()


def token_of(link) -> str:
    return link_token(link.token_salt)


def token_from_url(url: str) -> str:
    return url.rsplit("/c/", 1)[1]


@pytest.fixture
def sent_link(api, incident):
    """A link texted for the incident: (response body, token)."""
    response = api.post(f"/api/v1/incidents/{incident.pk}/caller-link/", {}, format="json")
    assert response.status_code == 201, response.content
    return response.json(), token_from_url(response.json()["url"])


@pytest.fixture
def smd_world(fire_category):
    """Samarinda's call-taker and an incident of theirs."""
    from django.contrib.gis.geos import Point

    from incidents.services import incident_create

    smd = f.samarinda_centre()
    smd_ct = f.call_taker(smd, username="ct_smd")
    incident, _ = incident_create(actor=smd_ct, category=fire_category.code, location=Point(*f.SMD, srid=4326), caller_number="081333444555")
    return {"centre": smd, "call_taker": smd_ct, "incident": incident}
