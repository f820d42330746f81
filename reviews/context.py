"""What the season, episode, home and profile pages show of members' ratings, reviews and
watches: the context for the `reviews/_*.html` partials. The pages themselves are composed
above this app (etoile_app/pages.py, etoile_app/views.py); the catalog app never touches
reviews' models.
"""

import functools
import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from catalog.models import Episode
from reviews import moderation
from reviews.charts import distribution_chart, season_chart
from reviews.forms import RatingForm, ReplyForm, ReviewForm, WatchForm
from reviews.mentions import with_known_mentions
from reviews.models import EpisodeScores, Like, ModerationAction, Rating, Review, WatchlistEntry
from reviews.services import earliest_watch_date
from reviews.tracking import season_progress
from reviews.visibility import VISITOR, Sight, reader_of, sight_of_episode, sight_of_review

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


def with_reader_likes(request: HttpRequest, reviews):
    """Each review says whether the reader has liked it, in the same query."""
    if not request.user.is_authenticated:
        return reviews
    mine = Like.objects.filter(member=request.user, review=OuterRef("pk"))
    return reviews.annotate(liked_by_reader=Exists(mine))


@dataclass
class ReviewPage:
    reviews: list[Review]
    number: int
    has_next: bool
    sort: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def with_decisions(reviews, reader) -> None:
    """Marks the reader's own hidden or removed items with the decision that took them down
    (`decision`, whose reason the template shows beside them, and `decision_appealed`). One
    query, and only when the reader has such an item here; nobody else's is marked."""
    if not reader.is_authenticated:
        return
    taken_down = (Review.Status.HIDDEN, Review.Status.REMOVED)
    own = [r for r in reviews if r.member_id == reader.pk and r.status in taken_down]
    if not own:
        return
    latest = {}
    decisions = ModerationAction.objects.filter(review__in=own, kind__in=moderation.DECISIONS)
    for action in decisions.select_related("appeal").order_by("pk"):
        latest[action.review_id] = action
    for review in own:
        decision = latest.get(review.pk)
        if decision is not None and decision.kind in moderation.TAKEDOWNS:
            review.decision = decision
            review.decision_appealed = moderation.appeal_of(decision) is not None


def _listed(request: HttpRequest, reviews):
    """Reviews as a page lists them for the reader: what they may see, each with its
    author's score, whether the reader liked it, and its replies (`visible_replies`)."""
    replies = with_reader_likes(
        request,
        with_author_scores(
            Review.objects.seen_by(request.user)
            .select_related("member")
            .order_by("created_at", "pk")
        ),
    )
    return with_reader_likes(
        request, with_author_scores(reviews.seen_by(request.user))
    ).prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))


def review_page(request: HttpRequest, episode: Episode) -> ReviewPage:
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    try:
        number = min(max(1, int(request.GET.get("page", "1"))), MAX_PAGE)
    except ValueError:
        number = 1
    reviews = (
        _listed(request, Review.objects.top_level().for_listing())
        .filter(episode=episode)
        .sorted_by(sort)
    )
    start = (number - 1) * REVIEWS_PER_PAGE
    # One row more than a page tells whether there is a next page, without a COUNT.
    rows = list(reviews[start : start + REVIEWS_PER_PAGE + 1])
    with_decisions(rows + [reply for row in rows for reply in row.visible_replies], request.user)
    with_known_mentions(rows)
    return ReviewPage(
        reviews=rows[:REVIEWS_PER_PAGE],
        number=number,
        has_next=len(rows) > REVIEWS_PER_PAGE,
        sort=sort,
    )


def reader_score_of(member):
    """An annotation: the member's score of each episode."""
    return Subquery(
        Rating.objects.filter(member=member, episode=OuterRef("pk")).values("score")[:1]
    )


def with_reader_watchlist(request: HttpRequest, episodes):
    """Each episode says whether it is on the signed-in reader's watchlist, in the same query."""
    if not request.user.is_authenticated:
        return episodes
    listed = WatchlistEntry.objects.filter(member=request.user, episode=OuterRef("pk"))
    return episodes.annotate(on_reader_watchlist=Exists(listed))


def reader_review_of(member):
    """An annotation: the id of the member's latest review of each episode (not a reply)."""
    return Subquery(
        Review.objects.filter(member=member, episode=OuterRef("pk"), parent__isnull=True)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def own_review_id(member, episode: Episode) -> int | None:
    """The member's latest review of the episode: read with the episode when the view asked
    for it (reviews.views.episode_by_numbers), otherwise one query."""
    if not member.is_authenticated:
        return None
    if hasattr(episode, "reader_review"):
        return episode.reader_review
    return (
        Review.objects.filter(member=member, episode=episode, parent__isnull=True)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def own_score(member, episode: Episode) -> int | None:
    """The member's rating of the episode: read with the episode when the view asked for it
    (catalog.views.episode_by_numbers), otherwise one query."""
    if not member.is_authenticated:
        return None
    if hasattr(episode, "reader_score"):
        return episode.reader_score
    return (
        Rating.objects.filter(member=member, episode=episode)
        .values_list("score", flat=True)
        .first()
    )


def rating_panel_context(request: HttpRequest, episode: Episode, *, rating_form=None) -> dict:
    own = own_score(request.user, episode)
    scores = scores_of(episode)
    return {
        "member": request.user.is_authenticated,
        "episode": episode,
        "scores": scores,
        "own_score": own,
        "rating_form": rating_form or RatingForm(initial={"score": own} if own else None),
        "distribution": distribution_chart(scores, own),
    }


def watch_panel_context(request: HttpRequest, episode: Episode, *, watch_form=None) -> dict:
    """The watch form; what the member has watched and listed is the panel's region's state
    ({% reader "watch-panel" %}, reviews/regions.py)."""
    if not request.user.is_authenticated:
        return {}
    today = timezone.localdate()
    earliest = earliest_watch_date(episode)
    return {
        "watch_form": watch_form
        or WatchForm(initial={"watched_on": today, "submission_key": uuid.uuid4()}),
        "watch_min": earliest,
        "watch_max": today,
    }


BLANK_REPLY_PREFIX = "reply-blank"


@functools.cache
def _blank_reply_fields(language: str) -> str:
    form = ReplyForm(prefix=BLANK_REPLY_PREFIX)
    return "".join(str(field.as_field_group()) for field in form)


def blank_reply_fields() -> str:
    """The fields of an empty reply form, rendered once per language rather than once per
    review: twenty forms through the template engine were a fifth of a member's episode page."""
    return _blank_reply_fields(get_language())


def _ready_to_show(request: HttpRequest, reviews: list[Review], episode: Episode, reply_forms):
    # For every reader: a member's page is rendered once as a visitor's, and its reply forms
    # shown to each member ({% reader "reply-form" %}, reviews/regions.py).
    blank_reply = blank_reply_fields()
    for review in reviews:
        # A form that came back with errors is rendered as it is; the blank ones, one under
        # each review, are the same fields but for their prefix.
        review.reply_form = reply_forms.get(review.pk)
        review.reply_fields = mark_safe(  # noqa: S308 (rendered by Django's forms; an int added)
            blank_reply.replace(BLANK_REPLY_PREFIX, f"reply-{review.pk}")
        )


def review_thread(request: HttpRequest, pk: int) -> Review:
    """A review (or a reply) the reader may see, as its own page shows it: its episode with
    season, show and rating counters, its author's score, and, for a review, its replies
    ready to show as on the episode page. A review the reader may not see is a 404."""
    review = get_object_or_404(
        _listed(
            request,
            Review.objects.select_related("member", "episode__season__show", "episode__scores"),
        ),
        pk=pk,
    )
    with_known_mentions([review])
    if not review.is_reply:
        with_decisions([review, *review.visible_replies], request.user)
        _ready_to_show(request, [review], review.episode, {})
    return review


def episode_context(
    request: HttpRequest,
    episode: Episode,
    *,
    review_form=None,
    reply_forms=None,
    rating_form=None,
    watch_form=None,
    episode_numbers=None,
) -> dict:
    page = review_page(request, episode)
    _ready_to_show(request, page.reviews, episode, reply_forms or {})
    if episode_numbers is None:
        episode_numbers = list(episode.season.episodes.values_list("number", flat=True))
    return {
        **rating_panel_context(request, episode, rating_form=rating_form),
        **watch_panel_context(request, episode, watch_form=watch_form),
        "hidden_until_watched": sight_of_episode(reader_of(request), episode) is Sight.WITHHELD,
        "review_page": page,
        # What search engines are given: the reviews on this page a visitor reads in full.
        "reviews_for_visitors": [
            review
            for review in page.reviews
            if sight_of_review(VISITOR, review, episode=episode).shows_text
        ],
        # Once the member has reviewed the episode, their review (with its edit link) takes
        # the empty form's place; another review is still one click away.
        "own_review_id": own_review_id(request.user, episode),
        "review_form": review_form
        or ReviewForm(episode_numbers=episode_numbers, reviewed_number=episode.number),
    }


def season_context(request: HttpRequest, episodes: list[Episode]) -> dict:
    """The season at a glance: each episode's mean and the member's own ratings, with
    the means of unwatched episodes held back for members who asked for that."""
    own = {}
    if request.user.is_authenticated:
        own = dict(
            Rating.objects.filter(member=request.user, episode__in=episodes).values_list(
                "episode_id", "score"
            )
        )
    reader = reader_of(request)
    hidden = {e.pk for e in episodes if sight_of_episode(reader, e) is Sight.WITHHELD}
    shown = [(e, EpisodeScores(episode=e) if e.pk in hidden else scores_of(e)) for e in episodes]
    on_watchlist = False
    if request.user.is_authenticated and episodes:
        # For the season's one watchlist button, which says what it will do: read with the
        # episodes where the page asked for it (with_reader_watchlist), otherwise one query.
        if all(hasattr(e, "on_reader_watchlist") for e in episodes):
            on_watchlist = all(e.on_reader_watchlist for e in episodes)
        else:
            listed = WatchlistEntry.objects.filter(member=request.user, episode__in=episodes)
            on_watchlist = listed.count() == len(episodes)
    return {
        "season_chart": season_chart(shown, own, hidden=hidden),
        "season_on_watchlist": on_watchlist,
        "progress": season_progress(request, episodes) if request.user.is_authenticated else None,
    }
