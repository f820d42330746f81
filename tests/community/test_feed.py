"""The Atom feed of a member's public activity (/feeds/u/<handle>/activity/): valid Atom, read
as a visitor (a spoiler's text never in it), linked from the profile."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import services as member_services
from reviews import services
from tests.factories import make_member, many_reviews
from tests.reviews.test_feeds import atom, entries, link, summary_words, text

pytestmark = pytest.mark.django_db

FEED = "/feeds/u/odette/activity/"


def test_the_feed_tells_each_kind_as_a_visitor_reads_it(
    client, episode, other_episode, odette, odile
):
    services.watch_add(member=odette, episode=episode, watched_on=datetime.date(2025, 5, 1))
    services.rating_set(member=odette, episode=episode, score=7)
    services.review_post(member=odette, episode=episode, body="The rehearsal scene!")
    services.review_post(
        member=odette, episode=other_episode, body="Her fall, at the end.", is_spoiler=True
    )
    member_services.follow_set(follower=odette, followed=odile, following=True)

    feed = atom(client, FEED)

    assert text(feed, "atom:title") == "Activity of Odette Swan · Étoile companion"
    titles = [text(entry, "atom:title") for entry in entries(feed)]
    assert titles == [
        "Odette Swan followed Odile Black",
        "Odette Swan reviewed Season 1, episode 4: Episode 4",
        "Odette Swan reviewed Season 1, episode 3: Episode 3",
        "Odette Swan rated Season 1, episode 3: Episode 3",
        "Odette Swan watched Season 1, episode 3: Episode 3",
    ]
    follow, spoiler, review, rating, _watch = entries(feed)
    assert link(follow) == "http://testserver/u/odile/"
    assert summary_words(spoiler) == "It contains spoilers. Read it on the site."
    assert "Her fall" not in client.get(FEED).content.decode()
    assert summary_words(review) == "The rehearsal scene!"
    assert summary_words(rating) == "Rated 3½ stars."
    ids = [text(entry, "atom:id") for entry in entries(feed)]
    assert len(set(ids)) == len(ids)


def test_the_profile_links_the_feed(client, odette):
    html = client.get("/u/odette/").content.decode()
    assert f'<link rel="alternate" type="application/atom+xml" href="{FEED}"' in html


def test_an_empty_feed_is_valid_and_an_unknown_member_is_404(client, odette):
    assert entries(atom(client, FEED)) == []
    assert client.get("/feeds/u/nobody/activity/").status_code == 404


def test_feed_queries_do_not_grow_with_the_activity(client, episode, odette):
    services.review_post(member=odette, episode=episode, body="One.")
    with CaptureQueriesContext(connection) as few:
        client.get(FEED)
    many_reviews(odette, episode, 200)
    for n in range(40):
        member_services.follow_set(
            follower=odette, followed=make_member(handle=f"f-{n}"), following=True
        )
    with CaptureQueriesContext(connection) as many:
        assert len(entries(atom(client, FEED))) == 30
    assert len(few) == len(many)
