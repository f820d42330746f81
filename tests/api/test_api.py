"""The JSON API under /api/v1/, as a client program meets it: what it reads matches the
database and the pages, every refusal is JSON with the status a program can act on, and a
member's writes happen with their token or their session (with its CSRF token) and never
with anything less, nor to anyone else's data.

Each write test checks the answer and then the database: the change it says, or nothing.
"""

import datetime
import hashlib
import json
import re
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import catalog.api
from catalog.models import Character, Credit, Episode, Person, Season
from etoile_app.api import api
from members.models import AccessToken, TokenScope, User
from reviews import moderation, services
from reviews.models import EpisodeScores, Rating, Review, Watch, WatchlistEntry
from tests.factories import add_many_credits, make_member
from tests.pages import text_of

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def odette(seeded) -> User:
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


@pytest.fixture
def odile(seeded) -> User:
    return make_member("odile@example.com", "odile", display_name="Odile Black")


def token_for(member: User, name: str = "my script") -> str:
    """A token that may write, as most tests here need; read-only ones are tested below."""
    _token, secret = AccessToken.objects.create_for(member, name, scope=TokenScope.READ_WRITE)
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def episode(season: int, number: int) -> Episode:
    return Episode.objects.select_related("season").get(season__number=season, number=number)


def assert_json_error(response, status: int) -> dict:
    """A refusal a program can read: the status, JSON (never an HTML page) and a detail."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(JSON), response["Content-Type"]
    body = response.json()
    assert body["detail"], body
    assert b"<html" not in response.content.lower()
    return body


def everything() -> dict:
    """What a member's write could change: to prove a refused one changed nothing."""
    return {
        "ratings": list(
            Rating.objects.order_by("pk").values_list("pk", "member_id", "episode_id", "score")
        ),
        "counters": list(EpisodeScores.objects.order_by("pk").values()),
        "watchlist": list(
            WatchlistEntry.objects.order_by("pk").values_list("pk", "member_id", "episode_id")
        ),
        "watches": list(
            Watch.objects.order_by("pk").values_list(
                "pk", "member_id", "episode_id", "watched_on", "submission_key"
            )
        ),
    }


# The catalog ---------------------------------------------------------------------------------


def rate(members: list[User], ep: Episode, scores: list[int]) -> None:
    for member, score in zip(members, scores, strict=True):
        services.rating_set(member=member, episode=ep, score=score)


def many_members(count: int, prefix: str = "dancer") -> list[User]:
    start = User.objects.filter(handle__startswith=prefix).count()
    return User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.com", handle=f"{prefix}{n}")
        for n in range(start, start + count)
    )


def test_episodes_carry_the_ratings_the_database_and_the_episode_page_hold(client, seeded):
    members = many_members(3)
    rate(members, episode(1, 1), [10, 7, 4])  # 5, 3½ and 2 stars: a mean of 3.5
    rate(members[:2], episode(1, 2), [3, 4])  # 1½ and 2 stars: 1.75, shown as 1.8

    response = client.get(f"{API}/episodes")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(JSON)
    episodes = response.json()["results"]
    assert [(e["season"], e["number"]) for e in episodes] == [(1, n) for n in range(1, 9)]
    for entry in episodes:
        scores = (
            EpisodeScores.objects.filter(
                episode__season__number=entry["season"], episode__number=entry["number"]
            ).first()
            or EpisodeScores()
        )
        assert entry["ratings"]["count"] == scores.count
        assert entry["ratings"]["distribution"] == scores.distribution
        mean = scores.mean_stars
        assert entry["ratings"]["average_stars"] == (None if mean is None else str(mean))
    first, second, third = episodes[:3]
    assert first["ratings"] == {
        "count": 3,
        "average_stars": "3.5",
        "distribution": [0, 0, 0, 1, 0, 0, 1, 0, 0, 1],
    }
    assert second["ratings"]["average_stars"] == "1.8"
    assert third["ratings"] == {"count": 0, "average_stars": None, "distribution": [0] * 10}

    # The episode pages say the same to people.
    assert "3.5 out of 5 from 3 ratings" in text_of(client.get("/season/1/episode/1/"))
    assert "1.8 out of 5 from 2 ratings" in text_of(client.get("/season/1/episode/2/"))
    assert "No ratings yet." in text_of(client.get("/season/1/episode/3/"))


def test_an_episode_a_season_and_the_list_agree(client, seeded):
    rate(many_members(2), episode(1, 4), [9, 6])

    detail = client.get(f"{API}/seasons/1/episodes/4").json()
    listed = client.get(f"{API}/episodes").json()["results"]
    season = client.get(f"{API}/seasons/1").json()

    db_episode = episode(1, 4)
    assert detail["title"] == db_episode.title
    assert detail["url"] == f"http://testserver{db_episode.get_absolute_url()}"
    assert detail["ratings"]["average_stars"] == "3.8"  # 4½ and 3 stars
    assert detail == listed[3] == season["episodes"][3]
    assert season["number"] == 1
    assert [e["number"] for e in season["episodes"]] == list(range(1, 9))


def test_the_show_and_its_seasons_are_those_of_the_catalog(client, seeded):
    show = client.get(f"{API}/show").json()

    assert show["title"] == seeded.title == "Étoile"
    assert show["premiere_date"] == "2025-04-24"
    assert [s["number"] for s in show["seasons"]] == list(
        Season.objects.filter(show=seeded).order_by("number").values_list("number", flat=True)
    )
    assert client.get(f"{API}/seasons").json()["results"] == show["seasons"]


def test_people_and_characters_list_every_credit(client, seeded):
    people = client.get(f"{API}/people").json()["results"]

    assert {p["slug"] for p in people} == set(Person.objects.values_list("slug", flat=True))
    credits_listed = sum(len(p["credits"]) for p in people)
    assert credits_listed == Credit.objects.count()
    luke = client.get(f"{API}/people/luke-kirby").json()
    assert luke["name"] == "Luke Kirby"
    assert {(c["role"], c["character"]) for c in luke["credits"]} == {
        (credit.role, credit.character.name if credit.character else None)
        for credit in Credit.objects.filter(person__slug="luke-kirby").select_related("character")
    }
    assert "Jack" in {c["character"] for c in luke["credits"]}
    jack = client.get(f"{API}/characters/jack").json()
    assert [c["person_slug"] for c in jack["credits"]] == ["luke-kirby"]
    characters = client.get(f"{API}/characters").json()["results"]
    assert {c["slug"] for c in characters} == set(Character.objects.values_list("slug", flat=True))


@pytest.mark.parametrize(
    "path",
    [
        "/seasons/9",
        "/seasons/9/episodes/1",
        "/seasons/1/episodes/99",
        "/people/nobody-at-all",
        "/characters/nobody-at-all",
        "/members/nobody-at-all/ratings",
    ],
)
def test_what_does_not_exist_is_a_json_404(client, seeded, path):
    assert_json_error(client.get(API + path), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/seasons/0",
        "/seasons/1000",
        "/seasons/-1",
        "/seasons/99999999999999999999999999",
        "/seasons/one",
        "/seasons/1/episodes/0",
        "/seasons/1/episodes/1000",
        "/people/not%20a%20slug",
        "/people/" + "a" * 201,
        "/members/not%20a%20handle/ratings",
        "/reviews?page=0",
        "/reviews?page=100001",
        "/reviews?season=0",
        "/reviews?episode=99999999999999999999",
        "/reviews?member=" + "a" * 200,
    ],
)
def test_numbers_and_names_out_of_range_are_a_json_422_before_any_lookup(
    client, seeded, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        response = client.get(API + path)
    assert_json_error(response, 422)


@pytest.mark.parametrize(
    "path", ["/api/v1/whatever", "/api/v1/show/", "/api/v2/show", "/api/", "/api/v1/me/tokens"]
)
def test_an_unknown_address_under_the_api_is_a_json_404(client, db, path):
    assert_json_error(client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/show", {"GET"}),
        ("delete", "/episodes", {"GET"}),
        ("post", "/me/ratings/1/1", {"PUT", "DELETE"}),
        ("patch", "/me/watches", {"GET", "POST"}),
    ],
)
def test_a_method_the_address_does_not_take_is_a_json_405_saying_which_it_does(
    seeded, odette, method, path, allowed
):
    secret = token_for(odette)
    before = everything()

    response = getattr(Client(enforce_csrf_checks=True), method)(
        API + path, {"score": 5}, content_type=JSON, headers=bearer(secret)
    )

    assert_json_error(response, 405)
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
    assert everything() == before


def test_a_forged_host_is_a_json_400(client, seeded):
    response = client.get(f"{API}/show", headers={"Host": "evil.example"})

    assert_json_error(response, 400)
    assert "evil.example" not in response.content.decode()


def test_a_crash_inside_the_api_is_a_json_500_that_tells_nothing_of_the_cause(seeded, monkeypatch):
    def broken():
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(catalog.api, "current_show", broken)
    client = Client(raise_request_exception=False)

    response = client.get(f"{API}/episodes")

    body = assert_json_error(response, 500)
    assert body == {"detail": "Internal Server Error"}
    assert "hunter2" not in response.content.decode()


def test_a_crash_in_a_write_is_a_json_500_and_writes_nothing(seeded, odette, monkeypatch):
    secret = token_for(odette)
    before = everything()

    def broken(**kwargs):
        raise RuntimeError("half-way through")

    monkeypatch.setattr(services, "rating_set", broken)
    response = Client(raise_request_exception=False).put(
        f"{API}/me/ratings/1/1", {"score": 3}, content_type=JSON, headers=bearer(secret)
    )

    assert assert_json_error(response, 500) == {"detail": "Internal Server Error"}
    assert everything() == before


# Public reviews ------------------------------------------------------------------------------


def review_ids(client: Client, query: str = "") -> list[int]:
    ids, page = [], 1
    while True:
        body = client.get(f"{API}/reviews?page={page}{query}").json()
        ids += [r["id"] for r in body["results"]]
        if page >= body["pages"]:
            return ids
        page += 1


def test_only_public_reviews_are_listed(client, seeded, odette, odile):
    moderator = User.objects.create_superuser(email="rothbart@example.com", password="x" * 12)
    siegfried = make_member("siegfried@example.com", "siegfried")
    first = episode(1, 1)
    shown = services.review_post(member=odette, episode=first, body="Shown to all.")
    reply = services.review_post(member=odile, episode=first, body="A reply.", parent=shown)
    out_of_sight = []
    for status in (Review.Status.HELD, Review.Status.HIDDEN, Review.Status.REMOVED):
        review = services.review_post(member=odette, episode=first, body=f"Out of sight: {status}")
        Review.objects.filter(pk=review.pk).update(status=status)
        out_of_sight.append(review)
    held = out_of_sight[0]
    out_of_sight.append(
        services.review_post(member=odile, episode=first, body="Under a held one.", parent=held)
    )
    out_of_sight.append(services.review_post(member=siegfried, episode=first, body="Suspended."))
    moderation.member_suspend(member=siegfried, moderator=moderator, reason="Trolling.")

    response = client.get(f"{API}/reviews")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {r["id"] for r in body["results"]} == {shown.pk, reply.pk}
    assert set(Review.objects.public().values_list("pk", flat=True)) == {shown.pk, reply.pk}
    text = response.content.decode()
    for review in out_of_sight:
        assert review.body not in text
    (listed_reply,) = [r for r in body["results"] if r["id"] == reply.pk]
    assert listed_reply["reply_to"] == shown.pk
    assert listed_reply["member"] == "odile"
    assert listed_reply["member_name"] == "Odile Black"
    assert listed_reply["url"] == f"http://testserver/season/1/episode/1/#review-{reply.pk}"
    assert client.get(f"{API}/reviews?member=siegfried").json()["count"] == 0


def test_reviews_come_in_pages_of_twenty_newest_first(client, seeded, odette):
    first = episode(1, 1)
    reviews = [
        services.review_post(member=member, episode=first, body=f"Review {n}.")
        for n, member in enumerate(many_members(45, "writer"))
    ]
    newest_first = [r.pk for r in sorted(reviews, key=lambda r: (r.created_at, r.pk), reverse=True)]

    pages = [client.get(f"{API}/reviews?page={n}").json() for n in (1, 2, 3)]

    assert [(p["count"], p["page"], p["pages"], len(p["results"])) for p in pages] == [
        (45, 1, 3, 20),
        (45, 2, 3, 20),
        (45, 3, 3, 5),
    ]
    assert [r["id"] for p in pages for r in p["results"]] == newest_first
    body = assert_json_error(client.get(f"{API}/reviews?page=4"), 404)
    assert body["detail"] == "There are 3 pages."


def test_no_reviews_is_one_empty_page(client, seeded):
    assert client.get(f"{API}/reviews").json() == {"count": 0, "page": 1, "pages": 1, "results": []}
    assert_json_error(client.get(f"{API}/reviews?page=2"), 404)


def test_reviews_filter_by_season_episode_and_member(client, seeded, odette, odile):
    by = {}
    for member in (odette, odile):
        for number in (1, 2):
            by[member.handle, number] = services.review_post(
                member=member, episode=episode(1, number), body=f"{member.handle} on {number}"
            ).pk

    assert set(review_ids(client, "&episode=2")) == {by["odette", 2], by["odile", 2]}
    assert set(review_ids(client, "&season=1&episode=1")) == {by["odette", 1], by["odile", 1]}
    assert set(review_ids(client, "&member=ODETTE")) == {by["odette", 1], by["odette", 2]}
    assert review_ids(client, "&member=odile&episode=2") == [by["odile", 2]]
    assert review_ids(client, "&season=2") == []
    assert review_ids(client, "&member=nobody") == []


# A member's public ratings -------------------------------------------------------------------


def test_a_members_ratings_are_public_as_on_their_profile(client, seeded, odette, odile):
    services.rating_set(member=odette, episode=episode(1, 3), score=7)
    services.rating_set(member=odette, episode=episode(1, 1), score=10)
    services.rating_set(member=odile, episode=episode(1, 2), score=1)

    response = client.get(f"{API}/members/Odette/ratings")

    assert response.status_code == 200
    ratings = response.json()["results"]
    assert [(r["season"], r["episode"], r["score"], r["stars"]) for r in ratings] == [
        (1, 1, 10, "5"),
        (1, 3, 7, "3.5"),
    ]
    assert client.get(f"{API}/members/nobody/ratings").status_code == 404


def test_a_suspended_members_ratings_are_not_found(client, seeded, odette):
    services.rating_set(member=odette, episode=episode(1, 1), score=10)
    moderator = User.objects.create_superuser(email="rothbart@example.com", password="x" * 12)
    moderation.member_suspend(member=odette, moderator=moderator, reason="Trolling.")

    assert_json_error(client.get(f"{API}/members/odette/ratings"), 404)


# Writing with a personal access token --------------------------------------------------------


def put_rating(client: Client, secret: str | None, score, where: str = "1/1"):
    headers = bearer(secret) if secret else {}
    return client.put(
        f"{API}/me/ratings/{where}", {"score": score}, content_type=JSON, headers=headers
    )


def test_a_token_rates_changes_and_takes_back_a_rating(client, seeded, odette):
    secret = token_for(odette)
    first = episode(1, 1)

    response = put_rating(client, secret, 8)

    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "rated_at"} == {
        "season": 1,
        "episode": 1,
        "score": 8,
        "stars": "4",
    }
    assert Rating.objects.get(member=odette, episode=first).score == 8
    assert EpisodeScores.objects.get(episode=first).distribution == [0] * 7 + [1, 0, 0]
    assert client.get(f"{API}/seasons/1/episodes/1").json()["ratings"]["average_stars"] == "4.0"

    assert put_rating(client, secret, 3).json()["score"] == 3

    assert Rating.objects.get(member=odette, episode=first).score == 3
    assert EpisodeScores.objects.get(episode=first).distribution == [0, 0, 1] + [0] * 7
    assert [
        r["score"]
        for r in client.get(f"{API}/me/ratings", headers=bearer(secret)).json()["results"]
    ] == [3]

    response = client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret))

    assert response.status_code == 204
    assert not Rating.objects.filter(member=odette).exists()
    assert EpisodeScores.objects.get(episode=first).count == 0
    before = everything()
    body = assert_json_error(client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret)), 404)
    assert body["detail"] == "You have not rated this episode."
    assert everything() == before


@pytest.mark.parametrize("score", [0, 11, -1, 2.5, "eight", None, [8]])
def test_a_score_outside_one_to_ten_is_a_422_and_writes_nothing(client, seeded, odette, score):
    secret = token_for(odette)
    before = everything()

    assert_json_error(put_rating(client, secret, score), 422)

    assert everything() == before


def test_rating_an_episode_that_does_not_exist_is_a_404(client, seeded, odette):
    secret = token_for(odette)
    before = everything()

    assert_json_error(put_rating(client, secret, 5, "1/9"), 404)
    assert_json_error(put_rating(client, secret, 5, "2/1"), 404)

    assert everything() == before


def test_the_watchlist_takes_an_episode_once_and_gives_it_back(client, seeded, odette):
    secret = token_for(odette)
    url = f"{API}/me/watchlist/1/4"

    first = client.put(url, headers=bearer(secret))
    again = client.put(url, headers=bearer(secret))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["added_at"] == again.json()["added_at"]
    assert WatchlistEntry.objects.filter(member=odette).count() == 1
    listed = client.get(f"{API}/me/watchlist", headers=bearer(secret)).json()["results"]
    assert [(e["season"], e["episode"]) for e in listed] == [(1, 4)]

    assert client.delete(url, headers=bearer(secret)).status_code == 204
    assert not WatchlistEntry.objects.filter(member=odette).exists()
    body = assert_json_error(client.delete(url, headers=bearer(secret)), 404)
    assert body["detail"] == "This episode is not on your watchlist."


def post_watch(client: Client, secret: str, body: dict, key: str | None = None):
    headers = bearer(secret)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"{API}/me/watches", body, content_type=JSON, headers=headers)


def test_a_watch_sent_twice_with_one_idempotency_key_is_one_watch(client, seeded, odette):
    secret = token_for(odette)
    services.watchlist_add(member=odette, episodes=[episode(1, 2)])
    body = {"season": 1, "episode": 2, "watched_on": "2025-05-01"}

    first = post_watch(client, secret, body, key="retry-me")
    second = post_watch(client, secret, body, key="retry-me")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert first.json()["watched_on"] == "2025-05-01"
    watch = Watch.objects.get(member=odette)
    assert watch.pk == first.json()["id"]
    assert watch.watched_on == datetime.date(2025, 5, 1)
    # Watched episodes leave the watchlist, as on the site.
    assert not WatchlistEntry.objects.filter(member=odette).exists()

    # Another key, or none, is a rewatch; a key without a date is today.
    assert post_watch(client, secret, body, key="another").status_code == 201
    today = post_watch(client, secret, {"season": 1, "episode": 2})
    assert today.json()["watched_on"] == timezone.localdate().isoformat()
    assert Watch.objects.filter(member=odette).count() == 3
    listed = client.get(f"{API}/me/watches", headers=bearer(secret)).json()["results"]
    assert len(listed) == 3 and listed[0]["id"] == today.json()["id"]


def test_the_same_idempotency_key_from_another_member_is_their_own_watch(
    client, seeded, odette, odile
):
    body = {"season": 1, "episode": 2, "watched_on": "2025-05-01"}

    post_watch(client, token_for(odette), body, key="shared-key")
    response = post_watch(client, token_for(odile), body, key="shared-key")

    assert response.status_code == 201
    assert Watch.objects.filter(member=odile).count() == 1
    assert Watch.objects.filter(member=odette).count() == 1


def test_an_idempotency_key_reused_for_another_episode_is_refused(client, seeded, odette):
    """A program that reuses a key by mistake must not be told that the second episode is
    marked watched when only the first one is."""
    secret = token_for(odette)
    first = post_watch(client, secret, {"season": 1, "episode": 1}, key="reused")
    before = everything()

    response = post_watch(client, secret, {"season": 1, "episode": 2}, key="reused")

    body = assert_json_error(response, 422)
    assert body["detail"] == "This Idempotency-Key was sent before with another watch."
    assert everything() == before
    assert list(Watch.objects.values_list("episode__number", flat=True)) == [1]
    assert first.json()["episode"] == 1
    other_day = {"season": 1, "episode": 1, "watched_on": "2025-05-01"}
    assert_json_error(post_watch(client, secret, other_day, key="reused"), 422)
    assert everything() == before
    # The same watch again, date left out as the first time, is the first one.
    again = post_watch(client, secret, {"season": 1, "episode": 1}, key="reused")
    assert again.status_code == 201 and again.json() == first.json()


@pytest.mark.parametrize(
    ("watched_on", "message"),
    [
        # The New York premiere, the earliest date the seeded catalog has, was April 15, 2025.
        ("2025-04-14", "The show was first shown on April 15, 2025; choose that day or later."),
        ("2999-01-01", "You cannot have watched it in the future."),
    ],
)
def test_a_watch_on_a_day_the_show_was_not_on_is_a_409_and_writes_nothing(
    client, seeded, odette, watched_on, message
):
    secret = token_for(odette)
    services.watchlist_add(member=odette, episodes=[episode(1, 1)])
    before = everything()

    response = post_watch(
        client, secret, {"season": 1, "episode": 1, "watched_on": watched_on}, key="k"
    )

    assert assert_json_error(response, 409)["detail"] == message
    assert everything() == before


def revoked(member: User) -> str:
    token, secret = AccessToken.objects.create_for(member, "revoked")
    token.delete()
    return secret


def suspended(member: User) -> str:
    secret = token_for(member)
    moderator = User.objects.create_superuser(email="rothbart@example.com", password="x" * 12)
    moderation.member_suspend(member=member, moderator=moderator, reason="Trolling.")
    return secret


def deactivated(member: User) -> str:
    secret = token_for(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    return secret


BAD_CREDENTIALS = {
    "revoked token": lambda m: bearer(revoked(m)),
    "wrong token": lambda m: bearer(token_for(m)[:-1] + "x"),
    "made-up token": lambda m: bearer("etoile_" + "A" * 43),
    "suspended member's token": lambda m: bearer(suspended(m)),
    "deactivated member's token": lambda m: bearer(deactivated(m)),
    "token's digest": lambda m: bearer(AccessToken.objects.get(pk=pk_of(m)).digest),
    "over-long token": lambda m: bearer(token_for(m) + "A" * 100),
    "no token": lambda m: {},
    "empty bearer": lambda m: {"Authorization": "Bearer "},
    "another scheme": lambda m: {"Authorization": f"Token {token_for(m)}"},
}


def pk_of(member: User) -> int:
    token_for(member, "the real one")
    return AccessToken.objects.get(member=member, name="the real one").pk


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS)
def test_a_write_without_a_valid_token_is_a_401_and_writes_nothing(
    client, seeded, odette, credentials
):
    services.rating_set(member=odette, episode=episode(1, 1), score=6)
    services.watchlist_add(member=odette, episodes=[episode(1, 2)])
    headers = BAD_CREDENTIALS[credentials](odette)
    before = everything()
    tokens = list(AccessToken.objects.values())

    answers = [
        client.put(f"{API}/me/ratings/1/1", {"score": 1}, content_type=JSON, headers=headers),
        client.delete(f"{API}/me/ratings/1/1", headers=headers),
        client.put(f"{API}/me/watchlist/1/3", headers=headers),
        client.delete(f"{API}/me/watchlist/1/2", headers=headers),
        client.post(
            f"{API}/me/watches", {"season": 1, "episode": 1}, content_type=JSON, headers=headers
        ),
        client.get(f"{API}/me", headers=headers),
        client.get(f"{API}/me/ratings", headers=headers),
    ]

    for response in answers:
        body = assert_json_error(response, 401)
        assert body["detail"] == "Sign in, or send a personal access token."
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert everything() == before
    assert list(AccessToken.objects.values()) == tokens  # not even last_used_at


def test_a_token_says_whose_it_is_and_records_its_last_use(client, seeded, odette, odile):
    token, secret = AccessToken.objects.create_for(odette, "tracker")
    other, _ = AccessToken.objects.create_for(odile, "odile's")
    assert token.last_used_at is None

    response = client.get(f"{API}/me", headers=bearer(secret))

    assert response.json() == {
        "handle": "odette",
        "name": "Odette Swan",
        "url": "http://testserver/u/odette/",
    }
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(seconds=10)
    other.refresh_from_db()
    assert other.last_used_at is None

    # An hour later, the next use is recorded again.
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=an_hour_ago)
    client.get(f"{API}/me/ratings", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at > an_hour_ago + datetime.timedelta(minutes=59)


def test_a_token_is_stored_as_a_digest_never_as_itself(seeded, odette):
    token, secret = AccessToken.objects.create_for(odette, "tracker")

    assert secret.startswith("etoile_") and len(secret) >= 40
    row = AccessToken.objects.filter(pk=token.pk).values().get()
    secret_part = secret.removeprefix("etoile_")
    for column, value in row.items():
        assert secret_part not in str(value), column
        assert secret_part[:12] not in str(value), column
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["hint"] == secret_part[:4]
    assert str(token) == f"tracker (etoile_{secret_part[:4]}…)"
    # Two tokens are never alike.
    assert AccessToken.objects.create_for(odette, "another")[1] != secret


# Read-only and read-and-write tokens (issue 18) ---------------------------------------------

WRITE_METHODS = {"post", "put", "patch", "delete"}
# Every write body the schema has, in one: each operation ignores the fields it does not take.
A_VALID_WRITE = {"score": 3, "season": 1, "episode": 1}


def operations(*, writes: bool) -> list[tuple[str, str]]:
    """(method, url) of every operation of the schema that takes a member's credentials, its
    path filled with episode 1×1 and the member @odette: a write added later is covered without editing this."""
    found = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            if operation.get("security") and (method in WRITE_METHODS) == writes:
                url = path.replace("{season}", "1").replace("{episode}", "1")
                url = url.replace("{handle}", "odette")
                assert "{" not in url, f"fill {url}'s parameters here"
                found.append((method, url))
    return found


def test_a_read_only_token_can_read_but_every_write_is_a_403_that_changes_nothing(
    client, seeded, odette
):
    _token, secret = AccessToken.objects.create_for(odette, "reader", scope=TokenScope.READ)
    services.rating_set(member=odette, episode=episode(1, 1), score=6)
    services.watchlist_add(member=odette, episodes=[episode(1, 2)])
    before = everything()
    writes = operations(writes=True)
    assert {method for method, _url in writes} >= {"put", "delete", "post"}

    for _method, url in operations(writes=False):
        assert client.get(url, headers=bearer(secret)).status_code == 200, url
    for method, url in writes:
        response = getattr(client, method)(
            url, A_VALID_WRITE, content_type=JSON, headers=bearer(secret)
        )
        body = assert_json_error(response, 403)
        assert body["detail"] == (
            "This token is read-only: it can read your data but not change it. "
            "Make a read-and-write token at /me/tokens/ for a program that writes."
        ), (method, url)

    assert everything() == before


def test_a_read_and_write_token_can_write(client, seeded, odette):
    _token, secret = AccessToken.objects.create_for(odette, "tracker", scope=TokenScope.READ_WRITE)

    put = client.put(
        f"{API}/me/ratings/1/1", {"score": 7}, content_type=JSON, headers=bearer(secret)
    )
    assert put.status_code == 200
    assert Rating.objects.get(member=odette).score == 7
    assert client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret)).status_code == 204
    assert not Rating.objects.filter(member=odette).exists()


def test_a_token_is_read_only_unless_asked_otherwise(seeded, odette):
    token, _secret = AccessToken.objects.create_for(odette, "tracker")

    assert token.scope == TokenScope.READ
    assert not token.can_write


# Writing with the member's session ----------------------------------------------------------


def page_csrf_token(client: Client, path: str = "/season/1/episode/1/") -> str:
    """The token a page of the site gives its own forms (the cookie is HttpOnly)."""
    html = client.get(path).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_signed_in_members_write_needs_the_csrf_token(seeded, odette):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(odette)
    token = page_csrf_token(browser)
    before = everything()

    for headers in ({}, {"X-CSRFToken": "x" * 32}):
        response = browser.put(
            f"{API}/me/ratings/1/1", {"score": 9}, content_type=JSON, headers=headers
        )
        assert_json_error(response, 403)
        assert everything() == before

    response = browser.put(
        f"{API}/me/ratings/1/1", {"score": 9}, content_type=JSON, headers={"X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert Rating.objects.get(member=odette).score == 9
    response = browser.post(
        f"{API}/me/watches",
        {"season": 1, "episode": 1},
        content_type=JSON,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    # Reading needs no CSRF token.
    assert [r["score"] for r in browser.get(f"{API}/me/ratings").json()["results"]] == [9]


def test_a_visitor_is_asked_to_authenticate(seeded):
    visitor = Client(enforce_csrf_checks=True)
    before = everything()

    for response in [
        visitor.get(f"{API}/me"),
        visitor.put(f"{API}/me/ratings/1/1", {"score": 9}, content_type=JSON),
        visitor.post(f"{API}/me/watches", {"season": 1, "episode": 1}, content_type=JSON),
    ]:
        assert_json_error(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert everything() == before


# Limits --------------------------------------------------------------------------------------


def test_writes_past_the_members_limit_are_a_429_and_write_nothing(
    client, seeded, odette, odile, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_write": "3/m/user"}
    secret = token_for(odette)
    for score in (2, 4, 6):
        assert put_rating(client, secret, score).status_code == 200
    before = everything()

    for response in [
        put_rating(client, secret, 8),
        client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret)),
        client.put(f"{API}/me/watchlist/1/2", headers=bearer(secret)),
        post_watch(client, secret, {"season": 1, "episode": 1}),
    ]:
        body = assert_json_error(response, 429)
        assert body["detail"] == "Too many changes at once: wait a minute and try again."
    assert everything() == before
    assert Rating.objects.get(member=odette).score == 6
    # Reading is not limited, and the limit is the member's, not everyone's.
    assert client.get(f"{API}/me/ratings", headers=bearer(secret)).status_code == 200
    assert put_rating(client, token_for(odile), 8).status_code == 200


# One member, one's own data -----------------------------------------------------------------


def test_a_member_only_ever_touches_their_own_ratings_and_watchlist(client, seeded, odette, odile):
    first, second = episode(1, 1), episode(1, 2)
    services.rating_set(member=odette, episode=first, score=10)
    services.rating_set(member=odette, episode=second, score=2)
    services.watchlist_add(member=odette, episodes=[first])
    services.watch_add(member=odette, episode=second, watched_on=datetime.date(2025, 5, 1))
    odettes = everything()
    secret = token_for(odile)

    # Nothing of Odile's there: Odette's stay.
    assert client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret)).status_code == 404
    assert client.delete(f"{API}/me/watchlist/1/1", headers=bearer(secret)).status_code == 404
    assert everything() == odettes
    for path in ("/me/ratings", "/me/watchlist", "/me/watches"):
        assert client.get(API + path, headers=bearer(secret)).json()["results"] == [], path

    # Odile's own, on the same episode: hers go, Odette's stay.
    assert put_rating(client, secret, 4).status_code == 200
    assert client.put(f"{API}/me/watchlist/1/1", headers=bearer(secret)).status_code == 201
    assert client.delete(f"{API}/me/ratings/1/1", headers=bearer(secret)).status_code == 204
    assert client.delete(f"{API}/me/watchlist/1/1", headers=bearer(secret)).status_code == 204
    assert everything() == odettes
    assert Rating.objects.get(member=odette, episode=first).score == 10


def test_a_body_naming_another_member_is_ignored(client, seeded, odette, odile):
    secret = token_for(odile)

    response = client.put(
        f"{API}/me/ratings/1/1",
        {"score": 4, "member": odette.pk, "member_id": odette.pk, "handle": "odette"},
        content_type=JSON,
        headers=bearer(secret),
    )

    assert response.status_code == 200
    assert list(Rating.objects.values_list("member__handle", "score")) == [("odile", 4)]


# The schema ----------------------------------------------------------------------------------

OPERATIONS = {
    ("get", "/api/v1/show"),
    ("get", "/api/v1/seasons"),
    ("get", "/api/v1/seasons/{season}"),
    ("get", "/api/v1/episodes"),
    ("get", "/api/v1/seasons/{season}/episodes/{episode}"),
    ("get", "/api/v1/people"),
    ("get", "/api/v1/people/{slug}"),
    ("get", "/api/v1/characters"),
    ("get", "/api/v1/characters/{slug}"),
    ("get", "/api/v1/sources"),
    ("get", "/api/v1/reviews"),
    ("get", "/api/v1/members/{handle}/ratings"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/ratings"),
    ("put", "/api/v1/me/ratings/{season}/{episode}"),
    ("delete", "/api/v1/me/ratings/{season}/{episode}"),
    ("get", "/api/v1/me/watchlist"),
    ("put", "/api/v1/me/watchlist/{season}/{episode}"),
    ("delete", "/api/v1/me/watchlist/{season}/{episode}"),
    ("get", "/api/v1/me/watches"),
    ("post", "/api/v1/me/watches"),
    ("get", "/api/v1/members/{handle}/picks"),
    ("get", "/api/v1/seasons/{season}/ranking"),
    ("get", "/api/v1/me/picks"),
    ("put", "/api/v1/me/favourites/episodes"),
    ("put", "/api/v1/me/favourites/characters"),
    ("put", "/api/v1/me/rankings/{season}"),
    ("get", "/api/v1/me/notifications"),
    ("get", "/api/v1/me/notifications/unread"),
    ("post", "/api/v1/me/notifications/read"),
    ("get", "/api/v1/members/{handle}/followers"),
    ("get", "/api/v1/members/{handle}/following"),
    ("put", "/api/v1/me/following/{handle}"),
    ("delete", "/api/v1/me/following/{handle}"),
    ("get", "/api/v1/me/activity"),
}


def registered_operations() -> set[tuple[str, str]]:
    """Every operation the routers hold, as django-ninja registered them."""
    found = set()
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.add((method.lower(), "/api/v1/" + path.lstrip("/")))
    return found


def test_the_openapi_schema_lists_every_operation_as_the_fuzzer_reads_it(client, db):
    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    # As JSON: the statuses that are integers in Python are strings in the document.
    served_to_the_fuzzer = api.get_openapi_schema(path_prefix="/api/v1/")
    assert schema == json.loads(json.dumps(served_to_the_fuzzer, cls=DjangoJSONEncoder))
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert listed == OPERATIONS == registered_operations()
    for path, ops in schema["paths"].items():
        for method, operation in ops.items():
            assert operation.get("summary"), (method, path)
            if path == "/api/v1/me" or path.startswith("/api/v1/me/"):
                assert operation["security"], (method, path)
                assert "401" in operation["responses"], (method, path)


# Queries do not grow with the data -----------------------------------------------------------


def lots_of_ratings(count: int) -> None:
    members = many_members(count, "rater")
    episodes = list(Episode.objects.all())
    Rating.objects.bulk_create(
        Rating(member=m, episode=e, score=1 + (m.pk + e.pk) % 10) for m in members for e in episodes
    )
    services.recount_ratings()


def lots_of_reviews(count: int) -> None:
    members = many_members(count // 5 or 1, "author")
    episodes = list(Episode.objects.all())
    Review.objects.bulk_create(
        Review(member=members[n % len(members)], episode=episodes[n % len(episodes)], body=f"R{n}")
        for n in range(count)
    )


# (path, budget, how to make the data large)
READS = {
    # show, count, episodes with their seasons and counters
    "/episodes": (3, lambda: lots_of_ratings(60)),
    # count, one page with members and episodes
    "/reviews": (2, lambda: lots_of_reviews(500)),
    "/reviews?page=2&season=1": (2, lambda: lots_of_reviews(500)),
    # count, people, their credits with characters, their citations with sources
    "/people": (4, lambda: add_many_credits(Season.objects.get().show, 400)),
    "/characters": (4, lambda: add_many_credits(Season.objects.get().show, 400)),
    "/seasons/1": (4, lambda: lots_of_ratings(60)),
    "/members/rater0/ratings": (3, lambda: None),  # member, count, ratings
}


@pytest.mark.parametrize("large", [False, True], ids=["small", "large"])
@pytest.mark.parametrize("path", READS)
def test_reads_take_a_fixed_number_of_queries_whatever_the_data(
    client, seeded, path, large, django_assert_max_num_queries
):
    budget, grow = READS[path]
    lots_of_ratings(3)  # rater0 exists, with a rating of every episode
    lots_of_reviews(25)
    if large:
        grow()

    with django_assert_max_num_queries(budget):
        response = client.get(API + path)

    assert response.status_code == 200


@pytest.mark.parametrize("rated", [1, 8])
def test_my_ratings_take_a_fixed_number_of_queries(
    client, seeded, odette, rated, django_assert_max_num_queries
):
    for number in range(1, rated + 1):
        services.rating_set(member=odette, episode=episode(1, number), score=number)
    secret = token_for(odette)
    client.get(f"{API}/me", headers=bearer(secret))  # last use recorded: no write below

    # the token with its member, the count, the ratings with their episodes and seasons
    with django_assert_max_num_queries(3):
        response = client.get(f"{API}/me/ratings", headers=bearer(secret))

    assert len(response.json()["results"]) == rated


def is_bookkeeping(sql: str) -> bool:
    """Savepoints, and the rate limit's counters, which live in the database cache in tests
    and in Redis in production."""
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) or "django_cache" in sql


@pytest.mark.parametrize("raters", [1, 60])
def test_a_rating_through_the_api_takes_a_fixed_number_of_queries(client, seeded, odette, raters):
    lots_of_ratings(raters)
    secret = token_for(odette)
    client.get(f"{API}/me", headers=bearer(secret))  # last use recorded: no write below

    with CaptureQueriesContext(connection) as queries:
        response = put_rating(client, secret, 7)

    assert response.status_code == 200
    # The token, the show, the episode with its counters; then the service: the counters'
    # row made if missing, the member's standing, the rating, its insert, the counter.
    work = [q["sql"] for q in queries.captured_queries if not is_bookkeeping(q["sql"])]
    assert len(work) <= 8, "\n".join(work)


def test_stars_in_a_rating_are_half_the_score(client, seeded, odette):
    secret = token_for(odette)
    for score in range(1, 11):
        assert Decimal(put_rating(client, secret, score).json()["stars"]) == Decimal(score) / 2
