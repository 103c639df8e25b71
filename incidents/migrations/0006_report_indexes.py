"""Indexes the coordination reports need (issue #13, docs/reports.md "Indexes"). Added by the reporting app's
owner, the only one allowed to touch incidents' migrations, and only for these:

- incident_centre_created: the rollup rebuilds a centre's local day(s) by `command_centre_id = … AND created_at
  in [start, end)`; the existing (centre, status, -created_at) index cannot serve a range over every status.
- call_centre_started: the same for calls, keyed on the moment a call started
  (`coalesce(ringing_at, answered_at, ended_at)`, reporting.rollup.CALL_TIME), which no existing index covers.

Kept as SQL, not in the models' Meta, so the incidents app's model state stays its owner's.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_notification_claim")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS incident_centre_created ON incidents_incident (command_centre_id, created_at)",
            "DROP INDEX IF EXISTS incident_centre_created",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS call_centre_started ON incidents_call "
            "(command_centre_id, (coalesce(ringing_at, answered_at, ended_at)))",
            "DROP INDEX IF EXISTS call_centre_started",
        ),
    ]
