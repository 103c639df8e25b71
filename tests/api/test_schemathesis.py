"""Property-based run of the published OpenAPI schema against the app, in-process over WSGI.

Every operation of /api/v1/ gets generated requests (valid and invalid) with a real token; the checks:
no 5xx, every status code and content type documented, every response body matching its schema.
Bounded: a few examples per operation (SCHEMATHESIS_MAX_EXAMPLES raises it for a longer run).
"""
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from incidents.services import call_start, incident_create, incident_route
from tests import factories as f

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    # The app runs in the test's thread and transaction: keep Django from closing that connection per request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """Enough of a centre that generated ids hit real rows now and then (low ids are what Hypothesis tries first)."""
    centre = f.CommandCentreFactory()
    category = f.CategoryFactory()
    damkar = f.AgencyFactory(command_centre=centre, type="fire", short_name="Damkar PKY")
    f.UnitFactory(agency=damkar)
    supervisor = f.supervisor(centre, username="spv_fuzz")
    call_taker = f.call_taker(centre, username="ct_fuzz")
    for _i in range(3):
        call_start(actor=call_taker, caller_number="081234567890")
        incident, _created = incident_create(
            actor=call_taker, category=category.code, location=f.Point(*f.PKY, srid=4326), caller_number="081234567890"
        )
        incident_route(incident_id=incident.pk, actor=call_taker)
    return supervisor


@pytest.fixture
def token(world):
    return Token.objects.create(user=world).key


def _operations(api_schema):
    for result in api_schema.get_all_operations():
        yield result.ok()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(wsgi_app, token, mode):
    # Driven by hand rather than schemathesis' pytest plugin: its lazy loader does not run under pytest 9.
    api_schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Token {token}"}
    failures, tested = [], []
    for operation in _operations(api_schema):
        if not operation.path.startswith("/api/v1/"):
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        tested.append(operation.label)
        try:
            check()
        except Unsatisfiable:
            # Nothing to make invalid (e.g. a GET with no parameters in negative mode).
            assert mode == GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure, then report all
            failures.append(f"{operation.label}: {exc}")
    assert len(tested) >= 20, tested
    assert not failures, f"{len(failures)} of {len(tested)} operations failed:\n\n" + "\n\n".join(failures)
