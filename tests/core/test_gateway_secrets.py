"""The gateways' shared secrets (issue 28, item 9): `X-SMS-Secret` and `X-AML-Secret` had no throttle — a secret
could be guessed in a loop. Now failures are counted per client address: after GATEWAY_FAILURE_LIMIT that address
gets 429 `too_many_attempts` with Retry-After, even with the right secret, while the real gateway at its own address
carries on. (Production's ≥ 32-character rule: tests/core/test_production_settings.py.)"""
import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SMS_SECRET = "s" * 40
AML_SECRET = "a" * 40


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.VOLUNTEER_SMS_SECRET = SMS_SECRET
    settings.AML_SHARED_SECRET = AML_SECRET
    settings.GATEWAY_FAILURE_LIMIT = 4
    yield
    cache.clear()


def _address():
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


GATEWAYS = {
    "sms": ("/api/v1/callouts/sms/", "HTTP_X_SMS_SECRET", SMS_SECRET, {"message_id": "m-1", "from": "081200000000", "body": "YA"}),
    "aml": ("/api/v1/aml/", "HTTP_X_AML_SECRET", AML_SECRET, {"location_latitude": "-2.2", "location_longitude": "113.9"}),
}


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_guessing_a_gateway_secret_is_throttled_per_address(gateway):
    path, header, secret, body = GATEWAYS[gateway]
    guesser, real = _address(), _address()
    client = APIClient()
    codes = [client.post(path, body, format="json", REMOTE_ADDR=guesser, **{header: f"guess-{i}"}).status_code for i in range(6)]
    assert set(codes[:4]) <= {401, 403} and codes[4:] == [429, 429], codes
    # refused unchecked while throttled: even the right secret
    blocked = client.post(path, body, format="json", REMOTE_ADDR=guesser, **{header: secret})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    # the real gateway, at its own address, is not touched
    assert 200 <= client.post(path, body, format="json", REMOTE_ADDR=real, **{header: secret}).status_code < 300


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_missing_secret_counts_as_a_failure_too(gateway):
    path, _header, _secret, body = GATEWAYS[gateway]
    address = _address()
    client = APIClient()
    codes = [client.post(path, body, format="json", REMOTE_ADDR=address).status_code for _ in range(5)]
    assert codes[-1] == 429, codes
