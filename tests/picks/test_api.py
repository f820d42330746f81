"""Favourites and rankings in the JSON API (picks/api.py)."""

import pytest
from django.test import Client

from catalog.models import Episode
from members.models import AccessToken, TokenScope
from picks import services
from picks.models import FavouriteCharacter, FavouriteEpisode
from tests.factories import make_member

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON = "application/json"


def writer(member) -> Client:
    _token, secret = AccessToken.objects.create_for(member, "script", scope=TokenScope.READ_WRITE)
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def odette(seeded):
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


def ep(number: int) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=number)


def test_anyone_reads_a_members_picks_as_the_profile_shows_them(odette):
    services.favourite_add(member=odette, item=ep(4))
    services.ranking_set(member=odette, season=ep(1).season, episodes=[ep(2), ep(1)])
    body = Client().get(f"{API}/members/odette/picks").json()
    assert [(f["season"], f["episode"]) for f in body["favourite_episodes"]] == [(1, 4)]
    assert body["favourite_characters"] == []
    assert body["rankings"][0]["season"] == 1
    assert [e["episode"] for e in body["rankings"][0]["episodes"]] == [2, 1]
    assert Client().get(f"{API}/members/nobody/picks").status_code == 404


def test_the_community_ranking_comes_with_its_counts(odette):
    services.ranking_set(member=odette, season=ep(1).season, episodes=[ep(3)])
    body = Client().get(f"{API}/seasons/1/ranking").json()
    assert body["rankings"] == 1
    assert body["places"][0] == {"place": 1, "episode": body["places"][0]["episode"]}
    assert body["places"][0]["episode"]["episode"] == 3
    assert {"preferred": 3, "over": 5, "members": 1} in body["pairs"]
    assert len(body["pairs"]) == 8 * 7
    assert "Schulze" in body["method"]


def test_a_member_sets_favourites_and_a_ranking_with_a_token(odette):
    client = writer(odette)
    response = client.put(
        f"{API}/me/favourites/episodes",
        {"episodes": [{"season": 1, "episode": 7}, {"season": 1, "episode": 2}]},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert [f["episode"] for f in response.json()["favourite_episodes"]] == [7, 2]
    response = client.put(
        f"{API}/me/favourites/characters", {"characters": ["jack"]}, content_type=JSON
    )
    assert response.status_code == 200
    assert FavouriteCharacter.objects.get(member=odette).character.slug == "jack"
    response = client.put(f"{API}/me/rankings/1", {"episodes": [5, 1, 8]}, content_type=JSON)
    assert response.status_code == 200
    assert [e["episode"] for e in response.json()["episodes"]] == [5, 1, 8]
    assert [
        e["episode"] for e in client.get(f"{API}/me/picks").json()["rankings"][0]["episodes"]
    ] == [5, 1, 8]
    assert client.put(f"{API}/me/rankings/1", {"episodes": []}, content_type=JSON).json() == {
        "season": 1,
        "episodes": [],
    }


@pytest.mark.parametrize(
    ("url", "body", "status"),
    [
        (
            "/me/favourites/episodes",
            {"episodes": [{"season": 1, "episode": n} for n in (1, 2, 3, 4)]},
            422,
        ),
        ("/me/favourites/episodes", {"episodes": [{"season": 1, "episode": 1}] * 2}, 409),
        ("/me/favourites/episodes", {"episodes": [{"season": 1, "episode": 99}]}, 404),
        ("/me/favourites/characters", {"characters": ["nobody"]}, 404),
        ("/me/rankings/1", {"episodes": [1, 1]}, 409),
        ("/me/rankings/1", {"episodes": [42]}, 404),
        ("/me/rankings/7", {"episodes": [1]}, 404),
        ("/me/rankings/1", {"episodes": [0]}, 422),
    ],
)
def test_a_write_the_rules_refuse_changes_nothing(odette, url, body, status):
    services.favourite_add(member=odette, item=ep(8))
    response = writer(odette).put(f"{API}{url}", body, content_type=JSON)
    assert response.status_code == status, response.content
    assert "detail" in response.json()
    assert list(FavouriteEpisode.objects.values_list("episode__number", flat=True)) == [8]


def test_writes_need_a_member_and_a_read_and_write_token(odette):
    assert (
        Client().put(f"{API}/me/rankings/1", {"episodes": [1]}, content_type=JSON).status_code
        == 401
    )
    _token, secret = AccessToken.objects.create_for(odette, "reader", scope=TokenScope.READ)
    reader = Client(headers={"Authorization": f"Bearer {secret}"})
    assert (
        reader.put(f"{API}/me/rankings/1", {"episodes": [1]}, content_type=JSON).status_code == 403
    )
    session = Client(enforce_csrf_checks=True)
    session.force_login(odette)
    assert (
        session.put(f"{API}/me/rankings/1", {"episodes": [1]}, content_type=JSON).status_code == 403
    )
    assert services.ranking_of(odette, ep(1).season) == []
