"""French versions of the catalog's curated text: shown on French pages (/fr/…) when an editor
has written them, the original otherwise (marked lang="en"), never on English pages; kept by
the seed, edited in the admin, given by the API."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalog.models import Character, Credit, Episode, Person, Season, Show
from catalog.seeding import Seeder, load_seed_data
from reviews.feeds import episode_name
from tests.factories import add_many_credits, make_member
from tests.pages import QUERY_BUDGETS, form_post_data, text_of

pytestmark = pytest.mark.django_db

FRENCH = {
    Show: {
        "where_to_watch_fr": "En streaming sur Prime Video",
        "premise_fr": "Deux grandes compagnies de ballet échangent leurs étoiles.",
        "genre_fr": "Comédie",
        "original_language_fr": "Anglais",
        "theme_song_note_fr": "Le générique est chanté en français.",
    },
    Season: {"availability_fr": "Les huit épisodes sont sur Prime Video."},
    Person: {"about_fr": "A créé Gilmore Girls avec son mari."},
    Character: {"description_fr": "La directrice de la compagnie parisienne."},
    Credit: {"note_fr": "Tête d’affiche"},
}


def curate_episode(number: int = 1, **fields) -> Episode:
    episode = Episode.objects.get(season__number=1, number=number)
    for name, value in {"title": "Opening Night", "awaiting_curation": False, **fields}.items():
        setattr(episode, name, value)
    episode.save()
    return episode


def translate_everything(show: Show) -> None:
    Show.objects.filter(pk=show.pk).update(**FRENCH[Show])
    Season.objects.update(**FRENCH[Season])
    Person.objects.filter(slug="amy-sherman-palladino").update(**FRENCH[Person])
    Character.objects.update(description="Runs the Paris company.", **FRENCH[Character])
    Credit.objects.exclude(note="").update(**FRENCH[Credit])
    Episode.objects.update(title_fr="Titre en français", synopsis_fr="Un résumé en français.")


def h1_of(response) -> str:
    return re.search(r"<h1[^>]*>.*?</h1>", response.content.decode(), re.S).group(0)


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def json_ld(response) -> dict:
    (block,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(block)


# The model and its filter ---------------------------------------------------------------------


def test_localized_gives_the_french_version_only_to_french_readers(seeded):
    episode = curate_episode(title_fr="La première")

    with translation.override("fr"):
        assert episode.localized("title") == "La première"
    with translation.override("en"):
        assert episode.localized("title") == "Opening Night"


def test_localized_falls_back_to_the_original_where_no_french_version_exists(seeded):
    episode = curate_episode(synopsis="A line.")

    with translation.override("fr"):
        assert episode.localized_with_language("synopsis") == ("A line.", "en")


def test_localized_refuses_a_field_without_a_french_version(seeded):
    with pytest.raises(ValueError, match="no French version"):
        seeded.localized("title")


def test_a_placeholder_title_is_translated_not_stored_in_french(client, seeded):
    response = client.get("/fr/season/1/")

    assert "Épisode 3" in text_of(response)
    assert ">Episode 3<" not in response.content.decode()
    third = Episode.objects.get(season__number=1, number=3)
    assert (third.title, third.title_fr) == ("Episode 3", "")


# French pages ---------------------------------------------------------------------------------


def test_french_pages_show_the_french_versions(client, seeded):
    translate_everything(seeded)
    curate_episode(synopsis="A line.")

    home = text_of(client.get("/fr/"))
    for value in FRENCH[Show].values():
        assert value in home
    assert FRENCH[Season]["availability_fr"] in home
    assert "Titre en français" in home
    assert FRENCH[Season]["availability_fr"] in text_of(client.get("/fr/season/1/"))
    episode = client.get("/fr/season/1/episode/1/")
    assert h1_of(episode) == '<h1 class="display">Titre en français</h1>'
    assert "Un résumé en français." in text_of(episode)
    person = text_of(client.get("/fr/people/amy-sherman-palladino/"))
    assert FRENCH[Person]["about_fr"] in person
    assert FRENCH[Character]["description_fr"] in text_of(client.get("/fr/characters/jack/"))
    lead = Credit.objects.exclude(note="").select_related("person").first()
    assert FRENCH[Credit]["note_fr"] in text_of(client.get(f"/fr/people/{lead.person.slug}/"))


def test_french_pages_mark_the_original_text_they_fall_back_to_as_english(client, seeded):
    curate_episode(synopsis="A line.")

    episode = client.get("/fr/season/1/episode/1/")
    html = episode.content.decode()
    assert h1_of(episode) == '<h1 class="display" lang="en">Opening Night</h1>'
    assert '<div class="prose" lang="en"><p>A line.</p></div>' in html
    assert f'<span lang="en">{seeded.where_to_watch}</span>' in html
    home = client.get("/fr/").content.decode()
    assert '<p class="lede" lang="en">Two world-renowned' in home
    assert f'<dd><span lang="en">{seeded.genre}</span></dd>' in home
    assert '<a href="/fr/season/1/episode/1/"><span lang="en">Opening Night</span></a>' in home
    amy = client.get("/fr/people/amy-sherman-palladino/").content.decode()
    assert '<p class="lede" lang="en">Created Gilmore Girls' in amy


def test_english_pages_never_show_french_text(client, seeded):
    translate_everything(seeded)
    curate_episode(synopsis="A line.")
    lead = Credit.objects.exclude(note="").select_related("person").first()

    for url in [
        "/",
        "/season/1/",
        "/season/1/episode/1/",
        "/people/amy-sherman-palladino/",
        f"/people/{lead.person.slug}/",
        "/characters/jack/",
    ]:
        main = main_of(client.get(url))
        assert "français" not in main and "Comédie" not in main, url
        assert " lang=" not in main, url


def test_french_text_is_escaped_like_any_other(client, seeded):
    curate_episode(title_fr="<script>alert(1)</script>", synopsis_fr="<b>gras</b>")
    Show.objects.update(genre_fr='"><img src=x onerror=alert(1)>')

    html = client.get("/fr/season/1/episode/1/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>gras</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in client.get("/fr/").content.decode()


def test_french_json_ld_is_french_only_where_the_whole_record_is(client, seeded):
    curate_episode(synopsis="A line.", title_fr="La première")

    mixed = json_ld(client.get("/fr/season/1/episode/1/"))
    assert (mixed["name"], mixed["description"]) == ("Opening Night", "A line.")
    assert "inLanguage" not in mixed

    Episode.objects.filter(season__number=1, number=1).update(synopsis_fr="Une ligne.")
    french = json_ld(client.get("/fr/season/1/episode/1/"))
    assert (french["name"], french["description"], french["inLanguage"]) == (
        "La première",
        "Une ligne.",
        "fr",
    )
    english = json_ld(client.get("/season/1/episode/1/"))
    assert english["name"] == "Opening Night" and "inLanguage" not in english
    season = json_ld(client.get("/fr/season/1/"))
    assert {"name": "La première", "inLanguage": "fr"}.items() <= season["episode"][0].items()


def test_the_feed_names_the_episode_in_the_readers_language(seeded):
    episode = curate_episode(title_fr="La première")

    with translation.override("fr"):
        assert "La première" in episode_name(episode)
    with translation.override("en"):
        assert "Opening Night" in episode_name(episode)


@pytest.mark.parametrize("extra_credits", [0, 400])
@pytest.mark.parametrize("url", QUERY_BUDGETS)
def test_french_pages_make_no_more_queries_than_english_ones(
    client, seeded, django_assert_max_num_queries, url, extra_credits
):
    translate_everything(seeded)
    add_many_credits(seeded, extra_credits)
    with django_assert_max_num_queries(QUERY_BUDGETS[url]):
        response = client.get("/fr" + url)
    assert response.status_code == 200


def test_a_members_pages_name_the_next_episode_in_french_without_more_queries(
    client, seeded, django_assert_num_queries
):
    translate_everything(seeded)
    client.force_login(make_member("odette@example.com", "odette"))
    with CaptureQueriesContext(connection) as english:
        assert client.get("/me/watchlist/").status_code == 200

    with django_assert_num_queries(len(english)):
        response = client.get("/fr/me/watchlist/")
    assert "Titre en français" in text_of(response)


# Seed, admin, API -----------------------------------------------------------------------------


def test_reseeding_keeps_every_french_version(seeded):
    translate_everything(seeded)
    before = {
        model: list(model.objects.order_by("pk").values_list(*fields))
        for model, fields in {
            **{model: list(values) for model, values in FRENCH.items()},
            Episode: ["title_fr", "synopsis_fr"],
        }.items()
    }

    call_command("seed_etoile", verbosity=0)

    for model, rows in before.items():
        fields = list(FRENCH.get(model, {})) or ["title_fr", "synopsis_fr"]
        assert list(model.objects.order_by("pk").values_list(*fields)) == rows


def test_the_seed_refuses_data_that_sets_a_french_version(empty_catalog):
    data = load_seed_data()
    data["show"]["fields"]["premise_fr"] = {"value": "Non.", "cite": []}

    with pytest.raises(ValueError, match="premise_fr"):
        Seeder(data).run()
    assert not Show.objects.exists()


def test_an_editor_writes_a_french_title_beside_the_original(seeded, admin_client):
    episode = Episode.objects.get(season__number=1, number=2)
    url = reverse("admin:catalog_episode_change", args=[episode.pk])
    form = admin_client.get(url)
    html = form.content.decode()
    assert 'name="title_fr"' in html and "Title (French)" in html
    assert "Shown to French readers. Left empty, they see the original." in html
    assert "collapse" in html

    data = form_post_data(form) | {"title_fr": "Le grand échange"}
    response = admin_client.post(url, data)

    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.title, episode.title_fr) == ("Episode 2", "Le grand échange")
    assert "Le grand échange" in text_of(admin_client.get("/fr/season/1/"))


def test_the_api_gives_the_original_and_the_french_version(client, seeded):
    curate_episode(title_fr="La première")
    Show.objects.update(premise_fr="Une prémisse.")

    episode = client.get("/api/v1/seasons/1/episodes/1").json()
    assert (episode["title"], episode["title_fr"], episode["synopsis_fr"]) == (
        "Opening Night",
        "La première",
        "",
    )
    show = client.get("/api/v1/show").json()
    assert show["premise_fr"] == "Une prémisse." and show["premise"] == seeded.premise
    assert "availability_fr" in show["seasons"][0]
    person = client.get("/api/v1/people/amy-sherman-palladino").json()
    assert "about_fr" in person and "note_fr" in person["credits"][0]
    assert "description_fr" in client.get("/api/v1/characters/jack").json()
