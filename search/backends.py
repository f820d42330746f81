"""How each database finds and ranks the records whose text holds every word looked for.

- **PostgreSQL**: full-text search. Each kind's text is a weighted tsvector (names and titles
  weigh "A", prose "B") in the `etoile_en` and `etoile_fr` configurations (the English and
  French stemmers after `unaccent`), or `etoile_simple` for members' names; the words looked
  for become a prefix tsquery (`'chey':* & 'gala':*`) in the same configuration. A record
  matches in either language and ranks by the better `ts_rank`. Each document has a GIN index
  on the very same expression (search/migrations/0001_full_text_indexes.py):
  tests/search/test_postgresql.py checks that every search's plan uses them.
- **SQLite**: each text field folded (accents, case, punctuation: `search_fold`, a Python
  function registered on each connection) and searched for " <stem>", the start of a word;
  the rank adds the field weights of the words found (1 for "A", 0.4 for "B", as
  PostgreSQL's default weights). No index: development data is small.

Both answer the same thing: a QuerySet of the matches and a rank expression.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.dispatch import receiver

from search.terms import Query, words_of

WEIGHTS = {"A": 1.0, "B": 0.4}


@dataclass(frozen=True)
class Document:
    """One language's text of a kind: its text search configuration and weighted fields."""

    config: str  # etoile_en, etoile_fr or etoile_simple
    fields: tuple[tuple[str, str], ...]  # (field name, weight "A" or "B")


def fold_for_sqlite(text: str | None) -> str:
    """ " word word word": folded words after a space each, so " <stem>" finds a word's start."""
    if not text:
        return ""
    return "".join(f" {word}" for word in words_of(text))


@receiver(connection_created)
def register_sqlite_fold(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", 1, fold_for_sqlite, deterministic=True)


def matching(queryset: QuerySet, documents: tuple[Document, ...], query: Query):
    """The queryset with each document as an alias, the condition that a record matches
    every word of `query`, and an expression of its rank."""
    if connection.vendor == "postgresql":
        return _postgresql(queryset, documents, query)
    return _sqlite(queryset, documents, query)


class WeightedVector(Func):
    """setweight(to_tsvector('<config>'::regconfig, <field>), '<weight>') || …: written as the
    indexes are, or PostgreSQL would not use them. Config and weights come from the code."""

    output_field = SearchVectorField()
    arg_joiner = " || "
    template = "%(expressions)s"

    def __init__(self, document: Document):
        parts = [
            Func(
                F(name),
                template=(
                    f"setweight(to_tsvector('{document.config}'::regconfig, %(expressions)s),"
                    f" '{weight}')"
                ),
                output_field=SearchVectorField(),
            )
            for name, weight in document.fields
        ]
        super().__init__(*parts)


def prefix_tsquery(query: Query) -> str:
    # Terms hold letters and digits only (search/terms.py), so quoting them is enough.
    return " & ".join(f"'{term}':*" for term in query.terms)


def _postgresql(queryset, documents, query):
    raw = prefix_tsquery(query)
    condition = Q()
    ranks = []
    for document in documents:
        name = f"search_{document.config}"
        tsquery = SearchQuery(raw, config=document.config, search_type="raw")
        queryset = queryset.alias(**{name: WeightedVector(document)})
        condition |= Q(**{name: tsquery})
        ranks.append(SearchRank(F(name), tsquery))
    rank = Greatest(*ranks) if len(ranks) > 1 else ranks[0]
    return queryset, condition, rank


def _sqlite(queryset, documents, query):
    weights = {}
    for document in documents:
        for name, weight in document.fields:
            weights[name] = max(weights.get(name, 0.0), WEIGHTS[weight])
    queryset = queryset.alias(
        **{
            f"folded_{name}": Func(F(name), function="search_fold", output_field=TextField())
            for name in weights
        }
    )
    condition = Q()
    found = []
    for stem in query.stems:
        in_field = {name: Q(**{f"folded_{name}__contains": f" {stem}"}) for name in weights}
        any_field = Q()
        for name, test in in_field.items():
            any_field |= test
            found.append(Case(When(test, then=Value(weights[name])), default=Value(0.0)))
        condition &= any_field
    rank = sum(found[1:], start=found[0]) if found else Value(0.0)
    return queryset, condition, ExpressionWrapper(rank, output_field=FloatField())
