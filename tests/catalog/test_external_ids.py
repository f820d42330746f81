"""TMDB, IMDb and Trakt ids on the show and its episodes: empty from the seed, set by admins,
checked for their format and unique when set.

The numbers here (900001…, tt9000001…) are test values, not Étoile's ids on those sites.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from catalog.models import Episode, Show
from tests.pages import admin_url, form_post_data

pytestmark = pytest.mark.django_db

ID_FIELDS = ["tmdb_id", "imdb_id", "trakt_id"]


def refused(callable_) -> bool:
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


def test_the_seed_leaves_every_external_id_empty_and_a_second_run_keeps_them(seeded):
    records = [seeded, *Episode.objects.all()]
    for record in records:
        assert (record.tmdb_id, record.imdb_id, record.trakt_id) == (None, "", None)

    Show.objects.update(tmdb_id=900001, imdb_id="tt9000001", trakt_id=900002)
    call_command("seed_etoile", stdout=io.StringIO())

    seeded.refresh_from_db()
    assert (seeded.tmdb_id, seeded.imdb_id, seeded.trakt_id) == (900001, "tt9000001", 900002)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("imdb_id", "9000001"),
        ("imdb_id", "tt"),
        ("imdb_id", "tt900x"),
        ("imdb_id", "tt9000001\n"),
        ("tmdb_id", 0),
        ("trakt_id", 0),
    ],
)
def test_an_id_in_the_wrong_format_is_refused_with_a_message(seeded, field, value):
    episode = Episode.objects.order_by("pk").first()
    setattr(episode, field, value)
    with pytest.raises(ValidationError) as error:
        episode.full_clean()
    assert field in error.value.message_dict


def test_the_database_refuses_a_zero_or_an_id_without_tt(seeded):
    episode = Episode.objects.order_by("pk").first()
    assert refused(lambda: Episode.objects.filter(pk=episode.pk).update(tmdb_id=0))
    assert refused(lambda: Episode.objects.filter(pk=episode.pk).update(trakt_id=0))
    assert refused(lambda: Episode.objects.filter(pk=episode.pk).update(imdb_id="nm123"))


@pytest.mark.parametrize(
    ("field", "value"), [("tmdb_id", 900101), ("imdb_id", "tt9000101"), ("trakt_id", 900201)]
)
def test_an_id_names_one_episode_but_many_may_have_none(seeded, field, value):
    first, second = Episode.objects.order_by("pk")[:2]
    Episode.objects.filter(pk=first.pk).update(**{field: value})

    assert refused(lambda: Episode.objects.filter(pk=second.pk).update(**{field: value}))
    setattr(second, field, value)
    with pytest.raises(ValidationError, match="Another record already has this"):
        second.full_clean()
    # The show may share a number with an episode: they are different kinds of record.
    Show.objects.update(**{field: value})


def test_the_admin_shows_the_ids_in_a_collapsed_fieldset_and_saves_them(seeded, admin_client):
    episode = Episode.objects.order_by("pk").first()
    url = admin_url("catalog", "episode", "change", episode.pk)
    response = admin_client.get(url)
    fieldsets = dict(response.context["adminform"].model_admin.fieldsets)
    assert fieldsets["External ids"]["fields"] == ID_FIELDS
    assert "collapse" in fieldsets["External ids"]["classes"]
    page = response.content.decode()
    assert "External ids" in page and 'name="imdb_id"' in page

    data = form_post_data(response)
    data.update(tmdb_id="900301", imdb_id="tt9000301", trakt_id="900401")
    assert admin_client.post(url, data).status_code == 302
    episode.refresh_from_db()
    assert (episode.tmdb_id, episode.imdb_id, episode.trakt_id) == (900301, "tt9000301", 900401)

    other = Episode.objects.order_by("pk")[1]
    other_url = admin_url("catalog", "episode", "change", other.pk)
    data = form_post_data(admin_client.get(other_url))
    data.update(imdb_id="tt9000301", tmdb_id="-3")
    response = admin_client.post(other_url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "tmdb_id" in errors
    other.refresh_from_db()
    assert other.imdb_id == ""


def test_the_show_admin_has_the_same_fieldset(seeded, admin_client):
    response = admin_client.get(admin_url("catalog", "show", "change", seeded.pk))
    fieldsets = dict(response.context["adminform"].model_admin.fieldsets)
    assert fieldsets["External ids"]["fields"] == ID_FIELDS
