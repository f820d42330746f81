"""Everything a member does with episodes. Views parse the request and call one of these.

Each write runs in one transaction. Counters (rating steps, likes, replies) change in that
same transaction, through reviews.counters, and the database constraints are the last word:
a double submission that trips one is turned into the idempotent answer (a like looks for
itself under its review's lock first instead: see like_set). What the visitors'
cached pages must show again follows from the rows written (reviews/apps.py); only the
bulk inserts, which send no signal, say so here.
"""

import datetime
from collections import Counter

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Episode
from kernel import pagecache
from kernel.dates import date_format
from kernel.prepared import Prepared, loaded
from kernel.transactions import retried_on_deadlock
from members.models import User
from members.relations import is_blocked_between
from reviews import counters, pagegroups
from reviews.models import SCORES, Like, Rating, Review, Watch, WatchlistEntry


class ReviewError(Exception):
    """A review operation the rules do not allow (replying to a reply, for one)."""


class ReplyBlocked(ReviewError):
    """A reply between two members with a block between them (members.relations)."""


class ParentGone(ReviewError):
    """A reply to a review that was deleted while the reply was being sent."""


# Built and compiled once (kernel/prepared.py): building the ORM's queries cost more than
# running them in every rating.
_LOCKED_MEMBER = Prepared(
    lambda member: User.objects.select_for_update().filter(pk=member).values("is_active")
)
_RATING = Prepared(
    lambda member, episode: Rating.objects.filter(member=member, episode=episode).values(
        "pk", "score"
    )
)

_LIKE = Prepared(
    lambda member, review: Like.objects.filter(member=member, review=review).values("pk")
)


def _counted(member: User) -> bool:
    """Whether the member's ratings are in the counters, read under their row lock: a
    suspension or reinstatement takes the same lock, so it happens wholly before or after
    the rating change, whatever `member.is_active` said when the request began."""
    rows = _LOCKED_MEMBER.rows(member=member.pk)
    return bool(rows and rows[0]["is_active"])


def _locked_rating(member: User, episode: Episode) -> tuple[bool, Rating | None]:
    """Whether the member's ratings are counted (see _counted), and their rating of the
    episode. Every change to a member's ratings takes the member's row lock first
    (rating_set, rating_remove, member_contributions_delete, imports through rating_set,
    suspensions in reviews.moderation), so the rating, read after it in a statement of its
    own (one that waited for the lock would have read the rows as they were before), stays
    as read until the transaction ends: no lock of its own, no race to create it."""
    counted = _counted(member)
    rows = _RATING.rows(member=member.pk, episode=episode.pk)
    if not rows:
        return counted, None
    rating = loaded(
        Rating, id=rows[0]["pk"], member_id=member.pk, episode_id=episode.pk, score=rows[0]["score"]
    )
    rating.member = member  # its page group, without reading the handle again
    return counted, rating


def rating_set(*, member: User, episode: Episode, score: int) -> Rating:
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        raise ValueError(f"A score is a whole number from 1 to 10, not {score!r}")
    with transaction.atomic():
        counted, rating = _locked_rating(member, episode)
        if rating is None:
            rating = Rating.objects.create(member=member, episode=episode, score=score)
            changes = Counter({score: 1})
        elif rating.score != score:
            changes = Counter({rating.score: -1, score: 1})
            rating.score = score
            rating.rated_at = rating.updated_at = timezone.now()
            _rescored(rating)
        else:
            return rating
        # The episode's counters last: every rater of the episode waits on that row, so it is
        # held from this statement to the commit and no longer. A new score's page groups are
        # marked with the counters' (its UPDATE sends no signal; a new rating's insert did).
        groups = pagegroups.rating_groups(rating)
        if counted:
            counters.shift_scores(episode.pk, changes, make_row=True, groups=groups)
        else:
            pagecache.changed(*groups)
        return rating


_RESCORED: dict[str, str] = {}


def _rescored(rating: Rating) -> None:
    """The rating's new score and times, in a statement written once: its `save()` cost 0.65
    million instructions more (docs/PERFORMANCE.md). An UPDATE sends no signal: the caller
    marks its page groups."""
    sql = _RESCORED.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        columns = ", ".join(f"{qn(name)} = %s" for name in ("score", "rated_at", "updated_at"))
        sql = _RESCORED[connection.vendor] = (
            f"UPDATE {qn(Rating._meta.db_table)} SET {columns} WHERE {qn('id')} = %s"  # noqa: S608
        )
    at = connection.ops.adapt_datetimefield_value(rating.rated_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, [rating.score, at, at, rating.pk])


def rating_remove(*, member: User, episode: Episode) -> bool:
    """Remove the member's rating; False when there was none (a repeated request)."""
    with transaction.atomic():
        counted, rating = _locked_rating(member, episode)
        if rating is None:
            return False
        rating.delete()
        if counted:  # a suspended member's ratings are already out of the counts
            counters.shift_scores(episode.pk, Counter({rating.score: -1}))
        return True


def recount_ratings(episodes=None) -> counters.ScoresRecount:
    """Rebuild the rating counters from the ratings themselves: how many episodes, and the
    counts that were wrong, before and after."""
    return counters.recount_scores(episodes)


@retried_on_deadlock
def review_post(
    *,
    member: User,
    episode: Episode,
    body: str,
    is_spoiler: bool = False,
    spoils_up_to: int | None = None,
    parent=None,
) -> Review:
    if parent is not None:
        if parent.parent_id is not None:
            raise ReviewError("Replies are one level deep: reply to the review instead.")
        if parent.episode_id != episode.pk:
            raise ReviewError("A reply belongs to the same episode as its review.")
        if is_blocked_between(member.pk, parent.member_id):
            raise ReplyBlocked("A blocked member cannot answer, nor be answered.")
    with transaction.atomic():
        # The review answered is locked first, as its deletion locks it (review_delete): a
        # reply waits for a deletion under way and then finds the review gone, where its
        # insert would have failed on the foreign key at the commit.
        if parent is not None and not counters.lock_review(parent.pk):
            raise ParentGone("The review was deleted while the reply was being sent.")
        review = Review.objects.create(
            member=member,
            episode=episode,
            parent=parent,
            body=body,
            is_spoiler=is_spoiler if parent is None else False,
            spoils_up_to=spoils_up_to if parent is None else None,
        )
        if parent is not None:
            counters.shift_replies(parent.pk, 1)
    return review


def review_edit(
    *, review: Review, body: str, is_spoiler: bool, spoils_up_to: int | None = None
) -> Review:
    """Change the text. Refused (ReviewError) once members' reports or a moderator have taken
    it down: changing the words under a moderator's eyes would make their decision meaningless."""
    if review.parent_id is not None:
        is_spoiler, spoils_up_to = False, None
    with transaction.atomic():
        # Locked, so a hold by the third report happens wholly before or after the edit.
        current = Review.objects.select_for_update().filter(pk=review.pk).first()
        if current is None or current.status != Review.Status.VISIBLE:
            raise ReviewError("Only a visible review or reply can be edited.")
        if (current.body, current.is_spoiler, current.spoils_up_to) == (
            body,
            is_spoiler,
            spoils_up_to,
        ):
            return current
        current.body = body
        current.is_spoiler = is_spoiler
        current.spoils_up_to = spoils_up_to
        current.edited_at = timezone.now()
        current.save(update_fields=["body", "is_spoiler", "spoils_up_to", "edited_at"])
        return current


@retried_on_deadlock
def review_delete(*, review: Review) -> None:
    with transaction.atomic():
        # Locked before anything is deleted, in the order of their keys: the review answered
        # (for a reply), the review, its replies. Every other writer of these rows (a like,
        # an unlike, a reply, another deletion) locks the review before its own row, so the
        # deletion waits for it, or it for the deletion, and neither finds its row changed
        # under it: the deletion's likes are collected after a like under way has committed.
        _lock_reviews(Q(pk=review.pk) | Q(parent_id=review.pk) | Q(pk=review.parent_id))
        # Only the request that really deletes the row changes the count: a double click's
        # second request finds nothing left to delete (on PostgreSQL it waits for the first).
        deleted, _ = Review.objects.filter(pk=review.pk).delete()
        if deleted and review.parent_id is not None:
            counters.shift_replies(review.parent_id, -1)


@retried_on_deadlock
def like_set(*, member: User, review: Review, liked: bool) -> bool:
    """Like the review or take the like back. Saying the wanted state (not "toggle") makes a
    double click harmless: the second request finds it already so."""
    if liked and review.member_id == member.pk:
        # The database refuses it too (a trigger), but as an error: this says why.
        raise ReviewError("Members do not like their own reviews.")
    with transaction.atomic():
        # The review's row first, then the like: the order a like's INSERT takes them anyway
        # (its trigger, reviews/migrations/0008_database_rules.py, locks the review before the
        # like's entry in its unique index is written). Deleting first took them the other
        # way round: an unlike holding the like and waiting for the review, a like of the
        # same review holding the review and waiting for the deleted like's transaction,
        # and PostgreSQL ended one of them with "deadlock detected" (a 500).
        if not counters.lock_review(review.pk):
            # Deleted since the view read it: nothing to like, and a like's INSERT would fail
            # on its foreign key at the commit.
            return False
        # Every like_set of the review waits on that lock, so the like read now stays as read
        # until the commit. A double click's repeat finds its like here rather than failing
        # on the unique constraint: that failure's ROLLBACK TO SAVEPOINT also made psycopg
        # forget every statement it had prepared on the connection.
        rows = _LIKE.rows(member=member.pk, review=review.pk)
        if liked:
            if not rows:
                Like.objects.create(member=member, review=review)
                counters.shift_likes([review.pk], 1, marked=True)  # the like's signal marked them
            return True
        if rows:
            like = loaded(Like, id=rows[0]["pk"], member_id=member.pk, review_id=review.pk)
            like.review = review  # with its author, where the caller read them
            like.member = member  # for its groups, without a query
            # Its notification goes with it; its signal marks its page groups, which are
            # the count's and the liker's too.
            like.delete()
            counters.shift_likes([review.pk], -1, marked=True)
        return False


def _lock_reviews(which: Q) -> None:
    """Lock these reviews (their rows alone) in one statement, in the order of their keys (a
    review's key is lower than its replies'): one may wait for another, never each for the
    other."""
    list(
        Review.objects.select_for_update(of=("self",))
        .filter(which)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def like_toggle(*, member: User, review: Review) -> bool:
    """Flip the like; returns whether it is now liked."""
    liked = Like.objects.filter(member=member, review=review).exists()
    return like_set(member=member, review=review, liked=not liked)


def member_contributions_delete(*, member: User) -> None:
    """Before a member is deleted: take their ratings out of the episode counters and their
    likes out of the like counts, so the aggregates stay exact once the rows cascade away."""
    with transaction.atomic():
        counted = _counted(member)
        # Then every review whose counts change or that goes with the account, in the order
        # of their keys as review_delete locks them, before their counts are read: a
        # deletion of one of the member's replies would otherwise lower a count read here
        # a second time, or lock the reply and its review the other way round.
        _lock_reviews(
            Q(pk__in=Like.objects.filter(member=member).values("review_id"))
            | Q(pk__in=Review.objects.filter(member=member).values("parent_id"))
            | Q(member=member)
            | Q(parent__member=member)
        )
        by_episode: dict[int, Counter] = {}
        for episode_id, score in Rating.objects.filter(member=member).values_list(
            "episode_id", "score"
        ):
            by_episode.setdefault(episode_id, Counter())[score] -= 1
        if counted:  # a suspended member's ratings are already out of the counts
            for episode_id, changes in sorted(by_episode.items()):  # a fixed lock order
                counters.shift_scores(episode_id, changes)
        liked = Like.objects.filter(member=member).values_list("review_id", flat=True)
        counters.shift_likes(list(liked), -1)
        replied_to = Review.objects.filter(member=member, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
        for parent_id, n in Counter(replied_to).items():
            counters.shift_replies(parent_id, -n)


# --- Watchlist and watches ------------------------------------------------------------------


class WatchDateError(ValueError):
    """A watch date outside what the catalog allows (the future, or before the premiere)."""


# Watches one member keeps of one episode. Fifty is a rewatch every week for a year, more
# than any viewer's record of a favourite, and it bounds what a member's watches cost to
# list, export and summarise: at most this many times the catalog's episodes, where one
# import had made 44,800 (issue 18).
WATCHES_PER_EPISODE_MAX = 50


class WatchLimitError(ValueError):
    """The member already keeps WATCHES_PER_EPISODE_MAX watches of the episode."""


def watch_limit_message() -> str:
    return _(
        "You have marked this episode watched %(max)s times, as many as we keep: "
        "take back a watch to add another."
    ) % {"max": WATCHES_PER_EPISODE_MAX}


def earliest_watch_date(episode: Episode) -> datetime.date | None:
    """Nobody saw the show before its New York premiere, the earliest date the catalog has."""
    show = episode.season.show
    dates = [d for d in (show.new_york_premiere_date, show.premiere_date) if d]
    return min(dates) if dates else None


def check_watch_date(episode: Episode, watched_on: datetime.date) -> None:
    today = timezone.localdate()
    if watched_on > today:
        raise WatchDateError(_("You cannot have watched it in the future."))
    earliest = earliest_watch_date(episode)
    if earliest and watched_on < earliest:
        raise WatchDateError(
            _("The show was first shown on %(date)s; choose that day or later.")
            % {"date": date_format(earliest, "DATE_FORMAT")}
        )


def watchlist_add(*, member: User, episodes) -> int:
    """Add episodes to the watchlist; ones already on it stay as they are. The number added."""
    episodes = list(episodes)
    already = set(
        WatchlistEntry.objects.filter(member=member, episode__in=episodes).values_list(
            "episode_id", flat=True
        )
    )
    added = [episode for episode in episodes if episode.pk not in already]
    # bulk_create with ignore_conflicts returns every object given, inserted or not, so the
    # count comes from the rows that were not there; a double post at the same instant adds
    # one row (the unique constraint) and may count it twice.
    WatchlistEntry.objects.bulk_create(
        [WatchlistEntry(member=member, episode=episode) for episode in added],
        ignore_conflicts=True,
    )
    if added:  # bulk_create sends no post_save; the member's watchlist page shows them
        pagecache.changed(pagegroups.member_group(member.handle))
    return len(added)


def watchlist_remove(*, member: User, episodes) -> int:
    deleted, _ = WatchlistEntry.objects.filter(member=member, episode__in=episodes).delete()
    return deleted


def watches_delete(*, watches) -> int:
    """Staff take watches away (a mistaken import, say); the diaries that showed them change."""
    with transaction.atomic():
        deleted, _ = Watch.objects.filter(pk__in=[watch.pk for watch in watches]).delete()
    return deleted


def watch_add(
    *, member: User, episode: Episode, watched_on: datetime.date, submission_key=None
) -> Watch:
    """Mark an episode watched (again: a rewatch). The same submission twice makes one watch;
    past WATCHES_PER_EPISODE_MAX, WatchLimitError and nothing is written."""
    check_watch_date(episode, watched_on)
    with transaction.atomic():
        # One mark at a time per member, so that two at once cannot both pass the limit.
        User.objects.select_for_update().filter(pk=member.pk).first()
        if submission_key is not None:
            replayed = Watch.objects.filter(member=member, submission_key=submission_key).first()
            if replayed is not None:
                return replayed
        if Watch.objects.filter(member=member, episode=episode).count() >= (
            WATCHES_PER_EPISODE_MAX
        ):
            raise WatchLimitError(watch_limit_message())
        try:
            with transaction.atomic():
                watch = Watch.objects.create(
                    member=member,
                    episode=episode,
                    watched_on=watched_on,
                    submission_key=submission_key,
                )
        except IntegrityError:
            return Watch.objects.get(member=member, submission_key=submission_key)
        # Watched episodes leave the watchlist, as they do on every tracker.
        WatchlistEntry.objects.filter(member=member, episode=episode).delete()
        return watch


def watches_add(*, member: User, viewings: list[tuple[Episode, datetime.date]]) -> int:
    """Many watches at once (an import): one insert, one watchlist update, one page-cache
    bump, rather than three queries a viewing. Raises WatchDateError, or WatchLimitError when
    an episode would pass WATCHES_PER_EPISODE_MAX, before writing."""
    for episode, watched_on in viewings:
        check_watch_date(episode, watched_on)
    adding = Counter(episode.pk for episode, _day in viewings)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=member.pk).first()
        had = Counter(
            Watch.objects.filter(member=member, episode__in=adding).values_list(
                "episode_id", flat=True
            )
        )
        if any(had[pk] + n > WATCHES_PER_EPISODE_MAX for pk, n in adding.items()):
            raise WatchLimitError(watch_limit_message())
        Watch.objects.bulk_create(
            [Watch(member=member, episode=episode, watched_on=day) for episode, day in viewings]
        )
        WatchlistEntry.objects.filter(
            member=member, episode__in={episode for episode, _day in viewings}
        ).delete()
        if viewings:  # bulk_create sends no post_save
            pagecache.changed(pagegroups.member_group(member.handle))
    return len(viewings)


def watch_undo_last(*, member: User, episode: Episode) -> bool:
    """Take back the most recent mark; False when there is none."""
    with transaction.atomic():
        last = (
            Watch.objects.select_for_update()
            .filter(member=member, episode=episode)
            .order_by("-created_at", "-pk")
            .first()
        )
        if last is None:
            return False
        last.delete()
        return True


def watch_season(*, member: User, season, watched_on: datetime.date) -> int:
    """Mark every episode of the season not yet watched as watched on one day."""
    episodes = list(season.episodes.select_related("season__show"))
    for episode in episodes:
        check_watch_date(episode, watched_on)
    with transaction.atomic():
        # Serialise with this member's other season marks, so a double post adds nothing.
        User.objects.select_for_update().filter(pk=member.pk).first()
        seen = set(
            Watch.objects.filter(member=member, episode__in=episodes).values_list(
                "episode_id", flat=True
            )
        )
        new = [
            Watch(member=member, episode=episode, watched_on=watched_on)
            for episode in episodes
            if episode.pk not in seen
        ]
        Watch.objects.bulk_create(new)
        WatchlistEntry.objects.filter(member=member, episode__in=episodes).delete()
        if new:  # bulk_create sends no post_save
            pagecache.changed(pagegroups.member_group(member.handle))
    return len(new)
