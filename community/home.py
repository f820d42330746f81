"""The home page's community section: the latest public reviews, the best-rated and the most
discussed episodes. The reviews go through reviews/visibility.py as the reader reads them."""

from django.db.models import Count, Sum

from reviews.context import with_author_scores
from reviews.models import Review
from reviews.visibility import Sight, reader_of, sight_of_episode, sight_of_review

LATEST_REVIEWS = 5
BEST_RATED = 3
MOST_DISCUSSED = 3
# An episode enters the best-rated list with this many ratings: one enthusiast is not a
# consensus.
BEST_RATED_MIN_RATINGS = 3


def _scores(episode):
    try:
        return episode.scores
    except Exception:  # noqa: BLE001 (an episode nobody rated has no scores row)
        return None


def community_context(request, episodes: list, hidden: set[int]) -> dict:
    """`episodes`: the show's, with their scores (the home page has them in hand)."""
    reader = reader_of(request)
    reviews = list(
        with_author_scores(
            Review.objects.public()
            .top_level()
            .exclude(member_id__in=hidden)
            .select_related("member", "episode__season")
        ).order_by("-created_at", "-pk")[:LATEST_REVIEWS]
    )
    for review in reviews:
        review.withheld = sight_of_review(reader, review) is Sight.WITHHELD
    rated = [
        (episode, scores)
        for episode in episodes
        if (scores := _scores(episode)) is not None and scores.count >= BEST_RATED_MIN_RATINGS
    ]
    # What the reader has not watched and asked to hide gives no mean away.
    rated = [pair for pair in rated if sight_of_episode(reader, pair[0]).shows_score]
    best = sorted(rated, key=lambda pair: (-pair[1].mean_score, -pair[1].count))[:BEST_RATED]
    by_pk = {episode.pk: episode for episode in episodes}
    talk = (
        Review.objects.public()
        .top_level()
        .values("episode_id")
        .annotate(reviews=Count("pk"), replies=Sum("reply_count"))
        .order_by()
    )
    discussed = sorted(
        (
            (by_pk[row["episode_id"]], row["reviews"] + (row["replies"] or 0))
            for row in talk
            if row["episode_id"] in by_pk
        ),
        key=lambda pair: -pair[1],
    )[:MOST_DISCUSSED]
    return {
        "latest_reviews": reviews,
        "best_rated": [{"episode": e, "scores": s} for e, s in best],
        "most_discussed": [{"episode": e, "count": n} for e, n in discussed],
    }
