from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0008_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="collectionlock",
            name="budget_reserved",
            field=models.IntegerField(default=0),
        ),
    ]
