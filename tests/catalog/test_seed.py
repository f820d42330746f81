import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.forms.models import model_to_dict

from catalog.models import Character, Citation, Credit, Episode, Person, Season, Show, Source
from catalog.seeding import SEED_DIR, article_text, load_seed_data, seed_catalog

pytestmark = pytest.mark.django_db

CATALOG_MODELS = [Source, Show, Season, Episode, Person, Character, Credit, Citation]


def snapshot() -> dict:
    """Every catalog row, field by field, to compare runs of the seed."""
    return {
        model.__name__: sorted(
            (sorted(model_to_dict(row).items(), key=str) for row in model.objects.all()),
            key=str,
        )
        for model in CATALOG_MODELS
    }


def test_every_quote_stands_word_for_word_in_its_article():
    data = load_seed_data()
    articles = {entry["key"]: article_text(entry) for entry in data["sources"]}
    quotes = []

    def collect(node):
        if isinstance(node, dict):
            if {"source", "quote"} <= node.keys():
                quotes.append((node["source"], node["quote"]))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(data)
    assert len(quotes) > 40
    missing = [(key, quote) for key, quote in quotes if quote not in articles[key]]
    assert missing == []


def test_the_repo_keeps_its_own_copy_of_both_articles():
    data = load_seed_data()
    for entry in data["sources"]:
        path = SEED_DIR / "articles" / entry["file"]
        assert path.is_file()
        assert "Étoile" in path.read_text(encoding="utf-8") or "Etoile" in path.read_text(
            encoding="utf-8"
        )


def test_seed_states_the_show_as_the_articles_do(seeded):
    show = seeded
    assert show.title == "Étoile"
    assert show.network == "Prime Video"
    assert show.premiere_date == datetime.date(2025, 4, 24)
    assert show.new_york_premiere_date == datetime.date(2025, 4, 15)
    assert "Museum of Modern Art" in show.new_york_premiere_venue
    assert "New York City" in show.premise and "Paris" in show.premise
    assert "Sons of Raphael" in show.theme_song_note
    # The articles never name the theme song: a placeholder that awaits curation.
    assert show.theme_song_title == ""
    assert show.awaiting_curation


def test_seed_makes_eight_placeholder_episodes_awaiting_curation(seeded):
    season = Season.objects.get(show=seeded, number=1)
    assert season.episode_count == 8
    episodes = list(season.episodes.order_by("number"))
    assert [e.title for e in episodes] == [f"Episode {n}" for n in range(1, 9)]
    assert all(e.awaiting_curation for e in episodes)
    # Nothing from memory: no synopses, dates or runtimes the articles do not give.
    assert all(e.synopsis == "" and e.release_date is None for e in episodes)
    assert all(e.runtime_minutes is None for e in episodes)


def test_seed_credits_exactly_the_people_the_articles_name(seeded):
    credits = {
        (c.person.name, c.role, c.character.name if c.character else None)
        for c in Credit.objects.select_related("person", "character")
    }
    assert credits == {
        ("Amy Sherman-Palladino", "creator", None),
        ("Daniel Palladino", "creator", None),
        ("Amy Sherman-Palladino", "showrunner", None),
        ("Daniel Palladino", "showrunner", None),
        ("Amy Sherman-Palladino", "executive-producer", None),
        ("Daniel Palladino", "executive-producer", None),
        ("Luke Kirby", "cast", "Jack"),
        ("Charlotte Gainsbourg", "cast", "Genevieve"),
        ("Lou de Laâge", "cast", "Cheyenne"),
        ("Kelly Bishop", "cast", "The matriarch"),
        ("Yanic Truesdale", "cast", "Raphael"),
        ("Gideon Glick", "cast", "Tobias"),
        ("David Alvarez", "cast", "Gael"),
        ("Marguerite Derricks", "choreographer", None),
        ("Sons of Raphael", "theme-music", None),
    }
    assert Person.objects.count() == 11
    assert Character.objects.count() == 7


def test_lead_cast_is_billed_in_the_order_the_article_gives(seeded):
    leads = [
        credit.person.name
        for credit in Credit.objects.filter(role="cast").order_by("billing_order")[:3]
    ]
    assert leads == ["Luke Kirby", "Charlotte Gainsbourg", "Lou de Laâge"]


def test_unnamed_character_is_a_placeholder_awaiting_curation(seeded):
    matriarch = Character.objects.get(slug="the-matriarch")
    assert matriarch.awaiting_curation
    assert "New York City ballet" in matriarch.description
    named = Character.objects.exclude(slug="the-matriarch")
    assert not any(character.awaiting_curation for character in named)


def test_every_seeded_fact_and_credit_cites_an_article(seeded):
    data = load_seed_data()
    for model, entries, key in [
        (Person, data["people"], "slug"),
        (Character, data["characters"], "slug"),
    ]:
        for entry in entries:
            record = model.objects.get(slug=entry[key])
            cited_fields = set(record.citations.values_list("field", flat=True))
            assert cited_fields == set(entry["fields"]), record
    credit_type = ContentType.objects.get_for_model(Credit)
    cited_credits = set(
        Citation.objects.filter(content_type=credit_type).values_list("object_id", flat=True)
    )
    assert cited_credits == set(Credit.objects.values_list("pk", flat=True))
    show_fields = set(seeded.citations.values_list("field", flat=True))
    assert show_fields == set(data["show"]["fields"])


def test_sources_record_what_the_articles_state_about_themselves(seeded):
    us_weekly = Source.objects.get(key="us-weekly-theme-song")
    assert us_weekly.publication == "Us Weekly"
    assert us_weekly.headline == ""  # the copy has no headline: none is invented
    binge = Source.objects.get(key="binge-watch")
    assert binge.author == "Rebecca Lewis"
    assert binge.headline.startswith("Prime Video's 'fun' new series")
    assert us_weekly.published_on is None and binge.published_on is None


def test_second_run_changes_nothing(seeded):
    before = snapshot()
    report = seed_catalog()
    assert not report.changed_anything
    assert snapshot() == before


def test_command_says_when_nothing_changed(seeded):
    out = io.StringIO()
    call_command("seed_etoile", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_admin_edits_survive_a_second_run(seeded):
    kirby = Person.objects.get(slug="luke-kirby")
    kirby.about = "Edited by an editor."
    kirby.save()
    episode = Episode.objects.get(season__number=1, number=3)
    episode.title = "A curated title"
    episode.awaiting_curation = False
    episode.save()
    seeded.premiere_date = datetime.date(2025, 4, 23)
    seeded.save()

    report = seed_catalog()

    kirby.refresh_from_db()
    episode.refresh_from_db()
    seeded.refresh_from_db()
    assert kirby.about == "Edited by an editor."
    assert episode.title == "A curated title" and not episode.awaiting_curation
    assert seeded.premiere_date == datetime.date(2025, 4, 23)
    assert "person luke-kirby.about" in report.kept_edits
    assert not report.updated


def test_a_corrected_data_file_updates_facts_nobody_edited(seeded):
    data = load_seed_data()
    data["people"][2]["fields"]["about"]["value"] = "A corrected sentence."
    assert data["people"][2]["slug"] == "luke-kirby"

    report = seed_catalog(data)

    assert Person.objects.get(slug="luke-kirby").about == "A corrected sentence."
    assert report.updated == ["person luke-kirby (about)"]
    # And the corrected value is now what the seed remembers writing.
    assert seed_catalog(data).changed_anything is False


def test_seed_recreates_a_deleted_placeholder_episode(seeded):
    Episode.objects.filter(season__number=1, number=5).delete()
    seed_catalog()
    assert Episode.objects.filter(season__number=1, number=5, title="Episode 5").exists()


def test_seed_removes_citations_the_data_file_no_longer_has(seeded):
    data = load_seed_data()
    del data["people"][2]["fields"]["about"]
    seed_catalog(data)
    kirby = Person.objects.get(slug="luke-kirby")
    assert not kirby.citations.filter(field="about").exists()
