"""Many members ranking at once must leave the community ranking's counters equal to a
recount, and one member's simultaneous favourites must stop at three.

Real threads, each with its own database connection, call picks.services at the same
instant. Only PostgreSQL has the row locks and concurrent writers this is about (SQLite
serialises every write), so elsewhere the module skips; CI runs the suite once on each.
"""

import random

import pytest
from django.core.management import call_command

from catalog.models import Episode, Season
from members.models import User
from picks import counters, services
from picks.models import FavouriteEpisode, Preference, SeasonRankings
from tests.concurrency import raise_first, run_together, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 12
OPERATIONS = 15


@pytest.fixture(autouse=True)
def postgresql_only(db):
    skip_unless_postgresql()


@pytest.fixture
def season(db) -> Season:
    call_command("seed_etoile", verbosity=0)
    return Season.objects.get(number=1)


def snapshot(season) -> tuple[dict, int]:
    rows = Preference.objects.filter(preferred__season=season).values_list(
        "preferred_id", "over_id", "members"
    )
    tally = SeasonRankings.objects.filter(season=season).values_list("rankings", flat=True)
    return {(a, b): n for a, b, n in rows if n}, next(iter(tally), 0)


def test_random_concurrent_ranking_changes_keep_the_counters_exact(season):
    episodes = list(Episode.objects.filter(season=season).order_by("number"))
    members = User.objects.bulk_create(
        User(email=f"ranker{n}@example.com", handle=f"ranker-{n}", password="!unusable")
        for n in range(THREADS // 2)
    )

    def work(seed: int):
        def run():
            rng = random.Random(seed)
            member = members[seed % len(members)]  # two threads per member, too
            for _ in range(OPERATIONS):
                episode = rng.choice(episodes)
                action = rng.choice(["add", "up", "down", "remove", "set"])
                if action == "add":
                    services.ranking_add(member=member, season=season, episode=episode)
                elif action == "remove":
                    services.ranking_remove(member=member, season=season, episode=episode)
                elif action == "set":
                    order = rng.sample(episodes, rng.randint(0, len(episodes)))
                    services.ranking_set(member=member, season=season, episodes=order)
                else:
                    by = -1 if action == "up" else 1
                    services.ranking_move(member=member, season=season, episode=episode, by=by)

        return run

    _results, errors = run_together([work(seed) for seed in range(THREADS)])
    raise_first(errors)

    after = snapshot(season)
    assert counters.recount() == {"community ranking (Preference, SeasonRankings)": 0}
    assert snapshot(season) == after
    assert all(n >= 0 for n in after[0].values())


def test_four_favourites_sent_at_once_leave_three(season):
    member = User.objects.create_user("odette@example.com", handle="odette")
    episodes = list(Episode.objects.filter(season=season).order_by("number")[:6])

    def add(episode):
        def run():
            try:
                return services.favourite_add(member=member, item=episode)
            except services.PickError:
                return "refused"

        return run

    results, errors = run_together([add(episode) for episode in episodes])
    raise_first(errors)
    assert sorted(map(str, results)) == ["True"] * 3 + ["refused"] * 3
    positions = list(
        FavouriteEpisode.objects.filter(member=member)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == [1, 2, 3]
