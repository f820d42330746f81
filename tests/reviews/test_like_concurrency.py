"""Many members liking at once (tests/concurrency.py; PostgreSQL only): no request fails with
a deadlock, and every like count equals a recount. A like, an unlike or a reply at the
instant its review is deleted: the deletion locks the review first, as they do, and one
waits for the other. At the instant the account of somebody it concerns is deleted:
PostgreSQL ends one side for a deadlock, whichever started waiting first, and that side is
run again (kernel/transactions.py) instead of failing."""

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
# How long the first side holds what it has locked before its next statement, in the races
# below: the other side starts a third of it later and takes its first locks meanwhile.
# PostgreSQL looks for a deadlock after a wait of deadlock_timeout (1 s by default): the side
# that started waiting first is the one ended.
HOLD_SECONDS = 0.9


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


def held_after(monkeypatch, module, name: str) -> None:
    """module.<name>, at its first call, holds what it locked for HOLD_SECONDS before its
    caller goes on; later calls (the other side's, a second attempt's) do not wait."""
    original = getattr(module, name)
    calls = []

    def holding(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(name)
        if len(calls) == 1:
            time.sleep(HOLD_SECONDS)
        return result

    monkeypatch.setattr(module, name, holding)


def a_moment_later(act):
    def later():
        time.sleep(HOLD_SECONDS / 3)
        return act()

    return later


def race(first, second):
    """Run `first` at once and `second` a moment later, in threads of their own."""
    return run_together([first, a_moment_later(second)])


def post_reply(member: User, review: Review, body: str) -> Review:
    return services.review_post(member=member, episode=review.episode, body=body, parent=review)


def run_again(caplog) -> list[str]:
    """The functions run again after a deadlock, as kernel/transactions.py logs them."""
    return [
        record.args[0]
        for record in caplog.records
        if record.name == "kernel.transactions" and "ended by a deadlock" in record.msg
    ]


@pytest.fixture
def retries(caplog):
    caplog.set_level(logging.WARNING, logger="kernel.transactions")
    return caplog


def test_an_unlike_and_the_deletion_of_its_review_at_once(reviews, members, monkeypatch, retries):
    """The unlike holds the review, then deletes its like; the deletion waits for the review
    before it deletes the likes, so neither waits for the other."""
    fan, review = members[0], reviews[0]
    services.like_set(member=fan, review=review, liked=True)
    held_after(monkeypatch, counters, "lock_review")

    _, errors = race(
        lambda: services.like_set(member=fan, review=review, liked=False),
        lambda: services.review_delete(review=review),
    )

    raise_first(errors)
    assert run_again(retries) == []
    assert not Review.objects.filter(pk=review.pk).exists()
    assert_like_counts_equal_a_recount()


def test_a_like_and_the_deletion_of_its_review_at_once(reviews, members, monkeypatch, retries):
    """The deletion collects the review's likes after the like under way has committed, so it
    takes that one too, where its commit would have found a like of a deleted review."""
    fan, review = members[0], reviews[0]
    held_after(monkeypatch, counters, "lock_review")

    _, errors = race(
        lambda: services.like_set(member=fan, review=review, liked=True),
        lambda: services.review_delete(review=review),
    )

    raise_first(errors)
    assert run_again(retries) == []
    assert not Review.objects.filter(pk=review.pk).exists()
    assert not Like.objects.filter(member=fan).exists()


def test_a_reply_to_a_review_being_deleted(reviews, members, monkeypatch, retries):
    """The reply waits for the deletion and then finds the review gone: the member is told
    (a 404 in the view), and no reply is left without its review."""
    review = reviews[0]
    replier = members[0]
    held_after(monkeypatch, services, "_lock_reviews")

    _, errors = race(
        lambda: services.review_delete(review=review),
        lambda: post_reply(replier, review, "Too late."),
    )

    assert [type(error) for error in errors] == [services.ParentGone]
    assert run_again(retries) == []
    assert not Review.objects.filter(member=replier).exists()
    assert not Review.objects.filter(pk=review.pk).exists()


def test_deleting_a_review_and_one_of_its_replies_at_once(reviews, members, monkeypatch, retries):
    """Both lock the review before the reply: the reply's deletion, which then lowers the
    review's reply count, and the review's, which deletes its replies with it."""
    review = reviews[0]
    reply = services.review_post(
        member=members[0], episode=review.episode, body="A reply.", parent=review
    )
    held_after(monkeypatch, services, "_lock_reviews")

    _, errors = race(
        lambda: services.review_delete(review=reply),
        lambda: services.review_delete(review=review),
    )

    raise_first(errors)
    assert run_again(retries) == []
    assert not Review.objects.filter(pk__in=[review.pk, reply.pk]).exists()


def test_a_like_then_the_deletion_of_the_reviews_author(reviews, members, monkeypatch, retries):
    """The like holds the review and, at its commit, checks its notification's recipient, the
    author; the deletion of the author's account locks their row, then waits for the review.
    The deletion waited first: PostgreSQL ends it, and it runs again once the like is in."""
    fan, review = members[0], reviews[0]
    author = review.member
    services.like_set(member=members[1], review=reviews[1], liked=True)
    held_after(monkeypatch, counters, "lock_review")

    _, errors = race(
        lambda: services.like_set(member=fan, review=review, liked=True),
        lambda: member_purge(member=author),
    )

    raise_first(errors)
    assert run_again(retries) == ["member_purge.<locals>.purge"]
    assert not User.objects.filter(pk=author.pk).exists()
    assert_like_counts_equal_a_recount()
    assert Review.objects.get(pk=reviews[1].pk).like_count == 1


def test_the_deletion_of_the_reviews_author_then_a_like(reviews, members, monkeypatch, retries):
    """The same two, the other way round: the like waited first, at its commit. It is ended,
    runs again, waits for the deletion and finds the review gone: nothing to like."""
    fan, review = members[0], reviews[0]
    author = review.member
    held_after(monkeypatch, services, "_counted")

    results, errors = race(
        lambda: member_purge(member=author),
        lambda: services.like_set(member=fan, review=review, liked=True),
    )

    raise_first(errors)
    assert run_again(retries) == ["like_set"]
    assert False in results  # the like's answer: not liked
    assert not User.objects.filter(pk=author.pk).exists()
    assert not Like.objects.filter(member=fan).exists()


def test_a_reply_then_the_deletion_of_an_earlier_repliers_account(
    reviews, members, monkeypatch, retries
):
    """A new reply holds its review (its reply count) and, at its commit, checks its
    notification to an earlier replier; deleting that replier's account locks their row,
    then takes their reply out of the same count. The deletion waited first and runs again."""
    review = reviews[0]
    earlier, replier = members[0], members[1]
    post_reply(earlier, review, "An earlier reply.")
    held_after(monkeypatch, counters, "lock_review")

    _, errors = race(
        lambda: post_reply(replier, review, "A new reply."),
        lambda: member_purge(member=earlier),
    )

    raise_first(errors)
    assert run_again(retries) == ["member_purge.<locals>.purge"]
    assert list(Review.objects.filter(parent=review).values_list("member", flat=True)) == [
        replier.pk
    ]
    assert Review.objects.get(pk=review.pk).reply_count == 1


def test_the_deletion_of_an_earlier_repliers_account_then_a_reply(
    reviews, members, monkeypatch, retries
):
    """The other way round: the reply waited first, at its commit, and runs again; the
    replier whose account is gone is told nothing."""
    review = reviews[0]
    earlier, replier = members[0], members[1]
    post_reply(earlier, review, "An earlier reply.")
    held_after(monkeypatch, services, "_counted")

    _, errors = race(
        lambda: member_purge(member=earlier),
        lambda: post_reply(replier, review, "A new reply."),
    )

    raise_first(errors)
    assert run_again(retries) == ["review_post"]
    assert list(Review.objects.filter(parent=review).values_list("member", flat=True)) == [
        replier.pk
    ]
    assert Review.objects.get(pk=review.pk).reply_count == 1


def test_a_deletion_inside_a_callers_transaction_is_not_run_again(
    reviews, members, monkeypatch, retries
):
    """Only the outermost transaction can be run again: ended inside its caller's, the
    account's deletion raises, and its caller's transaction is rolled back whole."""
    fan, review = members[0], reviews[0]
    author = review.member
    held_after(monkeypatch, counters, "lock_review")

    def deletion_in_a_callers_transaction():
        with transaction.atomic():
            services.review_delete(review=reviews[1])
            member_purge(member=author)

    _, errors = race(
        lambda: services.like_set(member=fan, review=review, liked=True),
        deletion_in_a_callers_transaction,
    )

    assert [type(error) for error in errors] == [OperationalError]
    assert "deadlock detected" in str(errors[0])
    assert run_again(retries) == []
    assert User.objects.filter(pk=author.pk).exists()
    assert Review.objects.filter(pk=reviews[1].pk).exists()
    assert Review.objects.get(pk=review.pk).like_count == 1


def test_deleting_an_account_and_a_reply_it_liked_at_once(reviews, members, monkeypatch, retries):
    """The account's deletion lowers the like count of a reply the member liked, then deletes
    their review that the reply answers; the reply's deletion locks that review, then the
    reply. Both now lock the reviews in the order of their keys, so neither waits on the
    other's second row."""
    review = reviews[0]
    author, replier = review.member, members[0]
    reply = post_reply(replier, review, "A reply.")
    services.like_set(member=author, review=reply, liked=True)
    held_after(monkeypatch, counters, "shift_likes")

    _, errors = race(
        lambda: member_purge(member=author),
        lambda: services.review_delete(review=reply),
    )

    raise_first(errors)
    assert run_again(retries) == []
    assert not User.objects.filter(pk=author.pk).exists()
    assert not Review.objects.filter(pk__in=[review.pk, reply.pk]).exists()
