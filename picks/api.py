"""Favourites and rankings in the JSON API: anyone reads a member's picks (as their profile
shows them) and the community ranking with its pairwise counts; a member sets their own."""

from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError

from catalog.api import Problem, SeasonNumber
from catalog.models import Character, Episode, Season
from catalog.views import current_show
from members.api import MEMBER_AUTH, write_allowed
from members.models import HANDLE_MAX_LENGTH, User
from members.views import active_member_or_404
from picks import services
from picks.community import community_ranking
from picks.models import FAVOURITES_MAX, FavouriteCharacter, FavouriteEpisode, RankedEpisode

router = Router(tags=["picks"])

ERRORS = {400: Problem, 404: Problem, 422: Problem}  # 400: catalog.api.ERRORS
WRITE_ERRORS = {**ERRORS, 400: Problem, 401: Problem, 403: Problem, 409: Problem, 429: Problem}
EPISODES_MAX = 999  # no season has more; bounds what a request may send
SEASONS_MAX = 999
Handle = Annotated[str, Path(max_length=HANDLE_MAX_LENGTH, pattern=r"^[-a-zA-Z0-9_]+$")]
Number = Annotated[int, Field(ge=1, le=999)]


class EpisodeRef(Schema):
    season: int
    episode: int
    title: str
    url: str


class CharacterRef(Schema):
    slug: str
    name: str
    url: str


def episode_ref(request: HttpRequest, episode: Episode) -> dict:
    return {
        "season": episode.season.number,
        "episode": episode.number,
        "title": episode.title,
        "url": request.build_absolute_uri(episode.get_absolute_url()),
    }


def character_ref(request: HttpRequest, character: Character) -> dict:
    return {
        "slug": character.slug,
        "name": character.name,
        "url": request.build_absolute_uri(character.get_absolute_url()),
    }


class RankingOut(Schema):
    season: int
    episodes: list[EpisodeRef] = Field(
        max_length=EPISODES_MAX, description="Best first; episodes left out are not ranked."
    )


class PicksOut(Schema):
    """A member's favourites, in their order, and their rankings of each season."""

    favourite_episodes: list[EpisodeRef] = Field(max_length=FAVOURITES_MAX)
    favourite_characters: list[CharacterRef] = Field(max_length=FAVOURITES_MAX)
    rankings: list[RankingOut] = Field(max_length=SEASONS_MAX)


class EpisodeIn(Schema):
    season: Number
    episode: Number


class FavouriteEpisodesIn(Schema):
    episodes: list[EpisodeIn] = Field(
        max_length=FAVOURITES_MAX, description="In order; an empty list removes them."
    )


class FavouriteCharactersIn(Schema):
    characters: list[Annotated[str, Field(max_length=200)]] = Field(
        max_length=FAVOURITES_MAX, description="Character slugs, in order; empty removes them."
    )


class RankingIn(Schema):
    episodes: list[Number] = Field(
        max_length=EPISODES_MAX,
        description="The season's episode numbers, best first; leave out those you do not rank.",
    )


class PlaceOut(Schema):
    place: int = Field(description="1 is the best; episodes that tie share a place.")
    episode: EpisodeRef


class PairOut(Schema):
    preferred: int = Field(description="The episode number members prefer…")
    over: int = Field(description="…to this one.")
    members: int


class CommunityRankingOut(Schema):
    season: int
    method: str
    rankings: int = Field(description="How many members' rankings count.")
    places: list[PlaceOut] = Field(max_length=EPISODES_MAX)
    pairs: list[PairOut] = Field(description="For each ordered pair, the members who prefer it.")


def member_picks_out(request: HttpRequest, member: User) -> dict:
    favourite_episodes = FavouriteEpisode.objects.filter(member=member).select_related(
        "episode__season"
    )
    favourite_characters = FavouriteCharacter.objects.filter(member=member).select_related(
        "character"
    )
    entries = RankedEpisode.objects.filter(ranking__member=member).select_related("episode__season")
    rankings: dict[int, list] = {}
    for entry in entries.order_by("ranking__season__number", "position"):
        rankings.setdefault(entry.episode.season.number, []).append(
            episode_ref(request, entry.episode)
        )
    return {
        "favourite_episodes": [
            episode_ref(request, f.episode) for f in favourite_episodes.order_by("position")
        ],
        "favourite_characters": [
            character_ref(request, f.character) for f in favourite_characters.order_by("position")
        ],
        "rankings": [
            {"season": number, "episodes": episodes} for number, episodes in rankings.items()
        ],
    }


def season_or_404(number: int) -> Season:
    return get_object_or_404(Season, show=current_show(), number=number)


@router.get(
    "/members/{handle}/picks",
    response={200: PicksOut, **ERRORS},
    summary="A member's favourites and rankings, as their profile shows them",
)
def member_picks(request: HttpRequest, handle: Handle):
    return member_picks_out(request, active_member_or_404(handle))


@router.get(
    "/seasons/{season}/ranking",
    response={200: CommunityRankingOut, **ERRORS},
    summary="The community ranking of a season's episodes, with the pairwise counts",
)
def season_ranking(request: HttpRequest, season: SeasonNumber):
    ranking = community_ranking(season_or_404(season))
    return {
        "season": season,
        "method": "Schulze (winning votes); a ranking prefers each episode it ranks to those "
        "it ranks lower and to those it leaves out, which it does not compare with each other",
        "rankings": ranking.rankings,
        "places": [
            {"place": place.number, "episode": episode_ref(request, place.episode)}
            for place in ranking.places
        ],
        "pairs": [
            {"preferred": a.number, "over": b.number, "members": count}
            for a, cells in ranking.table()
            for b, count, _outcome in cells
            if count is not None
        ],
    }


@router.get(
    "/me/picks",
    auth=MEMBER_AUTH,
    response={200: PicksOut, 401: Problem},
    summary="Your favourites and rankings",
)
def my_picks(request: HttpRequest):
    return member_picks_out(request, request.auth)


def _refused(error: services.PickError):
    # Well-formed, but against the rules (an episode named twice): as the API answers a
    # watch date the show's dates rule out.
    return HttpError(409, str(error))


@router.put(
    "/me/favourites/episodes",
    auth=MEMBER_AUTH,
    response={200: PicksOut, **WRITE_ERRORS},
    summary="Set your favourite episodes (up to three, in order)",
)
def favourite_episodes_put(request: HttpRequest, body: FavouriteEpisodesIn):
    write_allowed(request)
    episodes = []
    show = current_show()
    for item in body.episodes:
        episode = Episode.objects.filter(
            season__show=show, season__number=item.season, number=item.episode
        ).first()
        if episode is None:
            raise HttpError(404, f"There is no episode {item.episode} of season {item.season}.")
        episodes.append(episode)
    try:
        services.favourites_set(member=request.auth, items=episodes, model=FavouriteEpisode)
    except services.PickError as error:
        raise _refused(error) from error
    return member_picks_out(request, request.auth)


@router.put(
    "/me/favourites/characters",
    auth=MEMBER_AUTH,
    response={200: PicksOut, **WRITE_ERRORS},
    summary="Set your favourite characters (up to three, in order)",
)
def favourite_characters_put(request: HttpRequest, body: FavouriteCharactersIn):
    write_allowed(request)
    found = Character.objects.in_bulk(body.characters, field_name="slug")
    missing = [slug for slug in body.characters if slug not in found]
    if missing:
        raise HttpError(404, f"There is no character {missing[0]!r}.")
    try:
        services.favourites_set(
            member=request.auth,
            items=[found[slug] for slug in body.characters],
            model=FavouriteCharacter,
        )
    except services.PickError as error:
        raise _refused(error) from error
    return member_picks_out(request, request.auth)


@router.put(
    "/me/rankings/{season}",
    auth=MEMBER_AUTH,
    response={200: RankingOut, **WRITE_ERRORS},
    summary="Set your ranking of a season's episodes, best first (an empty list clears it)",
)
def ranking_put(request: HttpRequest, season: SeasonNumber, body: RankingIn):
    write_allowed(request)
    season_obj = season_or_404(season)
    by_number = {e.number: e for e in Episode.objects.filter(season=season_obj)}
    missing = [n for n in body.episodes if n not in by_number]
    if missing:
        raise HttpError(404, f"Season {season} has no episode {missing[0]}.")
    try:
        order = services.ranking_set(
            member=request.auth,
            season=season_obj,
            episodes=[by_number[n] for n in body.episodes],
        )
    except services.PickError as error:
        raise _refused(error) from error
    by_pk = {e.pk: e for e in by_number.values()}
    for episode in by_pk.values():
        episode.season = season_obj
    return {"season": season, "episodes": [episode_ref(request, by_pk[pk]) for pk in order]}
