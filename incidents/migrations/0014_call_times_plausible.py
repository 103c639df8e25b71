"""Call timestamps bounded by a database CHECK (issue 28): a PBX whose clock was reset sent the year 0001, and the
interval arithmetic of the report rollups overflowed for every centre. The bounds are constants (a CHECK cannot call
now()): 2000-01-01 ≤ ringing/answered/ended < 2100-01-01, and answered/ended no more than 10 minutes before the
start (clock skew between the PBX and the servers). Rows already stored outside them are repaired first, so the
constraint can be added on a live database: an impossible PBX start (ringing_at) is cleared — the call then counts
from its answer, like a call logged by hand — and an impossible answer or end is cleared or pulled up to the start."""
import datetime

import django.db.models.expressions
from django.db import migrations, models

REPAIR = """
UPDATE incidents_call SET ringing_at = NULL
 WHERE ringing_at < '2000-01-01T00:00:00Z' OR ringing_at >= '2100-01-01T00:00:00Z'
    OR (answered_at IS NOT NULL AND answered_at < ringing_at - interval '10 minutes')
    OR (ended_at IS NOT NULL AND ended_at < ringing_at - interval '10 minutes');
UPDATE incidents_call SET answered_at = NULL
 WHERE answered_at < '2000-01-01T00:00:00Z' OR answered_at >= '2100-01-01T00:00:00Z';
UPDATE incidents_call SET ended_at = NULL
 WHERE ended_at < '2000-01-01T00:00:00Z' OR ended_at >= '2100-01-01T00:00:00Z';
UPDATE incidents_call SET ended_at = answered_at
 WHERE ended_at < answered_at - interval '10 minutes';
"""


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0013_unit_dispatch_predicted_eta'),
    ]

    operations = [
        migrations.RunSQL(REPAIR, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('ringing_at__isnull', True), models.Q(('ringing_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('ringing_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('answered_at__isnull', True), models.Q(('answered_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('answered_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('ended_at__isnull', True), models.Q(('ended_at__gte', datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('ended_at__lt', datetime.datetime(2100, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), models.Q(('ringing_at__isnull', True), ('answered_at__isnull', True), ('answered_at__gte', django.db.models.expressions.CombinedExpression(models.F('ringing_at'), '-', models.Value(datetime.timedelta(seconds=600)))), _connector='OR'), models.Q(('ringing_at__isnull', True), ('ended_at__isnull', True), ('ended_at__gte', django.db.models.expressions.CombinedExpression(models.F('ringing_at'), '-', models.Value(datetime.timedelta(seconds=600)))), _connector='OR'), models.Q(('answered_at__isnull', True), ('ended_at__isnull', True), ('ended_at__gte', django.db.models.expressions.CombinedExpression(models.F('answered_at'), '-', models.Value(datetime.timedelta(seconds=600)))), _connector='OR')), name='call_times_plausible'),
        ),
    ]
