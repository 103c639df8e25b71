"""API tokens expire and can be revoked; a deactivated user's token and socket stop at once (issue 14)."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agencies.tokens import user_for_token_key
from tests import factories as f

pytestmark = pytest.mark.django_db


def _signed_in(user):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw"}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, token


def test_an_expired_token_is_refused_and_signing_in_again_issues_a_new_one(call_taker, settings):
    client, token = _signed_in(call_taker)
    assert client.get("/api/v1/incidents/").status_code == 200
    # when the token is older than API_TOKEN_TTL
    Token.objects.filter(key=token).update(created=timezone.now() - settings.API_TOKEN_TTL - timedelta(seconds=1))
    r = client.get("/api/v1/incidents/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    assert user_for_token_key(token) is None  # the live socket uses the same rule
    # signing in again gives a different, working token
    fresh, new_token = _signed_in(call_taker)
    assert new_token != token and fresh.get("/api/v1/incidents/").status_code == 200


def test_a_token_can_be_revoked(call_taker):
    client, token = _signed_in(call_taker)
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get("/api/v1/incidents/").status_code == 401
    assert not Token.objects.filter(key=token).exists()


def test_logging_out_revokes_the_api_token(client, call_taker):
    _api, token = _signed_in(call_taker)
    client.force_login(call_taker)
    client.post("/logout/")
    assert not Token.objects.filter(key=token).exists()


def test_a_deactivated_users_token_stops_at_once(call_taker):
    client, token = _signed_in(call_taker)
    call_taker.is_active = False
    call_taker.save(update_fields=["is_active"])
    assert client.get("/api/v1/incidents/").status_code == 401
    assert user_for_token_key(token) is None
