"""The community ranking: members' rankings of a season's episodes put together by the
Schulze method, read from the pairwise counters (picks.models.Preference) in a few queries
whatever the number of rankings.

The method, as the community ranking page explains it:

1. Each ranking is a ballot. It prefers every episode it ranks to every episode it ranks
   lower, and to every episode of the season it leaves out (the convention of Schulze's own
   description and of the elections that use the method, Debian's for one: options a voter
   leaves out share the last place). Episodes it leaves out are not compared with each
   other. A ballot with no episode says nothing and is not counted.
2. For each pair of episodes A and B, d[A][B] is the number of ballots that prefer A to B.
3. A beats B head to head when d[A][B] > d[B][A]; the strength of that link is d[A][B]
   ("winning votes").
4. The strength of a path A → X → … → B is its weakest link; p[A][B] is the strongest path
   from A to B (a widest-path search, Floyd–Warshall).
5. A is placed above B when p[A][B] > p[B][A]. This order is transitive; episodes neither
   of which is placed above the other share a place.

Why no library: the packages that implement Schulze count ballots, and the site keeps only
the pairwise counts, which is all the method needs; the computation is the few lines of
`schulze_order` for a season's handful of episodes.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from catalog.models import Episode, Season
from picks.models import Preference, SeasonRankings

Matrix = dict[int, dict[int, int]]  # d[a][b], by episode id


def strongest_paths(ids: Sequence[int], d: Matrix) -> Matrix:
    """p[a][b]: the strength of the strongest path from a to b (0 when there is none)."""
    p = {a: {b: (d[a][b] if a != b and d[a][b] > d[b][a] else 0) for b in ids} for a in ids}
    for via in ids:
        for a in ids:
            if a == via:
                continue
            for b in ids:
                if b in (a, via):
                    continue
                p[a][b] = max(p[a][b], min(p[a][via], p[via][b]))
    return p


def schulze_order(ids: Sequence[int], d: Matrix) -> list[list[int]]:
    """The episodes in places, best first; episodes tied for a place share it, in the order
    of `ids`."""
    p = strongest_paths(ids, d)
    wins = {a: sum(1 for b in ids if b != a and p[a][b] > p[b][a]) for a in ids}
    # The Schulze relation is transitive: an episode placed above another also beats all
    # that one beats, so it has strictly more wins, and equal wins mean neither is above.
    places: list[list[int]] = []
    for count in sorted(set(wins.values()), reverse=True):
        places.append([a for a in ids if wins[a] == count])
    return places


@dataclass
class Place:
    number: int  # 1 is the best; tied episodes share the number
    episode: Episode
    tied: bool
    # Head to head with the episode in the next place: members who prefer this one, and
    # members who prefer that one (None for the last place).
    next_episode: Episode | None = None
    ahead: int = 0
    behind: int = 0


@dataclass
class CommunityRanking:
    season: Season
    rankings: int  # counted ballots
    places: list[Place]
    episodes: list[Episode]  # in the community order, for the pairwise table's rows and columns
    preferences: Matrix = field(default_factory=dict)

    def table(self) -> list[tuple[Episode, list[tuple[Episode, int | None, str]]]]:
        """The pairwise table: for each row's episode, each column's episode with the number
        of members who prefer the row's to the column's (None on the diagonal) and how the
        row's fares against it ("win", "loss", "tie")."""
        rows = []
        for a in self.episodes:
            cells = []
            for b in self.episodes:
                if a.pk == b.pk:
                    cells.append((b, None, ""))
                    continue
                ours, theirs = self.preferences[a.pk][b.pk], self.preferences[b.pk][a.pk]
                outcome = "win" if ours > theirs else "loss" if ours < theirs else "tie"
                cells.append((b, ours, outcome))
            rows.append((a, cells))
        return rows


def community_ranking(season: Season) -> CommunityRanking:
    """The season's community ranking, from its counters: three queries."""
    episodes = list(Episode.objects.filter(season=season).order_by("number"))
    ids = [episode.pk for episode in episodes]
    d: Matrix = {a: dict.fromkeys(ids, 0) for a in ids}
    counted = Preference.objects.filter(preferred__season=season, over__season=season)
    for preferred, over, members in counted.values_list("preferred_id", "over_id", "members"):
        d[preferred][over] = members
    tally = SeasonRankings.objects.filter(season=season).values_list("rankings", flat=True)
    rankings = next(iter(tally), 0)
    by_id = {episode.pk: episode for episode in episodes}
    places: list[Place] = []
    number = 1
    for tied in schulze_order(ids, d) if rankings else []:
        for pk in tied:
            places.append(Place(number=number, episode=by_id[pk], tied=len(tied) > 1))
        number += len(tied)
    for place, following in zip(places, places[1:], strict=False):
        place.next_episode = following.episode
        place.ahead = d[place.episode.pk][following.episode.pk]
        place.behind = d[following.episode.pk][place.episode.pk]
    for episode in episodes:
        episode.season = season  # for get_absolute_url, without a query each
    return CommunityRanking(
        season=season,
        rankings=rankings,
        places=places,
        episodes=[place.episode for place in places] or episodes,
        preferences=d,
    )
