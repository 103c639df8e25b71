"""/healthz reports each dependency and answers 200 only when all are up."""
import pytest

from dispatch import health

pytestmark = pytest.mark.django_db


def test_real_dependencies_are_checked(client):
    # database (with PostGIS), Redis and the channel layer really run in the test environment
    assert health._timed(health.check_database)["ok"]
    assert health._timed(health.check_redis)["ok"]
    assert health._timed(health.check_channel_layer)["ok"]


@pytest.fixture
def admin_client(client):
    from tests import factories as f

    client.force_login(f.UserFactory(username="admin_h", role="admin", command_centre=None, is_staff=True))
    return client


def test_503_when_any_dependency_is_down(admin_client, monkeypatch, settings):
    client = admin_client
    # no Celery worker consumes the test broker, so the worker check fails
    monkeypatch.setitem(health.CHECKS, "celery", lambda: (_ for _ in ()).throw(RuntimeError("no Celery worker answered")))
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["checks"]["celery"]["ok"] is False and "no Celery worker" in body["checks"]["celery"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_redis_down_is_reported(client, monkeypatch, settings):
    monkeypatch.setitem(health.CHECKS, "celery", lambda: {"workers": ["w1"]})
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_200_when_everything_is_up(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "celery", lambda: {"workers": ["celery@test"]})
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_anyone_gets_only_ok_or_not_ok_and_no_details(client, monkeypatch, settings):
    # given a failing worker check whose error names a host
    monkeypatch.setitem(health.CHECKS, "celery", lambda: (_ for _ in ()).throw(RuntimeError("no worker on celery@db-host-7")))
    body = client.get("/healthz").json()
    # then an anonymous caller learns which dependency is down, and nothing else
    assert body["status"] == "degraded"
    assert body["checks"] == {
        "database": {"ok": True}, "redis": {"ok": True}, "channel_layer": {"ok": True}, "celery": {"ok": False}, "routing": {"ok": True},
    }
    assert "db-host-7" not in str(body) and "postgis" not in str(body)


def test_a_monitor_with_the_health_token_gets_the_details(client, monkeypatch, settings):
    settings.HEALTH_TOKEN = "tok-123"
    monkeypatch.setitem(health.CHECKS, "celery", lambda: {"workers": ["celery@w1"]})
    assert "postgis" in client.get("/healthz", HTTP_X_HEALTH_TOKEN="tok-123").json()["checks"]["database"]
    assert "postgis" not in client.get("/healthz", HTTP_X_HEALTH_TOKEN="wrong").json()["checks"]["database"]


def test_the_database_check_uses_a_fresh_connection_not_the_requests_one(monkeypatch):
    from django.db import connection

    # a broken request connection must not make the check fail (after a restart the pool holds dead ones)
    monkeypatch.setattr(connection, "cursor", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("dead pooled connection")))
    assert health._timed(health.check_database)["ok"]
