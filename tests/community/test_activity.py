"""The activity page (/me/activity/): what the people a member follows did, newest first,
grouped as a person tells it, paged by a cursor, never spoiling an episode the reader has not
watched, and without the members they blocked or muted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Episode
from community.activity import PAGE_SIZE, Cursor
from members import services as member_services
from members.models import Follow, User
from reviews import services
from reviews.models import Rating, Watch
from tests.factories import make_member, many_reviews, signed_in
from tests.pages import page_of, text_of

pytestmark = pytest.mark.django_db

ACTIVITY = "/me/activity/"
DAY = datetime.date(2025, 5, 1)


@pytest.fixture
def critic(db):
    return make_member("critic@example.com", "critic", display_name="The Critic")


@pytest.fixture
def season_episodes(seeded) -> list[Episode]:
    return list(
        Episode.objects.select_related("season").filter(season__number=1).order_by("number")
    )


def follow(a, b):
    member_services.follow_set(follower=a, followed=b, following=True)


def items_of(client, url=ACTIVITY) -> list[str]:
    return [node.words for node in _items(page_of(client.get(url)))]


def _items(node):
    found = []
    if (
        "activity-item" in (node.attrs.get("class") or "").split()
        if hasattr(node, "attrs")
        else False
    ):
        found.append(node)
    for child in getattr(node, "children", []):
        if not isinstance(child, str):
            found += _items(child)
    return found


def test_each_kind_shows_newest_first(client, odette, odile, critic, season_episodes):
    follow(odette, odile)
    e3, e4 = season_episodes[2], season_episodes[3]
    services.watch_add(member=odile, episode=e3, watched_on=DAY)
    services.rating_set(member=odile, episode=e3, score=8)
    services.review_post(member=odile, episode=e3, body="The pas de deux.")
    follow(odile, critic)
    review = services.review_post(member=critic, episode=e4, body="Not followed: not shown.")
    services.review_post(member=odile, episode=e4, body="Quite right.", parent=review)
    items = items_of(client)
    assert len(items) == 5
    assert items[0].startswith("Odile Black replied to The Critic on")
    assert "Quite right." in items[0]
    assert items[1].startswith("Odile Black followed The Critic")
    assert items[2].startswith("Odile Black reviewed") and "The pas de deux." in items[2]
    assert items[3].startswith("Odile Black rated") and "4 stars" not in items[3]
    assert items[4].startswith("Odile Black watched")
    assert not any("Not followed" in item for item in items)


def test_consecutive_watches_within_a_day_read_as_one(client, odette, odile, season_episodes):
    follow(odette, odile)
    for episode in season_episodes[2:5]:
        services.watch_add(member=odile, episode=episode, watched_on=DAY)
    items = items_of(client)
    assert len(items) == 1
    assert items[0].startswith("Odile Black watched episodes 3–5")


def test_watching_and_rating_in_turn_read_as_two_groups_until_a_review(
    client, odette, odile, season_episodes
):
    """Watch an episode, rate it, watch the next: as a person does it, and tells it."""
    follow(odette, odile)
    for episode in season_episodes[2:5]:
        services.watch_add(member=odile, episode=episode, watched_on=DAY)
        services.rating_set(member=odile, episode=episode, score=8)
    services.review_post(member=odile, episode=season_episodes[4], body="What a night.")
    services.watch_add(member=odile, episode=season_episodes[5], watched_on=DAY)
    items = items_of(client)
    assert [item.split(" December")[0].split(" ★")[0] for item in items] == [
        "Odile Black watched Episode 6",
        "Odile Black reviewed Episode 5",
        "Odile Black rated episodes 3–5",
        "Odile Black watched episodes 3–5",
    ]


def test_spoilers_are_collapsed_and_hidden_episodes_give_nothing(
    client, odette, odile, season_episodes
):
    follow(odette, odile)
    e5 = season_episodes[4]
    services.rating_set(member=odile, episode=e5, score=9)
    services.review_post(member=odile, episode=e5, body="The fall in act two.", is_spoiler=True)
    page = page_of(client.get(ACTIVITY))
    spoiler = page.find("details")
    assert spoiler is not None and "The fall in act two." in spoiler.words  # behind "Show spoiler"
    odette.hide_unwatched = True
    odette.save()
    html = client.get(ACTIVITY).content.decode()
    assert "The fall in act two." not in html
    assert "4½ stars" not in html
    assert text_of(html).count("Hidden until you watch it") == 2
    assert "Odile Black reviewed" in text_of(html)
    services.watch_add(member=odette, episode=e5, watched_on=DAY)
    html = signed_in(odette).get(ACTIVITY).content.decode()
    assert "The fall in act two." in html and "<details" not in html.split("activity-list")[1]


def test_muted_and_blocked_members_are_left_out(client, odette, odile, critic, episode):
    follow(odette, odile)
    follow(odette, critic)
    services.review_post(member=odile, episode=episode, body="Odile's words.")
    services.review_post(member=critic, episode=episode, body="The critic's words.")
    member_services.mute_set(muter=odette, muted=odile, muting=True)
    html = client.get(ACTIVITY).content.decode()
    assert "Odile&#x27;s words." not in html and "critic&#x27;s words." in html
    member_services.block_set(blocker=critic, blocked=odette, blocking=True)
    html = client.get(ACTIVITY).content.decode()
    assert "critic&#x27;s words." not in html


def test_older_pages_follow_a_cursor_without_counting(client, odette, odile, episode):
    follow(odette, odile)
    many_reviews(odile, episode, PAGE_SIZE + 5)
    first = client.get(ACTIVITY)
    older = page_of(first).find("a", rel="next")
    assert older is not None
    with CaptureQueriesContext(connection) as captured:
        second = client.get(
            older.attrs["href"]
            if older.attrs["href"].startswith("/")
            else ACTIVITY + older.attrs["href"]
        )
    # The reader's own watches are summed (the spoiler rule's input) and the header counts
    # their unread notifications; nothing of the activity is counted.
    counted = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert not [sql for sql in counted if "notification" not in sql.lower()], counted
    assert len(items_of_response(first)) == PAGE_SIZE
    texts = items_of_response(second)
    assert len(texts) == 5
    assert "Review number 0." in texts[-1]
    assert not page_of(second).find_all("a", rel="next")
    # A cursor that is not one is the first page, not an error.
    assert client.get(ACTIVITY + "?before=nonsense").status_code == 200


def items_of_response(response) -> list[str]:
    return [node.words for node in _items(page_of(response))]


def test_cursor_round_trip():
    at = timezone.now()
    assert Cursor.decode(Cursor(at, 2, 17).encode()) == Cursor(at, 2, 17)
    assert Cursor.decode("20250101T000000.000000Z_9_1") is None
    assert Cursor.decode(None) is None


def many_follows(member: User, count: int) -> list[User]:
    people = User.objects.bulk_create(
        User(email=f"p{i}@example.com", handle=f"p-{i}") for i in range(count)
    )
    Follow.objects.bulk_create(Follow(follower=member, followed=person) for person in people)
    return people


def every_kind(person: User, other: User, episode: Episode) -> None:
    """A review, a rating, a watch and a follow by `person`: a page with all four kinds."""
    services.review_post(member=person, episode=episode, body="Every kind.")
    services.rating_set(member=person, episode=episode, score=8)
    services.watch_add(member=person, episode=episode, watched_on=DAY)
    follow(person, other)


def test_the_activity_page_costs_the_same_queries_with_one_follow_or_five_thousand(
    client, odette, odile, critic, season_episodes
):
    follow(odette, odile)
    every_kind(odile, critic, season_episodes[0])
    client.get(ACTIVITY)
    with CaptureQueriesContext(connection) as one:
        client.get(ACTIVITY)
    people = many_follows(odette, 5000)
    Watch.objects.bulk_create(
        Watch(member=person, episode=season_episodes[n % 8], watched_on=DAY)
        for n, person in enumerate(people[:500])
    )
    Rating.objects.bulk_create(
        Rating(member=person, episode=season_episodes[n % 8], score=6)
        for n, person in enumerate(people[:500])
    )
    many_reviews(people[0], season_episodes[2], 200)
    every_kind(people[1], critic, season_episodes[3])
    with CaptureQueriesContext(connection) as many:
        response = client.get(ACTIVITY)
    texts = items_of_response(response)
    assert len(texts) >= PAGE_SIZE // 2
    assert any("followed The Critic" in text for text in texts)
    assert any("reviewed" in text for text in texts)
    # The page's keys in one query, then the rows of each of the four kinds on it.
    keys = [q["sql"] for q in many.captured_queries if ") everything ORDER BY" in q["sql"]]
    assert len(keys) == 1
    assert len(one) == len(many)


def test_the_home_page_costs_the_same_queries_with_one_follow_or_five_thousand(
    client, odette, odile, critic, season_episodes
):
    follow(odette, odile)
    every_kind(odile, critic, season_episodes[0])
    client.get("/")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    people = many_follows(odette, 5000)
    Rating.objects.bulk_create(
        Rating(member=person, episode=season_episodes[n % 8], score=6)
        for n, person in enumerate(people[:500])
    )
    every_kind(people[1], critic, season_episodes[3])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert "followed The Critic" in text_of(response.content.decode())
    assert len(one) == len(many)


def test_a_reply_to_someone_muted_is_left_out(client, odette, odile, critic, episode):
    follow(odette, odile)
    theirs = services.review_post(member=critic, episode=episode, body="The critic's review.")
    services.review_post(
        member=odile, episode=episode, body="An answer to the critic.", parent=theirs
    )
    services.review_post(member=odile, episode=episode, body="Odile's own review.")
    member_services.mute_set(muter=odette, muted=critic, muting=True)
    texts = items_of(client)
    assert len(texts) == 1 and "Odile's own review." in texts[0]


# Items are kept drawn per process (community/drawn.py), keyed by all they show.


def test_a_kept_item_shows_an_edit_a_new_name_a_new_score_and_an_unwatched_episode(
    client, odette, odile, season_episodes
):
    follow(odette, odile)
    e3 = season_episodes[2]
    review = services.review_post(member=odile, episode=e3, body="First thoughts.")
    services.rating_set(member=odile, episode=e3, score=8)
    services.watch_add(member=odette, episode=e3, watched_on=DAY)
    first = items_of(client)
    assert "First thoughts." in first[1] and "★★★★" in first[0]
    services.review_edit(review=review, body="Second thoughts.", is_spoiler=False)
    services.rating_set(member=odile, episode=e3, score=3)
    odile.display_name = "Odile Noire"
    odile.save()
    items = items_of(client)
    assert items[1].startswith("Odile Noire reviewed") and "Second thoughts." in items[1]
    assert "First thoughts." not in items[1]
    assert "★½" in items[0] and "★★★★" not in items[0]
    # The reader takes their watch back, with unwatched episodes hidden: the score is withheld.
    odette.hide_unwatched = True
    odette.save()
    services.watch_undo_last(member=odette, episode=e3)
    items = items_of(client)
    assert "★" not in items[0] and "Hidden until you watch it" in items[0]


def test_a_kept_item_is_never_shown_to_a_reader_who_may_not_see_it(
    client, odette, odile, critic, season_episodes
):
    """The critic has watched the episode and reads the spoiler whole; Odette, who has not,
    reads it behind "Show spoiler", then not at all once she hides unwatched episodes."""
    e5 = season_episodes[4]
    follow(odette, odile)
    follow(critic, odile)
    services.watch_add(member=critic, episode=e5, watched_on=DAY)
    services.review_post(member=odile, episode=e5, body="The fall in act two.", is_spoiler=True)
    critics = signed_in(critic).get(ACTIVITY).content.decode().split("activity-list")[1]
    assert "The fall in act two." in critics and "<details" not in critics
    odettes = client.get(ACTIVITY).content.decode().split("activity-list")[1]
    assert "<details" in odettes  # shielded
    odette.hide_unwatched = True
    odette.save()
    odettes = client.get(ACTIVITY).content.decode()
    assert "The fall in act two." not in odettes
    critics = signed_in(critic).get(ACTIVITY).content.decode().split("activity-list")[1]
    assert "The fall in act two." in critics and "<details" not in critics


def test_a_kept_item_shows_a_mention_once_the_member_exists(client, odette, odile, episode):
    follow(odette, odile)
    services.review_post(member=odile, episode=episode, body="As @newcomer said.")
    assert 'class="mention"' not in client.get(ACTIVITY).content.decode()
    make_member("newcomer@example.com", "newcomer")
    html = client.get(ACTIVITY).content.decode()
    assert '<a class="mention" href="/u/newcomer/">@newcomer</a>' in html
