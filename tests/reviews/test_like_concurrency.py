"""Many members liking at once (tests/concurrency.py; PostgreSQL only): no request fails with
a deadlock, and every like count equals a recount."""

import random

import pytest
from django.core.management import call_command
from django.db.models import Count

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import Like, Review
from tests.concurrency import raise_first, run_together, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 16
OPERATIONS = 25


@pytest.fixture(autouse=True)
def postgresql_only(db):
    skip_unless_postgresql()


@pytest.fixture
def reviews(db) -> list[Review]:
    call_command("seed_etoile", verbosity=0)
    episode = Episode.objects.get(season__number=1, number=4)
    authors = User.objects.bulk_create(
        User(email=f"author{n}@example.com", handle=f"author-{n}", password="!unusable")
        for n in range(3)
    )
    return Review.objects.bulk_create(
        Review(member=authors[n % 3], episode=episode, body=f"Review {n}.") for n in range(6)
    )


@pytest.fixture
def members(db) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"fan{n}@example.com", handle=f"fan-{n}", password="!unusable")
        for n in range(THREADS)
    )


def assert_like_counts_equal_a_recount() -> None:
    counted = dict(Like.objects.values_list("review").annotate(n=Count("pk")).order_by())
    for review in Review.objects.all():
        assert review.like_count == counted.get(review.pk, 0), review.body


def test_many_members_liking_the_same_reviews_at_once(reviews, members):
    """Each member likes and unlikes the page's reviews in their own order, all at once."""

    def member_activity(member: User, seed: int):
        rng = random.Random(seed)

        def act():
            for _ in range(OPERATIONS):
                review = rng.choice(reviews)
                services.like_set(member=member, review=review, liked=rng.random() < 0.6)

        return act

    _, errors = run_together([member_activity(m, seed) for seed, m in enumerate(members)])

    raise_first(errors)
    assert_like_counts_equal_a_recount()
    assert Like.objects.exists()


def test_one_member_liking_from_many_tabs_at_once(reviews, members):
    """One member's tabs send likes and unlikes of the same review at the same instant."""
    member, review = members[0], reviews[0]

    def tab(seed: int):
        rng = random.Random(seed)

        def act():
            for _ in range(OPERATIONS):
                services.like_set(member=member, review=review, liked=rng.random() < 0.5)

        return act

    _, errors = run_together([tab(seed) for seed in range(THREADS)])

    raise_first(errors)
    assert_like_counts_equal_a_recount()
    assert Review.objects.get(pk=review.pk).like_count in {0, 1}
