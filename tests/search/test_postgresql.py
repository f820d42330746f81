"""PostgreSQL's side of search: the text search configurations the migration made, the GIN
index each kind's search reads, and the time limit every search runs under."""

import pytest
from django.db import connection
from django.test import Client

from search import results
from search.backends import matching
from search.terms import Query
from tests.pages import page_of

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]


def lexemes(config: str, text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector(%s::regconfig, %s)::text", [config, text])
        return cursor.fetchone()[0]


def test_the_configurations_fold_accents_then_stem_each_language():
    assert lexemes("etoile_fr", "Répétitions") == lexemes("etoile_fr", "repetition")
    assert lexemes("etoile_en", "dancing") == lexemes("etoile_en", "dance") == "'danc':1"
    assert lexemes("etoile_simple", "Odette Dupré") == "'dupre':2 'odette':1"


@pytest.mark.parametrize("kind", results.KINDS, ids=lambda kind: kind.key)
def test_each_kind_is_searched_through_its_index(seeded, kind):
    """The query's document is the index's expression, word for word: with sequential scans
    off, PostgreSQL still finds the matches, through that index."""
    model = kind.rows().model
    table, condition, _ = matching(model._base_manager.all(), kind.document, Query.parse("gala"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = table.filter(condition).values("pk").explain()
    assert f"Bitmap Index Scan on search_{model._meta.model_name.replace('user', 'member')}" in plan


def test_a_search_past_its_time_limit_says_so(seeded, monkeypatch):
    monkeypatch.setattr(results, "TIME_LIMIT_MS", 50)

    def slow_search(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return []

    monkeypatch.setattr("search.views.search", slow_search)

    response = Client().get("/search/", {"q": "gala"})

    assert response.status_code == 503
    assert "This search took too long." in page_of(response).find("main").words
    # The limit was the search's own: the next statement runs without it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
