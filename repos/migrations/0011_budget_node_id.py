from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("repos", "0010_stars_history_ci"),
    ]

    operations = [
        migrations.AddField(
            model_name="repository",
            name="node_id",
            field=models.CharField(blank=True, max_length=100),
        ),
    ]
