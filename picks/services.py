"""Everything a member does with their picks. Views and the API parse the request and call one
of these; each write runs in one transaction under the member's row lock, so two requests of
the same member (a double click, two tabs) happen one after the other.

A change of order rewrites the member's few rows (three favourites, a season's episodes):
positions are unique per member in the database, and swapping two would otherwise need a
free place in between. The ranking counters change in the same transaction (picks.counters).
"""

from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Character, Episode, Season
from kernel import pagecache
from members.models import User
from members.pagegroups import member_group
from picks import counters
from picks.models import (
    FAVOURITES_MAX,
    FavouriteCharacter,
    FavouriteEpisode,
    RankedEpisode,
    Ranking,
)


class PickError(ValueError):
    """A change the rules refuse, with the message the member reads."""


def _lock_member(member: User) -> bool:
    """Lock the member's row; whether their rankings count (not suspended), read under the
    lock that a suspension takes too."""
    return bool(
        User.objects.select_for_update()
        .filter(pk=member.pk)
        .values_list("is_active", flat=True)
        .first()
    )


# --- Favourites ------------------------------------------------------------------------------

FAVOURITE_MODELS = {"episode": FavouriteEpisode, "character": FavouriteCharacter}


def favourite_model(item: Episode | Character):
    return FavouriteEpisode if isinstance(item, Episode) else FavouriteCharacter


def _item_field(model) -> str:
    return "episode" if model is FavouriteEpisode else "character"


def too_many_message(model) -> str:
    if model is FavouriteEpisode:
        return _("You already have three favourite episodes: remove one before adding another.")
    return _("You already have three favourite characters: remove one before adding another.")


def _favourites(member: User, model) -> list:
    return list(model.objects.filter(member=member).order_by("position"))


def _rewrite_favourites(member: User, model, rows: list) -> None:
    """Store the member's favourites of one kind in this order (positions 1, 2, 3)."""
    field = _item_field(model)
    model.objects.filter(member=member).delete()
    # bulk_create sends no signal, and a delete of no rows neither: the member's pages (and
    # what is kept of them for the pages they read) are marked here.
    pagecache.changed(member_group(member.handle))
    model.objects.bulk_create(
        model(
            member=member,
            position=position,
            chosen_at=row.chosen_at,
            **{f"{field}_id": getattr(row, f"{field}_id")},
        )
        for position, row in enumerate(rows, start=1)
    )


def favourite_add(*, member: User, item: Episode | Character) -> bool:
    """Add the item last; False when it is already a favourite. PickError past three."""
    model = favourite_model(item)
    field = _item_field(model)
    with transaction.atomic():
        _lock_member(member)
        rows = _favourites(member, model)
        if any(getattr(row, f"{field}_id") == item.pk for row in rows):
            return False
        if len(rows) >= FAVOURITES_MAX:
            raise PickError(too_many_message(model))
        model.objects.create(
            member=member, position=len(rows) + 1, chosen_at=timezone.now(), **{field: item}
        )
        return True


def favourite_remove(*, member: User, item: Episode | Character) -> bool:
    """Take the item out, closing the gap; False when it was not a favourite."""
    model = favourite_model(item)
    field = _item_field(model)
    with transaction.atomic():
        _lock_member(member)
        rows = _favourites(member, model)
        kept = [row for row in rows if getattr(row, f"{field}_id") != item.pk]
        if len(kept) == len(rows):
            return False
        _rewrite_favourites(member, model, kept)
        return True


def favourite_move(*, member: User, item: Episode | Character, by: int) -> int | None:
    """Move the item `by` places (-1 up, +1 down), within the list. Its place afterwards
    (unchanged at either end), or None when it is not a favourite."""
    model = favourite_model(item)
    field = _item_field(model)
    with transaction.atomic():
        _lock_member(member)
        rows = _favourites(member, model)
        ids = [getattr(row, f"{field}_id") for row in rows]
        if item.pk not in ids:
            return None
        index = ids.index(item.pk)
        target = min(max(index + by, 0), len(rows) - 1)
        if target != index:
            rows.insert(target, rows.pop(index))
            _rewrite_favourites(member, model, rows)
        return target + 1


def favourites_set(*, member: User, items: Sequence[Episode] | Sequence[Character], model) -> None:
    """Replace the member's favourites of one kind by these, in this order (the API)."""
    field = _item_field(model)
    ids = [item.pk for item in items]
    if len(set(ids)) != len(ids):
        raise PickError(_("Each favourite may be chosen once."))
    if len(ids) > FAVOURITES_MAX:
        raise PickError(too_many_message(model))
    with transaction.atomic():
        _lock_member(member)
        rows = {getattr(row, f"{field}_id"): row for row in _favourites(member, model)}
        now = timezone.now()
        wanted = [
            rows.get(pk) or model(member=member, chosen_at=now, **{f"{field}_id": pk}) for pk in ids
        ]
        if [getattr(row, f"{field}_id") for row in rows.values()] != ids:
            _rewrite_favourites(member, model, wanted)


# --- Rankings --------------------------------------------------------------------------------


def ranking_of(member: User, season: Season) -> list[int]:
    """The member's ranking of the season: episode ids, best first (empty when none)."""
    return list(
        RankedEpisode.objects.filter(ranking__member=member, ranking__season=season)
        .order_by("position")
        .values_list("episode_id", flat=True)
    )


def _change_ranking(
    member: User, season: Season, change: Callable[[list[int], list[int]], list[int]]
) -> list[int]:
    """Apply `change(current order, the season's episode ids)` to the member's ranking and
    return the new order. The rows, the counters and the ranking's `updated_at` (which marks
    the member's pages changed) move together, or nothing does."""
    episodes = counters.season_episode_ids(season.pk)
    counters.ensure_season_rows(season.pk, episodes)
    with transaction.atomic():
        counted = _lock_member(member)
        ranking, _created = Ranking.objects.get_or_create(member=member, season=season)
        ranking.member = member  # its page group names the member: no query for the handle
        before = list(ranking.entries.order_by("position").values_list("episode_id", flat=True))
        after = change(list(before), episodes)
        if len(set(after)) != len(after) or not set(after) <= set(episodes):
            raise PickError(_("A ranking holds each episode of the season at most once."))
        if after == before:
            return after
        RankedEpisode.objects.filter(ranking=ranking).delete()
        RankedEpisode.objects.bulk_create(
            RankedEpisode(ranking=ranking, episode_id=pk, position=position)
            for position, pk in enumerate(after, start=1)
        )
        if counted:  # a suspended member's rankings are out of the counters until reinstated
            counters.shift_preferences(counters.ballot_changes(before, after, episodes))
            counters.shift_ranking_count(season.pk, bool(after) - bool(before))
        ranking.save(update_fields=["updated_at"])
        return after


def ranking_set(*, member: User, season: Season, episodes: Sequence[Episode]) -> list[int]:
    """Replace the member's ranking by these episodes, best first (a drag and drop's result,
    or the API)."""
    wanted = [episode.pk for episode in episodes]
    return _change_ranking(member, season, lambda _order, _all: wanted)


def ranking_add(*, member: User, season: Season, episode: Episode) -> int:
    """Add the episode last (where it stays if already ranked); its place."""

    def add(order: list[int], _all: list[int]) -> list[int]:
        return order if episode.pk in order else [*order, episode.pk]

    return _change_ranking(member, season, add).index(episode.pk) + 1


def ranking_remove(*, member: User, season: Season, episode: Episode) -> bool:
    """Take the episode out of the ranking; False when it was not in it."""
    removed = False

    def remove(order: list[int], _all: list[int]) -> list[int]:
        nonlocal removed
        removed = episode.pk in order
        return [pk for pk in order if pk != episode.pk]

    _change_ranking(member, season, remove)
    return removed


def ranking_move(*, member: User, season: Season, episode: Episode, by: int) -> int | None:
    """Move the episode `by` places (-1 up, +1 down) within the ranking. Its place afterwards
    (unchanged at either end), or None when it is not ranked."""

    def move(order: list[int], _all: list[int]) -> list[int]:
        if episode.pk not in order:
            return order
        index = order.index(episode.pk)
        target = min(max(index + by, 0), len(order) - 1)
        order.insert(target, order.pop(index))
        return order

    after = _change_ranking(member, season, move)
    return after.index(episode.pk) + 1 if episode.pk in after else None


def ranking_clear(*, member: User, season: Season) -> bool:
    """Empty the member's ranking of the season; False when it was already empty."""
    cleared = False

    def clear(order: list[int], _all: list[int]) -> list[int]:
        nonlocal cleared
        cleared = bool(order)
        return []

    _change_ranking(member, season, clear)
    return cleared


def member_picks_delete(*, member: User) -> None:
    """Before a member is deleted: take their rankings out of the counters, so that the
    community ranking stays exact once their rows cascade away."""
    with transaction.atomic():
        if _lock_member(member):  # a suspended member's rankings are already out
            counters.shift_member_rankings(member, -1)
