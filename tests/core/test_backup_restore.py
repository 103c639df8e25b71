"""scripts/backup.sh and scripts/restore.sh, performed (issue 14): a database with incidents, calls and their
timeline is dumped (pg_dump custom format), restored into a new database, and the restored copy has the same
rows — and a timeline that still refuses UPDATE, DELETE and TRUNCATE."""
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from incidents.models import Call, Incident, TimelineEvent
from incidents.services import call_start, incident_route
from tests.support import current_database_url

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump (postgresql-client) not installed")]

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **kw):
    result = subprocess.run([str(a) for a in args], cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_backup_then_restore_into_a_new_database_keeps_rows_and_the_timeline_guards(tmp_path, make_incident, call_taker, damkar):
    # given a database with two incidents (one from a call, routed) and their events
    call = call_start(actor=call_taker, caller_number="081234567890")
    routed = make_incident(call_id=call.pk)
    incident_route(incident_id=routed.pk, actor=call_taker, agency_ids=[damkar.pk])
    make_incident(description="Banjir setinggi lutut")
    counts = (Incident.objects.count(), Call.objects.count(), TimelineEvent.objects.count())
    events = list(TimelineEvent.objects.order_by("seq").values_list("seq", "kind", "incident_id"))
    assert counts[0] == 2 and counts[2] >= 4

    source = current_database_url().replace("postgis://", "postgresql://", 1)
    target_name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    target = source.rsplit("/", 1)[0] + "/" + target_name
    dump = tmp_path / "dispatch.dump"
    try:
        # when it is backed up and restored into a new database
        out = run("scripts/backup.sh", "-d", source, "-o", dump)
        assert dump.exists() and (tmp_path / "dispatch.dump.sha256").exists(), out
        out = run("scripts/restore.sh", dump, target)
        assert f"incidents {counts[0]}" in out and f"timeline events {counts[2]}" in out, out

        with psycopg.connect(target, autocommit=True) as restored:
            # then every row is there, the timeline in the same order
            assert restored.execute("select count(*) from incidents_incident").fetchone()[0] == counts[0]
            assert restored.execute("select count(*) from incidents_call").fetchone()[0] == counts[1]
            assert restored.execute("select seq, kind, incident_id from incidents_timelineevent order by seq").fetchall() == events
            # and the restored timeline is still append-only: UPDATE, DELETE and TRUNCATE are refused
            for statement in ("update incidents_timelineevent set kind = 'x'", "delete from incidents_timelineevent",
                              "truncate incidents_timelineevent cascade"):
                with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                    restored.execute(statement)
            # and the next event continues after the restored ones (sequences restored with their state)
            restored.execute("insert into incidents_timelineevent (at, kind, incident_id, centre_ids, agency_ids, community_ids, payload) "
                             "select now(), 'incident.updated', incident_id, centre_ids, agency_ids, community_ids, '{}' "
                             "from incidents_timelineevent order by seq desc limit 1")
            assert restored.execute("select max(seq) from incidents_timelineevent").fetchone()[0] > events[-1][0]

        # and a second restore over the now existing database is refused (never over a live one)
        refused = subprocess.run(["scripts/restore.sh", str(dump), target], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "exists" in refused.stderr
    finally:
        with psycopg.connect(source, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{target_name}" with (force)')
