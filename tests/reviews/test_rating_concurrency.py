"""Many members rating at once must leave every episode's counters equal to a recount.

Real threads, each with its own database connection, hit reviews.services at the same
instant. Only PostgreSQL has the row locks and concurrent writers this is about (SQLite
serialises every write), so elsewhere the module skips; CI runs the suite once on each.
"""

import random
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import SCORES, EpisodeScores, Rating
from tests.concurrency import WAIT, raise_first, run_together, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 16
OPERATIONS = 30


@pytest.fixture(autouse=True)
def postgresql_only(db):
    skip_unless_postgresql()


@pytest.fixture
def episodes(db) -> list[Episode]:
    call_command("seed_etoile", verbosity=0)
    return list(Episode.objects.filter(season__number=1).order_by("number")[:2])


@pytest.fixture
def members(db) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"dancer{n}@example.com", handle=f"dancer-{n}", password="!unusable")
        for n in range(6)
    )


def assert_counters_equal_a_recount(episodes: list[Episode]) -> None:
    for episode in episodes:
        row = EpisodeScores.objects.filter(episode=episode).first() or EpisodeScores()
        scores = Counter(Rating.objects.filter(episode=episode).values_list("score", flat=True))
        assert row.distribution == [scores[score] for score in SCORES], episode
        assert all(count >= 0 for count in row.distribution), episode


def assert_one_rating_per_member_and_episode() -> None:
    doubles = Rating.objects.values("member", "episode").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubles.exists(), list(doubles)


def test_random_concurrent_ratings_keep_counters_exact(episodes, members):
    def random_member_activity(seed: int):
        rng = random.Random(seed)

        def act():
            for _ in range(OPERATIONS):
                member, episode = rng.choice(members), rng.choice(episodes)
                if rng.random() < 0.3:
                    services.rating_remove(member=member, episode=episode)
                else:
                    services.rating_set(member=member, episode=episode, score=rng.choice(SCORES))

        return act

    _, errors = run_together([random_member_activity(seed) for seed in range(THREADS)])

    assert_counters_equal_a_recount(episodes)
    assert_one_rating_per_member_and_episode()
    raise_first(errors)
    assert Rating.objects.exists()


def test_double_submits_count_one_rating_with_one_of_the_two_scores(episodes, members):
    """Pairs of threads act for the same member and episode at the same instant: both set a
    score (racing to create the row), then both remove it, round after round."""
    rounds = 10
    pairs = [(member, episode) for member in members[:4] for episode in episodes]  # 8 pairs
    barrier = threading.Barrier(2 * len(pairs), timeout=WAIT)
    finals: dict[tuple[int, int], set[int]] = {}

    def submitter(member, episode, offset: int):
        def act():
            for n in range(rounds):
                score = SCORES[(n * 3 + offset) % 10]
                barrier.wait()
                services.rating_set(member=member, episode=episode, score=score)
                barrier.wait()
                if n == rounds - 1:
                    finals.setdefault((member.pk, episode.pk), set()).add(score)
                else:
                    services.rating_remove(member=member, episode=episode)

        return act

    _, errors = run_together(
        [
            submitter(member, episode, offset)
            for member, episode in pairs
            for offset in (0, 5)  # the two tabs send different scores
        ]
    )

    assert_counters_equal_a_recount(episodes)
    assert_one_rating_per_member_and_episode()
    raise_first(errors)
    assert Rating.objects.count() == len(pairs)
    for rating in Rating.objects.all():
        assert rating.score in finals[(rating.member_id, rating.episode_id)]
    for episode in episodes:
        assert EpisodeScores.objects.get(episode=episode).count == 4


def test_one_member_setting_and_removing_from_many_tabs_at_once(episodes, members):
    """The hardest case for rating_set: the row it collided with on create may already be
    removed again by the member's other request when it looks for it."""
    member, episode = members[0], episodes[0]

    def tab(seed: int):
        rng = random.Random(seed)

        def act():
            for _ in range(OPERATIONS):
                if rng.random() < 0.4:
                    services.rating_remove(member=member, episode=episode)
                else:
                    services.rating_set(member=member, episode=episode, score=rng.choice(SCORES))

        return act

    _, errors = run_together([tab(seed) for seed in range(THREADS)])

    assert_counters_equal_a_recount(episodes)
    assert_one_rating_per_member_and_episode()
    assert EpisodeScores.objects.get(episode=episode).count in {0, 1}
    raise_first(errors)


def test_recount_during_rating_loses_nothing(episodes, members):
    """recount_ratings may run while members rate: nothing it writes goes stale."""

    def rater(seed: int):
        rng = random.Random(seed)

        def act():
            for _ in range(OPERATIONS):
                member, episode = rng.choice(members), rng.choice(episodes)
                if rng.random() < 0.25:
                    services.rating_remove(member=member, episode=episode)
                else:
                    services.rating_set(member=member, episode=episode, score=rng.choice(SCORES))

        return act

    def recounter():
        for _ in range(OPERATIONS // 3):
            services.recount_ratings(episodes)

    _, errors = run_together([rater(seed) for seed in range(THREADS - 2)] + [recounter, recounter])

    assert_counters_equal_a_recount(episodes)
    assert_one_rating_per_member_and_episode()
    raise_first(errors)
