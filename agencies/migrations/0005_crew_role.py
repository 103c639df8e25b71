# A crew role with one login per unit (issue 16): the crew's phone page, that unit's work only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0004_verbose_names_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='crew_users', to='agencies.unit', verbose_name='unit'),
        ),
        migrations.AlterField(
            model_name='user',
            name='role',
            field=models.CharField(choices=[('call_taker', 'Operator 112'), ('dispatcher', 'Dispatcher instansi'), ('supervisor', 'Supervisor'), ('official', 'Pejabat'), ('volunteer', 'Relawan'), ('admin', 'Administrator'), ('crew', 'Kru unit')], default='call_taker', max_length=20, verbose_name='peran'),
        ),
        migrations.RemoveConstraint(
            model_name='user',
            name='user_scope_matches_role',
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('role', 'admin'), models.Q(('command_centre__isnull', False), ('role', 'call_taker')), models.Q(('agency__isnull', False), ('role', 'dispatcher')), models.Q(('community__isnull', False), ('role', 'volunteer')), models.Q(('role', 'crew'), ('unit__isnull', False)), models.Q(('command_centre__isnull', False), ('role__in', ['supervisor', 'official'])), models.Q(('province__isnull', False), ('role__in', ['supervisor', 'official'])), _connector='OR'), name='user_scope_matches_role'),
        ),
    ]
