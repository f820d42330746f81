""" "Mark selected as curated" curates only records whose placeholders an editor has replaced,
says what each of the others still needs, and leaves a line in each curated record's history."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import override

from catalog.admin import not_curated_message
from catalog.models import Character, Episode, Show
from tests.factories import fill_in_episode, make_staff, signed_in
from tests.pages import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(db):
    return signed_in(make_staff("ed-curator", "Editors"))


def episode(number: int) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=number)


def mark_curated(client, model: str, *records):
    return client.post(
        admin_url("catalog", model, "changelist"),
        {"action": "mark_curated", "_selected_action": [r.pk for r in records], "index": "0"},
        follow=True,
    )


def shown_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def history_of(record) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
        )
    )


def test_an_episode_still_titled_episode_6_is_not_curated_and_the_editor_is_told_why(
    seeded, editor_client
):
    sixth = fill_in_episode(episode(6))
    Episode.objects.filter(pk=sixth.pk).update(title=Episode.placeholder_title(6))

    response = mark_curated(editor_client, "episode", sixth)

    assert response.status_code == 200
    assert shown_messages(response) == [
        ("warning", "“S01E06 · Episode 6” is not marked as curated: fill in its title first.")
    ]
    sixth.refresh_from_db()
    assert sixth.awaiting_curation is True
    assert history_of(sixth) == []


def test_a_placeholder_episode_is_told_every_field_it_lacks(seeded, editor_client):
    response = mark_curated(editor_client, "episode", episode(6))

    assert shown_messages(response) == [
        (
            "warning",
            "“S01E06 · Episode 6” is not marked as curated: "
            "fill in its title, release date and synopsis first.",
        )
    ]


def test_once_filled_in_the_episode_is_curated_and_its_history_says_who_did_it(
    seeded, editor_client
):
    sixth = fill_in_episode(episode(6))

    response = mark_curated(editor_client, "episode", sixth)

    assert shown_messages(response) == [("success", "1 record marked as curated.")]
    sixth.refresh_from_db()
    assert sixth.awaiting_curation is False
    [entry] = history_of(sixth)
    assert entry.action_flag == CHANGE
    assert entry.user.handle == "ed-curator"
    # The action by the name the action bar shows, as kernel.history records it.
    assert "Mark selected as curated" in entry.change_message


def test_a_mixed_selection_curates_the_ready_records_and_reports_the_others(seeded, editor_client):
    ready, placeholder = fill_in_episode(episode(2)), episode(3)

    response = mark_curated(editor_client, "episode", ready, placeholder)

    assert shown_messages(response) == [
        (
            "warning",
            "“S01E03 · Episode 3” is not marked as curated: "
            "fill in its title, release date and synopsis first.",
        ),
        ("success", "1 record marked as curated."),
    ]
    assert Episode.objects.get(pk=ready.pk).awaiting_curation is False
    assert Episode.objects.get(pk=placeholder.pk).awaiting_curation is True
    assert len(history_of(ready)) == 1 and history_of(placeholder) == []


def test_the_show_needs_its_theme_song_and_the_matriarch_her_name(seeded, editor_client):
    matriarch = Character.objects.get(slug="the-matriarch")

    show_response = mark_curated(editor_client, "show", seeded)
    character_response = mark_curated(editor_client, "character", matriarch)

    assert shown_messages(show_response) == [
        ("warning", "“Étoile” is not marked as curated: fill in its theme song title first.")
    ]
    assert shown_messages(character_response) == [
        ("warning", "“The matriarch” is not marked as curated: fill in its name first.")
    ]
    assert Show.objects.get(pk=seeded.pk).awaiting_curation is True
    assert Character.objects.get(pk=matriarch.pk).awaiting_curation is True


def test_the_refusal_reads_in_french_for_a_french_editor(seeded):
    # The admin's pages are in English today (no /fr/ prefix); the message is ready for French.
    with override("fr"):
        message = not_curated_message(episode(6), ["title", "release_date", "synopsis"])

    assert message == (
        "La fiche «\u00a0S01E06 · Episode 6\u00a0» n’est pas marquée comme vérifiée\u00a0: "
        "remplissez d’abord ces champs\u00a0: titre, date de sortie et synopsis."
    )
