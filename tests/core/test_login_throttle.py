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


# ───────────── per username, from any address (issue 28) ─────────────
@pytest.fixture
def user_limit(settings):
    settings.LOGIN_USER_FAILURE_LIMIT = 4
    return 4


def test_a_username_guessed_from_many_addresses_gets_short_lockouts(user_limit):
    # Given one username guessed from a new address each time (no pair ever reaches the pair's limit of 3)
    user = _user()
    client = APIClient()
    codes = [_token(client, user.username, "salah", ip=f"10.7.0.{i}").status_code for i in range(user_limit)]
    # then the guess that reaches the username's limit is already refused, and so is the next, from anywhere
    assert codes == [400] * (user_limit - 1) + [429]
    locked = _token(client, user.username, "pw", ip="10.7.9.9")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"
    assert 0 < int(locked["Retry-After"]) <= 30  # a short lockout, not the pair's quarter of an hour


def test_the_username_lockout_does_not_lock_the_room_out(user_limit):
    user, colleague = _user(), _user()
    client = APIClient()
    for i in range(user_limit + 2):
        _token(client, user.username, "salah", ip=f"10.8.0.{i % 2}")
    # a colleague at the same address signs in
    assert _token(client, colleague.username, "pw", ip="10.8.0.1").status_code == 200


def test_the_username_lockout_is_short_doubles_and_a_success_resets_it(user_limit, monkeypatch):
    from agencies import lockout

    user = _user()
    client = APIClient()
    for i in range(user_limit):
        _token(client, user.username, "salah", ip=f"10.9.0.{i}")
    assert lockout.username_locked_for(user.username) == 30
    # attempts while locked are refused unchecked and do not extend it
    for i in range(5):
        assert _token(client, user.username, "salah", ip=f"10.9.1.{i}").status_code == 429
    assert lockout.username_locked_for(user.username) <= 30
    # once it has passed, one more wrong guess locks again, for twice as long
    now = lockout.time.time()
    monkeypatch.setattr(lockout.time, "time", lambda: now + 31)
    assert _token(client, user.username, "salah", ip="10.9.2.1").status_code == 429
    assert lockout.username_locked_for(user.username) == 60
    monkeypatch.setattr(lockout.time, "time", lambda: now + 31 + 61)
    assert _token(client, user.username, "pw", ip="10.9.2.2").status_code == 200
    assert lockout.username_locked_for(user.username) == 0
    assert _token(client, user.username, "salah", ip="10.9.2.3").status_code == 400  # counting starts again


def test_the_login_form_has_the_username_lockout_too(client, user_limit):
    user = _user()
    for i in range(user_limit):
        client.post("/login/", {"username": user.username, "password": "salah"}, REMOTE_ADDR=f"10.10.0.{i}")
    page = client.post("/login/", {"username": user.username, "password": "pw"}, REMOTE_ADDR="10.10.9.9", HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 429 and "Terlalu banyak percobaan masuk" in page.content.decode()
    assert "detik" in page.content.decode()


def test_the_client_address_is_the_servers_never_a_header(rf):
    from agencies.lockout import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"
