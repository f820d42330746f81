"""Everything a member does with episodes. Views parse the request and call one of these.

Each write runs in one transaction. Counters (rating steps, likes, replies) change with F()
expressions in that same transaction, and the database constraints are the last word: a
double submission that trips one is turned into the idempotent answer.
"""

from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from catalog.models import Episode
from etoile_app.models import User
from reviews.models import SCORES, EpisodeScores, Like, Rating, Review


class ReviewError(Exception):
    """A review operation the rules do not allow (replying to a reply, for one)."""


def _ensure_scores_row(episode: Episode) -> None:
    # The row is made once per episode; a concurrent maker is harmless.
    EpisodeScores.objects.bulk_create([EpisodeScores(episode=episode)], ignore_conflicts=True)


def _shift_counts(episode_id: int, changes: Counter) -> None:
    """Apply {score: +n or -n} to an episode's counters in one UPDATE."""
    updates = {
        f"count_{score}": F(f"count_{score}") + delta for score, delta in changes.items() if delta
    }
    if updates:
        EpisodeScores.objects.filter(episode_id=episode_id).update(**updates)


def rating_set(*, member: User, episode: Episode, score: int) -> Rating:
    if not isinstance(score, int) or isinstance(score, bool) or score not in SCORES:
        raise ValueError(f"A score is a whole number from 1 to 10, not {score!r}")
    _ensure_scores_row(episode)
    with transaction.atomic():
        while True:
            rating = (
                Rating.objects.select_for_update().filter(member=member, episode=episode).first()
            )
            if rating is not None:
                break
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(member=member, episode=episode, score=score)
            except IntegrityError:
                # Another request from this member created it first, and may have removed
                # it again since: look once more.
                continue
            _shift_counts(episode.pk, Counter({score: 1}))
            return rating
        if rating.score != score:
            _shift_counts(episode.pk, Counter({rating.score: -1, score: 1}))
            rating.score = score
            rating.save(update_fields=["score", "updated_at"])
        return rating


def rating_remove(*, member: User, episode: Episode) -> bool:
    """Remove the member's rating; False when there was none (a repeated request)."""
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(member=member, episode=episode).first()
        if rating is None:
            return False
        rating.delete()
        _shift_counts(episode.pk, Counter({rating.score: -1}))
        return True


def recount_ratings(episodes=None) -> int:
    """Rebuild the counters from the ratings themselves; returns how many episodes."""
    episodes = list(episodes if episodes is not None else Episode.objects.all())
    for episode in episodes:
        _ensure_scores_row(episode)
        with transaction.atomic():
            # Holding the counters' row makes raters of this episode wait until the
            # recount is written, so none of their changes is lost or counted twice.
            EpisodeScores.objects.select_for_update().get(episode=episode)
            counts = dict(
                Rating.objects.filter(episode=episode)
                .values_list("score")
                .annotate(n=Count("pk"))
                .order_by()
            )
            EpisodeScores.objects.filter(episode=episode).update(
                **{f"count_{score}": counts.get(score, 0) for score in SCORES}
            )
    return len(episodes)


def review_post(
    *, member: User, episode: Episode, body: str, is_spoiler: bool = False, parent=None
) -> Review:
    if parent is not None:
        if parent.parent_id is not None:
            raise ReviewError("Replies are one level deep: reply to the review instead.")
        if parent.episode_id != episode.pk:
            raise ReviewError("A reply belongs to the same episode as its review.")
    with transaction.atomic():
        review = Review.objects.create(
            member=member,
            episode=episode,
            parent=parent,
            body=body,
            is_spoiler=is_spoiler if parent is None else False,
        )
        if parent is not None:
            Review.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
    return review


def review_edit(*, review: Review, body: str, is_spoiler: bool) -> Review:
    if review.body == body and review.is_spoiler == is_spoiler:
        return review
    review.body = body
    review.is_spoiler = is_spoiler if review.parent_id is None else False
    review.edited_at = timezone.now()
    review.save(update_fields=["body", "is_spoiler", "edited_at"])
    return review


def review_delete(*, review: Review) -> None:
    with transaction.atomic():
        # Only the request that really deletes the row changes the count: a double click's
        # second request finds nothing left to delete (on PostgreSQL it waits for the first).
        deleted, _ = Review.objects.filter(pk=review.pk).delete()
        if deleted and review.parent_id is not None:
            Review.objects.filter(pk=review.parent_id).update(reply_count=F("reply_count") - 1)


def like_toggle(*, member: User, review: Review) -> bool:
    """Like the review, or take the like back; returns whether it is now liked."""
    with transaction.atomic():
        deleted, _ = Like.objects.filter(member=member, review=review).delete()
        if deleted:
            Review.objects.filter(pk=review.pk).update(like_count=F("like_count") - 1)
            return False
        try:
            with transaction.atomic():
                Like.objects.create(member=member, review=review)
        except IntegrityError:
            return True  # a double click: the first one already liked it
        Review.objects.filter(pk=review.pk).update(like_count=F("like_count") + 1)
        return True


def member_contributions_delete(*, member: User) -> None:
    """Before a member is deleted: take their ratings out of the episode counters and their
    likes out of the like counts, so the aggregates stay exact once the rows cascade away."""
    with transaction.atomic():
        by_episode: dict[int, Counter] = {}
        for episode_id, score in Rating.objects.filter(member=member).values_list(
            "episode_id", "score"
        ):
            by_episode.setdefault(episode_id, Counter())[score] -= 1
        for episode_id, changes in by_episode.items():
            _shift_counts(episode_id, changes)
        liked = Like.objects.filter(member=member).values_list("review_id", flat=True)
        Review.objects.filter(pk__in=list(liked)).update(like_count=F("like_count") - 1)
        replied_to = Review.objects.filter(member=member, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
        for parent_id, n in Counter(replied_to).items():
            Review.objects.filter(pk=parent_id).update(reply_count=F("reply_count") - n)
