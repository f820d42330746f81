"""The signed-in member's row kept for their requests (SIGNED_IN_ROW_SECONDS, members/models.py).

Kept rows are read outside transactions only, so these tests commit for real
(`transaction=True`), as requests in production do. Each test proves what a person would
notice if it broke: a member never gets another member's row, and a change to what the row
holds (their name, unread count, password, standing, blocks, language) shows on their next
request, in every process, because each change moves the row's version at its commit.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel import pagecache
from members import services as member_services
from members.models import User
from notifications.models import Notification
from reviews import moderation, services
from tests.factories import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

USER_ROW = 'FROM "etoile_app_user"'
SETTINGS = "/me/settings/"


@pytest.fixture(autouse=True)
def rows_kept(settings):
    settings.SIGNED_IN_ROW_SECONDS = 60
    pagecache._per_version.clear()
    yield
    pagecache._per_version.clear()


def menu_of(client: Client) -> str:
    """The member's notifications page, as its header shows them."""
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    return response.content.decode()


def unread_in(page: str) -> int:
    """The unread count the header's bell says (a screen reader's words), 0 when none."""
    found = re.search(r"Notifications, (\d+) unread", page)
    return int(found[1]) if found else 0


def user_rows_read(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notifications:list"))
    return sum(USER_ROW in query["sql"] for query in queries.captured_queries)


def test_each_member_gets_their_own_row_and_every_change_shows_at_the_next_request(
    odette, odile, episode
):
    as_odette, as_odile = signed_in(odette), signed_in(odile)
    assert "Odette Swan" in menu_of(as_odette)
    assert user_rows_read(as_odette) == 0  # kept: her row is not read again
    page = menu_of(as_odile)
    assert "Odile Black" in page and "Odette Swan" not in page
    visitor = Client().get(reverse("home")).content.decode()
    assert "Odette Swan" not in visitor and "Odile Black" not in visitor

    # Odile likes Odette's review: Odette's unread count moves, at her next request.
    review = services.review_post(member=odette, episode=episode, body="The swans' lake.")
    menu_of(as_odette)
    services.like_set(member=odile, review=review, liked=True)
    assert unread_in(menu_of(as_odette)) == 1
    assert unread_in(menu_of(as_odile)) == 0

    # The unlike takes the notification back (a cascade): the count goes with it.
    services.like_set(member=odile, review=review, liked=False)
    assert unread_in(menu_of(as_odette)) == 0

    # Marked read in bulk (an update(), no signal): the count is gone at the next request.
    services.like_set(member=odile, review=review, liked=True)
    assert unread_in(menu_of(as_odette)) == 1
    as_odette.post(reverse("notifications:mark-all-read"))
    assert Notification.objects.get().read_at is not None
    assert unread_in(menu_of(as_odette)) == 0

    # A new name, saved where the settings form saves it.
    odette.display_name = "Odette, Swan Queen"
    odette.save(update_fields=["display_name"])
    page = menu_of(as_odette)
    assert "Odette, Swan Queen" in page
    assert "Odette, Swan Queen" not in menu_of(as_odile)


def test_a_new_password_ends_the_members_other_sessions_at_their_next_request(odette):
    elsewhere = signed_in(odette)
    assert elsewhere.get(SETTINGS).status_code == 200
    assert user_rows_read(elsewhere) == 0  # kept

    odette.set_password("a new password, long enough")
    odette.save()

    refused = elsewhere.get(SETTINGS)
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")


def test_a_deactivated_member_is_signed_out_at_their_next_request(odette):
    as_odette = signed_in(odette)
    assert "Odette Swan" in menu_of(as_odette)
    odette.is_active = False
    odette.save(update_fields=["is_active"])
    assert as_odette.get(SETTINGS).status_code == 302


def test_a_suspension_signs_the_member_out_at_their_next_request(odette, moderator):
    as_odette = signed_in(odette)
    assert as_odette.get(SETTINGS).status_code == 200
    assert user_rows_read(as_odette) == 0  # kept
    moderation.member_suspend(member=odette, moderator=moderator, reason="Spoilers.")
    refused = as_odette.get(SETTINGS)
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")


def test_blocks_mutes_and_the_language_link_move_the_kept_row(odette, odile):
    as_odette = signed_in(odette)
    menu_of(as_odette)

    def kept_row():  # as the next request reads it: outside a transaction, kept
        with CaptureQueriesContext(connection) as queries:
            first = User.objects.get(pk=odette.pk)
            again = User.objects.get(pk=odette.pk)
        assert sum(USER_ROW in query["sql"] for query in queries.captured_queries) <= 1
        assert (first.hides_anyone, first.language) == (again.hides_anyone, again.language)
        return again

    assert kept_row().hides_anyone is False
    member_services.block_set(blocker=odile, blocked=odette, blocking=True)
    assert kept_row().hides_anyone is True  # blocked by Odile: hidden from each other
    member_services.block_set(blocker=odile, blocked=odette, blocking=False)
    assert kept_row().hides_anyone is False
    member_services.mute_set(muter=odette, muted=odile, muting=True)
    assert kept_row().hides_anyone is True

    # The header's language link writes the member's language with an update().
    assert kept_row().language != "fr"
    as_odette.get(reverse("switch-language", args=["fr"]))
    assert kept_row().language == "fr"


def test_the_row_is_read_from_the_database_when_the_cache_does_not_answer(odette, monkeypatch):
    as_odette = signed_in(odette)
    menu_of(as_odette)

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(pagecache.cache, "get", broken)
    odette.display_name = "Odette in the dark"
    odette.save(update_fields=["display_name"])
    assert "Odette in the dark" in menu_of(as_odette)
    assert user_rows_read(as_odette) == 1


def test_a_members_page_from_its_skeleton_asks_the_database_for_nothing_but_versions(
    odette, odile, episode, member_pages_kept, settings
):
    settings.SIGNED_IN_ROW_SECONDS = 60  # member_pages_kept's fixture turned it off
    as_odette, as_odile = signed_in(odette), signed_in(odile)
    url = episode.get_absolute_url()
    assert as_odette.get(url).status_code == 200  # the skeleton made, her row kept
    with CaptureQueriesContext(connection) as queries:
        page = as_odette.get(url).content.decode()
    assert "Odette Swan" in page
    # The caches are database tables here (Redis in production): the session and versions.
    tables = {re.search(r'FROM "(\w+)"', q["sql"])[1] for q in queries.captured_queries}
    assert tables <= {"django_cache", "django_page_cache"}
    page = as_odile.get(url).content.decode()
    assert "Odile Black" in page and "Odette Swan" not in page
