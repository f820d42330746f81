from django.db import migrations


def create_unaccent(apps, schema_editor):
    # The admin's accent-folding search (kernel/search.py) calls UNACCENT. PostgreSQL has it
    # as an extension, trusted since PostgreSQL 13: the database's owner may create it.
    # SQLite gets a Python function of that name on each connection instead.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_unaccent, migrations.RunPython.noop, elidable=False)]
