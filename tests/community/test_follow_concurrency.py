"""Follows and blocks sent at the same instant (PostgreSQL: real threads, each with its own
connection). The counts are COUNTs of the rows, so they are exact whenever the rows are: one
row per pair, and never a follow left standing beside a block."""

import pytest

from members import services
from members.models import Block, Follow, User
from tests.concurrency import raise_first, run_together, skip_unless_postgresql
from tests.factories import make_member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


@pytest.fixture(autouse=True)
def postgresql_only(db):
    skip_unless_postgresql()


def test_twelve_follows_at_once_count_exactly_and_a_double_click_is_one():
    odette = make_member(handle="odette")
    fans = User.objects.bulk_create(
        User(email=f"f{n}@example.com", handle=f"f-{n}") for n in range(10)
    )
    targets = [
        (lambda fan=fan: services.follow_set(follower=fan, followed=odette, following=True))
        for fan in fans
    ]
    targets += [lambda: services.follow_set(follower=fans[0], followed=odette, following=True)] * 2
    _results, errors = run_together(targets)
    raise_first(errors)
    assert services.follow_counts(odette) == {"followers": 10, "following": 0}


def test_a_follow_racing_a_block_never_outlives_it():
    for round_ in range(5):
        odette = make_member(handle=f"odette-{round_}")
        odile = make_member(handle=f"odile-{round_}")
        _results, errors = run_together(
            [
                lambda a=odette, b=odile: services.block_set(blocker=a, blocked=b, blocking=True),
                lambda a=odette, b=odile: services.follow_set(
                    follower=b, followed=a, following=True
                ),
            ]
        )
        assert all(isinstance(e, services.RelationRefused) for e in errors), errors
        assert Block.objects.filter(blocker=odette, blocked=odile).exists()
        assert not Follow.objects.filter(follower=odile, followed=odette).exists()
