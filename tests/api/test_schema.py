"""The OpenAPI schema generates without a single warning and documents the contract integrators rely on."""
import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_schema_generates_with_zero_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn raises on any warning (e.g. two serializers with the same component name)
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/calls/", "post"),
        ("/api/v1/calls/start/", "post"),
        ("/api/v1/calls/{call_id}/claim/", "post"),
        ("/api/v1/calls/{call_id}/close/", "post"),
        ("/api/v1/calls/{call_id}/link/", "post"),
        ("/api/v1/callers/{number}/history/", "get"),
        ("/api/v1/categories/", "get"),
        ("/api/v1/agencies/", "get"),
        ("/api/v1/incidents/", "get"),
        ("/api/v1/incidents/", "post"),
        ("/api/v1/incidents/{incident_id}/", "get"),
        ("/api/v1/incidents/{incident_id}/", "patch"),
        ("/api/v1/incidents/{incident_id}/route/", "post"),
        ("/api/v1/incidents/{incident_id}/close/", "post"),
        ("/api/v1/assignments/", "get"),
        ("/api/v1/assignments/{assignment_id}/accept/", "post"),
        ("/api/v1/assignments/{assignment_id}/decline/", "post"),
        ("/api/v1/assignments/{assignment_id}/handoff/", "post"),
        ("/api/v1/assignments/{assignment_id}/complete/", "post"),
    ]:
        assert method in paths.get(path, {}), (method, path)
    create = paths["/api/v1/incidents/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert {"200", "201", "400", "409"} <= set(create["responses"])
    body = schema["components"]["schemas"]["IncidentListCreateInputRequest"]
    assert body["properties"]["location"]["properties"]["type"]["enum"] == ["Point"]
    error = schema["components"]["schemas"]["ErrorBody"]
    assert {"code", "message", "fields"} <= set(error["required"])


def test_schema_and_docs_pages_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_an_unknown_api_url_is_a_json_404(api):
    assert_error(api.get("/api/v1/incidents/-1/"), 404, "not_found")
    assert_error(APIClient().get("/api/v1/no-such-thing/"), 404, "not_found")
