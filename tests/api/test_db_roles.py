"""The application's database role cannot rewrite the audit log (issue 14): `manage.py db_roles` makes an owner
role for migrations and a runtime role that is not a superuser, owns nothing and may only append to the timeline.

Each test makes its own roles (random names) inside the test's transaction and switches to them with SET ROLE on
the test's connection: the privileges checked are exactly the role's, and the rollback at the end removes the
roles again, so parallel runs on one PostgreSQL cluster never see each other's."""
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from psycopg import sql

from agencies.management.commands.db_roles import apply_roles
from incidents.models import Assignment, Incident, TimelineEvent

pytestmark = pytest.mark.django_db

TIMELINE = "incidents_timelineevent"


@pytest.fixture
def roles():
    tag = uuid.uuid4().hex[:10]
    runtime, owner = f"d112_app_{tag}", f"d112_owner_{tag}"
    apply_roles(runtime=runtime, owner=owner)
    return runtime, owner


@contextmanager
def as_role(role):
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(statement) -> str:
    """Run one statement in a savepoint; the database's refusal ("" when it was allowed). The transaction goes on."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as error:
        return str(error)
    return ""


def settle_deferred_checks():
    # The rows made above leave deferred foreign-key checks pending, and PostgreSQL refuses TRUNCATE of a table
    # with pending trigger events — a refusal that would hide the one under test.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_runtime_role_is_no_superuser_and_owns_nothing(roles):
    runtime, owner = roles
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = %s", [runtime])
        assert cursor.fetchone() == (False, False, False, False, False)
        cursor.execute("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)", [runtime])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s", [TIMELINE])
        assert cursor.fetchone()[0] == owner
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants WHERE grantee = %s AND table_name = %s ORDER BY 1",
                       [runtime, TIMELINE])
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_the_runtime_role_cannot_change_empty_or_unguard_the_timeline(roles, make_incident):
    runtime, _owner = roles
    make_incident()
    assert TimelineEvent.objects.exists()
    settle_deferred_checks()
    with as_role(runtime):
        # what it needs it may do
        assert refused(f"SELECT count(*) FROM {TIMELINE}") == ""
        # and what would rewrite the audit log it may not, even asking for the teardown's setting
        assert "permission denied" in refused(f"UPDATE {TIMELINE} SET kind = 'x'")
        assert "permission denied" in refused(f"DELETE FROM {TIMELINE}")
        assert "permission denied" in refused(f"SET LOCAL dispatch.allow_timeline_truncate = on; TRUNCATE {TIMELINE}")
        assert "permission denied" in refused(f"TRUNCATE {TIMELINE}")
        assert "must be owner" in refused(f"ALTER TABLE {TIMELINE} DISABLE TRIGGER ALL")
        assert "must be owner" in refused(f"ALTER TABLE {TIMELINE} DISABLE TRIGGER incidents_timeline_no_update")
        assert "permission denied" in refused("SET session_replication_role = replica")  # would skip every trigger
        assert "must be owner" in refused(f"DROP TRIGGER incidents_timeline_no_update ON {TIMELINE}")
        assert "permission denied" in refused("CREATE TABLE sneaky (id int)")
        assert "permission denied" in refused("TRUNCATE incidents_incident CASCADE")
    assert TimelineEvent.objects.exists()


def test_truncate_is_refused_even_for_the_owner_and_a_superuser_without_the_deliberate_setting(roles, make_incident):
    _runtime, owner = roles
    make_incident()
    settle_deferred_checks()
    with connection.cursor() as cursor:  # the test connection carries the teardown's setting: take it away here
        cursor.execute("SET LOCAL dispatch.allow_timeline_truncate = off")
    assert "append-only" in refused(f"TRUNCATE {TIMELINE} CASCADE")  # as the superuser
    with as_role(owner):
        assert "append-only" in refused(f"TRUNCATE {TIMELINE} CASCADE")
        # the owner, deliberately, may (a test database's teardown; never the running application)
        assert refused(f"SET LOCAL dispatch.allow_timeline_truncate = on; TRUNCATE {TIMELINE} CASCADE") == ""
    assert not TimelineEvent.objects.exists()


def test_the_application_works_as_the_runtime_role(roles, api, dispatcher_api, incident_body, fire_unit, damkar):
    runtime, _owner = roles
    with as_role(runtime):
        # a call rings, is claimed, logged as an incident, routed, accepted, completed and closed
        r = api.post("/api/v1/calls/", {"caller_number": "081234567890", "external_id": "pbx-role", "line": "1"}, format="json")
        assert r.status_code == 201, r.json()
        call_id = r.json()["id"]
        assert api.post(f"/api/v1/calls/{call_id}/claim/").status_code == 200
        r = api.post("/api/v1/incidents/", {**incident_body, "call": call_id}, format="json", HTTP_IDEMPOTENCY_KEY="role-1")
        assert r.status_code == 201, r.json()
        incident_id = r.json()["id"]
        [assignment] = api.post(f"/api/v1/incidents/{incident_id}/route/", {}, format="json").json()
        assert dispatcher_api.post(f"/api/v1/assignments/{assignment['id']}/accept/").status_code == 200
        assert dispatcher_api.post(f"/api/v1/assignments/{assignment['id']}/complete/", {"note": "padam"}, format="json").status_code == 200
        assert api.post(f"/api/v1/incidents/{incident_id}/close/", {"note": "selesai"}, format="json").status_code == 200
        # the events feed reads what was appended
        events = api.get("/api/v1/events/", {"after": 0}).json()
        kinds = [e["kind"] for e in (events["results"] if isinstance(events, dict) else events)]
        assert "incident.created" in kinds and "assignment.accepted" in kinds
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime
    assert Incident.objects.get(pk=incident_id).status == "closed"
    assert Assignment.objects.get(pk=assignment["id"]).status == "completed"


def test_the_command_is_idempotent_and_takes_back_superuser(roles, monkeypatch):
    runtime, owner = roles
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER ROLE {} SUPERUSER").format(sql.Identifier(runtime)))
    monkeypatch.setenv("H7_TEST_PW", "s3cret-runtime")
    call_command("db_roles", runtime=runtime, owner=owner, runtime_password_env="H7_TEST_PW", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s", [runtime])
        assert cursor.fetchone() == (False, True)


def test_check_deploy_with_the_database_warns_about_a_superuser_and_not_about_the_runtime_role(roles):
    from agencies.checks import runtime_database_role

    runtime, owner = roles
    assert [w.id for w in runtime_database_role(databases=["default"])] == ["dispatch.W101"]  # the tests' postgres
    with as_role(owner):
        assert [w.id for w in runtime_database_role(databases=["default"])] == ["dispatch.W102"]
    with as_role(runtime):
        assert runtime_database_role(databases=["default"]) == []
