"""The database's own guard on reviews.services.WATCHES_PER_EPISODE_MAX: no member keeps more
than 50 watches of one episode, whatever writes them (a service, the admin, a script).

The services check first, to say so in words; this trigger is the last word, as the rules in
0008 are. The count uses the (member, episode) index and reads at most 50 entries, so an
insert costs one small index scan. On PostgreSQL the trigger locks the member's row (as
watch_add and watches_add do), so two transactions cannot each count 49 and both insert.
Rows already past the limit stay (they are a member's history); only new ones are refused.
A new limit needs a new migration: the number is written here as well as in services.py.

On SQLite a later migration that remakes reviews_watch drops these triggers: create them
again there; tests/reviews/test_watch_limits.py fails until then.
"""

import importlib

from django.db import migrations

VendorSQL = importlib.import_module("reviews.migrations.0008_database_rules").VendorSQL

SQLITE_CHECK = """
    SELECT RAISE(ABORT, 'watch_per_episode_limit: at most 50 watches of one episode')
    WHERE (
        SELECT COUNT(*) FROM reviews_watch
        WHERE member_id = NEW.member_id AND episode_id = NEW.episode_id
    ) >= 50;
"""

SQLITE = [
    (
        """
        CREATE TRIGGER watch_per_episode_limit_on_insert
        BEFORE INSERT ON reviews_watch
        BEGIN """
        + SQLITE_CHECK
        + """ END
        """,
        "DROP TRIGGER watch_per_episode_limit_on_insert",
    ),
    (
        """
        CREATE TRIGGER watch_per_episode_limit_on_update
        BEFORE UPDATE OF member_id, episode_id ON reviews_watch
        WHEN NEW.member_id <> OLD.member_id OR NEW.episode_id <> OLD.episode_id
        BEGIN """
        + SQLITE_CHECK
        + """ END
        """,
        "DROP TRIGGER watch_per_episode_limit_on_update",
    ),
]

POSTGRESQL = [
    (
        """
        CREATE FUNCTION reviews_watch_per_episode_limit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.member_id = OLD.member_id
                    AND NEW.episode_id = OLD.episode_id THEN
                RETURN NEW;
            END IF;
            PERFORM 1 FROM etoile_app_user WHERE id = NEW.member_id FOR NO KEY UPDATE;
            IF (
                SELECT COUNT(*) FROM reviews_watch
                WHERE member_id = NEW.member_id AND episode_id = NEW.episode_id
            ) >= 50 THEN
                RAISE EXCEPTION 'At most 50 watches of one episode (member %, episode %).',
                    NEW.member_id, NEW.episode_id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'watch_per_episode_limit';
            END IF;
            RETURN NEW;
        END
        $$
        """,
        "DROP FUNCTION reviews_watch_per_episode_limit()",
    ),
    (
        """
        CREATE TRIGGER watch_per_episode_limit
        BEFORE INSERT OR UPDATE OF member_id, episode_id ON reviews_watch
        FOR EACH ROW EXECUTE FUNCTION reviews_watch_per_episode_limit()
        """,
        "DROP TRIGGER watch_per_episode_limit ON reviews_watch",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("reviews", "0010_appeals")]

    operations = [VendorSQL({"sqlite": SQLITE, "postgresql": POSTGRESQL})]
