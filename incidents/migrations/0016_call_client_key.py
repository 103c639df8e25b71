"""A call started by the console while the server was away carries the console's key: sent again, it is one call
(issue 26). Unique per centre."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0015_centre_alerts'),
    ]

    operations = [
        migrations.AddField(
            model_name='call',
            name='client_key',
            field=models.CharField(blank=True, max_length=100, null=True, verbose_name='kunci klien'),
        ),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.UniqueConstraint(fields=('command_centre', 'client_key'), name='call_client_key_unique'),
        ),
    ]
