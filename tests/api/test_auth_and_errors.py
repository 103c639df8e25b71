"""Token auth, session auth, and the one error shape for every kind of refusal."""
import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_token_for_valid_credentials_authenticates_later_requests(call_taker):
    client = APIClient()
    r = client.post("/api/v1/auth/token/", {"username": "ct", "password": "pw"}, format="json")
    assert r.status_code == 200, r.content
    token = r.json()["token"]
    # the same token on a repeat
    assert client.post("/api/v1/auth/token/", {"username": "ct", "password": "pw"}, format="json").json()["token"] == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/categories/").status_code == 200


def test_wrong_password_is_a_400_in_the_error_shape(call_taker):
    r = APIClient().post("/api/v1/auth/token/", {"username": "ct", "password": "nope"}, format="json")
    assert_error(r, 400, "invalid_credentials", "non_field_errors")


def test_missing_fields_is_a_400_naming_them(db):
    r = APIClient().post("/api/v1/auth/token/", {"username": "ct"}, format="json")
    assert_error(r, 400, "invalid", "password")


def test_anonymous_gets_401_in_the_error_shape(db):
    assert_error(APIClient().get("/api/v1/incidents/"), 401, "not_authenticated")
    assert_error(APIClient().get("/api/v1/incidents/", HTTP_AUTHORIZATION="Token bogus"), 401, "authentication_failed")


def test_session_login_works_and_needs_csrf_for_writes(call_taker):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="ct", password="pw")
    assert client.get("/api/v1/categories/").status_code == 200
    # a console page sends the CSRF token; a forged cross-site POST without it is refused
    assert_error(client.post("/api/v1/calls/start/", {}, format="json"), 403)


def test_unknown_object_is_404_in_the_error_shape(api):
    assert_error(api.get("/api/v1/incidents/999999/"), 404, "incident_not_found")
    assert_error(api.post("/api/v1/assignments/999999/accept/"), 404, "assignment_not_found")


def test_malformed_json_is_400_in_the_error_shape(api):
    r = api.generic("POST", "/api/v1/incidents/", "{not json", content_type="application/json")
    assert_error(r, 400)


@pytest.mark.parametrize("pooled", [False, True], ids=["no pool", "pool: the view runs inside db_release"])
def test_a_busy_database_is_a_503_with_retry_after_and_nothing_written(call_taker, incident_body, monkeypatch, pooled):
    import incidents.services.incidents as incident_services
    from django.db import OperationalError
    from psycopg_pool import PoolTimeout

    from incidents.models import Incident

    def no_connection(*args, **kwargs):
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as exc:
            raise OperationalError(str(exc)) from exc

    # production runs with the connection pool, where dispatch.db_release calls the view (tests run without it)
    monkeypatch.setattr("dispatch.db_release._pooled", lambda: pooled)
    api = APIClient()
    api.force_authenticate(call_taker)
    # the pool runs dry in the middle of the create, after the incident row was inserted
    monkeypatch.setattr(incident_services, "record_event", no_connection)
    r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="busy-1")
    assert_error(r, 503, "service_busy")
    assert r["Retry-After"] == "2"
    assert not Incident.objects.exists()  # the transaction rolled back: a retry creates it once
    monkeypatch.undo()
    r = api.post("/api/v1/incidents/", incident_body, format="json", HTTP_IDEMPOTENCY_KEY="busy-1")
    assert r.status_code == 201 and Incident.objects.count() == 1


def test_field_codes_speak_one_vocabulary_whichever_layer_refused(api, incident_body):
    # given a field missing at the serializer (token endpoint) and one missing at the service (incident location)
    serializer = APIClient().post("/api/v1/auth/token/", {"username": "ct"}, format="json").json()["error"]
    service = api.post("/api/v1/incidents/", {**incident_body, "location": None}, format="json").json()["error"]
    # then both name the missing field with the same code
    assert serializer["field_codes"] == {"password": ["required"]}
    assert service["field_codes"] == {"location": ["required"]}
    # and the top-level codes stay what integrators already match on
    assert (serializer["code"], service["code"]) == ("invalid", "required")


def test_a_throttled_answer_says_the_wait_in_the_requests_language_not_drfs_half_english():
    # DRF's own message read "Permintaan ini telah dibatasi. Expected available in 3483 seconds." (issue 24's limits)
    from django.utils import translation
    from rest_framework import exceptions

    from dispatch.api import exception_handler

    with translation.override("id"):
        body = exception_handler(exceptions.Throttled(wait=12), {}).data["error"]
    assert body["code"] == "throttled" and body["message"] == "Terlalu banyak permintaan. Coba lagi dalam 12 detik."
    with translation.override("en"):
        body = exception_handler(exceptions.Throttled(wait=12), {}).data["error"]
    assert "12" in body["message"] and "Expected available" not in body["message"] and "Terlalu" not in body["message"]
