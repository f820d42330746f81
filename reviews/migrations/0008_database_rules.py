"""Rules that reach across rows, held by the database rather than only by the services:

- a reply answers a top-level review (replies are one level deep),
- a reply is on the same episode as the review it answers,
- no member likes their own review or reply,
- the audit trail (ModerationAction) is never changed or deleted. Deleting a member or a
  review sets its foreign keys on the record to NULL (the handle, subject and text copies
  stay): that is the one change allowed. Emptying the whole database is allowed too:
  PostgreSQL's TRUNCATE, which `flush` uses, fires no row trigger; on SQLite, `flush`
  (reviews/management/commands/flush.py) marks its transaction in
  reviews_moderationaction_flush, the one case the delete trigger lets through.

A CHECK constraint sees one row only, so these are triggers, written for each database. On
PostgreSQL the reply trigger locks the parent row (the lock review_post's reply_count update
takes anyway) so that two transactions cannot each pass the check and together break it.

On SQLite a later migration that remakes one of these tables (most AlterField, AddConstraint)
drops its triggers: create them again there; tests/reviews/test_integrity.py fails until then.

Rows that already break a rule are mended first: a reply to a reply answers the top-level
review instead, a reply on another episode moves to its review's episode, a self-like goes.
"""

from collections import Counter

from django.db import migrations, router
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

SQLITE = [
    (
        """
        CREATE TRIGGER review_reply_rules_on_insert
        BEFORE INSERT ON reviews_review
        WHEN NEW.parent_id IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'review_reply_one_level_deep: a reply answers a top-level review')
            WHERE EXISTS (
                SELECT 1 FROM reviews_review WHERE id = NEW.parent_id AND parent_id IS NOT NULL
            );
            SELECT RAISE(ABORT, 'review_reply_same_episode: a reply is on its review''s episode')
            WHERE EXISTS (
                SELECT 1 FROM reviews_review
                WHERE id = NEW.parent_id AND episode_id <> NEW.episode_id
            );
        END
        """,
        "DROP TRIGGER review_reply_rules_on_insert",
    ),
    (
        """
        CREATE TRIGGER review_reply_rules_on_update
        BEFORE UPDATE OF parent_id, episode_id ON reviews_review
        WHEN NEW.parent_id IS NOT OLD.parent_id OR NEW.episode_id IS NOT OLD.episode_id
        BEGIN
            SELECT RAISE(ABORT, 'review_reply_one_level_deep: a reply answers a top-level review')
            WHERE NEW.parent_id IS NOT NULL AND (
                EXISTS (
                    SELECT 1 FROM reviews_review
                    WHERE id = NEW.parent_id AND parent_id IS NOT NULL
                )
                OR EXISTS (SELECT 1 FROM reviews_review WHERE parent_id = OLD.id)
            );
            SELECT RAISE(ABORT, 'review_reply_same_episode: a reply is on its review''s episode')
            WHERE EXISTS (
                SELECT 1 FROM reviews_review
                WHERE id = NEW.parent_id AND episode_id <> NEW.episode_id
            )
            OR EXISTS (
                SELECT 1 FROM reviews_review
                WHERE parent_id = OLD.id AND episode_id <> NEW.episode_id
            );
        END
        """,
        "DROP TRIGGER review_reply_rules_on_update",
    ),
    (
        """
        CREATE TRIGGER like_not_own_review_on_insert
        BEFORE INSERT ON reviews_like
        BEGIN
            SELECT RAISE(ABORT, 'like_not_own_review: members do not like their own writing')
            WHERE EXISTS (
                SELECT 1 FROM reviews_review
                WHERE id = NEW.review_id AND member_id = NEW.member_id
            );
        END
        """,
        "DROP TRIGGER like_not_own_review_on_insert",
    ),
    (
        """
        CREATE TRIGGER like_not_own_review_on_update
        BEFORE UPDATE OF member_id, review_id ON reviews_like
        BEGIN
            SELECT RAISE(ABORT, 'like_not_own_review: members do not like their own writing')
            WHERE EXISTS (
                SELECT 1 FROM reviews_review
                WHERE id = NEW.review_id AND member_id = NEW.member_id
            );
        END
        """,
        "DROP TRIGGER like_not_own_review_on_update",
    ),
    (
        """
        CREATE TRIGGER like_not_own_review_on_author_change
        BEFORE UPDATE OF member_id ON reviews_review
        WHEN NEW.member_id IS NOT OLD.member_id
        BEGIN
            SELECT RAISE(ABORT, 'like_not_own_review: members do not like their own writing')
            WHERE EXISTS (
                SELECT 1 FROM reviews_like WHERE review_id = OLD.id AND member_id = NEW.member_id
            );
        END
        """,
        "DROP TRIGGER like_not_own_review_on_author_change",
    ),
    (
        # Not a Django model, so `flush` leaves it alone; it holds a row only inside a flush.
        "CREATE TABLE reviews_moderationaction_flush (id INTEGER PRIMARY KEY)",
        "DROP TABLE reviews_moderationaction_flush",
    ),
    (
        """
        CREATE TRIGGER moderationaction_never_deleted
        BEFORE DELETE ON reviews_moderationaction
        WHEN NOT EXISTS (SELECT 1 FROM reviews_moderationaction_flush)
        BEGIN
            SELECT RAISE(ABORT, 'moderationaction_never_deleted: the audit trail keeps every decision');
        END
        """,
        "DROP TRIGGER moderationaction_never_deleted",
    ),
    (
        # Every column is listed: one added to the model must be added here too.
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
            AND (NEW.moderator_id IS OLD.moderator_id OR NEW.moderator_id IS NULL)
            AND (NEW.review_id IS OLD.review_id OR NEW.review_id IS NULL)
            AND (NEW.member_id IS OLD.member_id OR NEW.member_id IS NULL)
        )
        BEGIN
            SELECT RAISE(ABORT, 'moderationaction_never_changed: the audit trail keeps every decision');
        END
        """,
        "DROP TRIGGER moderationaction_never_changed",
    ),
]

POSTGRESQL = [
    (
        """
        CREATE FUNCTION reviews_review_reply_rules() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            parent reviews_review%ROWTYPE;
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id
                    AND NEW.episode_id IS NOT DISTINCT FROM OLD.episode_id THEN
                RETURN NEW;
            END IF;
            IF NEW.parent_id IS NOT NULL THEN
                -- Locked, so that it cannot become a reply or move to another episode until
                -- this transaction ends; review_post takes this lock anyway for reply_count.
                SELECT * INTO parent FROM reviews_review WHERE id = NEW.parent_id
                    FOR NO KEY UPDATE;
                IF FOUND AND parent.parent_id IS NOT NULL THEN
                    RAISE EXCEPTION 'A reply answers a top-level review: % is a reply.',
                        NEW.parent_id
                        USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'review_reply_one_level_deep';
                END IF;
                IF FOUND AND parent.episode_id <> NEW.episode_id THEN
                    RAISE EXCEPTION 'A reply is on the episode of the review it answers (%).',
                        parent.episode_id
                        USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'review_reply_same_episode';
                END IF;
            END IF;
            IF TG_OP = 'UPDATE' THEN
                IF NEW.parent_id IS NOT NULL
                        AND EXISTS (SELECT 1 FROM reviews_review WHERE parent_id = OLD.id) THEN
                    RAISE EXCEPTION 'A review with replies cannot become a reply (%).', OLD.id
                        USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'review_reply_one_level_deep';
                END IF;
                IF EXISTS (
                    SELECT 1 FROM reviews_review
                    WHERE parent_id = OLD.id AND episode_id <> NEW.episode_id
                ) THEN
                    RAISE EXCEPTION 'A review''s replies are on its episode (%).', OLD.id
                        USING ERRCODE = 'check_violation',
                            CONSTRAINT = 'review_reply_same_episode';
                END IF;
            END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER review_reply_rules
        BEFORE INSERT OR UPDATE OF parent_id, episode_id ON reviews_review
        FOR EACH ROW EXECUTE FUNCTION reviews_review_reply_rules();
        """,
        """
        DROP TRIGGER review_reply_rules ON reviews_review;
        DROP FUNCTION reviews_review_reply_rules();
        """,
    ),
    (
        """
        CREATE FUNCTION reviews_like_not_own_review() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            author bigint;
        BEGIN
            -- Locked, as the review's author could otherwise change meanwhile; like_set takes
            -- this lock anyway to count the like.
            SELECT member_id INTO author FROM reviews_review WHERE id = NEW.review_id
                FOR NO KEY UPDATE;
            IF author = NEW.member_id THEN
                RAISE EXCEPTION 'Members do not like their own writing (review %).',
                    NEW.review_id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'like_not_own_review';
            END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER like_not_own_review
        BEFORE INSERT OR UPDATE OF member_id, review_id ON reviews_like
        FOR EACH ROW EXECUTE FUNCTION reviews_like_not_own_review();

        CREATE FUNCTION reviews_review_author_has_not_liked() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.member_id IS DISTINCT FROM OLD.member_id AND EXISTS (
                SELECT 1 FROM reviews_like WHERE review_id = OLD.id AND member_id = NEW.member_id
            ) THEN
                RAISE EXCEPTION 'Members do not like their own writing (review %).', OLD.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'like_not_own_review';
            END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER like_not_own_review_on_author_change
        BEFORE UPDATE OF member_id ON reviews_review
        FOR EACH ROW EXECUTE FUNCTION reviews_review_author_has_not_liked();
        """,
        """
        DROP TRIGGER like_not_own_review_on_author_change ON reviews_review;
        DROP FUNCTION reviews_review_author_has_not_liked();
        DROP TRIGGER like_not_own_review ON reviews_like;
        DROP FUNCTION reviews_like_not_own_review();
        """,
    ),
    (
        """
        CREATE FUNCTION reviews_moderationaction_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            old_row reviews_moderationaction%ROWTYPE;
            new_row reviews_moderationaction%ROWTYPE;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'The audit trail keeps every decision (action %).', OLD.id
                    USING ERRCODE = 'restrict_violation',
                        CONSTRAINT = 'moderationaction_never_deleted';
            END IF;
            -- Whole rows are compared, so a column added later is covered too; only a
            -- foreign key going to NULL (its member or review deleted) is let through.
            old_row := OLD;
            new_row := NEW;
            IF new_row.moderator_id IS NULL THEN old_row.moderator_id := NULL; END IF;
            IF new_row.review_id IS NULL THEN old_row.review_id := NULL; END IF;
            IF new_row.member_id IS NULL THEN old_row.member_id := NULL; END IF;
            IF new_row IS DISTINCT FROM old_row THEN
                RAISE EXCEPTION 'The audit trail keeps every decision (action %).', OLD.id
                    USING ERRCODE = 'restrict_violation',
                        CONSTRAINT = 'moderationaction_never_changed';
            END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER moderationaction_append_only
        BEFORE UPDATE OR DELETE ON reviews_moderationaction
        FOR EACH ROW EXECUTE FUNCTION reviews_moderationaction_append_only();
        """,
        """
        DROP TRIGGER moderationaction_append_only ON reviews_moderationaction;
        DROP FUNCTION reviews_moderationaction_append_only();
        """,
    ),
]


def mend_existing_rows(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Like = apps.get_model("reviews", "Like")
    touched: set[int] = set()
    # A reply to a reply answers the top-level review instead (repeated for longer chains).
    while deep := list(
        Review.objects.filter(parent__parent__isnull=False).values_list(
            "pk", "parent_id", "parent__parent_id"
        )
    ):
        for pk, parent_id, grandparent_id in deep:
            Review.objects.filter(pk=pk).update(parent_id=grandparent_id)
            touched |= {parent_id, grandparent_id}
    # A reply follows its review to the review's episode.
    Review.objects.filter(parent__isnull=False).exclude(episode=F("parent__episode")).update(
        episode_id=Subquery(Review.objects.filter(pk=OuterRef("parent_id")).values("episode_id"))
    )
    replies = (
        Review.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Review.objects.filter(pk__in=touched).update(reply_count=Coalesce(Subquery(replies), 0))
    own = Like.objects.filter(member=F("review__member"))
    for review_id, n in Counter(own.values_list("review_id", flat=True)).items():
        Review.objects.filter(pk=review_id).update(like_count=Greatest(F("like_count") - n, 0))
    own.delete()


class VendorSQL(migrations.RunSQL):
    """RunSQL with one list of (forward, reverse) statements for each database vendor."""

    def __init__(self, by_vendor: dict[str, list[tuple[str, str]]]):
        self.by_vendor = by_vendor
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.by_vendor], {}

    def _statements(self, schema_editor, index: int) -> list[str]:
        vendor = schema_editor.connection.vendor
        if vendor not in self.by_vendor:
            raise NotImplementedError(f"No integrity triggers written for {vendor}.")
        pairs = self.by_vendor[vendor]
        return [pair[index] for pair in (pairs if index == 0 else reversed(pairs))]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self._statements(schema_editor, 0))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self._statements(schema_editor, 1))

    def describe(self):
        return "Triggers for the rules a CHECK constraint cannot see"


class Migration(migrations.Migration):
    dependencies = [("reviews", "0007_top_level_review_indexes_for_members")]

    operations = [
        migrations.RunPython(mend_existing_rows, migrations.RunPython.noop),
        VendorSQL({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
    ]
