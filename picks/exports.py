"""A member's favourites and rankings in their data export (etoile_app/exports.py): one list
of flat rows per section, so the same rows make a CSV file and a part of the JSON document."""

from members.models import User
from picks.models import FavouriteCharacter, FavouriteEpisode, RankedEpisode


def favourite_rows(member: User) -> list[dict]:
    episodes = [
        {
            "kind": "episode",
            "place": favourite.position,
            "season": favourite.episode.season.number,
            "episode": favourite.episode.number,
            "name": favourite.episode.title,
            "chosen_at": favourite.chosen_at.isoformat(),
        }
        for favourite in FavouriteEpisode.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("position")
    ]
    characters = [
        {
            "kind": "character",
            "place": favourite.position,
            "season": "",
            "episode": "",
            "name": favourite.character.name,
            "chosen_at": favourite.chosen_at.isoformat(),
        }
        for favourite in FavouriteCharacter.objects.filter(member=member)
        .select_related("character")
        .order_by("position")
    ]
    return episodes + characters


def ranking_rows(member: User) -> list[dict]:
    return [
        {
            "season": entry.ranking.season.number,
            "place": entry.position,
            "episode": entry.episode.number,
            "episode_title": entry.episode.title,
            "ranking_changed_at": entry.ranking.updated_at.isoformat(),
        }
        for entry in RankedEpisode.objects.filter(ranking__member=member)
        .select_related("ranking__season", "episode")
        .order_by("ranking__season__number", "position")
    ]


COLUMNS = {
    "favourites": ["kind", "place", "season", "episode", "name", "chosen_at"],
    "rankings": ["season", "place", "episode", "episode_title", "ranking_changed_at"],
}


def export_sections(member: User) -> dict[str, list[dict]]:
    return {"favourites": favourite_rows(member), "rankings": ranking_rows(member)}
