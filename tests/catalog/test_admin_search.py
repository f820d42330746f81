"""The catalog admin's search folds accents, on SQLite and on PostgreSQL alike (this module
runs in both of CI's database runs): editors type names as they remember them."""

import pytest

from catalog.models import Character, Episode, Person, Show
from kernel.search import fold_accents
from tests.pages import admin_url

pytestmark = pytest.mark.django_db


def found(client, model_name: str, term: str) -> list[int]:
    response = client.get(admin_url("catalog", model_name, "changelist"), {"q": term})
    assert response.status_code == 200
    return [record.pk for record in response.context["cl"].result_list]


def test_fold_accents():
    assert fold_accents("Répétition à l’Opéra, Ça, Noël, Señor") == (
        "Repetition a l’Opera, Ca, Noel, Senor"
    )
    assert fold_accents(None) is None


def test_an_unaccented_term_finds_an_accented_episode_title(seeded, admin_client):
    episode = Episode.objects.get(season__number=1, number=3)
    episode.title = "Répétition générale"
    episode.save()

    assert found(admin_client, "episode", "repetition") == [episode.pk]
    assert found(admin_client, "episode", "REPETITION GENERALE") == [episode.pk]


def test_an_accented_term_finds_unaccented_text(seeded, admin_client):
    episode = Episode.objects.get(season__number=1, number=4)
    episode.synopsis = "The company's dress rehearsal, or Repetition, goes wrong."
    episode.save()

    assert found(admin_client, "episode", "répétition") == [episode.pk]


def test_people_characters_and_the_show_are_found_without_accents(seeded, admin_client):
    person = Person.objects.order_by("pk").first()
    person.name = "Zoé Lévesque"
    person.save()
    character = Character.objects.order_by("pk").first()
    character.description = "A dancer from Québec"
    character.save()
    show = Show.objects.current()
    show.premise = "Une compagnie de ballet à New York, sa première saison."

    show.save()

    assert found(admin_client, "person", "zoe levesque") == [person.pk]
    assert found(admin_client, "character", "quebec") == [character.pk]
    assert found(admin_client, "show", "premiere saison") == [show.pk]
    assert found(admin_client, "person", "nobody by that name") == []


def test_the_credit_form_s_person_lookup_folds_accents_too(seeded, admin_client):
    person = Person.objects.order_by("pk").first()
    person.name = "Zoé Lévesque"
    person.save()

    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "zoe",
            "app_label": "catalog",
            "model_name": "credit",
            "field_name": "person",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Zoé Lévesque"]
