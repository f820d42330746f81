"""Many members liking at once (tests/concurrency.py; PostgreSQL only): no request fails with
a deadlock, and every like count equals a recount. A like, or a reply, at the instant its
review or the account of somebody it concerns is deleted: PostgreSQL ends one side for a
deadlock, and it is run again (kernel/transactions.py) instead of failing."""

import logging
import random
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.db.models import Count

from catalog.models import Episode
from etoile_app.accounts import member_purge
from members.models import User
from reviews import counters, services
from reviews.models import Like, Review
from tests.concurrency import raise_first, run_together, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 16
OPERATIONS = 25
# How long the first side holds its review's row before its next statement, in the races
# below: the other side starts a third of it later and takes its first locks meanwhile.
HOLD_SECONDS = 0.6


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


def held_after(monkeypatch, name: str, *, when=lambda *args: True) -> None:
    """counters.<name> holds what it locked for HOLD_SECONDS before the caller goes on."""
    original = getattr(counters, name)

    def holding(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args):
            time.sleep(HOLD_SECONDS)
        return result

    monkeypatch.setattr(counters, name, holding)


def a_moment_later(act):
    def later():
        time.sleep(HOLD_SECONDS / 3)
        return act()

    return later


def run_again_after_a_deadlock(caplog) -> bool:
    return any("ended by a deadlock" in record.getMessage() for record in caplog.records)


def test_an_unlike_and_the_deletion_of_its_review_at_once(reviews, members, monkeypatch, caplog):
    """The unlike locks the review, then deletes its like; the deletion deletes the review's
    likes, then the review. Each waits for the other until PostgreSQL ends one; that one runs
    again, and the member sees no error."""
    caplog.set_level(logging.WARNING, logger="kernel.transactions")
    fan, review = members[0], reviews[0]
    services.like_set(member=fan, review=review, liked=True)
    held_after(monkeypatch, "lock_review")

    _, errors = run_together(
        [
            lambda: services.like_set(member=fan, review=review, liked=False),
            a_moment_later(lambda: services.review_delete(review=review)),
        ]
    )

    raise_first(errors)
    assert run_again_after_a_deadlock(caplog)
    assert not Review.objects.filter(pk=review.pk).exists()
    assert not Like.objects.filter(review_id=review.pk).exists()
    assert_like_counts_equal_a_recount()


def test_a_like_and_the_deletion_of_the_reviews_author_at_once(
    reviews, members, monkeypatch, caplog
):
    """The like holds the review and, at its commit, checks its notification's recipient: the
    author, whose row the deletion locks before it takes their reviews' likes back."""
    caplog.set_level(logging.WARNING, logger="kernel.transactions")
    fan, review = members[0], reviews[0]
    author = review.member
    other_author = reviews[1].member
    services.like_set(member=members[1], review=reviews[1], liked=True)
    held_after(monkeypatch, "lock_review")

    _, errors = run_together(
        [
            lambda: services.like_set(member=fan, review=review, liked=True),
            a_moment_later(lambda: member_purge(member=author)),
        ]
    )

    raise_first(errors)
    assert run_again_after_a_deadlock(caplog)
    assert not User.objects.filter(pk=author.pk).exists()
    assert not Like.objects.filter(review__member_id=author.pk).exists()
    assert User.objects.filter(pk=other_author.pk).exists()
    assert_like_counts_equal_a_recount()
    assert Review.objects.get(pk=reviews[1].pk).like_count == 1


def test_a_reply_and_the_deletion_of_an_earlier_repliers_account_at_once(
    reviews, members, monkeypatch, caplog
):
    """A new reply holds its review's row (its reply count) and, at its commit, checks its
    notification to an earlier replier; deleting that replier's account locks their row,
    then takes their reply out of the same count."""
    caplog.set_level(logging.WARNING, logger="kernel.transactions")
    review = reviews[0]
    earlier, replier = members[0], members[1]
    services.review_post(
        member=earlier, episode=review.episode, body="An earlier reply.", parent=review
    )
    held_after(monkeypatch, "shift_replies", when=lambda parent_id, delta: delta > 0)

    results, errors = run_together(
        [
            lambda: services.review_post(
                member=replier, episode=review.episode, body="A new reply.", parent=review
            ),
            a_moment_later(lambda: member_purge(member=earlier)),
        ]
    )

    raise_first(errors)
    assert run_again_after_a_deadlock(caplog)
    assert not User.objects.filter(pk=earlier.pk).exists()
    assert list(Review.objects.filter(parent=review).values_list("body", flat=True)) == [
        "A new reply."
    ]
    assert Review.objects.get(pk=review.pk).reply_count == 1


def test_a_deletion_inside_a_callers_transaction_is_not_run_again(
    reviews, members, monkeypatch, caplog
):
    """Only the outermost transaction can be run again: ended inside its caller's, the
    deletion says so, and its caller's transaction is rolled back whole."""
    caplog.set_level(logging.WARNING, logger="kernel.transactions")
    fan, review = members[0], reviews[0]
    services.like_set(member=fan, review=review, liked=True)
    held_after(monkeypatch, "lock_review")

    def deletion_in_a_callers_transaction():
        with transaction.atomic():
            services.review_delete(review=reviews[1])
            services.review_delete(review=review)

    _, errors = run_together(
        [
            lambda: services.like_set(member=fan, review=review, liked=False),
            a_moment_later(deletion_in_a_callers_transaction),
        ]
    )

    assert [type(error) for error in errors] == [OperationalError]
    assert "deadlock detected" in str(errors[0])
    assert not run_again_after_a_deadlock(caplog)
    assert Review.objects.filter(pk__in=[review.pk, reviews[1].pk]).count() == 2
    assert not Like.objects.filter(review_id=review.pk).exists()
    assert_like_counts_equal_a_recount()
