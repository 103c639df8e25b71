"""Supervisor alerts about a centre itself, with no incident (issue 28: the reports stopped following the timeline).
One open alert per centre and kind; only the centre kinds may lack an incident."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0005_crew_role'),
        ('incidents', '0014_call_times_plausible'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='supervisoralert',
            name='incident',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='incidents.incident', verbose_name='kejadian'),
        ),
        migrations.AlterField(
            model_name='supervisoralert',
            name='kind',
            field=models.CharField(choices=[('assignment_expired', 'Penugasan tidak dikonfirmasi'), ('no_backup', 'Tidak ada instansi cadangan'), ('target_breached', 'Target waktu terlampaui'), ('second_stage', 'Eskalasi tahap kedua'), ('unrouted', 'Tidak ada instansi yang menangani'), ('reports_stale', 'Laporan tidak diperbarui')], max_length=30, verbose_name='jenis'),
        ),
        migrations.AddConstraint(
            model_name='supervisoralert',
            constraint=models.UniqueConstraint(condition=models.Q(('acknowledged_at__isnull', True), ('incident__isnull', True)), fields=('command_centre', 'kind'), name='alert_once_open_per_centre_kind'),
        ),
        migrations.AddConstraint(
            model_name='supervisoralert',
            constraint=models.CheckConstraint(condition=models.Q(('incident__isnull', False), ('kind__in', ['reports_stale']), _connector='OR'), name='alert_incident_or_centre_kind'),
        ),
    ]
