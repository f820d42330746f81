"""Double clicks and many tabs marking watches at the same instant.

Real threads, each with its own database connection, call reviews.services together. Only
PostgreSQL has the concurrent writers this is about (SQLite serialises every write), so
elsewhere the module skips; CI runs the suite once on each.
"""

import datetime
import random
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Episode, Season
from members.models import User
from reviews import services
from reviews.models import Watch, WatchlistEntry
from tests.concurrency import raise_first, run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 16
WATCHED_ON = datetime.date(2025, 4, 24)


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/etoile_watch_tests pytest"
        )


@pytest.fixture
def season(db) -> Season:
    call_command("seed_etoile", verbosity=0)
    return Season.objects.select_related("show").get(number=1)


@pytest.fixture
def episode(season) -> Episode:
    return Episode.objects.select_related("season__show").get(season=season, number=3)


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(email="odette@example.com", handle="odette")


@pytest.fixture
def other(db) -> User:
    return User.objects.create_user(email="odile@example.com", handle="odile")


def test_the_same_watch_form_sent_from_many_threads_makes_one_watch(member, other, episode):
    key = uuid.uuid4()
    services.watch_add(member=other, episode=episode, watched_on=WATCHED_ON)
    services.watchlist_add(member=member, episodes=[episode])

    def send():
        return services.watch_add(
            member=member, episode=episode, watched_on=WATCHED_ON, submission_key=key
        ).pk

    results, errors = run_together([send] * THREADS)

    raise_first(errors)
    assert Watch.objects.filter(member=member).count() == 1
    watch = Watch.objects.get(member=member)
    assert watch.submission_key == key
    assert results == [watch.pk] * THREADS, "every request answers with the same watch"
    assert not WatchlistEntry.objects.filter(member=member).exists()
    assert Watch.objects.filter(member=other).count() == 1


def test_marking_the_season_from_many_threads_makes_eight_watches(member, other, season):
    services.watch_add(member=member, episode=season.episodes.get(number=2), watched_on=WATCHED_ON)
    services.watch_season(member=other, season=season, watched_on=WATCHED_ON)

    def send():
        return services.watch_season(member=member, season=season, watched_on=WATCHED_ON)

    results, errors = run_together([send] * THREADS)

    raise_first(errors)
    assert sorted(results) == [0] * (THREADS - 1) + [7]
    assert Watch.objects.filter(member=member).count() == 8
    assert set(Watch.objects.filter(member=member).values_list("episode__number", flat=True)) == {
        *range(1, 9)
    }
    assert Watch.objects.filter(member=other).count() == 8


def test_adding_the_same_episode_to_the_watchlist_from_many_threads_makes_one_entry(
    member, episode
):
    def send():
        return services.watchlist_add(member=member, episodes=[episode])

    _, errors = run_together([send] * THREADS)

    raise_first(errors)
    assert WatchlistEntry.objects.filter(member=member, episode=episode).count() == 1


def test_adding_and_undoing_at_once_leaves_adds_minus_successful_undos(member, other, episode):
    services.watch_add(member=other, episode=episode, watched_on=WATCHED_ON)
    # 8 adders × 6 stay under the 50 watches of one episode a member may keep.
    rounds = 6
    assert THREADS // 2 * rounds <= services.WATCHES_PER_EPISODE_MAX

    def adder(seed: int):
        def act():
            for _ in range(rounds):
                services.watch_add(
                    member=member,
                    episode=episode,
                    watched_on=WATCHED_ON,
                    submission_key=uuid.uuid4(),
                )
            return ("added", rounds)

        return act

    def undoer(seed: int):
        rng = random.Random(seed)

        def act():
            undone = 0
            for _ in range(rounds):
                if rng.random() < 0.8:
                    undone += services.watch_undo_last(member=member, episode=episode)
            return ("undone", undone)

        return act

    targets = [adder(n) if n % 2 == 0 else undoer(n) for n in range(THREADS)]

    results, errors = run_together(targets)

    raise_first(errors)
    assert len(results) == THREADS
    added = sum(n for kind, n in results if kind == "added")
    undone = sum(n for kind, n in results if kind == "undone")
    assert added == THREADS // 2 * rounds
    assert Watch.objects.filter(member=member).count() == added - undone
    assert Watch.objects.filter(member=other).count() == 1


def test_many_tabs_at_once_never_pass_the_limit_of_watches_of_one_episode(member, episode):
    limit = services.WATCHES_PER_EPISODE_MAX
    Watch.objects.bulk_create(
        Watch(member=member, episode=episode, watched_on=WATCHED_ON) for _ in range(limit - 3)
    )

    def adder(seed: int):
        def act():
            try:
                services.watch_add(
                    member=member,
                    episode=episode,
                    watched_on=WATCHED_ON,
                    submission_key=uuid.uuid4(),
                )
            except services.WatchLimitError:
                return "refused"
            return "added"

        return act

    results, errors = run_together([adder(n) for n in range(THREADS)])

    raise_first(errors)
    assert sorted(results).count("added") == 3
    assert Watch.objects.filter(member=member, episode=episode).count() == limit
