import re

import pytest

from catalog.models import Episode
from tests.factories import add_many_credits
from tests.pages import QUERY_BUDGETS, text_of

pytestmark = pytest.mark.django_db


def test_home_shows_the_show_at_a_glance(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "Étoile",
        "swap their most talented stars",
        "Streaming on Prime Video",
        "April 24, 2025",
        "Amy Sherman-Palladino",
        "Daniel Palladino",
        "Sons of Raphael",
        "Season 1",
        "Episode 8",
        "Luke Kirby",
        "as Jack",
        "Marguerite Derricks",
    ]:
        assert expected in text, expected


def test_home_links_every_episode_and_cast_member(client, seeded):
    html = client.get("/").content.decode()
    for number in range(1, 9):
        assert f'href="/season/1/episode/{number}/"' in html
    assert 'href="/people/lou-de-laage/"' in html
    assert 'href="/characters/cheyenne/"' in html


def test_season_page_lists_all_eight_episodes(client, seeded):
    response = client.get("/season/1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="episode-card"') == 8
    assert "All eight episodes are streaming on Prime Video." in text_of(response)


def test_episode_page_awaiting_curation_shows_its_neutral_name(client, seeded):
    response = client.get("/season/1/episode/3/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Episode 3" in text
    assert "Season 1 · Episode 3" in text
    assert 'rel="prev" href="/season/1/episode/2/"' in response.content.decode()
    assert 'rel="next" href="/season/1/episode/4/"' in response.content.decode()


def test_curated_episode_shows_its_facts_and_no_curation_notice(client, seeded):
    Episode.objects.filter(season__number=1, number=1).update(
        title="Opening Night", synopsis="A line.\nAnother.", awaiting_curation=False
    )
    response = client.get("/season/1/episode/1/")
    text = text_of(response)
    assert "Opening Night" in text and "Another." in text
    assert "do not yet give" not in text
    assert 'rel="prev"' not in response.content.decode()


def test_person_page_lists_credits_and_cites_its_facts(client, seeded):
    response = client.get("/people/amy-sherman-palladino/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Amy Sherman-Palladino" in text
    for role in ["Creator", "Showrunner", "Executive producer"]:
        assert role in text
    assert "Where these facts come from" in text
    assert "Etoile is by the same showrunners" in text


def test_cast_member_page_links_their_character(client, seeded):
    response = client.get("/people/yanic-truesdale/")
    html = response.content.decode()
    assert 'href="/characters/raphael/"' in html
    assert "Michel, the French concierge" in text_of(response)


def test_character_page_names_who_plays_them(client, seeded):
    response = client.get("/characters/cheyenne/")
    assert response.status_code == 200
    text = text_of(response)
    assert "French veteran ballerina" in text
    assert "Lou de Laâge" in text


def test_unnamed_character_page_names_her_as_the_sources_describe_her(client, seeded):
    text = text_of(client.get("/characters/the-matriarch/"))
    assert "The matriarch" in text
    assert "Kelly Bishop" in text


def test_sources_page_lists_every_seeded_fact_with_its_quote(client, seeded):
    response = client.get("/sources/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "Untitled article in Us Weekly" in text
    assert "Rebecca Lewis" in text
    for citation in seeded.citations.all():
        assert citation.quote.replace("'", "&#x27;").replace("\u00a0", "\u00a0") in html


@pytest.mark.parametrize(
    "url",
    [
        "/season/2/",
        "/season/1/episode/9/",
        "/season/1/episode/0/",
        "/people/nobody/",
        "/characters/nobody/",
        "/no-such-page/",
        "/season/one/",
    ],
)
def test_unknown_addresses_get_the_styled_404(client, seeded, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "A missed step" in response.content.decode()


def test_pages_before_seeding_do_not_crash(client, empty_catalog):
    assert client.get("/").status_code == 503
    assert client.get("/season/1/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/season/1/",
        "/season/1/episode/4/",
        "/people/luke-kirby/",
        "/characters/jack/",
        "/sources/",
    ],
)
def test_every_page_has_the_shared_frame(client, seeded, url):
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert html.count("<main") == 1
    assert 'class="skip-link" href="#main"' in html
    assert re.search(r"<title>[^<]+</title>", html)
    assert re.search(r'<meta name="description" content="[^"]+">', html)
    assert 'rel="icon"' in html


def test_favicon_and_health_check(client, db):
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200
    assert favicon["Content-Type"] == "image/x-icon"
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_check_says_which_part_does_not_answer(client, db, monkeypatch):
    """A cache outage is reported but keeps the server in: pages are still read without it
    (tests/security/test_cache_outage.py). Without the database the server is taken out."""
    from django.core.cache import cache
    from django.db import DatabaseError

    from catalog.models import Season

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "cache": "unavailable"}

    def database_down(*args, **kwargs):
        raise DatabaseError("database down")

    monkeypatch.setattr(Season.objects, "exists", database_down)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "cache": "unavailable",
    }


# Query budgets: the same with the seed's 15 credits and with hundreds more.


@pytest.mark.parametrize("extra_credits", [0, 400])
@pytest.mark.parametrize("url", QUERY_BUDGETS)
def test_page_queries_do_not_grow_with_the_catalog(
    client, seeded, django_assert_max_num_queries, url, extra_credits
):
    add_many_credits(seeded, extra_credits)
    with django_assert_max_num_queries(QUERY_BUDGETS[url]):
        response = client.get(url)
    assert response.status_code == 200


def test_home_renders_hundreds_of_cast_members(client, seeded):
    add_many_credits(seeded, 400)
    text = text_of(client.get("/"))
    assert "Dancer 399" in text and "as Corps member 399" in text
