"""What pages show of members' picks: the context for the `picks/_*.html` partials, used by the
picks' own pages and by the pages the project composes (the profile, the episode page)."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from catalog.models import Character, Episode, Season
from members.models import User
from picks.models import FAVOURITES_MAX, FavouriteCharacter, FavouriteEpisode, RankedEpisode


@dataclass
class MemberPicks:
    favourite_episodes: list[Episode] = field(default_factory=list)
    favourite_characters: list[Character] = field(default_factory=list)
    # [(season, [episodes, best first])] for each season the member has ranked
    rankings: list[tuple[Season, list[Episode]]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.favourite_episodes or self.favourite_characters or self.rankings)


def member_picks(member: User) -> MemberPicks:
    """A member's favourites and rankings, for their profile: two queries (the episodes with
    their favourite and ranked places, then the characters)."""
    favourite = FavouriteEpisode.objects.filter(member=member, episode=OuterRef("pk"))
    ranked = RankedEpisode.objects.filter(ranking__member=member, episode=OuterRef("pk"))
    episodes = list(
        Episode.objects.of_current_show()
        .select_related("season")
        .annotate(
            favourite_place=Subquery(favourite.values("position")[:1]),
            ranked_place=Subquery(ranked.values("position")[:1]),
        )
        .filter(Q(favourite_place__isnull=False) | Q(ranked_place__isnull=False))
    )
    picks = MemberPicks()
    picks.favourite_episodes = sorted(
        (e for e in episodes if e.favourite_place), key=lambda e: e.favourite_place
    )
    by_season: dict[int, list[Episode]] = {}
    for episode in sorted((e for e in episodes if e.ranked_place), key=lambda e: e.ranked_place):
        by_season.setdefault(episode.season.number, []).append(episode)
    picks.rankings = [
        (ranked_episodes[0].season, ranked_episodes)
        for _number, ranked_episodes in sorted(by_season.items())
    ]
    picks.favourite_characters = [
        favourite.character
        for favourite in FavouriteCharacter.objects.filter(member=member)
        .select_related("character")
        .order_by("position")
    ]
    return picks


def favourite_annotations(member: User) -> dict:
    """For an episode query: whether each episode is one of the member's favourites, and how
    many they have, so that the episode page's button costs no query of its own."""
    if not member.is_authenticated:
        return {}
    theirs = FavouriteEpisode.objects.filter(member=member)
    count = theirs.values("member").annotate(n=Count("pk")).values("n")[:1]
    return {
        "reader_favourite": Exists(theirs.filter(episode=OuterRef("pk"))),
        "reader_favourite_count": Subquery(count),
    }


def favourite_state(member: User, item: Episode | Character) -> dict:
    """For the "favourite" button on an episode or character page: whether the item is one of
    the member's favourites and whether there is room for it. Read with the episode where
    the page asked for it (favourite_annotations), otherwise one query. Plain values: this is
    the state of the page's `favourite` region (picks/regions.py)."""
    if not member.is_authenticated:
        return {"favourite_member": False}
    model = FavouriteEpisode if isinstance(item, Episode) else FavouriteCharacter
    if hasattr(item, "reader_favourite"):
        is_favourite, count = item.reader_favourite, item.reader_favourite_count or 0
    else:
        field_name = "episode_id" if model is FavouriteEpisode else "character_id"
        chosen = list(model.objects.filter(member=member).values_list(field_name, flat=True))
        is_favourite, count = item.pk in chosen, len(chosen)
    return {
        "favourite_member": True,
        "is_favourite": is_favourite,
        "favourites_full": count >= FAVOURITES_MAX,
    }
