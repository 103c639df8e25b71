"""Login throttling on the form and the token endpoint (issue 14): 429 + Retry-After in the one error shape,
counted per username *and* address, so one colleague's wrong password does not lock out a shared NAT address."""
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttled")]


@pytest.fixture
def throttled():
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3):
        yield
    cache.clear()


def _user():
    return f.call_taker(username=f"ct_{uuid.uuid4().hex[:8]}")


def _token(client, username, password, ip="10.1.1.1"):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_the_token_endpoint_locks_a_username_and_address_after_repeated_failures():
    user = _user()
    client = APIClient()
    # the first failures are ordinary wrong passwords; the one that reaches the limit is refused as locked
    assert [_token(client, user.username, "salah").status_code for _ in range(3)] == [400, 400, 429]
    locked = _token(client, user.username, "pw")  # even the right password, while locked
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert locked.json()["error"]["code"] == "too_many_attempts"


def test_a_colleague_behind_the_same_address_is_not_locked_out():
    careless, colleague = _user(), _user()
    client = APIClient()
    for _ in range(4):
        _token(client, careless.username, "salah")
    # same NAT address, another username: still logs in
    assert _token(client, colleague.username, "pw").status_code == 200
    # the same username from another address too (the lock is the pair)
    assert _token(client, careless.username, "pw", ip="10.9.9.9").status_code == 200


def test_the_login_form_is_throttled_with_a_clear_page(client):
    user = _user()
    codes = [client.post("/login/", {"username": user.username, "password": "salah"}, REMOTE_ADDR="10.2.2.2").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    page = client.post("/login/", {"username": user.username, "password": "pw"}, REMOTE_ADDR="10.2.2.2", HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk" in page.content.decode()


def test_a_success_before_the_limit_resets_the_count():
    user = _user()
    client = APIClient()
    for _ in range(2):
        _token(client, user.username, "salah")
    assert _token(client, user.username, "pw").status_code == 200
    for _ in range(2):
        _token(client, user.username, "salah")
    assert _token(client, user.username, "pw").status_code == 200
