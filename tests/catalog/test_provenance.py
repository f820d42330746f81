"""A fact an editor has changed is the editors', not the article's: every page, the API and
the JSON-LD stop presenting it beside the article's quote, and say when it was edited."""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import override

from catalog.models import Citation, Show
from members.models import User
from tests.factories import make_staff, signed_in
from tests.pages import admin_url, form_post_data, text_of

pytestmark = pytest.mark.django_db

ADDED = " Then a gala goes wrong."


def premise_citations() -> list[Citation]:
    return list(Citation.objects.filter(field="premise"))


def quotes_of_premise_only() -> set[str]:
    """The quotes that support the premise and no other fact."""
    others = set(Citation.objects.exclude(field="premise").values_list("quote", flat=True))
    return {citation.quote for citation in premise_citations()} - others


def genre_quote() -> str:
    return Citation.objects.get(field="genre").quote


def edit_premise(show: Show, premise: str) -> None:
    """As a member of the Editors group does it, in the show's admin form."""
    editor = signed_in(
        User.objects.filter(handle="ed-prov").first() or make_staff("ed-prov", "Editors")
    )
    url = admin_url("catalog", "show", "change", show.pk)
    data = form_post_data(editor.get(url))
    data["premise"] = premise
    assert editor.post(url, data).status_code == 302


@pytest.fixture
def edited(seeded) -> Show:
    edit_premise(seeded, seeded.premise + ADDED)
    seeded.refresh_from_db()
    assert seeded.premise.endswith(ADDED)
    return seeded


def edit_date(language: str = "en") -> str:
    edited_at = premise_citations()[0].edited_at
    assert edited_at is not None
    with override(language):
        return date_format(timezone.localtime(edited_at).date(), "DATE_FORMAT")


def test_editing_a_cited_fact_in_the_admin_dates_the_edit_on_its_citations(edited):
    before = timezone.now()
    assert all(citation.is_edited for citation in premise_citations())
    assert all(citation.edited_at <= before for citation in premise_citations())
    assert not Citation.objects.get(field="genre").is_edited


def test_show_page_says_the_premise_is_edited_and_quotes_no_article_for_it(client, edited):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)

    # The fact's label, then in place of a quote who changed it and when.
    assert f"Premise Edited by the site’s editors on {edit_date()}" in text
    for quote in quotes_of_premise_only():
        assert escape(quote) not in html
    # The facts the editors left alone keep their article's sentence.
    assert escape(genre_quote()) in html

    french = text_of(client.get("/fr/"))
    assert f"Modifié par la rédaction du site le {edit_date('fr')}" in french


def test_sources_page_shows_the_edited_premise_as_the_editors_not_the_articles(client, edited):
    response = client.get("/sources/")
    assert response.status_code == 200
    html = response.content.decode()

    assert html.count(f"Edited by the site’s editors on {edit_date()}") == len(premise_citations())
    assert escape(ADDED.strip()) not in html
    for quote in quotes_of_premise_only():
        assert escape(quote) not in html
    assert escape(genre_quote()) in html


def test_api_lists_the_premise_as_edited_and_cites_no_article_for_it(client, edited):
    show = client.get("/api/v1/show").json()

    assert show["premise"].endswith(ADDED)
    [edit] = show["edited"]
    assert edit["field"] == "premise"
    edited_at = parse_datetime(edit["edited_at"])
    assert abs(edited_at - premise_citations()[0].edited_at) < datetime.timedelta(seconds=1)
    cited_fields = {citation["field"] for citation in show["citations"]}
    assert "premise" not in cited_fields
    assert {"genre": genre_quote()} == {
        c["field"]: c["quote"] for c in show["citations"] if c["field"] == "genre"
    }
    assert {c["source"] for c in show["citations"]} == {"binge-watch", "us-weekly-theme-song"}


def test_api_cites_every_fact_while_nobody_has_edited_it(client, seeded):
    show = client.get("/api/v1/show").json()

    assert show["edited"] == []
    assert {c["field"] for c in show["citations"]} >= {"premise", "genre", "title"}
    season = show["seasons"][0]
    assert season["edited"] == []
    assert {c["field"] for c in season["citations"]} == {
        "premiere_date",
        "episode_count",
        "availability",
    }


def test_json_ld_gives_the_edited_premise_as_the_sites_and_cites_no_article(client, edited):
    html = client.get("/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))

    assert data["description"].endswith(ADDED)
    flat = json.dumps(data)
    assert "citation" not in data and "isBasedOn" not in data
    for quote in quotes_of_premise_only():
        assert quote not in flat


def test_reseeding_keeps_the_edit_and_keeps_showing_it_as_edited(client, edited):
    output = io.StringIO()
    call_command("seed_etoile", stdout=output)

    assert "kept admin edit  show etoile.premise" in output.getvalue()
    edited.refresh_from_db()
    assert edited.premise.endswith(ADDED)
    assert "Edited by the site’s editors on" in text_of(client.get("/sources/"))


def test_putting_the_quoted_value_back_makes_the_fact_the_articles_again(client, edited):
    edit_premise(edited, edited.premise.removesuffix(ADDED))

    assert all(citation.edited_at is None for citation in premise_citations())
    html = client.get("/").content.decode()
    assert "Edited by the site’s editors" not in html
    for quote in quotes_of_premise_only():
        assert escape(quote) in html


def test_the_shows_citations_in_the_admin_say_which_facts_are_edited(edited):
    editor = signed_in(User.objects.get(handle="ed-prov"))

    text = text_of(editor.get(admin_url("catalog", "show", "change", edited.pk)))

    assert text.count(f"Edited by the site’s editors on {edit_date()}") == len(premise_citations())
