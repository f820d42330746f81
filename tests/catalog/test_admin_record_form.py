"""A catalog record's admin form tells the editor where it stands: how far its French is
filled, and what awaits curation only while something does."""

import pytest
from django.utils.translation import override

from catalog.admin import french_status
from catalog.models import Character, Episode, Person, Show
from tests.factories import fill_in_episode
from tests.pages import admin_url, form_post_data, page_of

pytestmark = pytest.mark.django_db

NOT_FILLED = "French: not filled yet (French readers see the English text)"


def change_url(record) -> str:
    return admin_url("catalog", record._meta.model_name, "change", record.pk)


def section_titles(client, record) -> list[str]:
    page = page_of(client.get(change_url(record)))
    return [node.words for node in page.find_all("h2", class_="fieldset-heading")]


def test_french_section_says_it_is_not_filled_yet(seeded, admin_client):
    person = Person.objects.order_by("pk").first()
    person.about, person.about_fr = "A choreographer from Lyon.", ""
    person.save()

    assert NOT_FILLED in section_titles(admin_client, person)


def test_french_section_says_it_is_filled(seeded, admin_client):
    person = Person.objects.order_by("pk").first()
    person.about, person.about_fr = "A choreographer from Lyon.", "Une chorégraphe lyonnaise."
    person.save()

    titles = section_titles(admin_client, person)
    assert "French: filled" in titles
    assert NOT_FILLED not in titles


def test_french_section_counts_what_is_left(seeded, admin_client):
    show = Show.objects.current()
    show.premise, show.premise_fr = "A ballet company.", "Une compagnie de ballet."
    show.genre, show.genre_fr = "Drama", ""
    show.save()
    needed = sum(1 for name in Show.french_fields if getattr(show, name).strip())
    filled = sum(1 for name in Show.french_fields if getattr(show, f"{name}_fr").strip())

    assert (
        f"French: {filled} of {needed} filled (French readers see the English text of the rest)"
        in section_titles(admin_client, show)
    )


def test_french_section_title_is_translated(seeded):
    character = Character.objects.order_by("pk").first()
    character.description, character.description_fr = "A dancer.", ""

    with override("fr"):
        assert french_status(character) == (
            "Français\u00a0: pas encore rempli (les lecteurs francophones voient le texte anglais)"
        )


def test_the_curation_note_shows_only_while_the_record_awaits_curation(seeded, admin_client):
    episode = Episode.objects.get(season__number=1, number=3)
    episode.awaiting_curation, episode.curation_note = True, "No title in the articles"
    episode.save()
    awaiting = admin_client.get(change_url(episode)).content.decode()
    assert 'name="curation_note"' in awaiting and "No title in the articles" in awaiting

    episode.awaiting_curation = False
    episode.save()
    curated = admin_client.get(change_url(episode)).content.decode()
    assert 'name="curation_note"' not in curated
    assert "No title in the articles" not in curated
    assert "what awaits curation" not in curated.lower()


def test_saving_a_record_as_curated_drops_its_note(seeded, admin_client):
    person = Person.objects.order_by("pk").first()
    person.awaiting_curation, person.curation_note = True, "Birth year unknown"
    person.save()
    data = form_post_data(admin_client.get(change_url(person)))
    data.pop("awaiting_curation", None)

    response = admin_client.post(change_url(person), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.awaiting_curation, person.curation_note) == (False, "")


def test_marking_records_curated_drops_their_notes(seeded, admin_client):
    episode = fill_in_episode(Episode.objects.get(season__number=1, number=3))
    episode.awaiting_curation, episode.curation_note = True, "No title in the articles"
    episode.save()

    admin_client.post(
        admin_url("catalog", "episode", "changelist"),
        {"action": "mark_curated", "_selected_action": [episode.pk], "index": "0"},
    )

    episode.refresh_from_db()
    assert (episode.awaiting_curation, episode.curation_note) == (False, "")
