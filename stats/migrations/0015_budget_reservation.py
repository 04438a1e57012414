from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0014_rollperf_snapshot_pointer_weekly_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="collectionlock",
            name="budget_reserved",
            field=models.IntegerField(default=0),
        ),
    ]
