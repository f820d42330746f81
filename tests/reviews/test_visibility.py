"""The spoiler rule (reviews/visibility.py), and every surface that shows members' words and
scores run through the same table of cases.

A review of episode 3, with each combination of spoiler flags, is read by a visitor and by
members who have watched different episodes, with their "hide unwatched" setting on and off.
For each case the table says what the reader gets: the text in full, the text shielded (behind
"Show spoiler" on a page; left out of feeds and the API), or nothing but that it exists
(withheld: no score, no text). Each surface then shows exactly that. A surface added later
(activity, notifications, emails) adds itself to SURFACES, as share images have.
"""

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from unittest import mock

import pytest
from django.test import Client, override_settings

from catalog.models import Episode
from kernel import memberpages
from kernel.shareimages import image_response
from members.models import AccessToken, Follow, User
from reviews import services
from reviews.models import Review
from reviews.visibility import VISITOR, Reader, Sight, sight
from tests.factories import make_member, signed_in
from tests.pages import page_of, review_article, review_url, share_image_of, table_in

PREMIERE = datetime.date(2025, 4, 15)
HIDDEN_NOTICE = "You asked to keep scores and reviews hidden until you have watched an episode."
WITHHELD_NOTE = "Hidden until you watch it"
BODY = "Cheyenne leaves the company at the end of the gala."
REPLY = "I did not see that coming either."
RECAP_CAPTION = "Their rating of each episode beside everyone else’s average"
FULL, SHIELDED, WITHHELD = Sight.FULL, Sight.SHIELDED, Sight.WITHHELD

# Readers, by the episodes of season 1 they have watched.
READERS = ["visitor", "unwatched", "watched_3", "watched_6", "watched_8_not_3", "author"]
READER_WATCHES = {
    "visitor": (),
    "unwatched": (),
    "watched_3": (3,),
    "watched_6": (6,),
    "watched_8_not_3": (8,),
    "author": (),
}
# (is_spoiler, spoils_up_to) of a review of episode 3: what each reader gets, setting off.
# - visitors get every spoiler shielded; authors get their own whole;
# - "contains spoilers": whole once the reader has watched episode 3;
# - "spoils up to 6": whole once the reader has watched episode 6 or a later one;
# - both flags: both conditions.
TABLE = {
    (False, None): dict(zip(READERS, [FULL, FULL, FULL, FULL, FULL, FULL], strict=True)),
    (True, None): dict(zip(READERS, [SHIELDED, SHIELDED, FULL, SHIELDED, SHIELDED, FULL], strict=True)),
    (False, 6): dict(zip(READERS, [SHIELDED, SHIELDED, SHIELDED, FULL, FULL, FULL], strict=True)),
    (True, 6): dict(zip(READERS, [SHIELDED, SHIELDED, SHIELDED, SHIELDED, SHIELDED, FULL], strict=True)),
}  # fmt: skip


def expected(flags: tuple, reader: str, hide_unwatched: bool) -> Sight:
    """With the setting on, nothing of an episode the reader has not watched, but their own."""
    if hide_unwatched and reader != "author" and 3 not in READER_WATCHES[reader]:
        return WITHHELD
    return TABLE[flags][reader]


CASES = [
    pytest.param(flags, reader, hide, id=f"{flags[0]}-{flags[1]}-{reader}-{'hide' if hide else 'show'}")
    for flags in TABLE
    for reader in READERS
    for hide in ((False,) if reader == "visitor" else (False, True))
]  # fmt: skip


def reader_state(reader: str, hide_unwatched: bool, *, author_id: int) -> Reader:
    if reader == "visitor":
        return VISITOR
    return Reader(
        member_id=author_id if reader == "author" else author_id + 1000,
        hides_unwatched=hide_unwatched,
        watched=frozenset((1, n) for n in READER_WATCHES[reader]),
    )


@pytest.mark.parametrize(("flags", "reader", "hide_unwatched"), CASES)
def test_the_rule_answers_the_table(flags, reader, hide_unwatched):
    is_spoiler, spoils_up_to = flags
    state = reader_state(reader, hide_unwatched, author_id=7)

    answer = sight(
        state, season=1, episode=3, author_id=7, is_spoiler=is_spoiler, spoils_up_to=spoils_up_to
    )

    assert answer is expected(flags, reader, hide_unwatched)


def test_an_episode_as_a_whole_is_withheld_only_by_the_setting():
    careful = Reader(member_id=1, hides_unwatched=True, watched=frozenset({(1, 2)}))
    assert sight(careful, season=1, episode=3) is WITHHELD
    assert sight(careful, season=1, episode=2) is FULL
    assert sight(VISITOR, season=1, episode=3) is FULL
    # The same episode number in another season is another episode.
    assert sight(careful, season=2, episode=2) is WITHHELD


# Every surface, through the table ------------------------------------------------------------


@dataclass
class Scene:
    """One case set up in the database: the review (with a reply by a third member), and the
    reader's client and API token (None for a visitor)."""

    review: Review
    reply: Review
    author: User
    client: Client
    token: str | None
    # Pages the reader has read, by address, for surfaces that look at the same page twice
    # (the recap and its share image).
    read: dict = field(default_factory=dict)

    def get(self, url: str):
        if url not in self.read:
            self.read[url] = self.client.get(url)
        return self.read[url]


def on_episode_page(scene: Scene) -> tuple[Sight, Sight]:
    """The episode page: the review and the reply under it."""
    page = page_of(scene.client.get("/season/1/episode/3/"))
    main = page.find("main")
    if HIDDEN_NOTICE in main.words:
        assert not page.find_all("section", id="reviews")
        assert BODY not in main.words and REPLY not in main.words
        assert "How 1 member rated this episode" not in main.text
        return WITHHELD, WITHHELD
    assert "How 1 member rated this episode" in main.text

    article = review_article(page, scene.review)  # the reply's article is inside it
    shields = article.find_all("details", **{"class": "spoiler"})

    def seen(text) -> Sight:
        shielding = [d for d in shields if text in d.words]
        if shielding:
            assert "open" not in shielding[0].attrs
            assert shielding[0].find("summary").words == "Show spoiler"
            return SHIELDED
        assert text in article.words
        return FULL

    assert review_article(page, scene.reply) is not None
    return seen(BODY), seen(REPLY)


def on_profile(scene: Scene) -> tuple[Sight, Sight]:
    """The author's profile: their rating and their review."""
    page = page_of(scene.client.get(f"/u/{scene.author.handle}/"))
    rating = page.find("ul", class_="member-ratings").find_all("li")[0]  # episode 3
    words = page.find("main").words
    if WITHHELD_NOTE in rating.words:
        assert BODY not in words and "★" not in rating.words
        return WITHHELD, WITHHELD
    assert "★★★★" in rating.words
    shields = page.find("main").find_all("details", **{"class": "spoiler"})
    if any(BODY in d.words for d in shields):
        return SHIELDED, SHIELDED
    assert BODY in words
    return FULL, FULL


def in_feed(scene: Scene) -> tuple[Sight, Sight]:
    """The author's Atom feed: feed readers read as visitors, whoever asks."""
    feed = scene.client.get(f"/feeds/u/{scene.author.handle}/reviews/").content.decode()
    assert "Rated 4 stars." in feed
    if BODY in feed:
        return FULL, FULL
    assert "This review contains spoilers" in feed and "Read it on the site." in feed
    return SHIELDED, SHIELDED


def seen_in_api(item: dict, text: str) -> Sight:
    """What an API item gives of its words: `body`, or null and `withheld` saying why."""
    if item["withheld"] == "unwatched":
        assert item["body"] is None
        return WITHHELD
    if item["withheld"] == "spoiler":
        assert item["body"] is None
        return SHIELDED
    assert item["withheld"] is None and item["body"] == text
    return FULL


def in_api(scene: Scene) -> tuple[Sight, Sight]:
    """The API's public reviews and the author's ratings, read with the reader's token."""
    headers = {"Authorization": f"Bearer {scene.token}"} if scene.token else {}
    api = Client()
    reviews = api.get("/api/v1/reviews", {"episode": 3}, headers=headers).json()["results"]
    by_id = {item["id"]: item for item in reviews}
    ratings = api.get(f"/api/v1/members/{scene.author.handle}/ratings", headers=headers).json()
    rating = next(r for r in ratings["results"] if r["episode"] == 3)

    review = seen_in_api(by_id[scene.review.pk], BODY)
    reply = seen_in_api(by_id[scene.reply.pk], REPLY)
    assert rating["withheld"] is (review is WITHHELD)
    assert (rating["score"], rating["stars"]) == ((None, None) if rating["withheld"] else (8, "4"))
    return review, reply


def on_episode_page_from_a_skeleton(scene: Scene) -> tuple[Sight, Sight]:
    """The episode page as members get it from the skeleton another member's visit left
    (kernel/memberpages.py), its shields filled in for this reader."""
    memberpages.store.clear()
    with override_settings(MEMBER_PAGE_CACHE_BYTES=64 * 1024 * 1024):
        other = make_member("first.reader@example.com", "first-reader")
        assert signed_in(other).get("/season/1/episode/3/").status_code == 200
        try:
            return on_episode_page(scene)
        finally:
            memberpages.store.clear()


def in_share_image(scene: Scene) -> tuple[Sight, Sight]:
    """The review's share image, named by its own page: public, so drawn as for a visitor
    whoever asks. A reply has no image of its own and is never drawn in its review's."""
    tags = share_image_of(scene.client.get(review_url(scene.review)))
    with mock.patch("reviews.views.image_response", wraps=image_response) as serving:
        assert Client().get(tags["og:image"].removeprefix("http://testserver")).status_code == 200
    card = serving.call_args.args[1]
    drawn = str(asdict(card))
    assert REPLY not in drawn and "The Author" in card.byline
    if BODY in card.quote:
        return FULL, FULL
    assert BODY not in drawn and card.note.startswith("This review contains spoilers")
    return SHIELDED, SHIELDED


def recap_sight(response) -> tuple[Sight, Sight]:
    """What a season recap shows of the author's rating of episode 3 (in the chart's table)
    and of their review (the reply is another member's: not on the author's recap)."""
    page = page_of(response)
    rows = table_in(response.content.decode(), RECAP_CAPTION)
    rating = rows[3]["cells"]  # the header, then episodes 1, 2 and 3
    main = page.find("main")
    assert REPLY not in main.words
    if rating[1:] == [WITHHELD_NOTE]:
        reviews = main.find("section", **{"aria-labelledby": "recap-reviews-heading"})
        assert BODY not in main.words and "★" not in reviews.words
        assert WITHHELD_NOTE in reviews.words
        return WITHHELD, WITHHELD
    assert rating[1] == "4 stars"
    shields = main.find_all("details", **{"class": "spoiler"})
    if any(BODY in d.words for d in shields):
        return SHIELDED, SHIELDED
    assert BODY in main.words
    return FULL, FULL


def on_recap(scene: Scene) -> tuple[Sight, Sight]:
    """The author's season recap, as the reader reads it."""
    return recap_sight(scene.get(f"/u/{scene.author.handle}/season/1/"))


def in_recap_share_image(scene: Scene) -> tuple[Sight, Sight]:
    """The recap's share image: the same picture whoever reads the page, the visitor's, with
    the author's rating counted and never a word of a review or a reply. (What it is drawn
    from is checked here; the drawing itself in tests/etoile_app/test_recap.py.)"""
    url = f"/u/{scene.author.handle}/season/1/"
    as_visitor = scene.get(url) if scene.token is None else Client().get(url)
    image = share_image_of(as_visitor)["og:image"]
    assert share_image_of(scene.get(url))["og:image"] == image
    with (
        mock.patch("etoile_app.views.image_response", wraps=image_response) as serving,
        mock.patch("kernel.shareimages._stored_or_drawn", return_value=b"drawn"),
    ):
        assert Client().get(image.removeprefix("http://testserver")).status_code == 200
    card = serving.call_args.args[1]
    drawn = str(asdict(card))
    assert BODY not in drawn and REPLY not in drawn and "1 rating" in card.byline
    return recap_sight(as_visitor)


SEARCH_SPOILER_NOTE = "It contains spoilers, so its words are not shown here"
SEARCH_WITHHELD_NOTE = "Hidden until you watch this episode, as your settings ask."


def in_search(scene: Scene) -> tuple[Sight, Sight]:
    """The search page, found by their own words: the review and the reply under it are
    listed (whose, of which episode), and their words shown only where the reader may read
    them whole, in the snippet and its marks alike."""

    def seen(text: str, item: Review) -> Sight:
        page = page_of(scene.client.get("/search/", {"q": text, "kind": "reviews"}))
        (hit,) = page.find_all("article", id=f"found-review-{item.pk}")
        if SEARCH_WITHHELD_NOTE in hit.words:
            assert text not in hit.words and not hit.find_all("mark")
            return WITHHELD
        if SEARCH_SPOILER_NOTE in hit.words:
            assert text not in hit.words and not hit.find_all("mark")
            return SHIELDED
        assert text in hit.words and hit.find_all("mark")
        return FULL

    return seen(BODY, scene.review), seen(REPLY, scene.reply)


def in_activity_feed(scene: Scene) -> tuple[Sight, Sight]:
    """The author's and the replier's activity feeds (community/feeds.py): read as visitors."""

    def seen(handle: str, text: str) -> Sight:
        feed = Client().get(f"/feeds/u/{handle}/activity/").content.decode()
        if text in feed:
            return FULL
        assert "It contains spoilers." in feed and "Read it on the site." in feed
        return SHIELDED

    return seen(scene.author.handle, BODY), seen(scene.reply.member.handle, REPLY)


def on_activity_page(scene: Scene) -> tuple[Sight | None, Sight]:
    """The reader's activity page (/me/activity/), following the author and the replier. A
    visitor has none: they read a member's activity in its feed. An author's own review is
    not in their activity (only the people they follow are): None."""
    if scene.token is None:
        return in_activity_feed(scene)
    reader = AccessToken.objects.matching(scene.token).get().member
    for person in (scene.author, scene.reply.member):
        if person.pk != reader.pk:
            Follow.objects.get_or_create(follower=reader, followed=person)
    page = page_of(scene.client.get("/me/activity/"))
    items = [n for n in page.iter() if "activity-item" in (n.attrs.get("class") or "").split()]

    def seen(item: Review, text: str) -> Sight | None:
        found = [
            n
            for n in items
            if n.find_all("a", href=f"{item.episode.get_absolute_url()}#review-{item.pk}")
        ]
        if not found:
            return None
        (node,) = found
        if WITHHELD_NOTE in node.words:
            assert text not in node.words
            return WITHHELD
        if any(text in d.words for d in node.find_all("details", **{"class": "spoiler"})):
            return SHIELDED
        assert text in node.words
        return FULL

    review = seen(scene.review, BODY)
    if review is not None:  # the author's rating, beside their review
        (rating,) = [n for n in items if n.words.startswith("The Author rated")]
        assert (WITHHELD_NOTE in rating.words) is (review is WITHHELD)
        assert ("★" in rating.words) is (review is not WITHHELD)
    return review, seen(scene.reply, REPLY)


NOTIFIED_SHIELDED = "may spoil episode 3, which you have not watched"
NOTIFIED_WITHHELD = "Its words are hidden until you watch episode 3."


def notified(scene: Scene):
    """The reader mentioned in the review and in the reply (rows written as they are, so that
    the author too can be the reader); None for a visitor, who has no notifications."""
    from django.contrib.auth import SESSION_KEY

    from notifications.models import Notification

    if scene.token is None:
        return None
    reader = User.objects.get(pk=scene.client.session[SESSION_KEY])
    return reader, [
        Notification.objects.get_or_create(
            recipient=reader, kind="mention", actor=item.member, review=item
        )[0]
        for item in (scene.review, scene.reply)
    ]


def sight_in_words(words: str, text: str) -> Sight:
    if text in words:
        return FULL
    if NOTIFIED_SHIELDED in words:
        return SHIELDED
    assert NOTIFIED_WITHHELD in words, words
    return WITHHELD


def as_a_visitor_would(scene: Scene) -> tuple[Sight, Sight]:
    """A visitor has no notifications: the lines as notifications/display.py words them for a
    visitor, the same code the page, the emails and the API ask."""
    from notifications.display import lines_of
    from notifications.models import Notification

    rows = [
        Notification(recipient=scene.author, kind="mention", actor=item.member, review=item)
        for item in (scene.review, scene.reply)
    ]
    review, reply = (lines_of([row], VISITOR)[0] for row in rows)
    return (
        sight_in_words(f"{review.excerpt} {review.held_back}", BODY),
        sight_in_words(f"{reply.excerpt} {reply.held_back}", REPLY),
    )


def on_notifications_page(scene: Scene) -> tuple[Sight, Sight]:
    """The reader's notifications page: who mentioned them in which episode's review, and the
    words only where the rule shows them whole."""
    if notified(scene) is None:
        return as_a_visitor_would(scene)
    page = page_of(scene.client.get("/me/notifications/"))
    items = page.find("ul", class_="notification-list").find_all("li")
    mentions = [item.words for item in items if "mentioned you" in item.words]
    by_kind = {("reply" if "in a reply" in words else "review"): words for words in mentions}
    return sight_in_words(by_kind["review"], BODY), sight_in_words(by_kind["reply"], REPLY)


def in_notification_email(scene: Scene) -> tuple[Sight, Sight]:
    """The email of each notification, subject and body: never a word the rule withholds."""
    from notifications.emails import one_email

    found = notified(scene)
    if found is None:
        return as_a_visitor_would(scene)
    _reader, (review, reply) = found
    emails = [one_email(review), one_email(reply)]
    for email in emails:
        assert "episode 3" in email.subject and email.extra_headers["List-Unsubscribe"]
    return (
        sight_in_words(emails[0].subject + emails[0].body, BODY),
        sight_in_words(emails[1].subject + emails[1].body, REPLY),
    )


def in_notifications_api(scene: Scene) -> tuple[Sight, Sight]:
    """The reader's notifications in the API, read with their token."""
    if notified(scene) is None:
        return as_a_visitor_would(scene)
    headers = {"Authorization": f"Bearer {scene.token}"}
    items = Client().get("/api/v1/me/notifications", headers=headers).json()["results"]
    by_review = {item["review"]: item for item in items if item["kind"] == "mention"}
    return (
        seen_in_api(by_review[scene.review.pk], BODY),
        seen_in_api(by_review[scene.reply.pk], REPLY),
    )


# name: (how it reads the scene, whether it reads as the reader or always as a visitor)
SURFACES: dict[str, tuple[Callable[[Scene], tuple[Sight, Sight]], bool]] = {
    "episode page": (on_episode_page, True),
    "episode page from a skeleton": (on_episode_page_from_a_skeleton, True),
    "profile": (on_profile, True),
    "feed": (in_feed, False),
    "API": (in_api, True),
    "share image": (in_share_image, False),
    "search": (in_search, True),
    "notifications page": (on_notifications_page, True),
    "notification email": (in_notification_email, True),
    "notifications API": (in_notifications_api, True),
    "recap": (on_recap, True),
    "recap share image": (in_recap_share_image, False),
    "activity page": (on_activity_page, True),
    "activity feed": (in_activity_feed, False),
}


def set_the_scene(episodes, flags, reader, hide_unwatched) -> Scene:
    is_spoiler, spoils_up_to = flags
    author = make_member("author@example.com", "author", display_name="The Author")
    review = services.review_post(
        member=author,
        episode=episodes[2],
        body=BODY,
        is_spoiler=is_spoiler,
        spoils_up_to=spoils_up_to,
    )
    services.rating_set(member=author, episode=episodes[2], score=8)
    replier = make_member("replier@example.com", "replier")
    reply = services.review_post(member=replier, episode=episodes[2], body=REPLY, parent=review)
    if reader == "visitor":
        return Scene(review, reply, author, Client(), None)
    member = author if reader == "author" else make_member(f"{reader}@example.com", reader[:20])
    User.objects.filter(pk=member.pk).update(hide_unwatched=hide_unwatched)
    member.refresh_from_db()
    for number in READER_WATCHES[reader]:
        services.watch_add(member=member, episode=episodes[number - 1], watched_on=PREMIERE)
    _, token = AccessToken.objects.create_for(member, "reader")
    return Scene(review, reply, author, signed_in(member), token)


@pytest.fixture
def episodes(seeded) -> list[Episode]:
    return list(
        Episode.objects.select_related("season").filter(season__number=1).order_by("number")
    )


@pytest.mark.parametrize(("flags", "reader", "hide_unwatched"), CASES)
def test_every_surface_shows_what_the_rule_says(episodes, flags, reader, hide_unwatched):
    scene = set_the_scene(episodes, flags, reader, hide_unwatched)
    as_reader = expected(flags, reader, hide_unwatched)
    as_visitor = expected(flags, "visitor", False)
    # The reply is read as its thread's review, but by the review's author, who reads it whole.
    reply_as_reader = as_reader if reader != "author" else FULL

    seen = {name: read(scene) for name, (read, _) in SURFACES.items()}

    wanted = {
        name: (as_reader, reply_as_reader) if per_reader else (as_visitor, as_visitor)
        for name, (_, per_reader) in SURFACES.items()
    }
    wanted["profile"] = (as_reader, as_reader)  # the profile lists the author's own words only
    wanted["recap"] = (as_reader, as_reader)  # and so does the recap
    if reader == "author":
        wanted["activity page"] = (None, FULL)  # one's own review is not in one's activity
    if hide_unwatched and 3 not in READER_WATCHES[reader]:
        # The episode page asks first about the episode as a whole, which belongs to nobody:
        # its whole review section waits, the reader's own review with it.
        wanted["episode page"] = (WITHHELD, WITHHELD)
        wanted["episode page from a skeleton"] = (WITHHELD, WITHHELD)
    assert seen == wanted
