"""The community ranking's counters: for each ordered pair of episodes, how many members'
rankings prefer the first (Preference.members), and how many rankings each season counts
(SeasonRankings.rankings).

The ranking services call these inside the transaction that rewrites a member's ranking, so
the counters and the rows commit together. A ranking change moves only the pairs whose order
it changed (a move up or down, one pair each way), in one UPDATE with F() expressions, so
concurrent changes add up rather than overwrite each other. An UPDATE sends no signal, so
each marks the "rankings" page group itself. `recount()` rebuilds them from the rankings
(`python manage.py recount`) and says how many rows were wrong.
"""

from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Case, F, Q, Value, When

from catalog.models import Episode, Season
from kernel import pagecache
from members.models import User
from picks.models import Preference, RankedEpisode, SeasonRankings

RANKINGS = "rankings"  # the page group of the community ranking (kernel.pagecache)

Pair = tuple[int, int]  # (preferred episode id, the episode it is preferred to)


def ballot_pairs(order: Sequence[int], season_episodes: Iterable[int]) -> set[Pair]:
    """The pairs a ranking (episode ids, best first) prefers: each ranked episode to those
    ranked below it and to every episode of the season it leaves out (picks/community.py)."""
    unranked = [pk for pk in season_episodes if pk not in set(order)]
    pairs = set()
    for index, preferred in enumerate(order):
        for below in [*order[index + 1 :], *unranked]:
            pairs.add((preferred, below))
    return pairs


def ballot_changes(
    before: Sequence[int], after: Sequence[int], season_episodes: Sequence[int]
) -> Counter:
    """{pair: +1 or -1}: what replacing one ranking by another does to the counters."""
    old, new = ballot_pairs(before, season_episodes), ballot_pairs(after, season_episodes)
    changes = Counter(dict.fromkeys(new - old, 1))
    changes.update(dict.fromkeys(old - new, -1))
    return changes


def shift_preferences(changes: Counter) -> None:
    """Apply {pair: delta} to the counters in one UPDATE, after locking their rows in one
    order (two rankings changing at once never wait for each other in a circle)."""
    changes = Counter({pair: delta for pair, delta in changes.items() if delta})
    if not changes:
        return
    pairs = Q()
    for preferred, over in changes:
        pairs |= Q(preferred_id=preferred, over_id=over)
    rows = Preference.objects.select_for_update().filter(pairs).order_by("pk").values_list("pk")
    locked = list(rows)
    if len(locked) < len(changes):  # a pair nobody has ranked yet: its row is made once
        ensure_preference_rows(changes)
        locked = list(rows.all())  # read again, not the first answer
    delta = Case(
        *(
            When(preferred_id=preferred, over_id=over, then=Value(n))
            for (preferred, over), n in changes.items()
        ),
        default=Value(0),
    )
    Preference.objects.filter(pk__in=[pk for (pk,) in locked]).update(members=F("members") + delta)
    pagecache.changed(RANKINGS)


def ensure_preference_rows(pairs: Iterable[Pair]) -> None:
    # Made once per pair; a concurrent maker is harmless (the unique constraint), and in one
    # order, so two makers at once wait for each other rather than in a circle. No page
    # group: a row at 0 reads as no row does.
    Preference.objects.bulk_create(
        [Preference(preferred_id=a, over_id=b) for a, b in sorted(pairs)], ignore_conflicts=True
    )


def ensure_season_rows(season_id: int, episodes: Sequence[int]) -> None:
    """Every counter row of the season, made before a ranking change's transaction (as
    reviews makes an episode's scores row before a rating's): two transactions inserting the
    same missing rows in their own orders would wait for each other's uncommitted inserts.
    One query once they exist."""
    pairs = [(a, b) for a in episodes for b in episodes if a != b]
    if Preference.objects.filter(preferred__season_id=season_id).count() >= len(pairs):
        return
    ensure_preference_rows(pairs)
    SeasonRankings.objects.bulk_create([SeasonRankings(season_id=season_id)], ignore_conflicts=True)


def shift_ranking_count(season_id: int, delta: int) -> None:
    if not delta:
        return
    shifted = SeasonRankings.objects.filter(season_id=season_id).update(
        rankings=F("rankings") + delta
    )
    if not shifted:  # the row was lost (a recount makes it again): count from here
        SeasonRankings.objects.create(season_id=season_id, rankings=max(delta, 0))
    pagecache.changed(RANKINGS)


def season_episode_ids(season_id: int) -> list[int]:
    return list(
        Episode.objects.filter(season_id=season_id).order_by("number").values_list("pk", flat=True)
    )


def member_orders(member: User) -> dict[int, list[int]]:
    """{season id: the member's ranking as episode ids, best first}, for their non-empty
    rankings."""
    orders: dict[int, list[int]] = {}
    entries = RankedEpisode.objects.filter(ranking__member=member).order_by(
        "ranking__season_id", "position"
    )
    for season_id, episode_id in entries.values_list("ranking__season_id", "episode_id"):
        orders.setdefault(season_id, []).append(episode_id)
    return orders


def shift_member_rankings(member: User, sign: int) -> None:
    """Take the member's rankings out of the counters (-1) or put them back (+1): on their
    suspension and reinstatement (members.standing) and before their account is deleted."""
    for season_id, order in sorted(member_orders(member).items()):
        episodes = season_episode_ids(season_id)
        shift_preferences(Counter(dict.fromkeys(ballot_pairs(order, episodes), sign)))
        shift_ranking_count(season_id, sign)


def recount_season(season: Season) -> int:
    """Rebuild one season's counters from the rankings of members in good standing; how many
    rows were wrong."""
    episodes = season_episode_ids(season.pk)
    ensure_preference_rows((a, b) for a in episodes for b in episodes if a != b)
    SeasonRankings.objects.bulk_create([SeasonRankings(season=season)], ignore_conflicts=True)
    with transaction.atomic():
        # The counter rows are locked before the rankings are read, in the order a ranking
        # change locks them (preferences by id, then the count): a change either committed
        # before the read, and is in it, or waits for the recount to be written.
        rows = list(
            Preference.objects.select_for_update()
            .filter(preferred__season=season, over__season=season)
            .order_by("pk")
        )
        tally = SeasonRankings.objects.select_for_update().get(season=season)
        orders: dict[int, list[int]] = {}
        entries = RankedEpisode.objects.filter(
            ranking__season=season, ranking__member__is_active=True
        ).order_by("ranking_id", "position")
        for ranking_id, episode_id in entries.values_list("ranking_id", "episode_id"):
            orders.setdefault(ranking_id, []).append(episode_id)
        right: Counter = Counter()
        for order in orders.values():
            right.update(ballot_pairs(order, episodes))
        wrong = 0
        for row in rows:
            wanted = right[(row.preferred_id, row.over_id)]
            if row.members != wanted:
                wrong += 1
                Preference.objects.filter(pk=row.pk).update(members=wanted)
        if tally.rankings != len(orders):
            wrong += 1
            SeasonRankings.objects.filter(pk=tally.pk).update(rankings=len(orders))
        if wrong:
            pagecache.changed(RANKINGS)
    return wrong


def recount() -> dict[str, int]:
    """Every season's ranking counters rebuilt; the rows that were wrong."""
    wrong = sum(recount_season(season) for season in Season.objects.order_by("pk"))
    return {"community ranking (Preference, SeasonRankings)": wrong}
