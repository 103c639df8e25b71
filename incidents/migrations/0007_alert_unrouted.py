from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0006_report_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="supervisoralert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("assignment_expired", "Penugasan tidak dikonfirmasi"),
                    ("no_backup", "Tidak ada instansi cadangan"),
                    ("target_breached", "Target waktu terlampaui"),
                    ("second_stage", "Eskalasi tahap kedua"),
                    ("unrouted", "Tidak ada instansi yang menangani"),
                ],
                max_length=30,
            ),
        ),
    ]
