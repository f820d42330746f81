"""The activity page's first page kept per reader for a short while (community/views.py): each
member is served their own, what is theirs and moderation show on the next request, what the
people they follow do shows within the window, and the spoiler rule still decides each item."""

import datetime
import types

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community import views as activity_views
from community.activity import PAGE_SIZE
from kernel import memberpages
from members import services as member_services
from members.models import Follow, User
from reviews import moderation, services
from tests.factories import make_member, many_reviews
from tests.pages import page_of, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("member_pages_kept")]

ACTIVITY = "/me/activity/"
DAY = datetime.date(2025, 5, 1)


@pytest.fixture
def clock(monkeypatch):
    """The time the page's window is read from, moved by hand: [seconds]."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(activity_views, "time", types.SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def critic(db):
    return make_member("critic@example.com", "critic", display_name="The Critic")


def read(client: Client) -> str:
    response = client.get(ACTIVITY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "\x00" not in html, "a marker left in the page"
    return html


def items(html: str) -> str:
    return html.split('<ol class="activity-list">')[1].split("</ol>")[0]


def items_on(page) -> list:
    return [
        node
        for node in page.find_all("li")
        if "activity-item" in (node.attrs.get("class") or "").split()
    ]


def shielded(html: str, words: str) -> bool:
    return any(words in node.words for node in page_of_html(html).find_all("details"))


def page_of_html(html: str):
    return page_of(types.SimpleNamespace(content=html.encode()))


def test_each_member_is_served_their_own_kept_page_and_a_visitor_none(
    client, odile_client, odette, odile, critic, episode, commit, clock
):
    with commit():
        member_services.follow_set(follower=odette, followed=critic, following=True)
        member_services.follow_set(follower=odile, followed=critic, following=True)
        services.review_post(
            member=critic, episode=episode, body="The ending, told.", is_spoiler=True
        )
        services.watch_add(member=odette, episode=episode, watched_on=DAY)
    first = read(client)
    assert items(read(client)) == items(first)  # kept: served again as drawn
    assert len(memberpages.store.items) == 1
    # Odette has watched the episode: the spoiler is open to her, behind its shield for Odile,
    # who gets a page of her own, not Odette's.
    assert "The ending, told." in first and not shielded(first, "The ending, told.")
    odiles = read(odile_client)
    assert shielded(odiles, "The ending, told.")
    assert len(memberpages.store.items) == 2
    assert shielded(read(odile_client), "The ending, told.")
    assert not shielded(read(client), "The ending, told.")
    # A CSRF token is each reader's own (the sign-out form).
    assert odiles.count("csrfmiddlewaretoken") == first.count("csrfmiddlewaretoken")
    visitor = Client().get(ACTIVITY)
    assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]


def test_the_readers_own_changes_show_on_the_next_request(
    client, odette, odile, critic, episode, commit, clock
):
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
        services.review_post(
            member=odile, episode=episode, body="Odile's spoiler.", is_spoiler=True
        )
        services.review_post(member=critic, episode=episode, body="The critic's words.")
    html = read(client)
    assert shielded(html, "Odile's spoiler.") and "critic&#x27;s words" not in html
    with commit():
        services.watch_add(member=odette, episode=episode, watched_on=DAY)
    html = read(client)
    assert "Odile&#x27;s spoiler." in html and not shielded(html, "Odile's spoiler.")
    with commit():
        member_services.follow_set(follower=odette, followed=critic, following=True)
    assert "critic&#x27;s words" in read(client)
    with commit():
        member_services.mute_set(muter=odette, muted=odile, muting=True)
    html = read(client)
    assert "Odile&#x27;s spoiler." not in html and "critic&#x27;s words" in html
    # A block of the reader moves their page group's version too (members/apps.py).
    with commit():
        member_services.block_set(blocker=critic, blocked=odette, blocking=True)
    assert "critic&#x27;s words" not in read(client)


def test_a_block_of_the_reader_shows_on_the_next_request(
    client, odette, odile, critic, episode, commit, clock
):
    """Odette does not follow the critic: the block deletes no follow of hers, and only its
    own page groups say that the reply Odile wrote to the critic is no longer hers to see."""
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
        review = services.review_post(member=critic, episode=episode, body="The critic's words.")
        services.review_post(member=odile, episode=episode, body="Odile answers.", parent=review)
    assert "Odile answers." in read(client)
    with commit():
        member_services.block_set(blocker=critic, blocked=odette, blocking=True)
    assert "Odile answers." not in read(client)
    with commit():
        member_services.block_set(blocker=critic, blocked=odette, blocking=False)
    assert "Odile answers." in read(client)


def test_hiding_unwatched_episodes_shows_on_the_next_request(
    client, odette, odile, episode, commit, clock
):
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
        services.review_post(member=odile, episode=episode, body="Odile's words.")
    assert "Odile&#x27;s words." in read(client)
    odette.hide_unwatched = True
    odette.save(update_fields=["hide_unwatched"])  # no version moves: the setting is keyed
    html = read(client)
    assert "Odile&#x27;s words." not in html
    assert "Hidden until you watch it" in text_of(html)


def test_a_review_hidden_or_removed_by_a_moderator_vanishes_on_the_next_request(
    client, odette, odile, episode, other_episode, moderator, commit, clock
):
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
        first = services.review_post(member=odile, episode=episode, body="First words.")
        second = services.review_post(member=odile, episode=other_episode, body="Second words.")
    html = read(client)
    assert "First words." in html and "Second words." in html
    with commit():
        moderation.review_hide(review=first, moderator=moderator, reason="Abuse.")
    html = read(client)
    assert "First words." not in html and "Second words." in html
    with commit():
        moderation.review_remove(review=second, moderator=moderator, reason="Abuse.")
    assert "Second words." not in read(client)


def test_what_the_people_followed_do_shows_within_the_window(
    client, odette, odile, episode, commit, clock
):
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
        services.watch_add(member=odile, episode=episode, watched_on=DAY)
    assert "Odile Black rated" not in text_of(read(client))
    with commit():
        services.rating_set(member=odile, episode=episode, score=8)
    # Odile's rating moves no version the kept page is keyed by: it is up to the window late.
    assert "Odile Black rated" not in text_of(read(client))
    clock[0] += activity_views.KEPT_SECONDS
    assert "Odile Black rated" in text_of(read(client))
    # Odette's copy was replaced, not joined by another: one a member, whatever moved.
    assert len(memberpages.store.items) == 1


def test_older_pages_follow_the_kept_first_page(client, odette, odile, episode, commit, clock):
    with commit():
        member_services.follow_set(follower=odette, followed=odile, following=True)
    many_reviews(odile, episode, PAGE_SIZE + 5)
    read(client)
    kept = page_of_html(read(client))
    assert len(items_on(kept)) == PAGE_SIZE
    older = kept.find("a", rel="next")
    assert older is not None
    second = page_of(client.get(ACTIVITY + older.attrs["href"]))
    texts = [node.words for node in items_on(second)]
    assert len(texts) == 5 and "Review number 0." in texts[-1]


def kept_queries(client) -> int:
    """The queries of the page served from what the request before it kept."""
    read(client)
    with CaptureQueriesContext(connection) as captured:
        read(client)
    return len(captured)


# The session and the page groups' versions (cache tables here, Redis in production), and
# the member with their unread notifications: nothing of the activity is read.
KEPT_QUERIES = 3


def test_the_kept_page_costs_the_same_queries_with_one_follow_or_five_thousand(
    client, odette, odile, critic, episode
):
    member_services.follow_set(follower=odette, followed=odile, following=True)
    services.review_post(member=odile, episode=episode, body="One follow.")
    with_one = kept_queries(client)
    people = User.objects.bulk_create(
        User(email=f"p{i}@example.com", handle=f"p-{i}") for i in range(5000)
    )
    Follow.objects.bulk_create(Follow(follower=odette, followed=person) for person in people)
    many_reviews(people[0], episode, 200)
    memberpages.store.clear()
    with_many = kept_queries(client)
    assert "Review number 199." in text_of(client.get(ACTIVITY).content.decode())
    assert with_one == with_many == KEPT_QUERIES
