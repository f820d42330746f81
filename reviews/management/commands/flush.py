"""Django's `flush`, able to empty the audit trail on SQLite too.

The audit trail refuses DELETE in the database (reviews/migrations/0008_database_rules.py).
Emptying the whole database is the exception: on PostgreSQL `flush` runs TRUNCATE, which
fires no row trigger; SQLite has no TRUNCATE, so `flush` deletes row by row, and the trigger
lets it through only while the deleting transaction holds a row in
reviews_moderationaction_flush. Tests that run outside a transaction end with a flush.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

MARKER = "reviews_moderationaction_flush"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or MARKER not in connection.introspection.table_names():
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {MARKER} DEFAULT VALUES")  # noqa: S608
            super().handle(**options)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {MARKER}")  # noqa: S608
