"""Members' pages served from one skeleton and filled in per reader (kernel/memberpages.py).

Two members and a visitor read the same pages. Each test proves two things a person would
notice if they broke: a member never sees another member's state (their likes, their own
review's controls, their spoiler shield, their CSRF token, their rating, their name), and a
change shows on the very next request. Writes are made inside `with commit():`, which runs
the on-commit callbacks that move the page groups' versions, as a real commit does.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Episode
from kernel import memberpages, pagecache
from members import services as member_services
from notifications.models import Notification
from notifications.services import notify
from picks import services as pick_services
from picks.models import FavouriteEpisode
from reviews import moderation, services
from reviews.models import Rating, Review
from tests.factories import make_member, many_reviews, signed_in
from tests.pages import page_of, publish, reply_to, review_article, top_level_ids

pytestmark = pytest.mark.django_db

EPISODE_URL = "/season/1/episode/3/"
PREMIERE = datetime.date(2025, 4, 24)
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def member_pages_on(settings, member_pages_kept):
    """Members' pages from their skeletons, and visitors' from the visitors' cache."""
    settings.VISITOR_PAGE_CACHE_SECONDS = 600


@pytest.fixture
def critic(db):
    return make_member("critic@example.com", "critic", display_name="The Critic")


@pytest.fixture
def scene(client, odette, odile, critic, episode):
    """The critic's plain review and spoiler, a reply under the plain one, Odette's like of
    it, Odile's own review; Odette has watched episode 3, Odile has not."""
    plain = services.review_post(member=critic, episode=episode, body="The rehearsal scene.")
    spoiler = services.review_post(
        member=critic, episode=episode, body="The ending, told.", is_spoiler=True
    )
    reply = services.review_post(member=critic, episode=episode, body="And more.", parent=plain)
    services.like_toggle(member=odette, review=plain)
    own = services.review_post(member=odile, episode=episode, body="Odile's own words.")
    services.watch_add(member=odette, episode=episode, watched_on=PREMIERE)
    services.rating_set(member=odette, episode=episode, score=9)
    return {"plain": plain, "spoiler": spoiler, "reply": reply, "own": own}


def read(client: Client, url: str = EPISODE_URL):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "\x00" not in html, "a marker left in the page"
    return html, page_of(response)


def like_pressed(page, review) -> str | None:
    buttons = review_article(page, review).find("footer").find_all("button")
    return buttons[0].attrs["aria-pressed"] if buttons else None


def article_of(page, review):
    found = page.find_all("article", id=f"review-{review.pk}")
    return found[0] if found else None


def shielded(page, review) -> bool:
    article = review_article(page, review)
    return any(review.body in d.words for d in article.find_all("details", **{"class": "spoiler"}))


def skeletons() -> int:
    return len(memberpages.store.items)


def test_two_members_share_one_skeleton_and_each_sees_only_their_own_state(
    client, odile_client, scene
):
    html_odette, odette_page = read(client)
    html_odile, odile_page = read(odile_client)
    assert skeletons() == 1, "the second member's page was filled from the first's skeleton"

    # Likes: Odette's shows pressed to her only.
    assert like_pressed(odette_page, scene["plain"]) == "true"
    assert like_pressed(odile_page, scene["plain"]) == "false"
    # Own review: Odile edits and deletes hers; Odette can like and report it.
    own_odile = review_article(odile_page, scene["own"]).find("footer")
    assert {"Edit", "Delete"} <= set(own_odile.words.split())
    assert not own_odile.find_all("button") and "Report" not in own_odile.words
    own_for_odette = review_article(odette_page, scene["own"]).find("footer")
    assert "Edit" not in own_for_odette.words and "Report" in own_for_odette.words
    # The spoiler: Odette has watched episode 3, Odile has not.
    assert not shielded(odette_page, scene["spoiler"])
    assert shielded(odile_page, scene["spoiler"])
    # The menu names each reader; the rating is Odette's own.
    assert "Odette Swan" in odette_page.find("header").words
    assert "Odile Black" in odile_page.find("header").words
    assert "Odette" not in odile_page.find("header").words
    assert "Your rating: 4½ stars" in odette_page.find(id="rating-status").words
    assert "You have not rated this episode." in odile_page.find(id="rating-status").words
    assert "You have watched it" in odette_page.find(id="watching").words or (
        "You watched it on" in odette_page.find(id="watching").words
    )
    assert "You have not marked this episode watched." in odile_page.find(id="watching").words
    # Each page carries its reader's own CSRF token, one for the whole page.
    for html, reader in ((html_odette, client), (html_odile, odile_client)):
        tokens = set(CSRF_VALUE.findall(html))
        assert len(tokens) == 1
        secret = reader.cookies[settings.CSRF_COOKIE_NAME].value
        assert _unmask_cipher_token(tokens.pop()) == secret


def test_the_token_in_a_filled_page_is_the_readers_own(odile, scene):
    strict = signed_in(odile, enforce_csrf_checks=True)
    html, _ = read(strict)
    token = CSRF_VALUE.search(html)[1]
    response = strict.post(
        f"/reviews/{scene['plain'].pk}/like/", {"liked": "1", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert scene["plain"].likes.filter(member=odile).exists()


def test_a_reply_from_the_reply_form_in_the_skeleton_is_published(odile, scene):
    """The reply form under each review is the same for every member, so it is drawn into
    the skeleton (reviews/regions.py): its token must still be the reader's own."""
    strict = signed_in(odile, enforce_csrf_checks=True)
    html, page = read(strict)
    article = review_article(page, scene["plain"])
    form = next(f for f in article.find_all("form") if "/replies/" in f.attrs["action"])
    fields = {i.attrs["name"]: i.attrs.get("value") or "" for i in form.find_all("input")}
    # The reply typed into the form's text box, the token and the submission key as drawn.
    fields[form.find("textarea").attrs["name"]] = "Seen it twice."
    response = strict.post(form.attrs["action"], fields)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert scene["plain"].replies.filter(member=odile, body="Seen it twice.").exists()


def test_a_visitor_still_gets_the_visitors_page(client, scene):
    read(client)  # a member's skeleton exists
    html, page = read(Client())
    assert "csrfmiddlewaretoken" not in html
    assert "Sign in to write a review" in page.words
    assert like_pressed(page, scene["plain"]) is None  # a link to sign in, not a button
    assert shielded(page, scene["spoiler"])


def test_marking_the_episode_watched_lifts_the_shield_on_the_next_request(
    odile_client, scene, commit
):
    _, before = read(odile_client)
    assert shielded(before, scene["spoiler"])
    with commit():
        response = odile_client.post(
            "/season/1/episode/3/watched/",
            {"watched_on": "2025-05-01", "submission_key": "3f1c3a8e-0000-4000-8000-000000000001"},
        )
    assert response.status_code == 302
    _, after = read(odile_client)
    assert not shielded(after, scene["spoiler"])
    assert "You watched it on" in after.find(id="watching").words
    # Her watches are kept for her page group's version (reviews/tracking.py): taking the
    # watch back moves it too, and the shield is back on the next page.
    with commit():
        assert odile_client.post("/season/1/episode/3/watched/undo/").status_code == 302
    _, undone = read(odile_client)
    assert shielded(undone, scene["spoiler"])


def test_a_new_rating_shows_on_the_members_next_page_alone(client, odile_client, scene, commit):
    """The episode with the reader's own rating, review, watchlist entry and favourite is kept
    for their page group's version (etoile_app/pages.py), which each of those moves."""
    _, before = read(client)
    assert "Your rating: 4½ stars" in before.find(id="rating-status").words
    with commit():
        assert client.post("/season/1/episode/3/rating/", {"score": "6"}).status_code == 302
    _, after = read(client)  # with the message "saved": drawn in full
    assert "Your rating: 3 stars" in after.find(id="rating-status").words
    # A browser drops the emptied messages cookie; the test client keeps it, which would
    # have every later page drawn in full.
    client.cookies.pop("messages", None)
    _, kept = read(client)
    assert "Your rating: 3 stars" in kept.find(id="rating-status").words
    _, odile_page = read(odile_client)
    assert "You have not rated this episode." in odile_page.find(id="rating-status").words


def test_a_like_shows_pressed_to_its_member_and_counted_for_everyone(
    client, odile_client, scene, commit
):
    read(client), read(odile_client)
    with commit():
        odile_client.post(f"/reviews/{scene['spoiler'].pk}/like/", {"liked": "1"})
    _, odile_page = read(odile_client)
    _, odette_page = read(client)
    assert like_pressed(odile_page, scene["spoiler"]) == "true"
    assert like_pressed(odette_page, scene["spoiler"]) == "false"
    for page in (odile_page, odette_page, read(Client())[1]):
        assert "1 like" in review_article(page, scene["spoiler"]).find("footer").words
    # Her likes are kept for her page group's version, which taking one back moves too.
    with commit():
        odile_client.post(f"/reviews/{scene['spoiler'].pk}/like/", {"liked": "0"})
    assert like_pressed(read(odile_client)[1], scene["spoiler"]) == "false"


WRITES = {
    "new review": lambda s, c: publish(c["odile"], "A second look."),
    "reply": lambda s, c: reply_to(c["odile"], s["plain"], "I agree with this."),
    "edit": lambda s, c: c["odile"].post(
        f"/reviews/{s['own'].pk}/edit/", {"body": "Odile's words, edited."}
    ),
    "delete": lambda s, c: c["odile"].post(f"/reviews/{s['own'].pk}/delete/"),
    "moderator hides": lambda s, c: moderation.review_hide(
        review=s["plain"], moderator=make_member("mod@example.com", "mod"), reason="Spam."
    ),
}


def what_shows(page) -> str:
    return page.find(id="reviews").words


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_a_change_shows_at_once_to_both_members_and_the_visitor(
    client, odile_client, scene, commit, write
):
    clients = {"odette": client, "odile": odile_client, "visitor": Client()}
    before = {name: what_shows(read(c)[1]) for name, c in clients.items()}
    with commit():
        response = WRITES[write](scene, clients)
    assert getattr(response, "status_code", 302) in (200, 302)
    after = {name: what_shows(read(c)[1]) for name, c in clients.items()}
    expected = {
        "new review": "A second look.",
        "reply": "I agree with this.",
        "edit": "Odile's words, edited.",
    }
    for name in clients:
        assert after[name] != before[name], f"{name} still sees the page before the {write}"
        if write in expected:
            assert expected[write] in after[name]
        if write == "delete":
            assert "Odile's own words." not in after[name]
        if write == "moderator hides":
            assert "The rehearsal scene." not in after[name]


def test_a_members_own_held_review_is_shown_to_them_alone(
    client, odile_client, scene, reporters, commit
):
    read(client), read(odile_client)
    with commit():
        for reporter in reporters[:3]:
            moderation.report_create(reporter=reporter, review=scene["own"], reason="spam")
    assert Review.objects.get(pk=scene["own"].pk).status == Review.Status.HELD
    _, odile_page = read(odile_client)
    assert "Hidden pending review." in review_article(odile_page, scene["own"]).words
    assert article_of(read(client)[1], scene["own"]) is None
    assert article_of(read(Client())[1], scene["own"]) is None


def test_each_language_has_its_skeleton(client, scene):
    _, english = read(client)
    _, french = read(client, "/fr" + EPISODE_URL)
    assert skeletons() == 2
    assert "Write another review" not in english.words  # Odette has not reviewed it
    assert "Écrire un avis" in french.find(id="write-review").words
    assert "Your rating" in english.find(id="rating-status").words
    assert "Votre note" in french.find(id="rating-status").words


def queries_of(client, url=EPISODE_URL) -> int:
    client.get(url)  # the skeleton, and each slot's HTML, made once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# The member's page filled from its skeleton: the session (the cache table here, Redis in
# production), the member with their unread notifications (the header's counter), the
# versions. The episode with the member's rating, review and watchlist entry, their likes on
# the page and their watches are kept for their page group's version (etoile_app/pages.py,
# reviews/regions.py, reviews/tracking.py): these are the page's second request.
EPISODE_QUERIES = 3


def test_the_episode_page_costs_the_same_queries_with_one_review_or_five_hundred(
    client, odette, critic, episode
):
    services.review_post(member=critic, episode=episode, body="Only one.")
    with_one = queries_of(client)
    many_reviews(critic, episode, 499)
    memberpages.store.clear()
    with_many = queries_of(client)
    _, page = read(client)
    assert len(top_level_ids(page)) == 20
    assert with_one == with_many == EPISODE_QUERIES


# Each with the header's unread-notifications counter, and whether they block or mute anyone,
# read with the member's row. The home and season pages' own scores and watchlist are kept for
# the version of the member's page group, as their watches are (reviews/regions.py: these are
# their second request), and so is the home page's newest activity, kept per reader for a short
# while (community/regions.py); another's profile, the reader's relations with them, kept
# for both members' groups' versions (members/regions.py).
MEMBER_PAGES = {
    "/": 3,
    "/season/1/": 3,
    "/u/critic/": 3,
    "/u/critic/season/1/": 3,
    "/u/odette/diary/": 3,
    "/me/watchlist/": 3,
    "/me/settings/": 3,
}


@pytest.mark.parametrize(("url", "expected"), MEMBER_PAGES.items())
def test_member_pages_cost_the_same_queries_with_little_or_much_data(
    client, odette, critic, episodes, url, expected
):
    few = queries_of(client, url)
    for episode in episodes:
        services.rating_set(member=odette, episode=episode, score=7)
        services.watch_add(member=odette, episode=episode, watched_on=PREMIERE)
        many_reviews(critic, episode, 100)
    services.watchlist_add(member=odette, episodes=episodes)
    memberpages.store.clear()
    caches[pagecache.cache._alias].clear()
    many = queries_of(client, url)
    assert few == many == expected


def test_private_pages_are_each_members_own(client, odile_client, odette, odile, episodes, commit):
    services.watchlist_add(member=odette, episodes=episodes[:1])
    _, odette_list = read(client, "/me/watchlist/")
    _, odile_list = read(odile_client, "/me/watchlist/")
    assert len(odette_list.find_all("li", **{"class": "watchlist__item"})) == 1
    assert not odile_list.find_all("li", **{"class": "watchlist__item"})
    assert 'value="odile"' in odile_client.get("/me/settings/").content.decode()
    assert 'value="odile"' not in client.get("/me/settings/").content.decode()
    with commit():
        services.watchlist_add(member=odette, episodes=episodes[1:3])
    _, odette_list = read(client, "/me/watchlist/")
    assert len(odette_list.find_all("li", **{"class": "watchlist__item"})) == 3
    # Each form has its own submission key, new on each page.
    keys = re.findall(
        r'name="submission_key" value="([^"]+)"', client.get("/me/watchlist/").content.decode()
    )
    assert len(keys) == 3 and len(set(keys)) == 3


def test_the_menu_follows_a_members_name_and_progress_at_once(
    client, odile_client, odette, odile, scene, other_episode, commit
):
    """The member menu is kept per member (reviews/regions.py), and their watches for their
    page group's version (reviews/tracking.py): a new name, watch or notification shows on
    the next page, and nobody else's menu changes."""
    read(client)
    _, odile_page = read(odile_client)
    with commit():
        odette.display_name = "Odette Renamed"
        odette.save()
        services.watch_add(member=odette, episode=other_episode, watched_on=PREMIERE)
        notify(odette, Notification.Kind.LIKE, odile, review=scene["plain"])

    _, page = read(client)
    header = page.find("header").words
    assert "Odette Renamed" in header and "Odette Swan" not in header
    assert "2 of 8 watched" in header
    assert "Notifications, 1 unread" in header
    _, again = read(odile_client)
    assert again.find("header").words == odile_page.find("header").words


def test_the_season_follows_a_members_own_ratings_and_watchlist_at_once(
    client, odile_client, odette, seeded, commit
):
    """A member's scores and watchlist on the season at a glance are kept for their page
    group's version (reviews/regions.py): a new rating or a season put on their watchlist
    shows on their next page, and on nobody else's."""
    season = list(Episode.objects.filter(season__number=1))
    for _ in range(2):  # the second is filled from what was kept
        html, _ = read(client, "/season/1/")
    assert "Your own ratings are marked with diamonds." not in html
    assert "Add the season to my watchlist" in html
    with commit():
        services.rating_set(member=odette, episode=season[0], score=9)
        services.watchlist_add(member=odette, episodes=season)
    html, _ = read(client, "/season/1/")
    assert "Your own ratings are marked with diamonds." in html
    assert "Remove the season from my watchlist" in html
    others, _ = read(odile_client, "/season/1/")
    assert "Your own ratings are marked with diamonds." not in others
    assert "Add the season to my watchlist" in others


def test_a_profile_shows_a_follow_and_a_block_either_way_on_the_next_page(
    client, odile_client, odette, odile, critic, commit
):
    """The reader's follow, block and mute of a member are kept for the versions of both
    members' page groups (members/regions.py): a follow moves both, a block or mute the group
    of who made it, so each shows on the next page, whoever made it."""
    for _ in range(2):  # the second is filled from what was kept
        _, page = read(client, "/u/critic/")
    assert page.find(id="follow-button").words == "Follow The Critic"
    with commit():
        member_services.follow_set(follower=odette, followed=critic, following=True)
    _, page = read(client, "/u/critic/")
    assert page.find(id="follow-button").words == "Following The Critic"
    _, others = read(odile_client, "/u/critic/")
    assert others.find(id="follow-button").words == "Follow The Critic"
    with commit():  # her own mute moves her group alone
        member_services.mute_set(muter=odette, muted=critic, muting=True)
    assert "Unmute The Critic" in read(client, "/u/critic/")[1].find(id="follow").words
    with commit():  # the critic blocks Odette: her group is not the one that moves
        member_services.block_set(blocker=critic, blocked=odette, blocking=True)
    _, page = read(client, "/u/critic/")
    assert not page.find_all(id="follow-button")


def test_a_handle_another_member_gave_up_never_brings_their_kept_state(
    client, odette, odile, odile_client, scene, commit
):
    """What is kept of a member is kept under their id (kernel.memberpages.kept_for_member): a
    member who takes a handle another gave up shares its page group, never its values."""
    for _ in range(2):
        _, page = read(client)
    assert "Your rating: 4½ stars" in page.find(id="rating-status").words
    with commit():
        odette.handle = "odette-old"
        odette.save()
    with commit():
        odile.handle = "odette"
        odile.save()
    _, odile_page = read(odile_client)
    assert "You have not rated this episode." in odile_page.find(id="rating-status").words
    assert shielded(odile_page, scene["spoiler"])  # Odette had watched it; Odile has not


def test_favourites_set_at_once_show_on_the_next_episode_page(client, odette, scene, commit):
    """A member's favourites written at once (the API's PUT, picks.services.favourites_set)
    send no signal: their page group is marked by the service."""
    for _ in range(2):
        html, _ = read(client)
    assert "Add to your favourites" in html
    with commit():
        pick_services.favourites_set(
            member=odette, items=[scene["plain"].episode], model=FavouriteEpisode
        )
    html, _ = read(client)
    assert "Remove from your favourites" in html


def test_what_is_kept_of_a_member_is_read_again_after_a_while_if_a_mark_was_lost(
    client, odette, scene, monkeypatch
):
    """A version moves when a change commits; were that write to the cache lost (a Redis
    outage at the commit), the kept values are read again after PER_VERSION_SECONDS."""
    for _ in range(2):
        _, page = read(client)
    Rating.objects.filter(member=odette).update(score=6)  # sends no signal, marks nothing
    _, page = read(client)
    assert "Your rating: 4½ stars" in page.find(id="rating-status").words  # still kept
    monkeypatch.setattr(pagecache, "PER_VERSION_SECONDS", 0)
    _, page = read(client)
    assert "Your rating: 3 stars" in page.find(id="rating-status").words
