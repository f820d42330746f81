"""Bounded work per member (issue 18, point 7): at most fifty watches of one episode, however
they arrive (the watch form, the API, an import), and limits on how fast a member marks
watches and uploads avatars, each refusal said in words with what was typed kept.

Each test performs what the penetration test did, at a smaller scale, and checks what the
member would see and that nothing past the limit was written."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from PIL import Image

from catalog.models import Episode
from members.models import AccessToken, TokenScope
from reviews import services
from reviews.models import Watch
from tests.factories import IMPORT_PREMIERE, make_import_catalog, make_member

pytestmark = pytest.mark.django_db

LIMIT = services.WATCHES_PER_EPISODE_MAX
AT_THE_LIMIT = (
    f"You have marked this episode watched {LIMIT} times, as many as we keep: "
    "take back a watch to add another."
)
WATCHING_TOO_FAST = (
    "You are marking episodes watched faster than we allow (20 a minute, 200 a day): "
    "try again in a moment."
)
FIRST_DAY = datetime.date(2025, 5, 1)


def watched_times(member, episode, times: int) -> None:
    Watch.objects.bulk_create(
        Watch(member=member, episode=episode, watched_on=FIRST_DAY + datetime.timedelta(days=n))
        for n in range(times)
    )


@pytest.fixture
def odette(seeded):
    return make_member("odette@example.com", "odette")


@pytest.fixture
def on_site(odette) -> Client:
    client = Client()
    client.force_login(odette)
    return client


@pytest.fixture
def first_episode(seeded) -> Episode:
    return Episode.objects.select_related("season__show").get(season__number=1, number=1)


def mark_watched(on_site: Client, day: str = "2025-06-01"):
    return on_site.post("/season/1/episode/1/watched/", {"watched_on": day})


def test_the_fifty_first_watch_of_one_episode_is_refused_on_the_form(
    on_site, odette, first_episode
):
    watched_times(odette, first_episode, LIMIT - 1)

    fiftieth = mark_watched(on_site)
    refused = mark_watched(on_site, "2025-06-02")

    assert fiftieth.status_code == 302
    assert refused.status_code == 400
    page = refused.content.decode()
    assert AT_THE_LIMIT in page
    assert 'value="2025-06-02"' in page  # the date typed is still in the form
    assert Watch.objects.filter(member=odette, episode=first_episode).count() == LIMIT


def test_the_fifty_first_watch_of_one_episode_is_refused_by_the_api(odette, first_episode):
    watched_times(odette, first_episode, LIMIT)
    _token, secret = AccessToken.objects.create_for(odette, "script", scope=TokenScope.READ_WRITE)

    response = Client().post(
        "/api/v1/me/watches",
        {"season": 1, "episode": 1},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": AT_THE_LIMIT}
    assert Watch.objects.filter(member=odette).count() == LIMIT


def test_many_watches_at_once_past_the_limit_write_none(odette, first_episode):
    watched_times(odette, first_episode, LIMIT - 2)
    other = Episode.objects.get(season__number=1, number=2)
    viewings = [(other, FIRST_DAY), *[(first_episode, FIRST_DAY)] * 3]

    with pytest.raises(services.WatchLimitError):
        services.watches_add(member=odette, viewings=viewings)

    assert Watch.objects.filter(member=odette).count() == LIMIT - 2
    assert not Watch.objects.filter(member=odette, episode=other).exists()


# Imports ----------------------------------------------------------------------------------


@pytest.fixture
def importer(empty_catalog) -> Client:
    make_import_catalog()
    member = make_member("odette@example.com", "odette")
    client = Client()
    client.force_login(member)
    client.member = member
    return client


def trakt_history(days: int) -> bytes:
    """One episode watched on `days` different days, as Trakt's watched-history.json says."""
    return json.dumps(
        [
            {
                "id": n,
                "watched_at": f"{IMPORT_PREMIERE + datetime.timedelta(days=n)}T20:00:00.000Z",
                "action": "watch",
                "type": "episode",
                "episode": {"season": 1, "number": 1, "title": "", "ids": {}},
                "show": {"title": "Étoile", "year": 2025, "ids": {}},
            }
            for n in range(days)
        ]
    ).encode()


def upload(client: Client, content: bytes):
    return client.post("/me/import/", {"file": SimpleUploadedFile("watched-history.json", content)})


def test_an_import_past_the_limit_says_what_it_leaves_out_and_adds_the_rest(importer):
    preview = upload(importer, trakt_history(LIMIT + 12))

    page = preview.content.decode()
    assert f"12 viewings are not added: we keep at most {LIMIT} of one episode" in page
    assert preview.context["preview"].watches_new_total == LIMIT
    confirmed = importer.post("/me/import/confirm/", {"plan": preview.context["preview"].token})

    assert confirmed.status_code == 302
    watches = Watch.objects.filter(member=importer.member).order_by("watched_on")
    assert watches.count() == LIMIT
    # The earliest viewings are kept, the latest left out.
    assert watches.last().watched_on == IMPORT_PREMIERE + datetime.timedelta(days=LIMIT - 1)


def test_an_import_confirmed_after_the_limit_was_reached_writes_nothing(importer):
    preview = upload(importer, trakt_history(10))
    token = preview.context["preview"].token
    episode = Episode.objects.select_related("season__show").get(season__number=1, number=1)
    # Meanwhile, marked on the site until the preview no longer fits.
    watched_times(importer.member, episode, LIMIT - 5)

    response = importer.post("/me/import/confirm/", {"plan": token}, follow=True)

    # Applied by a job (here at once), whose page says why nothing was written.
    assert response.redirect_chain[0][0].startswith("/me/import/")
    assert AT_THE_LIMIT in response.content.decode()
    assert "Nothing was imported." in response.content.decode()
    assert Watch.objects.filter(member=importer.member).count() == LIMIT - 5


# Rate limits ------------------------------------------------------------------------------


def test_marking_watches_faster_than_twenty_a_minute_is_refused_with_the_date_kept(on_site, odette):
    for number in range(20):
        assert mark_watched(on_site, f"2025-06-{number + 1:02d}").status_code == 302

    refused = mark_watched(on_site, "2025-07-01")

    assert refused.status_code == 429
    page = refused.content.decode()
    assert WATCHING_TOO_FAST in page
    assert 'value="2025-07-01"' in page
    assert Watch.objects.filter(member=odette).count() == 20


def test_the_api_shares_the_watch_limit_with_the_form(on_site, odette):
    for number in range(20):
        mark_watched(on_site, f"2025-06-{number + 1:02d}")
    _token, secret = AccessToken.objects.create_for(odette, "script", scope=TokenScope.READ_WRITE)

    response = Client().post(
        "/api/v1/me/watches",
        {"season": 1, "episode": 2},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 429
    assert "Too many watches" in response.json()["detail"]
    assert Watch.objects.filter(member=odette).count() == 20


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "#a33").save(buffer, "PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def test_a_fourth_avatar_in_a_minute_is_refused_and_the_third_stays(
    on_site, odette, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(3):
            assert on_site.post(reverse("avatar-upload"), {"avatar": png()}).status_code == 302
    odette.refresh_from_db()
    third = odette.avatar.name

    refused = on_site.post(reverse("avatar-upload"), {"avatar": png()})

    assert refused.status_code == 429
    assert "You are changing your avatar faster than we allow" in refused.content.decode()
    odette.refresh_from_db()
    assert odette.avatar.name == third


def test_the_database_refuses_a_fifty_first_watch_whoever_writes_it(odette, first_episode):
    watched_times(odette, first_episode, LIMIT)
    other = Episode.objects.get(season__number=1, number=2)

    with pytest.raises(IntegrityError, match="watches of one episode"), transaction.atomic():
        Watch.objects.create(member=odette, episode=first_episode, watched_on=FIRST_DAY)
    # Another episode is not held back by these fifty; moving a watch onto this one is.
    moved = Watch.objects.create(member=odette, episode=other, watched_on=FIRST_DAY)
    with pytest.raises(IntegrityError, match="watches of one episode"), transaction.atomic():
        Watch.objects.filter(pk=moved.pk).update(episode=first_episode)

    assert Watch.objects.filter(member=odette, episode=first_episode).count() == LIMIT


def test_marking_a_whole_season_counts_against_the_same_limit(on_site, odette):
    for number in range(20):
        mark_watched(on_site, f"2025-06-{number + 1:02d}")

    response = on_site.post(
        "/season/1/track/", {"action": "watched", "watched_on": "2025-07-01"}, follow=True
    )

    assert WATCHING_TOO_FAST in response.content.decode()
    assert Watch.objects.filter(member=odette).count() == 20
