"""/healthz reports each dependency and answers 200 only when all are up."""
import pytest

from dispatch import health

pytestmark = pytest.mark.django_db


def test_real_dependencies_are_checked(client):
    # database (with PostGIS), Redis and the channel layer really run in the test environment
    assert health._timed(health.check_database)["ok"]
    assert health._timed(health.check_redis)["ok"]
    assert health._timed(health.check_channel_layer)["ok"]


def test_503_when_any_dependency_is_down(client, monkeypatch, settings):
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
