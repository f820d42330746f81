"""Watchlist, watches, progress, the diary and spoiler protection, as members meet them.

Each test reads what a person would see (the page, the message, the redirect) and checks the
database only to prove that nothing else was written.
"""

import csv
import datetime
import io
import json
import uuid
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from catalog.models import Episode, Season
from members.models import User
from reviews import services
from reviews.models import EpisodeScores, Rating, Review, Watch, WatchlistEntry
from tests.factories import signed_in
from tests.pages import Node, count_queries, page_of, review_article, sign_in_next

pytestmark = pytest.mark.django_db

PREMIERE = datetime.date(2025, 4, 15)
SEASON_URL = "/season/1/"
BEFORE_PREMIERE = "The show was first shown on April 15, 2025; choose that day or later."
IN_THE_FUTURE = "You cannot have watched it in the future."
NOT_A_DATE = "Enter a date such as 2025-04-24."
HIDDEN_NOTICE = "You asked to keep scores and reviews hidden until you have watched an episode."


def episode_url(number: int) -> str:
    return f"/season/1/episode/{number}/"


def today() -> datetime.date:
    return timezone.localdate()


# Members, episodes and what they did ---------------------------------------------------------


@pytest.fixture
def episodes(seeded) -> list[Episode]:
    found = list(
        Episode.objects.select_related("season__show").filter(season__number=1).order_by("number")
    )
    assert len(found) == 8
    return found


@pytest.fixture
def season(episodes) -> Season:
    return episodes[0].season


def watch(member: User, episode: Episode, on: datetime.date | None = None) -> Watch:
    return services.watch_add(member=member, episode=episode, watched_on=on or today())


def mark_watched(client: Client, number: int, on=None, key=None, **extra):
    data = {
        "watched_on": str(today() if on is None else on),
        "submission_key": str(key or uuid.uuid4()),
    }
    return client.post(reverse("reviews:watch-add", args=[1, number]), {**data, **extra})


def undo(client: Client, number: int):
    return client.post(reverse("reviews:watch-undo", args=[1, number]))


def toggle_watchlist(client: Client, number: int, action: str = "add"):
    return client.post(reverse("reviews:watchlist-toggle", args=[1, number]), {"action": action})


def track_season(client: Client, action: str = "watched", on=None):
    data = {"action": action}
    if action == "watched":
        data["watched_on"] = str(on or today())
    return client.post(reverse("reviews:season-track", args=[1]), data)


def watches_of(member: User, episode: Episode | None = None) -> int:
    found = Watch.objects.filter(member=member)
    return (found.filter(episode=episode) if episode else found).count()


def watchlist_numbers(member: User) -> list[int]:
    return sorted(
        WatchlistEntry.objects.filter(member=member).values_list("episode__number", flat=True)
    )


def snapshot() -> dict:
    return {
        "watches": list(
            Watch.objects.order_by("pk").values_list(
                "pk", "member_id", "episode_id", "watched_on", "submission_key"
            )
        ),
        "watchlist": list(
            WatchlistEntry.objects.order_by("pk").values_list("pk", "member_id", "episode_id")
        ),
    }


def watch_panel(page: Node) -> Node:
    return page.find("section", id="watching")


def messages_of(page: Node) -> str:
    found = page.with_class("messages")
    return found[0].words if found else ""


def buttons(node: Node) -> list[str]:
    return [button.words for button in node.find_all("button")]


def progress_label(node: Node) -> str:
    return node.with_class("progress__label")[0].words


def up_next(node: Node) -> str:
    return node.with_class("progress__next")[0].words


def member_menu(page: Node) -> Node:
    return page.find("nav", aria_label="Your account")


# The watchlist -------------------------------------------------------------------------------


def test_adding_an_episode_to_the_watchlist_and_removing_it_again(client, odette, episodes):
    response = toggle_watchlist(client, 3)

    assert response.status_code == 302
    assert response["Location"] == f"{episode_url(3)}#watching"
    page = page_of(client.get(response["Location"]))
    assert "Added to your watchlist." in messages_of(page)
    assert "Remove from watchlist" in buttons(watch_panel(page))
    assert "Add to watchlist" not in buttons(watch_panel(page))
    listed = page_of(client.get("/me/watchlist/")).find("ol", **{"class": "watchlist"})
    assert [a.words for a in listed.with_class("watchlist__title")] == ["Episode 3"]

    response = toggle_watchlist(client, 3, "remove")

    page = page_of(client.get(response["Location"]))
    assert "Removed from your watchlist." in messages_of(page)
    assert "Add to watchlist" in buttons(watch_panel(page))
    watchlist_page = page_of(client.get("/me/watchlist/"))
    assert not watchlist_page.with_class("watchlist")
    assert "Nothing here yet." in watchlist_page.find("main").words
    assert watchlist_numbers(odette) == []


def test_removing_from_the_watchlist_page_returns_to_the_watchlist(client, odette, episodes):
    services.watchlist_add(member=odette, episodes=episodes[:2])

    response = client.post(
        reverse("reviews:watchlist-toggle", args=[1, 1]),
        {"action": "remove", "next": "/me/watchlist/"},
    )

    assert response["Location"] == "/me/watchlist/"
    page = page_of(client.get("/me/watchlist/"))
    assert [a.words for a in page.with_class("watchlist__title")] == ["Episode 2"]


def test_a_next_address_on_another_site_is_ignored(client, odette, episodes):
    response = client.post(
        reverse("reviews:watchlist-toggle", args=[1, 1]),
        {"action": "add", "next": "https://evil.example.com/"},
    )

    assert response["Location"] == f"{episode_url(1)}#watching"


def test_adding_the_whole_season_puts_all_eight_episodes_on_the_watchlist_once(
    client, odette, episodes
):
    toggle_watchlist(client, 2)

    response = track_season(client, "watchlist")

    assert response["Location"] == SEASON_URL
    assert "The season is on your watchlist." in messages_of(page_of(client.get(SEASON_URL)))
    page = page_of(client.get("/me/watchlist/"))
    assert [a.words for a in page.with_class("watchlist__title")] == [
        f"Episode {n}" for n in range(1, 9)
    ]

    track_season(client, "watchlist")

    assert watchlist_numbers(odette) == list(range(1, 9))
    assert len(page_of(client.get("/me/watchlist/")).with_class("watchlist__item")) == 8


def test_removing_the_whole_season_empties_the_watchlist_in_one_step(client, odette, episodes):
    track_season(client, "watchlist")

    response = track_season(client, "unwatchlist")

    assert response["Location"] == SEASON_URL
    assert "The season is off your watchlist." in messages_of(page_of(client.get(SEASON_URL)))
    assert watchlist_numbers(odette) == []
    assert "Nothing here yet." in page_of(client.get("/me/watchlist/")).words


def test_adding_to_the_watchlist_twice_keeps_one_entry(client, odette, episodes):
    toggle_watchlist(client, 4)
    toggle_watchlist(client, 4)

    assert watchlist_numbers(odette) == [4]


def test_marking_an_episode_watched_takes_it_off_the_watchlist(client, odette, episodes):
    services.watchlist_add(member=odette, episodes=episodes[:3])

    mark_watched(client, 2)

    page = page_of(client.get("/me/watchlist/"))
    assert [a.words for a in page.with_class("watchlist__title")] == ["Episode 1", "Episode 3"]
    assert "Add to watchlist" in buttons(watch_panel(page_of(client.get(episode_url(2)))))


def test_watched_today_on_the_watchlist_marks_it_and_returns_to_the_watchlist(
    client, odette, episodes
):
    services.watchlist_add(member=odette, episodes=episodes[:2])
    page = page_of(client.get("/me/watchlist/"))
    form = next(
        f
        for f in page.find_all("form")
        if f.attrs["action"] == reverse("reviews:watch-add", args=[1, 1])
    )
    data = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input")}
    assert data["watched_on"] == today().isoformat()

    response = client.post(form.attrs["action"], data)
    again = client.post(form.attrs["action"], data)

    assert response["Location"] == again["Location"] == "/me/watchlist/"
    assert watches_of(odette, episodes[0]) == 1
    assert watchlist_numbers(odette) == [2]


# Watches and their undo ----------------------------------------------------------------------


def test_the_watch_form_offers_today_and_a_fresh_submission_key(client, odette, episodes):
    panel = watch_panel(page_of(client.get(episode_url(3))))

    assert "You have not marked this episode watched." in panel.words
    date = panel.find("input", name="watched_on")
    assert date.attrs["value"] == today().isoformat()
    assert date.attrs["min"] == "2025-04-15"
    assert date.attrs["max"] == today().isoformat()
    key = panel.find("input", name="submission_key")
    assert uuid.UUID(key.attrs["value"])
    assert "Mark watched" in buttons(panel)
    assert "Undo the last mark" not in buttons(panel)
    other_key = watch_panel(page_of(client.get(episode_url(3)))).find(
        "input", name="submission_key"
    )
    assert other_key.attrs["value"] != key.attrs["value"]


def test_watching_rewatching_and_undoing_each_show_on_the_episode_and_the_diary(
    client, odette, episodes
):
    ep = episodes[2]
    diary = f"/u/{odette.handle}/diary/"

    response = mark_watched(client, 3, on=PREMIERE)

    assert response["Location"] == f"{episode_url(3)}#watching"
    page = page_of(client.get(response["Location"]))
    assert "Marked as watched." in messages_of(page)
    panel = watch_panel(page)
    assert "You watched it on April 15, 2025." in panel.words
    assert "Watched it again" in buttons(panel)
    assert "Undo the last mark" in buttons(panel)

    mark_watched(client, 3)

    panel = watch_panel(page_of(client.get(episode_url(3))))
    assert (
        f"You have watched it 2 times, last on {date_format(today(), 'DATE_FORMAT')}."
        in panel.words
    )
    rows = page_of(client.get(diary)).find("tbody").find_all("tr")
    assert [row.find_all("td")[1].words for row in rows] == ["Rewatch (2)", "First watch"]
    assert watches_of(odette, ep) == 2

    response = undo(client, 3)

    assert response["Location"] == f"{episode_url(3)}#watching"
    page = page_of(client.get(response["Location"]))
    assert "Your last watch of this episode was taken back." in messages_of(page)
    assert "You watched it on April 15, 2025." in watch_panel(page).words
    assert watches_of(odette, ep) == 1
    rows = page_of(client.get(diary)).find("tbody").find_all("tr")
    assert [row.find_all("td")[1].words for row in rows] == ["First watch"]

    undo(client, 3)

    panel = watch_panel(page_of(client.get(episode_url(3))))
    assert "You have not marked this episode watched." in panel.words
    assert "Undo the last mark" not in buttons(panel)
    assert watches_of(odette, ep) == 0
    assert "Nothing watched yet." in page_of(client.get(diary)).find("main").words

    before = snapshot()
    response = undo(client, 3)

    assert response.status_code == 302
    assert "taken back" not in messages_of(page_of(client.get(response["Location"])))
    assert snapshot() == before


def test_undo_takes_back_the_latest_mark_even_when_it_has_the_earlier_date(
    client, odette, episodes
):
    mark_watched(client, 3, on=today())
    mark_watched(client, 3, on=PREMIERE)

    undo(client, 3)

    assert list(Watch.objects.values_list("watched_on", flat=True)) == [today()]


def test_marking_the_whole_season_watched_adds_only_the_episodes_not_yet_seen(
    client, odette, episodes
):
    watch(odette, episodes[1], PREMIERE)
    watch(odette, episodes[4], PREMIERE)
    services.watchlist_add(member=odette, episodes=episodes)

    response = track_season(client, on=PREMIERE + datetime.timedelta(days=9))

    assert response["Location"] == SEASON_URL
    page = page_of(client.get(SEASON_URL))
    assert "6 episodes marked as watched." in messages_of(page)
    assert progress_label(page.find("main")) == "8 of 8 watched"
    assert watches_of(odette) == 8
    assert all(watches_of(odette, e) == 1 for e in episodes)
    assert watchlist_numbers(odette) == []

    before = snapshot()
    track_season(client)

    assert "0 episodes marked as watched." in messages_of(page_of(client.get(SEASON_URL)))
    assert snapshot() == before


def test_the_season_form_offers_today(client, odette, episodes):
    page = page_of(client.get(SEASON_URL))

    date = page.find("input", id="season-1-watched-on")
    assert date.attrs["value"] == date.attrs["max"] == today().isoformat()
    assert "Mark the whole season watched" in buttons(page.find("main"))
    assert "Add the season to my watchlist" in buttons(page.find("main"))


# Watch dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (lambda: (today() + datetime.timedelta(days=1)).isoformat(), IN_THE_FUTURE),
        (lambda: "2025-04-14", BEFORE_PREMIERE),
        (lambda: "2024-12-31", BEFORE_PREMIERE),
        (lambda: "2025-13-45", NOT_A_DATE),
        (lambda: "yesterday", NOT_A_DATE),
        (lambda: "", "This field is required."),
    ],
    ids=["tomorrow", "day-before-premiere", "last-year", "malformed", "words", "empty"],
)
def test_a_refused_watch_date_is_explained_on_the_field_and_kept(
    client, odette, episodes, typed, message
):
    value = typed()
    key = uuid.uuid4()

    response = mark_watched(client, 3, on=value, key=key)

    assert response.status_code == 400
    page = page_of(response)
    panel = watch_panel(page)
    date = panel.find("input", name="watched_on")
    assert date.attrs["aria-invalid"] == "true"
    assert date.attrs["aria-describedby"] == "id_watched_on_error"
    assert date.attrs["value"] == value
    assert page.find(id="id_watched_on_error").words == message
    invalid = [n for n in panel.with_class("field--invalid") if date in list(n.iter())]
    assert invalid, "the field is marked invalid"
    # The same key comes back, so correcting the date and sending again makes one watch.
    assert panel.find("input", name="submission_key").attrs["value"] == str(key)
    assert watches_of(odette) == 0


@pytest.mark.parametrize("when", ["premiere", "today"])
def test_the_premiere_day_and_today_are_accepted(client, odette, episodes, when):
    day = PREMIERE if when == "premiere" else today()

    response = mark_watched(client, 3, on=day)

    assert response.status_code == 302
    assert list(Watch.objects.values_list("watched_on", flat=True)) == [day]


def test_the_rules_refuse_a_watch_outside_the_dates(odette, episodes):
    with pytest.raises(services.WatchDateError, match="in the future"):
        watch(odette, episodes[0], today() + datetime.timedelta(days=1))
    with pytest.raises(services.WatchDateError, match="April 15, 2025"):
        watch(odette, episodes[0], PREMIERE - datetime.timedelta(days=1))
    with pytest.raises(services.WatchDateError, match="in the future"):
        services.watch_season(
            member=odette, season=episodes[0].season, watched_on=today() + datetime.timedelta(1)
        )
    assert services.earliest_watch_date(episodes[0]) == PREMIERE
    assert not Watch.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (lambda: (today() + datetime.timedelta(days=1)).isoformat(), IN_THE_FUTURE),
        (lambda: "2025-04-14", BEFORE_PREMIERE),
        (lambda: "2025-13-45", "Enter the date you watched it, such as 2025-04-24."),
        (lambda: "yesterday", "Enter the date you watched it, such as 2025-04-24."),
    ],
    ids=["tomorrow", "before-premiere", "malformed", "words"],
)
def test_a_refused_season_date_is_explained_in_a_message_after_the_redirect(
    client, odette, episodes, typed, message
):
    response = track_season(client, on=typed())

    assert response.status_code == 302
    assert response["Location"] == SEASON_URL
    page = page_of(client.get(SEASON_URL))
    assert messages_of(page) == message
    assert progress_label(page.find("main")) == "0 of 8 watched"
    assert not Watch.objects.exists()


# Double posts --------------------------------------------------------------------------------


def test_the_same_watch_form_posted_twice_makes_one_watch(client, odette, episodes):
    key = uuid.uuid4()

    first = mark_watched(client, 3, key=key)
    second = mark_watched(client, 3, key=key)

    assert first.status_code == second.status_code == 302
    assert watches_of(odette) == 1
    assert "You watched it on" in watch_panel(page_of(client.get(episode_url(3)))).words


def test_two_watch_forms_make_a_rewatch(client, odette, episodes):
    mark_watched(client, 3)
    mark_watched(client, 3)

    assert watches_of(odette, episodes[2]) == 2


def test_another_members_submission_key_does_not_swallow_a_watch(client, odette, odile, episodes):
    key = uuid.uuid4()
    services.watch_add(member=odile, episode=episodes[2], watched_on=today(), submission_key=key)

    mark_watched(client, 3, key=key)

    assert watches_of(odette) == 1
    assert watches_of(odile) == 1


def test_marking_the_whole_season_twice_makes_eight_watches(client, odette, episodes):
    track_season(client)
    track_season(client)

    assert watches_of(odette) == 8


# Permissions ---------------------------------------------------------------------------------


TRACKING_POSTS = {
    "watchlist-toggle": (
        reverse("reviews:watchlist-toggle", args=[1, 3]),
        {"action": "add"},
        f"{episode_url(3)}#watching",
    ),
    "watchlist-remove": (
        reverse("reviews:watchlist-toggle", args=[1, 3]),
        {"action": "remove"},
        f"{episode_url(3)}#watching",
    ),
    "watch-add": (
        reverse("reviews:watch-add", args=[1, 3]),
        {"watched_on": "2025-04-20", "submission_key": str(uuid.uuid4())},
        f"{episode_url(3)}#watching",
    ),
    "watch-undo": (reverse("reviews:watch-undo", args=[1, 3]), {}, f"{episode_url(3)}#watching"),
    "season-watchlist": (
        reverse("reviews:season-track", args=[1]),
        {"action": "watchlist"},
        SEASON_URL,
    ),
    "season-watched": (
        reverse("reviews:season-track", args=[1]),
        {"action": "watched", "watched_on": "2025-04-20"},
        SEASON_URL,
    ),
}


@pytest.fixture
def odile_has_tracked(odile, episodes) -> None:
    """Another member's data, so that "nothing written" also means nothing of theirs lost."""
    watch(odile, episodes[2], PREMIERE)
    services.watchlist_add(member=odile, episodes=[episodes[2]])


@pytest.mark.parametrize("action", TRACKING_POSTS)
def test_a_visitor_who_tracks_is_sent_to_sign_in_and_back_and_nothing_is_written(
    odile_has_tracked, action
):
    url, data, back_to = TRACKING_POSTS[action]
    before = snapshot()

    response = Client().post(url, data)

    assert response.status_code == 302
    assert sign_in_next(response) == back_to
    assert snapshot() == before


@pytest.mark.parametrize("action", TRACKING_POSTS)
def test_a_visitor_who_tracks_through_htmx_is_sent_to_sign_in(odile_has_tracked, action):
    url, data, back_to = TRACKING_POSTS[action]
    before = snapshot()

    response = Client().post(url, data, headers={"HX-Request": "true"})

    assert sign_in_next(response) == back_to
    assert snapshot() == before


@pytest.mark.parametrize("signed_in_as", ["visitor", "member"])
@pytest.mark.parametrize(
    "action", ["watchlist-toggle", "watch-add", "watch-undo", "season-watched"]
)
def test_tracking_addresses_refuse_a_get(client, odette, odile_has_tracked, action, signed_in_as):
    url, _, _ = TRACKING_POSTS[action]
    viewer = client if signed_in_as == "member" else Client()
    before = snapshot()

    response = viewer.get(url)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert snapshot() == before


@pytest.mark.parametrize("action", TRACKING_POSTS)
def test_a_tracking_post_without_the_csrf_token_is_refused(odette, odile_has_tracked, action):
    url, data, _ = TRACKING_POSTS[action]
    watch(odette, Episode.objects.get(season__number=1, number=3), PREMIERE)
    services.watchlist_add(member=odette, episodes=Episode.objects.filter(number=3))
    member = signed_in(odette, enforce_csrf_checks=True)
    before = snapshot()

    response = member.post(url, data)

    assert response.status_code == 403
    assert snapshot() == before


def test_a_visitor_who_opens_the_watchlist_is_asked_to_sign_in(seeded):
    response = Client().get("/me/watchlist/")

    assert response.status_code == 302
    assert sign_in_next(response) == "/me/watchlist/"


def test_a_visitor_sees_a_sign_in_link_instead_of_the_watch_buttons(seeded):
    panel = watch_panel(page_of(Client().get(episode_url(3))))

    assert buttons(panel) == []
    link = panel.find("a")
    assert link.words == "Sign in to track what you watch"
    assert link.attrs["href"] == "/accounts/login/?next=/season/1/episode/3/%23watching"


def test_a_members_undo_never_touches_another_members_watches(client, odette, odile, episodes):
    watch(odile, episodes[2], PREMIERE)
    watch(odile, episodes[2])
    watch(odette, episodes[2], PREMIERE)
    services.watchlist_add(member=odile, episodes=episodes)

    undo(client, 3)
    undo(client, 3)

    assert watches_of(odette) == 0
    assert watches_of(odile, episodes[2]) == 2
    assert watchlist_numbers(odile) == list(range(1, 9))


def test_a_members_watchlist_shows_only_their_own_entries(client, odette, odile, episodes):
    services.watchlist_add(member=odile, episodes=episodes[3:])
    services.watchlist_add(member=odette, episodes=[episodes[0]])

    page = page_of(client.get("/me/watchlist/"))

    assert [a.words for a in page.with_class("watchlist__title")] == ["Episode 1"]


# Progress ------------------------------------------------------------------------------------


def test_progress_shows_on_the_season_page_home_and_member_menu(client, odette, episodes):
    for episode in episodes[:4]:
        watch(odette, episode, PREMIERE)
    watch(odette, episodes[0])  # a rewatch is not another episode

    season_page = page_of(client.get(SEASON_URL))
    home = page_of(client.get("/"))

    main = season_page.find("main")
    assert progress_label(main) == "4 of 8 watched"
    assert main.find("progress").attrs["value"] == "4"
    assert main.find("progress").attrs["max"] == "8"
    assert up_next(main) == "Up next: Episode 5"
    assert main.find("a", href=episode_url(5)).words == "Episode 5"
    assert progress_label(home.find("main")) == "4 of 8 watched"
    for page in (season_page, home):
        assert "4 of 8 watched" in member_menu(page).words


@pytest.mark.parametrize(
    ("watched", "expected"),
    [((), "Episode 1"), ((1,), "Episode 2"), ((1, 3, 4), "Episode 2"), ((1, 2, 3, 4), "Episode 5")],
)
def test_up_next_is_the_first_episode_not_yet_watched(client, odette, episodes, watched, expected):
    for number in watched:
        watch(odette, episodes[number - 1])

    main = page_of(client.get(SEASON_URL)).find("main")

    assert up_next(main) == f"Up next: {expected}"
    assert progress_label(main) == f"{len(watched)} of 8 watched"


def test_after_every_episode_the_season_says_so(client, odette, episodes):
    services.watch_season(member=odette, season=episodes[0].season, watched_on=PREMIERE)

    page = page_of(client.get(SEASON_URL))

    assert up_next(page.find("main")) == "You have seen every episode."
    assert "8 of 8 watched" in member_menu(page).words


def test_a_visitor_sees_no_progress(seeded):
    page = page_of(Client().get(SEASON_URL))

    assert not page.with_class("progress")
    assert "watched" not in member_menu(page).words


def test_another_members_watches_do_not_count_in_my_progress(client, odette, odile, episodes):
    services.watch_season(member=odile, season=episodes[0].season, watched_on=PREMIERE)
    watch(odette, episodes[0])

    assert progress_label(page_of(client.get(SEASON_URL)).find("main")) == "1 of 8 watched"


# The diary -----------------------------------------------------------------------------------


def test_the_diary_lists_watches_newest_first_with_rewatches_and_ratings(odette, odile, episodes):
    day = PREMIERE
    watch(odile, episodes[0], day)
    watch(odile, episodes[1], day + datetime.timedelta(days=1))
    watch(odile, episodes[0], day + datetime.timedelta(days=30))
    watch(odile, episodes[0], day + datetime.timedelta(days=2))
    services.rating_set(member=odile, episode=episodes[0], score=7)
    watch(odette, episodes[4], day + datetime.timedelta(days=60))  # not in Odile's diary

    response = Client().get(f"/u/{odile.handle}/diary/")

    page = page_of(response)
    assert "Odile Black" in page.find("main").words
    rows = page.find("tbody").find_all("tr")
    assert [[c.words for c in row.find_all("td")] + [row.find("th").words] for row in rows] == [
        ["May 15, 2025", "Rewatch (3)", "★★★½", "Episode 1"],
        ["April 17, 2025", "Rewatch (2)", "★★★½", "Episode 1"],
        ["April 16, 2025", "First watch", "Not rated", "Episode 2"],
        ["April 15, 2025", "First watch", "★★★½", "Episode 1"],
    ]
    assert rows[0].find(role="img").attrs["aria-label"] == "3½ stars"
    assert rows[0].find("time").attrs["datetime"] == "2025-05-15"
    assert rows[0].find("a").attrs["href"] == episode_url(1)


def test_the_diary_comes_fifty_to_a_page(odette, episodes):
    Watch.objects.bulk_create(
        Watch(
            member=odette,
            episode=episodes[n % 8],
            watched_on=PREMIERE + datetime.timedelta(days=n),
        )
        for n in range(51)
    )
    url = f"/u/{odette.handle}/diary/"

    first = page_of(Client().get(url))
    second = page_of(Client().get(url + "?page=2"))

    assert len(first.find("tbody").find_all("tr")) == 50
    assert first.find("a", rel="next").attrs["href"] == "?page=2"
    assert not first.find_all("a", rel="prev")
    rows = second.find("tbody").find_all("tr")
    assert len(rows) == 1
    assert rows[0].find("time").attrs["datetime"] == "2025-04-15"
    assert second.find("a", rel="prev").attrs["href"] == "?page=1"
    assert not second.find_all("a", rel="next")


def test_the_diary_of_an_unknown_member_is_not_found(seeded):
    assert Client().get("/u/nobody-here/diary/").status_code == 404


def test_the_diary_of_a_deactivated_member_is_not_found(odile, episodes):
    watch(odile, episodes[0])
    User.objects.filter(pk=odile.pk).update(is_active=False)

    assert Client().get(f"/u/{odile.handle}/diary/").status_code == 404


# Profile statistics --------------------------------------------------------------------------


def facts(page: Node) -> dict[str, str]:
    section = page.find("section", aria_labelledby="stats-heading")
    return {row.find("dt").words: row.find("dd").words for row in section.with_class("facts__row")}


def test_the_profile_counts_episodes_watches_and_the_average_rating_given(odile, episodes):
    watch(odile, episodes[0], PREMIERE)
    watch(odile, episodes[0])
    watch(odile, episodes[1], PREMIERE)
    for episode, score in zip(episodes[:3], (7, 8, 10), strict=True):
        services.rating_set(member=odile, episode=episode, score=score)

    page = page_of(Client().get(f"/u/{odile.handle}/"))

    assert facts(page) == {
        "Episodes watched": "2",
        "Watches, with rewatches": "3",
        "Average rating given": "4.2 stars",  # (3½ + 4 + 5) / 3
    }
    table = page.find("section", aria_labelledby="ratings-heading").find("tbody")
    counts = {row.find("th").words: row.find("td").words for row in table.find_all("tr")}
    assert counts == {
        "½ star": "0",
        "1 star": "0",
        "1½ stars": "0",
        "2 stars": "0",
        "2½ stars": "0",
        "3 stars": "0",
        "3½ stars": "1",
        "4 stars": "1",
        "4½ stars": "0",
        "5 stars": "1",
    }
    assert page.find("a", href=f"/u/{odile.handle}/diary/")


def test_a_profile_without_watches_or_ratings_shows_zeros_and_a_dash(odile, seeded):
    assert facts(page_of(Client().get(f"/u/{odile.handle}/"))) == {
        "Episodes watched": "0",
        "Watches, with rewatches": "0",
        "Average rating given": "—",
    }


# Spoilers ------------------------------------------------------------------------------------

# The spoiler rule and every surface through one table: tests/reviews/test_visibility.py.


def test_the_tag_says_how_far_a_review_spoils(odile, episodes):
    review = services.review_post(
        member=odile, episode=episodes[2], body="Up to the gala.", spoils_up_to=6
    )

    article = review_article(page_of(Client().get(episode_url(3))), review)

    assert "Spoils up to episode 6" in [t.words for t in article.with_class("tag")]


def test_a_spoiler_opens_once_the_reader_marks_the_episode_watched(client, odette, odile, episodes):
    review = services.review_post(
        member=odile, episode=episodes[2], body="The gala ends it.", is_spoiler=True
    )
    assert review_article(page_of(client.get(episode_url(3))), review).find_all(
        "details", **{"class": "spoiler"}
    )

    mark_watched(client, 3)

    article = review_article(page_of(client.get(episode_url(3))), review)
    assert article.find_all("details", **{"class": "spoiler"}) == []
    assert "The gala ends it." in article.words


def test_the_hide_setting_is_saved_from_the_settings_page(client, odette, odile, episodes):
    services.review_post(member=odile, episode=episodes[2], body="Lovely.")

    response = client.post(
        "/me/settings/",
        {"display_name": "Odette Swan", "handle": "odette", "bio": "", "hide_unwatched": "on"},
    )

    assert response.status_code == 302
    odette.refresh_from_db()
    assert odette.hide_unwatched
    assert HIDDEN_NOTICE in page_of(client.get(episode_url(3))).find("main").words
    mark_watched(client, 3)
    main = page_of(client.get(episode_url(3))).find("main")
    assert HIDDEN_NOTICE not in main.words
    assert "Lovely." in main.words


def season_table(page: Node) -> dict[str, str]:
    table = page.find("main").with_class("chart--season")[0].find("tbody")
    return {row.find("th").words: row.find("td").words for row in table.find_all("tr")}


def test_the_season_chart_hides_the_mean_of_unwatched_episodes_for_members_who_ask(
    client, odette, odile, episodes
):
    for episode in episodes[:3]:
        services.rating_set(member=odile, episode=episode, score=6)
    User.objects.filter(pk=odette.pk).update(hide_unwatched=True)
    watch(odette, episodes[0])

    table = season_table(page_of(client.get(SEASON_URL)))

    assert table["Episode 1"] == "3.0 stars"
    assert table["Episode 2"] == table["Episode 3"] == "Hidden until you watch it"
    assert table["Episode 4"] == "Hidden until you watch it"
    assert "3.0 stars" not in season_table(page_of(client.get("/"))).get("Episode 2", "")
    # Without the setting every mean is shown.
    User.objects.filter(pk=odette.pk).update(hide_unwatched=False)
    table = season_table(page_of(client.get(SEASON_URL)))
    assert table["Episode 2"] == "3.0 stars"
    assert table["Episode 4"] == "No ratings yet"


# Export --------------------------------------------------------------------------------------


def test_the_export_includes_watches_and_the_watchlist(client, odette, odile, episodes):
    watch(odette, episodes[0], PREMIERE)
    watch(odette, episodes[1], datetime.date(2025, 4, 20))
    watch(odette, episodes[0], datetime.date(2025, 5, 1))
    services.watchlist_add(member=odette, episodes=[episodes[4]])
    watch(odile, episodes[7], PREMIERE)
    services.watchlist_add(member=odile, episodes=[episodes[6]])

    response = client.get("/me/export/")

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"watches.csv", "watchlist.csv"} <= set(archive.namelist()), archive.namelist()
    document = json.loads(archive.read("etoile-export.json"))
    assert {"watches", "watchlist"} <= set(document), sorted(document)
    watches = [
        (row["season"], row["episode"], row["watched_on"], row["viewing"])
        for row in document["watches"]
    ]
    assert sorted(watches) == [
        (1, 1, "2025-04-15", 1),
        (1, 1, "2025-05-01", 2),
        (1, 2, "2025-04-20", 1),
    ]
    assert [(row["season"], row["episode"]) for row in document["watchlist"]] == [(1, 5)]
    added = datetime.datetime.fromisoformat(document["watchlist"][0]["added_at"])
    assert added.date() == timezone.now().date()
    rows = list(csv.DictReader(io.StringIO(archive.read("watches.csv").decode())))
    assert sorted((r["episode"], r["watched_on"], r["viewing"]) for r in rows) == [
        ("1", "2025-04-15", "1"),
        ("1", "2025-05-01", "2"),
        ("2", "2025-04-20", "1"),
    ]
    rows = list(csv.DictReader(io.StringIO(archive.read("watchlist.csv").decode())))
    assert [(r["season"], r["episode"]) for r in rows] == [("1", "5")]


# Queries -------------------------------------------------------------------------------------


def crowd(episodes: list[Episode], members: int = 500) -> None:
    """Other members with watchlists and watches: none of it may change a member's pages."""
    others = User.objects.bulk_create(
        User(email=f"dancer{n}@example.com", handle=f"dancer-{n}", password="!")
        for n in range(members)
    )
    WatchlistEntry.objects.bulk_create(
        WatchlistEntry(member=m, episode=e) for m in others for e in episodes
    )
    Watch.objects.bulk_create(
        Watch(member=m, episode=e, watched_on=PREMIERE) for m in others for e in episodes[:2]
    )


# Measured, then pinned. Session, user, the entries with their episodes, and the menu
# progress (the show's episodes and the member's watches), shared with the page heading.
WATCHLIST_QUERIES = 5  # the header's unread counter comes with the member's row
# Session, viewer, the member shown, the page count, the page of watches with their ratings;
# the viewer's menu progress adds two.
DIARY_QUERIES = 7  # the header's unread counter comes with the member's row
# Session, user, the season with its show, its episodes and counters, citations, the
# member's own ratings, their watches (spoilers, progress) and the menu progress.
SEASON_QUERIES = 9  # the header's unread counter comes with the member's row


def test_the_watchlist_costs_the_same_queries_with_one_entry_or_eight(client, odette, episodes):
    crowd(episodes)
    services.watchlist_add(member=odette, episodes=[episodes[0]])
    watch(odette, episodes[1])

    with_one, page = count_queries(client, "/me/watchlist/")
    assert len(page.with_class("watchlist__item")) == 1

    services.watchlist_add(member=odette, episodes=episodes)
    with_many, page = count_queries(client, "/me/watchlist/")
    assert len(page.with_class("watchlist__item")) == 8

    assert with_one == with_many == WATCHLIST_QUERIES


def test_the_diary_costs_the_same_queries_with_one_watch_or_three_hundred(client, odette, episodes):
    crowd(episodes, members=50)
    watch(odette, episodes[0], PREMIERE)
    services.rating_set(member=odette, episode=episodes[0], score=7)
    url = f"/u/{odette.handle}/diary/"

    with_one, page = count_queries(client, url)
    assert len(page.find("tbody").find_all("tr")) == 1

    Watch.objects.bulk_create(
        Watch(
            member=odette,
            episode=episodes[n % 8],
            watched_on=PREMIERE + datetime.timedelta(days=n % 90),
        )
        for n in range(299)
    )
    with_many, page = count_queries(client, url)
    assert len(page.find("tbody").find_all("tr")) == 50
    assert "Rewatch" in page.find("tbody").words

    assert with_one == with_many == DIARY_QUERIES


def test_the_season_page_costs_the_same_queries_with_one_watch_or_three_hundred(
    client, odette, episodes
):
    crowd(episodes, members=50)
    User.objects.filter(pk=odette.pk).update(hide_unwatched=True)
    watch(odette, episodes[0], PREMIERE)
    services.rating_set(member=odette, episode=episodes[0], score=7)

    with_one, page = count_queries(client, SEASON_URL)
    assert progress_label(page.find("main")) == "1 of 8 watched"

    Watch.objects.bulk_create(
        Watch(member=odette, episode=episodes[n % 7], watched_on=PREMIERE) for n in range(299)
    )
    with_many, page = count_queries(client, SEASON_URL)
    assert progress_label(page.find("main")) == "7 of 8 watched"

    assert with_one == with_many == SEASON_QUERIES


def test_episode_scores_are_untouched_by_watching(client, odette, episodes):
    """Watching is not rating: the counters and ratings stay as they were."""
    services.rating_set(member=odette, episode=episodes[2], score=5)

    mark_watched(client, 3)
    track_season(client)
    undo(client, 3)

    assert EpisodeScores.objects.get(episode=episodes[2]).count == 1
    assert Rating.objects.count() == 1
    assert Review.objects.count() == 0
