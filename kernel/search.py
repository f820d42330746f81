"""Admin search that folds accents: "repetition" finds "Répétition", and "répétition" finds
"Repetition".

One mechanism on both databases: an `unaccent` transform on text fields, which calls the
SQL function UNACCENT. PostgreSQL has it from its `unaccent` extension (created by
kernel/migrations/0001_unaccent.py); on SQLite each new connection registers a Python
function of that name (`fold_accents`). The search term is folded in Python the same way,
so an accented term matches unaccented text too."""

import unicodedata

from django.db import models
from django.db.backends.signals import connection_created
from django.dispatch import receiver


def fold_accents(text: str | None) -> str | None:
    """The text without its diacritics: é → e, Ç → C, ñ → n (case is kept)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


class Unaccent(models.Transform):
    lookup_name = "unaccent"
    function = "UNACCENT"
    bilateral = False


models.CharField.register_lookup(Unaccent)
models.TextField.register_lookup(Unaccent)


@receiver(connection_created)
def register_sqlite_unaccent(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("unaccent", 1, fold_accents, deterministic=True)


class AccentFoldingSearchMixin:
    """For a ModelAdmin whose `search_fields` are text fields of the model itself (no
    relations, no ^ = @ prefixes): each is searched without accents, the term too."""

    def get_search_fields(self, request):
        return [f"{name}__unaccent" for name in super().get_search_fields(request)]

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold_accents(search_term))
