"""A suspension's end in the audit trail, on the decision that set it.

On SQLite, AddConstraint remakes reviews_moderationaction and so drops the two triggers that
keep the trail append-only (0008): they are made again here, the update trigger with the new
column listed (it lists every column). PostgreSQL's trigger compares whole rows and survives
the new column and constraint as it is.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

rules = importlib.import_module("reviews.migrations.0008_database_rules")
VendorSQL = rules.VendorSQL

OLD_TRIGGERS = [pair for pair in rules.SQLITE if "CREATE TRIGGER moderationaction_" in pair[0]]
NEVER_DELETED = next(pair for pair in OLD_TRIGGERS if "never_deleted" in pair[0])

NEVER_CHANGED = (
    """
    CREATE TRIGGER moderationaction_never_changed
    BEFORE UPDATE ON reviews_moderationaction
    WHEN NOT (
        NEW.id IS OLD.id
        AND NEW.created_at IS OLD.created_at
        AND NEW.moderator_handle IS OLD.moderator_handle
        AND NEW.kind IS OLD.kind
        AND NEW.subject IS OLD.subject
        AND NEW.text IS OLD.text
        AND NEW.reason IS OLD.reason
        AND NEW.suspended_until IS OLD.suspended_until
        AND (NEW.moderator_id IS OLD.moderator_id OR NEW.moderator_id IS NULL)
        AND (NEW.review_id IS OLD.review_id OR NEW.review_id IS NULL)
        AND (NEW.member_id IS OLD.member_id OR NEW.member_id IS NULL)
    )
    BEGIN
        SELECT RAISE(ABORT, 'moderationaction_never_changed: the audit trail keeps every decision');
    END
    """,
    "DROP TRIGGER moderationaction_never_changed",
)

SQLITE = [
    # Whatever the remade table kept (nothing, on the SQLite versions we know).
    ("DROP TRIGGER IF EXISTS moderationaction_never_deleted", "SELECT 1"),
    ("DROP TRIGGER IF EXISTS moderationaction_never_changed", "SELECT 1"),
    NEVER_DELETED,
    NEVER_CHANGED,
]
# Migrating back: 0008's triggers again, once the table is remade without the column.
SQLITE_BACK = [("SELECT 1", create) for create, _drop in OLD_TRIGGERS]


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0011_watch_per_episode_limit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        VendorSQL({"sqlite": SQLITE_BACK, "postgresql": []}),
        migrations.AddField(
            model_name="moderationaction",
            name="suspended_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="suspended until"),
        ),
        migrations.AddConstraint(
            model_name="moderationaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("suspended_until__isnull", True), ("kind", "suspend"), _connector="OR"
                ),
                name="moderationaction_end_only_for_suspensions",
            ),
        ),
        VendorSQL({"sqlite": SQLITE, "postgresql": []}),
    ]
