"""How each database finds and ranks the records whose text holds every word looked for.

- **PostgreSQL**: full-text search. Each kind has one document, a tsvector of weighted parts
  (names and titles weigh "A", prose "B"), each part a field read in the `etoile_en` or
  `etoile_fr` configuration (PostgreSQL's English or French stemmer after `unaccent`), or in
  `etoile_simple` for members' names. The words looked for become a prefix tsquery in each
  of those configurations, joined by OR (`'repetit':* | 'repetition':*`): a record matches
  when its words match in either language, and ranks by `ts_rank`. A review is read with both
  stemmers, as members write in either language. Each document has a GIN index on the very
  same expression (search/migrations/0001_full_text_indexes.py); one index a kind, so a
  search reads each posting list once. tests/search/test_postgresql.py checks that every
  search's plan uses them.
- **SQLite**: each text field folded (accents, case, punctuation: `search_fold`, a Python
  function registered on each connection) and searched for " <stem>", the start of a word;
  the rank adds the weights of the fields each word is found in (1 for "A", 0.4 for "B", as
  PostgreSQL's default weights). No index: development data is small.

Both answer the same thing: the queryset with the document as an alias, the condition that a
record matches, and an expression of its rank.
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
from django.dispatch import receiver

from search.terms import Query, words_of

WEIGHTS = {"A": 1.0, "B": 0.4}


@dataclass(frozen=True)
class Part:
    field: str
    config: str  # etoile_en, etoile_fr or etoile_simple
    weight: str  # "A" or "B"


def fold_for_sqlite(text: str | None) -> str:
    """ " word word word": folded words after a space each, so " <stem>" finds a word's start."""
    if not text:
        return ""
    return "".join(f" {word}" for word in words_of(text))


@receiver(connection_created)
def register_sqlite_fold(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_fold", 1, fold_for_sqlite, deterministic=True)


def matching(queryset: QuerySet, document: tuple[Part, ...], query: Query):
    """The queryset with the document as an alias, the condition that a record matches every
    word of `query`, and an expression of its rank."""
    if connection.vendor == "postgresql":
        return _postgresql(queryset, document, query)
    return _sqlite(queryset, document, query)


class WeightedVector(Func):
    """setweight(to_tsvector('<config>'::regconfig, <field>), '<weight>') || …: written as the
    indexes are, or PostgreSQL would not use them. Configs and weights come from the code."""

    output_field = SearchVectorField()
    arg_joiner = " || "
    template = "%(expressions)s"

    def __init__(self, document: tuple[Part, ...]):
        super().__init__(
            *(
                Func(
                    F(part.field),
                    template=(
                        f"setweight(to_tsvector('{part.config}'::regconfig, %(expressions)s),"
                        f" '{part.weight}')"
                    ),
                    output_field=SearchVectorField(),
                )
                for part in document
            )
        )


def prefix_tsquery(query: Query) -> str:
    # Terms hold letters and digits only (search/terms.py), so quoting them is enough.
    return " & ".join(f"'{term}':*" for term in query.terms)


def _postgresql(queryset, document, query):
    raw = prefix_tsquery(query)
    configs = dict.fromkeys(part.config for part in document)
    tsquery = None
    for config in configs:
        each = SearchQuery(raw, config=config, search_type="raw")
        tsquery = each if tsquery is None else tsquery | each
    queryset = queryset.alias(search_document=WeightedVector(document))
    return queryset, Q(search_document=tsquery), SearchRank(F("search_document"), tsquery)


def _sqlite(queryset, document, query):
    weights = {}
    for part in document:
        weights[part.field] = max(weights.get(part.field, 0.0), WEIGHTS[part.weight])
    queryset = queryset.alias(
        **{
            f"folded_{name}": Func(F(name), function="search_fold", output_field=TextField())
            for name in weights
        }
    )
    condition = Q()
    found = []
    for stem in query.stems:
        any_field = Q()
        for name, weight in weights.items():
            test = Q(**{f"folded_{name}__contains": f" {stem}"})
            any_field |= test
            found.append(Case(When(test, then=Value(weight)), default=Value(0.0)))
        condition &= any_field
    rank = sum(found[1:], start=found[0]) if found else Value(0.0)
    return queryset, condition, ExpressionWrapper(rank, output_field=FloatField())
