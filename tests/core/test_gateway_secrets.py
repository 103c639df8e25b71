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


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_method_the_gateway_does_not_answer_is_405_not_403(gateway):
    # item 14: TRACE on the SMS webhook answered 403 (the secret was checked before the method)
    path = GATEWAYS[gateway][0]
    address = _address()
    client = APIClient()
    for method in ("TRACE", "PUT", "DELETE"):
        response = client.generic(method, path, REMOTE_ADDR=address)
        assert response.status_code == 405, (method, response.status_code)
        assert response.json()["error"]["code"] == "method_not_allowed"
    # and they count as no failed secret
    assert client.post(path, GATEWAYS[gateway][3], format="json", REMOTE_ADDR=address, **{GATEWAYS[gateway][1]: GATEWAYS[gateway][2]}).status_code < 300
