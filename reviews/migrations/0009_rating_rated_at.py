"""A rating keeps the day the member gave it: an imported rating the other site's date, not the
day of the import (issue 17). Ratings given before this migration were given when last
changed, so they take their updated_at.

The rating table is not one of the tables 0008's triggers are on: remaking it on SQLite to add
the column drops none of them."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def rated_when_last_changed(apps, schema_editor):
    Rating = apps.get_model("reviews", "Rating")
    Rating.objects.update(rated_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0008_database_rules")]

    operations = [
        migrations.AddField(
            model_name="rating",
            name="rated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="rated at"),
        ),
        migrations.RunPython(rated_when_last_changed, migrations.RunPython.noop, elidable=True),
    ]
