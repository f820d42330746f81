"""What the catalog's pages show of members' ratings and reviews.

The catalog app calls these helpers and renders the `reviews/_*.html` partials; it never
touches reviews' models directly.
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest

from catalog.models import Episode
from reviews.charts import distribution_chart, season_chart
from reviews.forms import RatingForm, ReplyForm, ReviewForm
from reviews.models import EpisodeScores, Like, Rating, Review

REVIEWS_PER_PAGE = 20
# Past any real page, and small enough for every database's OFFSET.
MAX_PAGE = 100_000
SORTS = {"newest", "liked"}


def scores_of(episode: Episode) -> EpisodeScores:
    """The episode's counters; an unsaved empty row when nobody has rated it yet."""
    try:
        return episode.scores
    except EpisodeScores.DoesNotExist:
        return EpisodeScores(episode=episode)


def with_author_scores(reviews):
    """Each review carries its author's rating of the episode, in the same query."""
    author_rating = Rating.objects.filter(
        member=OuterRef("member_id"), episode=OuterRef("episode_id")
    ).values("score")[:1]
    return reviews.annotate(author_score=Subquery(author_rating))


@dataclass
class ReviewPage:
    reviews: list[Review]
    number: int
    has_next: bool
    sort: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def review_page(request: HttpRequest, episode: Episode) -> ReviewPage:
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    try:
        number = min(max(1, int(request.GET.get("page", "1"))), MAX_PAGE)
    except ValueError:
        number = 1
    replies = with_author_scores(
        Review.objects.visible().select_related("member").order_by("created_at", "pk")
    )
    reviews = (
        with_author_scores(Review.objects.visible().top_level().for_listing())
        .filter(episode=episode)
        .sorted_by(sort)
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
    )
    start = (number - 1) * REVIEWS_PER_PAGE
    # One row more than a page tells whether there is a next page, without a COUNT.
    rows = list(reviews[start : start + REVIEWS_PER_PAGE + 1])
    return ReviewPage(
        reviews=rows[:REVIEWS_PER_PAGE],
        number=number,
        has_next=len(rows) > REVIEWS_PER_PAGE,
        sort=sort,
    )


def member_rating(member, episode: Episode) -> Rating | None:
    if not member.is_authenticated:
        return None
    return Rating.objects.filter(member=member, episode=episode).first()


def rating_panel_context(request: HttpRequest, episode: Episode, *, rating_form=None) -> dict:
    own = member_rating(request.user, episode)
    scores = scores_of(episode)
    return {
        "episode": episode,
        "scores": scores,
        "own_rating": own,
        "rating_form": rating_form or RatingForm(initial={"score": own.score} if own else None),
        "distribution": distribution_chart(scores, own.score if own else None),
    }


def episode_context(
    request: HttpRequest,
    episode: Episode,
    *,
    review_form=None,
    reply_forms=None,
    rating_form=None,
) -> dict:
    page = review_page(request, episode)
    liked_ids: set[int] = set()
    if request.user.is_authenticated:
        on_page = [r.pk for r in page.reviews] + [
            reply.pk for r in page.reviews for reply in r.visible_replies
        ]
        liked_ids = set(
            Like.objects.filter(member=request.user, review_id__in=on_page).values_list(
                "review_id", flat=True
            )
        )
    reply_forms = reply_forms or {}
    for review in page.reviews:
        review.reply_form = reply_forms.get(review.pk) or ReplyForm(prefix=f"reply-{review.pk}")
    return {
        **rating_panel_context(request, episode, rating_form=rating_form),
        "review_page": page,
        "liked_ids": liked_ids,
        "review_form": review_form or ReviewForm(),
    }


def season_context(request: HttpRequest, episodes: list[Episode]) -> dict:
    """The season at a glance: each episode's mean, and the member's own ratings."""
    own = {}
    if request.user.is_authenticated:
        own = dict(
            Rating.objects.filter(member=request.user, episode__in=episodes).values_list(
                "episode_id", "score"
            )
        )
    return {"season_chart": season_chart([(e, scores_of(e)) for e in episodes], own)}
