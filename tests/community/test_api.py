"""Follows and activity in the API: lists for anyone, follow and unfollow with a
read-and-write token, the token owner's activity as spoiler-safe as the page."""

import pytest
from django.test import Client

from members import services as member_services
from members.models import AccessToken, Follow, TokenScope
from reviews import services

pytestmark = pytest.mark.django_db


def bearer(member, scope=TokenScope.READ_WRITE) -> dict:
    name = f"token {AccessToken.objects.filter(member=member).count()}"
    _token, secret = AccessToken.objects.create_for(member, name, scope=scope)
    return {"Authorization": f"Bearer {secret}"}


def test_follow_unfollow_and_the_lists(odette, odile):
    api = Client()
    headers = bearer(odette)
    response = api.put("/api/v1/me/following/odile", headers=headers)
    assert response.status_code == 201 and response.json()["handle"] == "odile"
    assert api.put("/api/v1/me/following/odile", headers=headers).status_code == 200
    followers = api.get("/api/v1/members/odile/followers").json()
    assert followers["count"] == 1 and followers["results"][0]["handle"] == "odette"
    assert api.get("/api/v1/members/odette/following").json()["results"][0]["handle"] == "odile"
    assert api.delete("/api/v1/me/following/odile", headers=headers).status_code == 204
    assert api.delete("/api/v1/me/following/odile", headers=headers).status_code == 404
    assert not Follow.objects.exists()


def test_a_read_only_token_cannot_follow_and_a_block_refuses(odette, odile):
    api = Client()
    assert (
        api.put("/api/v1/me/following/odile", headers=bearer(odette, TokenScope.READ)).status_code
        == 403
    )
    member_services.block_set(blocker=odile, blocked=odette, blocking=True)
    response = api.put("/api/v1/me/following/odile", headers=bearer(odette))
    assert response.status_code == 403 and "block" in response.json()["detail"]
    assert api.put("/api/v1/me/following/odette", headers=bearer(odette)).status_code == 403
    assert not Follow.objects.exists()


def test_the_activity_withholds_what_the_reader_has_not_watched(odette, odile, seeded):
    from catalog.models import Episode

    episode5 = Episode.objects.select_related("season").get(season__number=1, number=5)
    member_services.follow_set(follower=odette, followed=odile, following=True)
    services.rating_set(member=odile, episode=episode5, score=9)
    services.review_post(member=odile, episode=episode5, body="Her fall.", is_spoiler=True)
    api = Client()
    headers = bearer(odette, TokenScope.READ)
    items = api.get("/api/v1/me/activity", headers=headers).json()["results"]
    review = next(i for i in items if i["kind"] == "review")
    assert review["body"] is None and review["withheld"] == "spoiler"
    assert review["member"] == "odile" and (review["season"], review["episode"]) == (1, 5)
    odette.hide_unwatched = True
    odette.save()
    items = api.get("/api/v1/me/activity", headers=headers).json()["results"]
    rating = next(i for i in items if i["kind"] == "rating")
    assert rating["score"] is None and rating["withheld"] == "unwatched"
    services.watch_add(
        member=odette, episode=episode5, watched_on=episode5.season.show.premiere_date
    )
    page = api.get("/api/v1/me/activity", headers=headers).json()
    by_kind = {i["kind"]: i for i in page["results"]}
    assert by_kind["review"]["body"] == "Her fall." and by_kind["rating"]["score"] == 9
    assert page["older"] is None
    assert api.get("/api/v1/me/activity").status_code == 401


def test_the_activity_pages_with_a_cursor(odette, odile, episode):
    from tests.factories import many_reviews

    member_services.follow_set(follower=odette, followed=odile, following=True)
    many_reviews(odile, episode, 60)
    api = Client()
    headers = bearer(odette, TokenScope.READ)
    first = api.get("/api/v1/me/activity", headers=headers).json()
    assert len(first["results"]) == 50 and first["older"]
    second = api.get("/api/v1/me/activity", {"before": first["older"]}, headers=headers).json()
    assert len(second["results"]) == 10 and second["older"] is None
    assert second["results"][-1]["body"] == "Review number 0."


def test_a_cursor_that_is_not_one_is_refused(odette):
    response = Client().get("/api/v1/me/activity", {"before": "9999"}, headers=bearer(odette))
    assert response.status_code == 404 and "older" in response.json()["detail"]
