import pytest
from django.db import IntegrityError, transaction

from catalog.models import Character, Credit, Episode, Person, Season, Show

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(empty_catalog):
    return Show.objects.create(title="Étoile", slug="etoile")


@pytest.fixture
def season(show):
    return Season.objects.create(show=show, number=1)


def refused(callable_) -> bool:
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


def test_episode_numbers_are_unique_within_a_season(season):
    Episode.objects.create(season=season, number=1, title="One")
    assert refused(lambda: Episode.objects.create(season=season, number=1, title="Again"))


def test_the_same_episode_number_is_fine_in_another_season(show, season):
    other = Season.objects.create(show=show, number=2)
    Episode.objects.create(season=season, number=1, title="One")
    Episode.objects.create(season=other, number=1, title="One again")
    assert Episode.objects.count() == 2


def test_episode_and_season_numbers_must_be_positive(show, season):
    assert refused(lambda: Episode.objects.create(season=season, number=0, title="Zero"))
    assert refused(lambda: Season.objects.create(show=show, number=0))
    assert refused(lambda: Season.objects.create(show=show, number=3, episode_count=0))
    assert refused(
        lambda: Episode.objects.create(season=season, number=2, title="x", runtime_minutes=0)
    )


def test_season_numbers_are_unique_per_show(show, season):
    assert refused(lambda: Season.objects.create(show=show, number=1))


def test_one_credit_per_person_role_and_character(show):
    person = Person.objects.create(name="Luke Kirby", slug="luke-kirby")
    jack = Character.objects.create(show=show, name="Jack", slug="jack")
    Credit.objects.create(show=show, person=person, role="cast", character=jack)
    assert refused(
        lambda: Credit.objects.create(show=show, person=person, role="cast", character=jack)
    )


def test_one_crew_credit_per_person_and_role_even_without_a_character(show):
    person = Person.objects.create(name="Marguerite Derricks", slug="marguerite-derricks")
    Credit.objects.create(show=show, person=person, role="choreographer")
    assert refused(lambda: Credit.objects.create(show=show, person=person, role="choreographer"))
    Credit.objects.create(show=show, person=person, role="executive-producer")
    assert person.credits.count() == 2


def test_a_cast_credit_names_a_character_and_crew_credits_do_not(show):
    person = Person.objects.create(name="Someone", slug="someone")
    jack = Character.objects.create(show=show, name="Jack", slug="jack")
    assert refused(lambda: Credit.objects.create(show=show, person=person, role="cast"))
    assert refused(
        lambda: Credit.objects.create(
            show=show, person=person, role="choreographer", character=jack
        )
    )


def test_deleting_a_character_with_credits_is_refused(show):
    person = Person.objects.create(name="Luke Kirby", slug="luke-kirby")
    jack = Character.objects.create(show=show, name="Jack", slug="jack")
    Credit.objects.create(show=show, person=person, role="cast", character=jack)
    with pytest.raises(Exception, match="protected"):
        jack.delete()


def test_catalog_urls_are_readable(season):
    episode = Episode.objects.create(season=season, number=3, title="Three")
    assert episode.get_absolute_url() == "/season/1/episode/3/"
    assert season.get_absolute_url() == "/season/1/"
    assert Person(slug="luke-kirby").get_absolute_url() == "/people/luke-kirby/"
    assert Character(slug="jack").get_absolute_url() == "/characters/jack/"


def test_awaiting_curation_queryset(season):
    Episode.objects.create(season=season, number=1, title="Episode 1", awaiting_curation=True)
    Episode.objects.create(season=season, number=2, title="Curated")
    assert [e.title for e in Episode.objects.awaiting_curation()] == ["Episode 1"]
