"""PostgreSQL's full-text search: three text search configurations and a GIN index on the
document of each kind that search/backends.py searches. Nothing on SQLite, which folds and
compares text instead.

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

# (index name, app label, model, ((field, configuration, weight), …)): one document a kind.
INDEXES = [
    ("search_episode", "catalog", "Episode", (
        ("title", "etoile_en", "A"), ("synopsis", "etoile_en", "B"),
        ("title_fr", "etoile_fr", "A"), ("synopsis_fr", "etoile_fr", "B"),
    )),
    ("search_person", "catalog", "Person", (
        ("name", "etoile_en", "A"), ("also_known_as", "etoile_en", "A"),
        ("about", "etoile_en", "B"), ("about_fr", "etoile_fr", "B"),
    )),
    ("search_character", "catalog", "Character", (
        ("name", "etoile_en", "A"), ("description", "etoile_en", "B"),
        ("description_fr", "etoile_fr", "B"),
    )),
    ("search_member", "etoile_app", "User", (
        ("handle", "etoile_simple", "A"), ("display_name", "etoile_simple", "A"),
    )),
    ("search_review", "reviews", "Review", (
        ("body", "etoile_en", "B"), ("body", "etoile_fr", "B"),
    )),
]  # fmt: skip


def document_sql(parts) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, \"{name}\"), '{weight}')"
        for name, config, weight in parts
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
    for index, app_label, model, parts in INDEXES:
        table = apps.get_model(app_label, model)._meta.db_table
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON "{table}"'
            f" USING gin (({document_sql(parts)}))"
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
