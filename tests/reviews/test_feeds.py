"""Atom feeds of reviews: what a subscriber's reader shows, and nothing a visitor could not read."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.feeds import FEED_ITEMS
from reviews.models import Review
from tests.factories import make_member
from tests.pages import TreeBuilder

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_FEED = "/feeds/reviews/"
EPISODE_FEED = "/feeds/season/1/episode/3/reviews/"
ODETTE_FEED = "/feeds/u/odette/reviews/"


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=3)


@pytest.fixture
def other_episode(seeded) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=5)


@pytest.fixture
def odette(db) -> User:
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


@pytest.fixture
def odile(db) -> User:
    return make_member("odile@example.com", "odile", display_name="Odile Black")


def parsed(content: bytes) -> ET.Element:
    """The feed as a reader parses it; raises unless well-formed XML."""
    return ET.fromstring(content)  # noqa: S314 (our own server's answer, in a test)


def atom(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = parsed(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def text(element: ET.Element, path: str) -> str:
    found = element.find(path.replace("atom:", ATOM))
    assert found is not None, path
    return found.text or ""


def link(element: ET.Element) -> str:
    return element.find(f"{ATOM}link[@rel='alternate']").attrib["href"]


def summary_words(entry: ET.Element) -> str:
    """The entry's summary as a reader shows it: its HTML, rendered to text."""
    builder = TreeBuilder()
    builder.feed(text(entry, "atom:summary"))
    builder.close()
    parts = []

    def walk(node):
        for child in node.children:
            parts.append(child) if isinstance(child, str) else walk(child)

    walk(builder.root)
    return " ".join("".join(parts).split())


def review_ids(feed: ET.Element) -> list[int]:
    return [int(link(entry).rsplit("#review-", 1)[1]) for entry in entries(feed)]


def test_site_feed_shows_each_review_as_a_subscriber_reads_it(client, episode, odette):
    services.rating_set(member=odette, episode=episode, score=7)
    review = services.review_post(
        member=odette, episode=episode, body="The rehearsal scene!\n\nSee https://example.com/."
    )

    feed = atom(client, SITE_FEED)

    assert text(feed, "atom:title") == "Latest reviews · Étoile companion"
    assert (
        feed.find(f"{ATOM}link[@rel='self']").attrib["href"] == "http://testserver/feeds/reviews/"
    )
    (entry,) = entries(feed)
    assert text(entry, "atom:title") == "Odette Swan on Season 1, episode 3: Episode 3"
    assert link(entry) == f"http://testserver/season/1/episode/3/#review-{review.pk}"
    assert text(entry, "atom:author/atom:name") == "Odette Swan"
    assert text(entry, "atom:author/atom:uri") == "http://testserver/u/odette/"
    assert text(entry, "atom:published") == review.created_at.isoformat()
    assert text(entry, "atom:updated") == review.created_at.isoformat()
    assert entry.find(f"{ATOM}summary").attrib["type"] == "html"
    assert summary_words(entry) == "Rated 3½ stars. The rehearsal scene! See https://example.com/."


def test_an_edited_review_says_when_it_was_updated(client, episode, odette):
    review = services.review_post(member=odette, episode=episode, body="First thoughts.")
    later = review.created_at + timedelta(hours=2)
    Review.objects.filter(pk=review.pk).update(body="Second thoughts.", edited_at=later)

    (entry,) = entries(atom(client, SITE_FEED))

    assert text(entry, "atom:published") == review.created_at.isoformat()
    assert text(entry, "atom:updated") == later.isoformat()
    assert summary_words(entry) == "Second thoughts."


def test_newest_reviews_come_first_and_the_feed_is_bounded(client, episode, odette):
    reviews = [
        services.review_post(member=odette, episode=episode, body=f"Review {n}")
        for n in range(FEED_ITEMS + 5)
    ]
    base = timezone.now()
    for n, review in enumerate(reviews):
        Review.objects.filter(pk=review.pk).update(created_at=base - timedelta(minutes=n))

    ids = review_ids(atom(client, SITE_FEED))

    assert ids == [review.pk for review in reviews[:FEED_ITEMS]]


@pytest.mark.parametrize("spoils_up_to", [None, 5])
def test_a_spoilers_text_never_reaches_a_feed(client, episode, odette, spoils_up_to):
    review = services.review_post(
        member=odette,
        episode=episode,
        body="Cheyenne leaves the company in the finale.",
        is_spoiler=True,
        spoils_up_to=spoils_up_to,
    )

    for url in (SITE_FEED, EPISODE_FEED, ODETTE_FEED):
        response = client.get(url)
        assert b"Cheyenne leaves" not in response.content, url
        (entry,) = entries(parsed(response.content))
        warning = (
            "This review contains spoilers up to episode 5."
            if spoils_up_to
            else "This review contains spoilers."
        )
        assert summary_words(entry) == f"{warning} Read it on the site.", url
        assert f'href="http://testserver/season/1/episode/3/#review-{review.pk}"' in text(
            entry, "atom:summary"
        )


def test_feeds_leave_out_what_visitors_cannot_read(client, episode, odette, odile):
    shown = services.review_post(member=odette, episode=episode, body="Shown.")
    for status in ("held", "hidden", "removed"):
        held = services.review_post(member=odette, episode=episode, body=f"{status}.")
        Review.objects.filter(pk=held.pk).update(status=status)
    services.review_post(member=odile, episode=episode, body="A reply.", parent=shown)
    suspended = services.review_post(member=odile, episode=episode, body="Suspended's.")
    User.objects.filter(pk=odile.pk).update(is_active=False, suspended_at=timezone.now())

    for url in (SITE_FEED, EPISODE_FEED, ODETTE_FEED):
        assert review_ids(atom(client, url)) == [shown.pk], url
    assert suspended.pk not in review_ids(atom(client, SITE_FEED))
    assert client.get("/feeds/u/odile/reviews/").status_code == 404


def test_episode_and_member_feeds_hold_only_their_own(
    client, episode, other_episode, odette, odile
):
    mine_here = services.review_post(member=odette, episode=episode, body="Here.")
    mine_there = services.review_post(member=odette, episode=other_episode, body="There.")
    theirs_here = services.review_post(member=odile, episode=episode, body="Theirs.")

    episode_feed = atom(client, EPISODE_FEED)
    assert sorted(review_ids(episode_feed)) == sorted([mine_here.pk, theirs_here.pk])
    assert text(episode_feed, "atom:title") == (
        "Reviews of Season 1, episode 3: Episode 3 · Étoile companion"
    )
    assert link(episode_feed) == "http://testserver/season/1/episode/3/"

    # A handle in capitals is sent to its lower-case address, which feed readers follow.
    moved = client.get("/feeds/u/Odette/reviews/")
    assert (moved.status_code, moved["Location"]) == (301, "/feeds/u/odette/reviews/")
    member_feed = atom(client, moved["Location"])
    assert sorted(review_ids(member_feed)) == sorted([mine_here.pk, mine_there.pk])
    assert text(member_feed, "atom:title") == "Reviews by Odette Swan · Étoile companion"
    assert link(member_feed) == "http://testserver/u/odette/"


def test_empty_feeds_are_still_valid_atom(client, episode, odette):
    for url in (SITE_FEED, EPISODE_FEED, ODETTE_FEED):
        feed = atom(client, url)
        assert entries(feed) == []
        assert text(feed, "atom:updated")


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/season/1/episode/99/reviews/",
        "/feeds/season/9/episode/1/reviews/",
        "/feeds/season/0/episode/0/reviews/",
        "/feeds/u/nobody/reviews/",
        "/feeds/u/no%00body/reviews/",
        "/feeds/season/x/episode/1/reviews/",
    ],
)
def test_unknown_episodes_and_members_are_404(client, seeded, url):
    assert client.get(url).status_code == 404


def test_feeds_before_seeding_are_404_or_empty(client, empty_catalog):
    assert client.get(EPISODE_FEED).status_code == 404
    assert entries(atom(client, SITE_FEED)) == []


def test_characters_xml_cannot_carry_do_not_break_a_feed(client, episode, odette):
    User.objects.filter(pk=odette.pk).update(display_name="Odette\x01 Swan")
    services.review_post(member=odette, episode=episode, body="Bell\x07 and form\x0cfeed\x1b.")

    for url in (SITE_FEED, EPISODE_FEED, ODETTE_FEED):
        (entry,) = entries(atom(client, url))
        assert text(entry, "atom:author/atom:name") == "Odette Swan"
        assert summary_words(entry) == "Bell and formfeed."


@pytest.mark.parametrize("many", [False, True])
def test_feed_queries_do_not_grow_with_the_reviews(
    client, episode, odette, django_assert_max_num_queries, many
):
    members = [odette] + (
        [make_member(f"m{n}@example.com", f"member-{n}") for n in range(40)] if many else []
    )
    for member in members:
        services.rating_set(member=member, episode=episode, score=6)
        review = services.review_post(member=member, episode=episode, body="Lovely.")
        services.review_post(member=odette, episode=episode, body="Reply.", parent=review)

    everyone = min(len(members), FEED_ITEMS)
    for url, budget, shown in (
        (SITE_FEED, 1, everyone),
        (EPISODE_FEED, 2, everyone),
        (ODETTE_FEED, 2, 1),
    ):
        with django_assert_max_num_queries(budget):
            feed = atom(client, url)
        assert len(entries(feed)) == shown, url  # her replies are not reviews


def test_feeds_are_kept_for_visitors_until_a_review_changes(
    client, episode, odette, settings, django_capture_on_commit_callbacks
):
    settings.VISITOR_PAGE_CACHE_SECONDS = 60
    services.review_post(member=odette, episode=episode, body="First.")
    first = client.get(SITE_FEED)
    assert first.status_code == 200
    etag = first["ETag"]

    assert client.get(SITE_FEED, headers={"If-None-Match": etag}).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        services.review_post(member=odette, episode=episode, body="Second.")
    fresh = client.get(SITE_FEED, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert len(entries(parsed(fresh.content))) == 2
