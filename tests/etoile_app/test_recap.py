"""A member's season recap (`/u/<handle>/season/1/`, etoile_app/recap.py) and its share image:
what a person reads there, what the spoiler rule keeps from a reader who has not watched,
and a cost that does not grow with what the member has done."""

import datetime
import io

import pytest
from django.test import Client
from PIL import Image

from catalog.models import Character, Episode, Season
from members.models import User
from picks import services as picks
from reviews import services
from reviews.models import Like, Review
from tests.factories import make_member, signed_in
from tests.pages import count_queries, page_of, share_image_of, table_in, text_of

pytestmark = pytest.mark.django_db

URL = "/u/odette/season/1/"
PREMIERE = datetime.date(2025, 4, 24)
SPOILER = "The gala ends with Cheyenne leaving the company."
PLAIN = "The rehearsal scene is the best ten minutes of the season."
RATINGS_CAPTION = "Their rating of each episode beside everyone else’s average"
WATCHES_CAPTION = "When each episode was watched"


@pytest.fixture
def season_episodes(seeded) -> list[Episode]:
    return list(
        Episode.objects.select_related("season").filter(season__number=1).order_by("number")
    )


@pytest.fixture
def dancer(seeded) -> User:
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


@pytest.fixture
def others(seeded) -> list[User]:
    return [make_member(f"other{n}@example.com", f"other{n}") for n in range(2)]


def facts_of(page) -> dict[str, str]:
    figures = page.find("dl", class_="facts facts--inline recap-figures")
    return {
        row.find("dt").words: row.find("dd").words
        for row in figures.find_all("div", class_="facts__row")
    }


def a_season(dancer, others, eps) -> None:
    """Odette watched episodes 1–3 (episode 1 twice), rated them 5, 3 and 4 stars where the
    two others gave 4½ and 4 stars to each; she favours episode 2 and Cheyenne... and ranks
    3, 1, 2; she reviewed episode 1 (liked by both others) and episode 3 with a spoiler."""
    for number, when in (
        (1, PREMIERE),
        (1, PREMIERE + datetime.timedelta(days=30)),
        (2, PREMIERE),
        (3, PREMIERE),
    ):
        services.watch_add(member=dancer, episode=eps[number - 1], watched_on=when)
    for episode, score in zip(eps[:3], (10, 6, 8), strict=True):
        services.rating_set(member=dancer, episode=episode, score=score)
        for other, theirs in zip(others, (9, 8), strict=True):
            services.rating_set(member=other, episode=episode, score=theirs)
    picks.favourite_add(member=dancer, item=eps[1])
    picks.favourite_add(member=dancer, item=Character.objects.order_by("pk").first())
    picks.ranking_set(member=dancer, season=eps[0].season, episodes=[eps[2], eps[0], eps[1]])
    plain = services.review_post(member=dancer, episode=eps[0], body=PLAIN)
    services.review_post(member=dancer, episode=eps[2], body=SPOILER, is_spoiler=True)
    for other in others:
        services.like_set(member=other, review=plain, liked=True)


def test_the_recap_shows_what_the_member_watched_rated_picked_and_wrote(
    client, dancer, others, season_episodes
):
    a_season(dancer, others, season_episodes)

    response = client.get(URL)

    page = page_of(response)
    assert page.find("h1").words == "Odette Swan"
    assert facts_of(page) == {
        "Episodes watched": "3 of 8",
        "Watches, with rewatches": "4",
        "Episodes rewatched": "1",
        "Ratings given": "3",
        "Their average": "4.0 stars",
        "Everyone else’s, for the same episodes": "4.3 stars",
        "Reviews and replies": "2",
        "Likes received": "2",
    }
    html = response.content.decode()
    watches = [row["cells"] for row in table_in(html, WATCHES_CAPTION)]
    assert watches[1][1:] == ["2", "April 24, 2025", "May 24, 2025"]
    assert watches[2][1:] == ["1", "April 24, 2025", "—"]
    assert watches[4][1:] == ["Not watched yet"]
    ratings = [row["cells"] for row in table_in(html, RATINGS_CAPTION)]
    assert ratings[0] == [
        "Episode",
        "Their rating",
        "Everyone else’s average",
        "Other ratings",
        "Difference",
    ]
    assert ratings[1][1:] == ["5 stars", "4.3 stars", "2", "+0.7"]
    assert ratings[2][1:] == ["3 stars", "4.3 stars", "2", "−1.3"]
    assert ratings[3][1:] == ["4 stars", "4.3 stars", "2", "−0.3"]
    assert ratings[4][1:] == ["—", "No ratings yet", "0", "—"]
    words = page.find("main").words
    assert "Closest to everyone else: Episode 3, 4 stars against an average of 4.3 stars." in words
    assert (
        "Furthest from everyone else: Episode 2, 3 stars against an average of 4.3 stars." in words
    )
    picks_section = page.find("section", **{"aria-labelledby": "recap-picks-heading"})
    assert [li.words for li in picks_section.find_all("ol")[2].find_all("li")] == [
        "Episode 3",
        "Episode 1",
        "Episode 2",
    ]
    assert "Episode 2" in picks_section.find_all("ol")[0].words
    reviews = page.find("section", **{"aria-labelledby": "recap-reviews-heading"})
    assert "2 likes" in reviews.words and "0 likes" in reviews.words
    # The recap's own address to copy, and its picture.
    field = page.find("input", id="recap-address")
    assert field.attrs["value"] == "http://testserver/u/odette/season/1/"
    assert "readonly" in field.attrs
    tags = share_image_of(response)
    assert page.find("a", href=tags["og:image"]).words.startswith("The picture a shared link")


def test_a_member_with_nothing_yet_is_told_so_and_nothing_is_made_up(client, dancer):
    page = page_of(client.get(URL))

    words = page.find("main").words
    for honest in (
        "No watches yet.",
        "No ratings yet.",
        "No favourites yet.",
        "No ranking yet.",
        "No reviews yet.",
    ):
        assert honest in words
    assert facts_of(page)["Their average"] == "—"
    assert "Closest to everyone else" not in words
    assert not page.find("main").find_all("svg")


def test_ratings_nobody_else_gave_are_not_compared(client, dancer, season_episodes):
    services.rating_set(member=dancer, episode=season_episodes[0], score=7)

    response = client.get(URL)

    page = page_of(response)
    assert facts_of(page)["Ratings given"] == "1"
    assert facts_of(page)["Everyone else’s, for the same episodes"] == "—"
    assert facts_of(page)["Their average"] == "3.5 stars"
    assert "Nobody else has rated the episodes they rated yet." in page.find("main").words
    assert share_image_of(response)["og:image:alt"].endswith(
        "Their average: 3.5 stars; nobody else has rated the episodes they rated yet."
    )


def test_a_visitor_never_reads_a_spoiler_and_a_member_who_hides_unwatched_sees_no_score(
    client, dancer, others, season_episodes
):
    a_season(dancer, others, season_episodes)

    visitor = page_of(Client().get(URL))
    main = visitor.find("main")
    (shield,) = main.find_all("details", class_="spoiler")
    assert SPOILER in shield.words and "open" not in shield.attrs
    assert PLAIN in main.words

    careful = make_member("careful@example.com", "careful", hide_unwatched=True)
    services.watch_add(member=careful, episode=season_episodes[0], watched_on=PREMIERE)
    page = page_of(signed_in(careful).get(URL))
    main = page.find("main")
    assert SPOILER not in main.words
    assert facts_of(page)["Ratings given"] == "1"  # episode 1's alone
    assert facts_of(page)["Episodes watched"] == "3 of 8"  # watches show, as in the diary
    assert (
        "2 ratings are hidden until you watch their episodes, as your settings ask." in main.words
    )
    ratings = [
        row["cells"]
        for row in table_in(signed_in(careful).get(URL).content.decode(), RATINGS_CAPTION)
    ]
    assert ratings[2][1:] == ["Hidden until you watch it"]
    # The author reads their own spoiler whole.
    own = page_of(signed_in(dancer).get(URL)).find("main")
    assert SPOILER in own.words and not own.find_all("details", class_="spoiler")


def test_a_suspended_member_and_an_unknown_season_have_no_recap(client, dancer, seeded):
    assert client.get("/u/odette/season/9/").status_code == 404
    image = share_image_of(client.get(URL))["og:image"].removeprefix("http://testserver")
    User.objects.filter(pk=dancer.pk).update(is_active=False)
    assert client.get(URL).status_code == 404
    assert client.get(image).status_code == 404
    assert client.get("/share/xx/u/odette/season/1/0.png").status_code == 404


def test_the_profile_links_to_the_recap_and_the_recap_reads_in_french(
    client, dancer, others, season_episodes
):
    a_season(dancer, others, season_episodes)
    profile = page_of(client.get("/u/odette/"))
    assert profile.find("a", href=URL).words == "Odette Swan’s season 1 recap"

    response = client.get(f"/fr{URL}")
    page = page_of(response)
    assert facts_of(page)["Épisodes vus"] == "3 sur 8"
    assert facts_of(page)["Sa moyenne"] == "4,0 étoiles"
    assert page.find("input", id="recap-address").attrs["value"].endswith("/fr/u/odette/season/1/")
    tags = share_image_of(response)
    assert "/share/fr/u/odette/season/1/" in tags["og:image"]
    assert tags["og:image:alt"].startswith(
        "Bilan de la saison 1\u00a0: Odette Swan. 3 épisodes vus"
    )


# The share image --------------------------------------------------------------------------------


def image_of(response_page) -> tuple[str, bytes]:
    url = share_image_of(response_page)["og:image"].removeprefix("http://testserver")
    answer = Client().get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    return url, answer.content


def test_the_share_image_is_a_1200_by_630_png_without_a_word_of_any_review(
    client, dancer, others, season_episodes
):
    a_season(dancer, others, season_episodes)
    response = client.get(URL)
    tags = share_image_of(response)
    assert tags["og:image"] == tags["twitter:image"]
    assert tags["og:image:alt"] == (
        "Season 1 recap: Odette Swan. 3 episodes watched, 3 ratings. "
        "Their average: 4.0 stars; everyone else’s: 4.3 stars."
    )
    url, png = image_of(response)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1200, 630) and image.format == "PNG"

    # A new rating: the page names a new picture, and the old address leads to it.
    services.rating_set(member=dancer, episode=season_episodes[5], score=2)
    new_url = share_image_of(client.get(URL))["og:image"].removeprefix("http://testserver")
    assert new_url != url
    moved = Client().get(url)
    assert moved.status_code == 302 and moved["Location"] == new_url


def test_the_share_image_is_drawn_as_for_a_visitor_whoever_reads_the_page(
    dancer, others, season_episodes
):
    from etoile_app.recap import Recap, read_lines, recap_card

    a_season(dancer, others, season_episodes)
    careful = make_member("careful@example.com", "careful", hide_unwatched=True)
    tags = share_image_of(signed_in(careful).get(URL))
    season = Season.objects.get(number=1)
    card = recap_card(Recap(member=dancer, season=season, lines=read_lines(dancer, season)))
    assert tags["og:image"].endswith(f"/{card.digest()}.png")
    assert "3 ratings" in card.byline and SPOILER not in str(card) and PLAIN not in str(card)


# Query counts: the same with one rating as with a whole season ---------------------------------


def a_busy_season(dancer, others, eps) -> None:
    """Every episode watched twice and rated, 500 likes on a review, favourites, a ranking."""
    for episode in eps:
        services.rating_set(member=dancer, episode=episode, score=7)
        services.rating_set(member=others[0], episode=episode, score=9)
        for days in (0, 10):
            services.watch_add(
                member=dancer, episode=episode, watched_on=PREMIERE + datetime.timedelta(days=days)
            )
    for episode in eps[:3]:
        picks.favourite_add(member=dancer, item=episode)
    picks.ranking_set(member=dancer, season=eps[0].season, episodes=eps)
    review = services.review_post(member=dancer, episode=eps[0], body=PLAIN)
    services.review_post(member=dancer, episode=eps[1], body=SPOILER, is_spoiler=True)
    fans = User.objects.bulk_create(
        User(email=f"fan{n}@example.com", handle=f"fan{n}", password="!") for n in range(500)
    )
    Like.objects.bulk_create(Like(member=fan, review=review) for fan in fans)
    Review.objects.filter(pk=review.pk).update(like_count=500)


# The member of the page, the season, its episodes with the member's ratings and watches, their
# reviews' totals and list, their picks (two); signed in, also the session, the reader, the
# reader's watches (the spoiler rule) and the member menu's progress.
RECAP_QUERIES = {"visitor": 7, "member": 11}  # a member: their row brings the unread counter
# The member, the season, its episodes with the member's ratings and watches; the drawing, from
# the page cache (a table in the tests, Redis in production).
IMAGE_QUERIES = 4


@pytest.mark.parametrize("reader", ["visitor", "member"])
def test_the_recap_costs_the_same_queries_with_one_rating_or_a_whole_busy_season(
    dancer, others, season_episodes, reader
):
    client = Client() if reader == "visitor" else signed_in(others[1])
    services.rating_set(member=dancer, episode=season_episodes[0], score=6)
    few, page = count_queries(client, URL)
    assert facts_of(page)["Ratings given"] == "1"
    a_busy_season(dancer, others, season_episodes)
    many, page = count_queries(client, URL)
    assert facts_of(page)["Ratings given"] == "8" and facts_of(page)["Likes received"] == "500"
    assert few == many == RECAP_QUERIES[reader]


def test_the_share_image_costs_the_same_queries_with_one_rating_or_a_whole_busy_season(
    dancer, others, season_episodes, django_assert_num_queries
):
    services.rating_set(member=dancer, episode=season_episodes[0], score=6)
    url = share_image_of(Client().get(URL))["og:image"].removeprefix("http://testserver")
    Client().get(url)  # drawn and stored once
    with django_assert_num_queries(IMAGE_QUERIES):
        assert Client().get(url).status_code == 200
    a_busy_season(dancer, others, season_episodes)
    url = share_image_of(Client().get(URL))["og:image"].removeprefix("http://testserver")
    Client().get(url)  # drawn and stored once
    with django_assert_num_queries(IMAGE_QUERIES):
        assert Client().get(url).status_code == 200
    assert text_of(Client().get(URL)).count(SPOILER) == 1  # behind its shield, not in the image


def test_from_the_members_skeleton_each_reader_gets_their_own_spoiler_shield(
    settings, dancer, others, season_episodes
):
    """Members read another's recap from one skeleton (kernel/memberpages.py): the spoiler's
    shield is filled in for each of them, as the rule decides."""
    from kernel import memberpages

    settings.MEMBER_PAGE_CACHE_BYTES = 64 * 1024 * 1024
    memberpages.store.clear()
    a_season(dancer, others, season_episodes)
    services.watch_add(member=others[0], episode=season_episodes[2], watched_on=PREMIERE)
    try:
        first = page_of(signed_in(others[1]).get(URL)).find("main")
        second = page_of(signed_in(others[0]).get(URL)).find("main")
        assert len(memberpages.store.items) == 1
    finally:
        memberpages.store.clear()
    assert [d.words for d in first.find_all("details", class_="spoiler")] == [
        f"Show spoiler {SPOILER}"
    ]
    assert SPOILER in second.words and not second.find_all("details", class_="spoiler")


def test_a_visitor_reads_each_change_at_once_though_the_page_is_cached(
    settings, dancer, others, season_episodes, django_capture_on_commit_callbacks
):
    """The visitors' cache keeps the recap under the page groups it shows (kernel/pagecache.py):
    the member's own ratings and likes, and everyone else's ratings."""
    settings.VISITOR_PAGE_CACHE_SECONDS = 600
    visitor = Client()
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_set(member=dancer, episode=season_episodes[0], score=6)
        review = services.review_post(member=dancer, episode=season_episodes[0], body=PLAIN)
    assert facts_of(page_of(visitor.get(URL)))["Everyone else’s, for the same episodes"] == "—"
    cached, _ = count_queries(visitor, URL)
    assert cached < RECAP_QUERIES["visitor"]  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_set(member=others[0], episode=season_episodes[0], score=10)
    assert facts_of(page_of(visitor.get(URL)))["Everyone else’s, for the same episodes"] == (
        "5.0 stars"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.like_set(member=others[0], review=review, liked=True)
    assert facts_of(page_of(visitor.get(URL)))["Likes received"] == "1"
