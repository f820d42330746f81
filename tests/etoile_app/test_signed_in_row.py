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
from tests.factories import make_member, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

USER_ROW = 'FROM "etoile_app_user"'
SETTINGS = "/me/settings/"


@pytest.fixture(autouse=True)
def rows_kept(settings):
    settings.SIGNED_IN_ROW_SECONDS = 60
    pagecache._per_version.clear()
    yield
    pagecache._per_version.clear()


@pytest.fixture
def odette_tx(seeded):
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


@pytest.fixture
def odile_tx(seeded):
    return make_member("odile@example.com", "odile", display_name="Odile Black")


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
    odette_tx, odile_tx, episode
):
    odette, odile = signed_in(odette_tx), signed_in(odile_tx)
    assert "Odette Swan" in menu_of(odette)
    assert user_rows_read(odette) == 0  # kept: her row is not read again
    page = menu_of(odile)
    assert "Odile Black" in page and "Odette Swan" not in page
    visitor = Client().get(reverse("home")).content.decode()
    assert "Odette Swan" not in visitor and "Odile Black" not in visitor

    # Odile likes Odette's review: Odette's unread count moves, at her next request.
    review = services.review_post(member=odette_tx, episode=episode, body="The swans' lake.")
    menu_of(odette)
    services.like_set(member=odile_tx, review=review, liked=True)
    assert unread_in(menu_of(odette)) == 1
    assert unread_in(menu_of(odile)) == 0

    # The unlike takes the notification back (a cascade): the count goes with it.
    services.like_set(member=odile_tx, review=review, liked=False)
    assert unread_in(menu_of(odette)) == 0

    # Marked read in bulk (an update(), no signal): the count is gone at the next request.
    services.like_set(member=odile_tx, review=review, liked=True)
    assert unread_in(menu_of(odette)) == 1
    odette.post(reverse("notifications:mark-all-read"))
    assert Notification.objects.get().read_at is not None
    assert unread_in(menu_of(odette)) == 0

    # A new name, saved where the settings form saves it.
    odette_tx.display_name = "Odette, Swan Queen"
    odette_tx.save(update_fields=["display_name"])
    page = menu_of(odette)
    assert "Odette, Swan Queen" in page
    assert "Odette, Swan Queen" not in menu_of(odile)


def test_a_new_password_ends_the_members_other_sessions_at_their_next_request(odette_tx):
    elsewhere = signed_in(odette_tx)
    assert elsewhere.get(SETTINGS).status_code == 200
    assert user_rows_read(elsewhere) == 0  # kept

    odette_tx.set_password("a new password, long enough")
    odette_tx.save()

    refused = elsewhere.get(SETTINGS)
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")


def test_a_deactivated_member_is_signed_out_at_their_next_request(odette_tx):
    odette = signed_in(odette_tx)
    assert "Odette Swan" in menu_of(odette)
    odette_tx.is_active = False
    odette_tx.save(update_fields=["is_active"])
    assert odette.get(SETTINGS).status_code == 302


def test_a_suspension_signs_the_member_out_at_their_next_request(odette_tx, moderator):
    odette = signed_in(odette_tx)
    assert odette.get(SETTINGS).status_code == 200
    assert user_rows_read(odette) == 0  # kept
    moderation.member_suspend(member=odette_tx, moderator=moderator, reason="Spoilers.")
    refused = odette.get(SETTINGS)
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")


def test_blocks_mutes_and_the_language_link_move_the_kept_row(odette_tx, odile_tx):
    odette = signed_in(odette_tx)
    menu_of(odette)

    def kept_row():  # as the next request reads it: outside a transaction, kept
        with CaptureQueriesContext(connection) as queries:
            first = User.objects.get(pk=odette_tx.pk)
            again = User.objects.get(pk=odette_tx.pk)
        assert sum(USER_ROW in query["sql"] for query in queries.captured_queries) <= 1
        assert (first.hides_anyone, first.language) == (again.hides_anyone, again.language)
        return again

    assert kept_row().hides_anyone is False
    member_services.block_set(blocker=odile_tx, blocked=odette_tx, blocking=True)
    assert kept_row().hides_anyone is True  # blocked by Odile: hidden from each other
    member_services.block_set(blocker=odile_tx, blocked=odette_tx, blocking=False)
    assert kept_row().hides_anyone is False
    member_services.mute_set(muter=odette_tx, muted=odile_tx, muting=True)
    assert kept_row().hides_anyone is True

    # The header's language link writes the member's language with an update().
    assert kept_row().language != "fr"
    odette.get(reverse("switch-language", args=["fr"]))
    assert kept_row().language == "fr"


def test_the_row_is_read_from_the_database_when_the_cache_does_not_answer(odette_tx, monkeypatch):
    odette = signed_in(odette_tx)
    menu_of(odette)

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(pagecache.cache, "get", broken)
    odette_tx.display_name = "Odette in the dark"
    odette_tx.save(update_fields=["display_name"])
    assert "Odette in the dark" in menu_of(odette)
    assert user_rows_read(odette) == 1


def test_a_members_page_from_its_skeleton_asks_the_database_for_nothing_but_versions(
    odette_tx, odile_tx, episode, member_pages_kept, settings
):
    settings.SIGNED_IN_ROW_SECONDS = 60  # member_pages_kept's fixture turned it off
    odette, odile = signed_in(odette_tx), signed_in(odile_tx)
    url = episode.get_absolute_url()
    assert odette.get(url).status_code == 200  # the skeleton made, her row kept
    with CaptureQueriesContext(connection) as queries:
        page = odette.get(url).content.decode()
    assert "Odette Swan" in page
    # The caches are database tables here (Redis in production): the session and versions.
    tables = {re.search(r'FROM "(\w+)"', q["sql"])[1] for q in queries.captured_queries}
    assert tables <= {"django_cache", "django_page_cache"}
    page = odile.get(url).content.decode()
    assert "Odile Black" in page and "Odette Swan" not in page
