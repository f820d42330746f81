"""PostgreSQL's full-text search: three text search configurations and a GIN index on each
document that search/backends.py searches. Nothing on SQLite, which folds and compares text
instead.

The configurations are PostgreSQL's English and French stemmers, and its "simple" one for
names, each after `unaccent` (created by kernel/migrations/0001_unaccent.py), so "répétition"
and "repetition" are one word. Each index is on exactly the expression the searches write
(search.backends.WeightedVector): PostgreSQL uses an expression index only for the same
expression, and tests/search/test_postgresql.py checks that every search's plan uses them.
The indexes are built CONCURRENTLY, so members keep posting while a large table is indexed.
"""

from django.db import migrations

CONFIGURATIONS = {
    "etoile_en": ("english", "english_stem"),
    "etoile_fr": ("french", "french_stem"),
    "etoile_simple": ("simple", "simple"),
}

# (index name, app label, model, configuration, ((field, weight), …))
INDEXES = [
    ("search_episode_en", "catalog", "Episode", "etoile_en", (("title", "A"), ("synopsis", "B"))),
    ("search_episode_fr", "catalog", "Episode", "etoile_fr", (("title_fr", "A"), ("synopsis_fr", "B"))),
    ("search_person_en", "catalog", "Person", "etoile_en", (("name", "A"), ("also_known_as", "A"), ("about", "B"))),
    ("search_person_fr", "catalog", "Person", "etoile_fr", (("name", "A"), ("also_known_as", "A"), ("about_fr", "B"))),
    ("search_character_en", "catalog", "Character", "etoile_en", (("name", "A"), ("description", "B"))),
    ("search_character_fr", "catalog", "Character", "etoile_fr", (("name", "A"), ("description_fr", "B"))),
    ("search_member_names", "etoile_app", "User", "etoile_simple", (("handle", "A"), ("display_name", "A"))),
    ("search_review_en", "reviews", "Review", "etoile_en", (("body", "B"),)),
    ("search_review_fr", "reviews", "Review", "etoile_fr", (("body", "B"),)),
]  # fmt: skip


def document_sql(config: str, fields) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, \"{name}\"), '{weight}')"
        for name, weight in fields
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (copy, dictionary) in CONFIGURATIONS.items():
        schema_editor.execute(
            f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
                CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {copy});
                ALTER TEXT SEARCH CONFIGURATION {name}
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionary};
            END IF;
            END $$"""  # noqa: S608 (names from this file, never input)
        )
    for index, app_label, model, config, fields in INDEXES:
        table = apps.get_model(app_label, model)._meta.db_table
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON "{table}"'
            f" USING gin (({document_sql(config, fields)}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, *_ in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
    for name in CONFIGURATIONS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY runs outside a transaction.
    atomic = False

    dependencies = [
        ("kernel", "0001_unaccent"),
        ("catalog", "0009_citations_by_editors"),
        ("etoile_app", "0009_history_visits"),
        ("reviews", "0011_watch_per_episode_limit"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
