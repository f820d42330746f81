import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each foreign key's own index goes, where a composite index begins with its column
# (reviews/models.py). Dropped by name, the same on both databases: Django's AlterField
# rebuilds the tables on SQLite, where the rebuild of reviews_like failed on the like triggers
# of 0008_database_rules ("no such table: main.reviews_like"), and on PostgreSQL drops and
# checks again each foreign key, a scan of every rating.
INDEXES = {
    "reviews_like_member_id_8f6f700e": ("reviews_like", "member_id"),
    "reviews_rating_episode_id_35ce925e": ("reviews_rating", "episode_id"),
    "reviews_rating_member_id_f933c70a": ("reviews_rating", "member_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_admin_field_names"),
        ("reviews", "0016_activity_keys_in_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="like",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="likes",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="episode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to="catalog.episode",
                        verbose_name="episode",
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="member",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
            ],
        )
    ]
