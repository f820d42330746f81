"""The same import confirmed from many tabs at the same instant: imported once.

Real threads, each with its own database connection; PostgreSQL only (SQLite serialises
every write), as in tests/reviews/test_watch_concurrency.py.
"""

import datetime

import pytest
from django.core.management import call_command

from catalog.models import Episode
from members.models import User
from reviews import imports
from reviews.models import EpisodeScores, Rating, Watch, WatchlistEntry
from tests.concurrency import raise_first, run_together, skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

THREADS = 8


def test_one_plan_confirmed_from_many_threads_is_imported_once():
    skip_unless_postgresql()
    call_command("seed_etoile", verbosity=0)
    member = User.objects.create_user(email="odette@example.com", handle="odette")
    first, second, third = Episode.objects.order_by("season__number", "number")[:3]
    day = datetime.date(2025, 5, 1)
    plan = imports.plan_load(
        member=member,
        token=imports.plan_sign(
            member=member,
            ratings=[[first.pk, 7, None], [second.pk, 3, None]],
            watches=[[first.pk, day.isoformat(), 2], [second.pk, day.isoformat(), 1]],
            watchlist=[third.pk],
        ),
    )

    results, errors = run_together(
        [lambda: imports.import_apply(member=member, plan=plan) for _ in range(THREADS)]
    )

    raise_first(errors)
    assert sum(applied.total for applied in results) == 2 + 3 + 1
    assert Rating.objects.filter(member=member).count() == 2
    assert Watch.objects.filter(member=member).count() == 3
    assert WatchlistEntry.objects.filter(member=member).count() == 1
    assert EpisodeScores.objects.get(episode=first).count_7 == 1
    assert EpisodeScores.objects.get(episode=second).count_3 == 1
