"""What a member's most frequent writes ask of the database, pinned: a rating, a review, a
like and an unlike (docs/PERFORMANCE.md, "Members' writes"). Counted: the request's
statements on the site's own tables. Left out: the cache's (in tests the database cache holds
the session and the review rate limit's entries, which Redis holds in production) and the
transactions' SAVEPOINT and RELEASE, whose number the like test says apart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from reviews import services
from reviews.models import EpisodeScores, Like, Rating, Review
from tests.factories import write

pytestmark = pytest.mark.django_db

RATE_URL = "/season/1/episode/3/rating/"
REVIEW_URL = "/season/1/episode/3/reviews/"
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT")


def posted(client, url, data) -> list[str]:
    """The statements of one POST, as above; the savepoints among them kept apart."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302
    return [
        query["sql"] for query in queries.captured_queries if "django_cache" not in query["sql"]
    ]


def statements(sqls: list[str]) -> int:
    return sum(not sql.startswith(SAVEPOINTS) for sql in sqls)


def test_a_changed_rating_reads_the_episode_the_members_lock_their_rating_and_writes_twice(
    client, odette, episode
):
    services.rating_set(member=odette, episode=episode, score=7)

    # The member; the episode's numbers; the member's row locked; their rating; its UPDATE;
    # the counters' UPDATE, last.
    sqls = posted(client, RATE_URL, {"score": "3"})

    assert statements(sqls) == 6
    assert sqls[-2].startswith('UPDATE "reviews_episodescores"')  # before the RELEASE
    assert Rating.objects.get(member=odette, episode=episode).score == 3
    assert EpisodeScores.objects.get(episode=episode).distribution == [0, 0, 1] + [0] * 7


def test_an_episodes_first_rating_makes_its_counters_row_then(client, odette, episode):
    EpisodeScores.objects.filter(episode=episode).delete()

    # The same, the rating INSERTed; the counters' UPDATE finds no row, the row is made
    # (an INSERT that ignores a concurrent one) and the UPDATE made again.
    assert statements(posted(client, RATE_URL, {"score": "8"})) == 8
    # Rated again: the row is there.
    assert statements(posted(client, RATE_URL, {"score": "9"})) == 6

    assert EpisodeScores.objects.get(episode=episode).distribution == [0] * 8 + [1, 0]


def test_a_review_reads_the_episode_and_its_seasons_numbers_and_inserts_it(client, odette, episode):
    # The member; the episode's numbers; its season's episode numbers (how far a spoiler may
    # reach); the INSERT. A new review has no replies whose authors' pages to mark.
    sqls = posted(client, REVIEW_URL, {"body": "The swans' second act, at last."})

    assert statements(sqls) == 4
    assert Review.objects.get(member=odette).body == "The swans' second act, at last."


def test_a_like_and_an_unlike(client, odette, odile, episode):
    review = write(odile, episode)
    url = reverse("reviews:like-toggle", args=[review.pk])

    # The member; the review with its author and episode; its row locked before the like's (a
    # fixed lock order); whether odette has liked it already; the like's INSERT; whether a
    # block or a mute silences odette to odile; odile's email preferences; the notification's
    # INSERT; the like count's UPDATE.
    liked = posted(client, url, {"liked": "1"})
    assert statements(liked) == 9
    # Only the like's transaction: one pair in a test, none in production, where it is not a
    # savepoint. The notification, of a like just written, needs none
    # (notifications.services.TOLD_ONCE).
    assert len(liked) - statements(liked) == 2
    assert Notification.objects.filter(recipient=odile, kind="like").count() == 1

    # A double click's repeat finds the like under the review's lock and writes nothing: no
    # failed INSERT, whose ROLLBACK TO SAVEPOINT made psycopg forget its prepared statements.
    again = posted(client, url, {"liked": "1"})
    assert not any(sql.startswith(("INSERT", "ROLLBACK")) for sql in again)
    assert statements(again) == 4
    assert Like.objects.count() == 1

    # The member; the review; its row locked before the like's (a fixed lock order); the
    # like; the notification read (its recipient's signed-in row is marked changed: their
    # unread count) and deleted; the like deleted; the like count's UPDATE.
    unliked = posted(client, url, {"liked": "0"})
    assert statements(unliked) == 8
    assert not Like.objects.exists()
    assert not Notification.objects.exists()
    review.refresh_from_db()
    assert review.like_count == 0
