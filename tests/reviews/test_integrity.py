"""Counters stay exact whoever deletes what, and repeated requests change nothing more."""

from collections import Counter

import pytest
from django.urls import reverse

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import EpisodeScores, Like, Rating, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.get(season__number=1, number=3)


def members(n: int) -> list[User]:
    return [User.objects.create_user(email=f"m{i}@example.com") for i in range(n)]


def counters_match_ratings(episode: Episode) -> bool:
    scores = EpisodeScores.objects.get(episode=episode)
    counts = Counter(Rating.objects.filter(episode=episode).values_list("score", flat=True))
    return scores.distribution == [counts.get(score, 0) for score in range(1, 11)]


def test_deleting_a_member_in_the_admin_takes_their_ratings_and_likes_back(admin_client, episode):
    author, fan = members(2)
    services.rating_set(member=author, episode=episode, score=8)
    services.rating_set(member=fan, episode=episode, score=2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    services.like_set(member=fan, review=review, liked=True)

    response = admin_client.post(
        reverse("admin:etoile_app_user_delete", args=[fan.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=fan.pk).exists()
    assert counters_match_ratings(episode)
    assert EpisodeScores.objects.get(episode=episode).count == 1
    review.refresh_from_db()
    assert review.like_count == 0


def test_deleting_an_account_takes_its_replies_off_the_reply_counts(admin_client, episode):
    # Staff no longer delete reviews in the admin (moderators take them down, recorded);
    # deleting the replier's account is the way a reply disappears from the admin.
    author, replier = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    services.review_post(member=replier, episode=episode, body="Agreed.", parent=review)

    admin_client.post(reverse("admin:etoile_app_user_delete", args=[replier.pk]), {"post": "yes"})

    review.refresh_from_db()
    assert review.reply_count == 0
    assert not Review.objects.filter(parent=review).exists()


def test_staff_deleting_a_rating_or_a_like_keeps_the_counters_exact(admin_client, episode):
    member, other = members(2)
    rating = services.rating_set(member=member, episode=episode, score=6)
    services.rating_set(member=other, episode=episode, score=9)
    review = services.review_post(member=other, episode=episode, body="Hm.")
    services.like_set(member=member, review=review, liked=True)

    admin_client.post(reverse("admin:reviews_rating_delete", args=[rating.pk]), {"post": "yes"})
    admin_client.post(
        reverse("admin:reviews_like_delete", args=[Like.objects.get().pk]), {"post": "yes"}
    )

    assert counters_match_ratings(episode)
    assert EpisodeScores.objects.get(episode=episode).count == 1
    review.refresh_from_db()
    assert review.like_count == 0 and not Like.objects.exists()


def test_the_counters_row_cannot_be_deleted_in_the_admin(admin_client, episode):
    services.rating_set(member=members(1)[0], episode=episode, score=6)

    response = admin_client.post(
        reverse("admin:reviews_episodescores_delete", args=[episode.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert counters_match_ratings(episode)


def test_a_double_click_on_like_leaves_one_like(client, episode):
    author, fan = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    client.force_login(fan)
    url = reverse("reviews:like-toggle", args=[review.pk])

    client.post(url, {"liked": "1"})
    client.post(url, {"liked": "1"})

    review.refresh_from_db()
    assert Like.objects.filter(member=fan, review=review).count() == 1
    assert review.like_count == 1

    client.post(url, {"liked": "0"})
    client.post(url, {"liked": "0"})
    review.refresh_from_db()
    assert review.like_count == 0 and not Like.objects.exists()


def test_a_deactivated_members_reviews_leave_the_episode_page(client, episode):
    author, replier = members(2)
    review = services.review_post(member=author, episode=episode, body="Gone soon.")
    services.review_post(member=replier, episode=episode, body="Reply stays?", parent=review)
    User.objects.filter(pk=author.pk).update(is_active=False)

    html = client.get(episode.get_absolute_url()).content.decode()

    assert "Gone soon." not in html


@pytest.mark.parametrize(
    "model", ["rating", "episodescores", "review", "like", "watch", "watchlistentry"]
)
def test_staff_can_read_every_member_activity_list_and_record(admin_client, episode, model):
    member, other = members(2)
    rating = services.rating_set(member=member, episode=episode, score=6)
    review = services.review_post(member=other, episode=episode, body="Lovely.")
    services.like_set(member=member, review=review, liked=True)
    watch = services.watch_add(
        member=member, episode=episode, watched_on=episode.season.premiere_date
    )
    services.watchlist_add(member=other, episodes=[episode])
    pk = {
        "rating": rating.pk,
        "episodescores": episode.pk,
        "review": review.pk,
        "like": Like.objects.get().pk,
        "watch": watch.pk,
        "watchlistentry": other.watchlist.get().pk,
    }[model]

    listing = admin_client.get(reverse(f"admin:reviews_{model}_changelist"))
    record = admin_client.get(reverse(f"admin:reviews_{model}_change", args=[pk]))

    assert listing.status_code == 200
    assert record.status_code == 200
