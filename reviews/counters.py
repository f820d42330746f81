"""Every denormalised counter changes here: the rating distribution of each episode
(EpisodeScores.count_1..count_10), and each review's like_count and reply_count.

The services call these inside the transaction that adds or removes the row counted, so the
counter and the rows commit together; each change is one UPDATE adding to the column in the
database (`column = column + delta`, as an F() expression writes it), so concurrent changes
add up rather than overwrite one another. An UPDATE sends no signal, so
each marks its page groups itself (kernel.pagecache). `recount()` rebuilds them all from the
rows (`python manage.py recount`) and says how many rows were wrong.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Episode
from kernel import pagecache
from kernel.prepared import Prepared
from reviews import pagegroups
from reviews.models import SCORES, EpisodeScores, Like, Rating, Review


def ensure_scores_row(episode: Episode) -> None:
    # The row is made once per episode; a concurrent maker is harmless. No page group: an
    # empty row shows exactly as no row does (reviews.context.scores_of).
    _make_scores_row(episode.pk)


def _make_scores_row(episode_id: int) -> None:
    EpisodeScores.objects.bulk_create([EpisodeScores(episode_id=episode_id)], ignore_conflicts=True)


def shift_scores(
    episode_id: int, changes: Counter, *, make_row: bool = False, groups: set[str] = frozenset()
) -> None:
    """Apply {score: +n or -n} to an episode's counters in one UPDATE. `make_row`: an episode
    rated for the first time gets its counters' row then (one UPDATE that finds no row, an
    INSERT that ignores a concurrent one, the UPDATE again), rather than every rating asking
    for it beforehand. `groups`: the caller's page groups, marked with the counters' own."""
    if any(changes.values()):
        # Every step's column, most of them + 0: one statement whatever the change.
        deltas = {f"count_{score}": changes.get(score, 0) for score in SCORES}
        if not _add(EpisodeScores, "episode_id", episode_id, deltas) and make_row:
            # A concurrent first rating's INSERT makes this one wait for its commit, then do
            # nothing; the UPDATE, a new statement, then sees its row.
            _make_scores_row(episode_id)
            _add(EpisodeScores, "episode_id", episode_id, deltas)
        pagecache.changed(pagegroups.RATINGS, *groups)


_ADDING: dict[tuple, str] = {}


def _add(model, key: str, value: int, deltas: dict[str, int]) -> int:
    """UPDATE the row of `model` whose `key` column is `value`, adding each delta to its
    column in the database (as F() + delta does, so concurrent changes add up); the number of
    rows changed. The SQL is written once: building the ORM's UPDATE cost more CPU than the
    rest of a rating's counting."""
    shape = (connection.vendor, model, key, *deltas)
    sql = _ADDING.get(shape)
    if sql is None:
        qn = connection.ops.quote_name
        columns = ", ".join(f"{qn(column)} = {qn(column)} + %s" for column in deltas)
        sql = _ADDING[shape] = (
            # Names from the models, quoted; the values are parameters.
            f"UPDATE {qn(model._meta.db_table)} SET {columns} WHERE {qn(key)} = %s"  # noqa: S608
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*deltas.values(), value])
        return cursor.rowcount


# Built and compiled once (kernel/prepared.py), as the rating's reads are.
_LOCKED_REVIEW = Prepared(
    lambda review: Review.objects.select_for_update(no_key=True).filter(pk=review).values("pk")
)


def lock_review(review_id: int) -> bool:
    """The lock an UPDATE of the review's counters takes, taken now (a fixed lock order);
    False when the review is no longer there."""
    return bool(_LOCKED_REVIEW.rows(review=review_id))


def shift_likes(
    review_ids: list[int], delta: int, *, groups: set[str] | None = None, marked: bool = False
) -> None:
    """Add `delta` to the like count of each review (one UPDATE however many); `groups`,
    where the caller knows them, saves reading the authors; `marked`: the like's own signal
    marked them in this transaction (one bump of their versions at the commit, not two)."""
    if len(review_ids) == 1:  # a like or an unlike
        _add(Review, "id", review_ids[0], {"like_count": delta})
    elif review_ids:
        Review.objects.filter(pk__in=review_ids).update(like_count=F("like_count") + delta)
    if review_ids and not marked:
        pagecache.changed(*(groups or pagegroups.review_author_groups(*review_ids)))


def shift_replies(review_id: int, delta: int) -> None:
    _add(Review, "id", review_id, {"reply_count": delta})
    pagecache.changed(*pagegroups.review_author_groups(review_id))


@dataclass
class ScoresRecount:
    """What a recount of the rating counters did: how many episodes it recounted, and for
    each episode whose counters were wrong, its distribution before and after (½ to 5 stars)."""

    episodes: int = 0
    drift: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)


def recount_scores(episodes=None) -> ScoresRecount:
    """Rebuild the rating counters from the ratings."""
    episodes = list(episodes if episodes is not None else Episode.objects.all())
    result = ScoresRecount(episodes=len(episodes))
    for episode in episodes:
        ensure_scores_row(episode)
        with transaction.atomic():
            # Holding the counters' row makes raters of this episode wait until the
            # recount is written, so none of their changes is lost or counted twice.
            row = EpisodeScores.objects.select_for_update().get(episode=episode)
            counts = dict(
                # Suspended members' ratings do not count (reviews.moderation).
                Rating.objects.filter(episode=episode, member__is_active=True)
                .values_list("score")
                .annotate(n=Count("pk"))
                .order_by()
            )
            right = [counts.get(score, 0) for score in SCORES]
            if row.distribution != right:
                result.drift[episode.pk] = (row.distribution, right)
                EpisodeScores.objects.filter(pk=row.pk).update(
                    **{f"count_{score}": n for score, n in zip(SCORES, right, strict=True)}
                )
                pagecache.changed(pagegroups.RATINGS)
    return result


def _recount_review_counter(field: str, rows, *, by: str) -> int:
    """Set `field` of every review to the number of `rows` pointing at it; how many were
    wrong. Each wrong review is locked and written in its own short transaction."""
    actual = Coalesce(
        Subquery(
            rows.filter(**{by: OuterRef("pk")})
            .order_by()
            .values(by)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )
    wrong = 0
    drifted = Review.objects.annotate(actual=actual).exclude(**{field: F("actual")})
    for pk in drifted.values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                Review.objects.select_for_update().annotate(actual=actual).filter(pk=pk).first()
            )
            if review is None or getattr(review, field) == review.actual:
                continue
            Review.objects.filter(pk=pk).update(**{field: review.actual})
            pagecache.changed(*pagegroups.review_author_groups(pk))
            wrong += 1
    return wrong


def recount() -> dict[str, int]:
    """Rebuild every counter from the rows it counts; how many rows were wrong, per counter."""
    scores = recount_scores()
    return {
        "rating distribution (EpisodeScores)": len(scores.drift),
        "Review.like_count": _recount_review_counter("like_count", Like.objects.all(), by="review"),
        "Review.reply_count": _recount_review_counter(
            "reply_count", Review.objects.filter(parent__isnull=False), by="parent"
        ),
    }
