"""What members do with episodes, in the JSON API: public reviews and ratings for anyone, and
for the member themselves their ratings, watchlist and watches."""

import datetime
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from allauth.core import ratelimit
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from catalog.api import (
    CITATIONS,
    Curated,
    EpisodeNumber,
    Problem,
    SeasonNumber,
    SeasonOut,
    episodes_of_the_show,
)
from catalog.api import ERRORS as READ_ERRORS
from catalog.models import Episode, Season
from catalog.views import current_show
from kernel.api import PAGE_NUMBER_MAX, PageNumber, page_of, paginate
from members.api import MEMBER_AUTH, TokenAuth, write_allowed
from members.models import HANDLE_MAX_LENGTH, User
from members.views import active_member_or_404
from reviews import services
from reviews.models import EpisodeScores, Review, Watch, WatchlistEntry
from reviews.visibility import (
    Reader,
    Sight,
    reader_for,
    reader_of,
    sight_of_episode,
    sight_of_review,
)

router = Router(tags=["members"])
# Episodes with their rating aggregates: catalog data joined to the ratings' counters, so
# served here; under the "catalog" tag, and with the operation ids they had in catalog/api.py,
# so that clients generated from the schema keep working.
episodes_router = Router(tags=["catalog"])

REVIEWS_PAGE_SIZE = 20
# A member's own lists, and the catalog's episodes: at most 100 a page. A member's watches are
# also capped per episode (reviews.services.WATCHES_PER_EPISODE_MAX), which bounds the pages.
LIST_PAGE_SIZE = 100
Handle = Annotated[str, Path(max_length=HANDLE_MAX_LENGTH, pattern=r"^[-a-zA-Z0-9_]+$")]
# 400: a query string refused whole (catalog.api.ERRORS).
ERRORS = {400: Problem, 401: Problem, 404: Problem, 422: Problem}
LIST_ERRORS = {400: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS = {**ERRORS, 400: Problem, 403: Problem, 429: Problem}


class RatingSummary(Schema):
    """The members' ratings of an episode, as its page shows them."""

    count: int
    average_stars: Decimal | None
    # How many ratings at each step, from ½ star (index 0) to five stars (index 9).
    distribution: list[int] = Field(min_length=10, max_length=10)


def rating_summary(scores: EpisodeScores | None) -> dict:
    scores = scores or EpisodeScores()
    return {
        "count": scores.count,
        "average_stars": scores.mean_stars,
        "distribution": scores.distribution,
    }


# Each text an editor may translate comes twice: the original as stored (English), and its
# French version (`*_fr`, empty until an editor writes it), so programs choose.
class EpisodeOut(Curated):
    season: int
    number: int
    title: str
    title_fr: str
    release_date: datetime.date | None
    runtime_minutes: int | None
    synopsis: str
    synopsis_fr: str
    ratings: RatingSummary

    @staticmethod
    def resolve_season(obj) -> int:
        return obj.season.number

    @staticmethod
    def resolve_ratings(obj) -> dict:
        return rating_summary(getattr(obj, "scores", None))


class SeasonDetail(SeasonOut):
    episodes: list[EpisodeOut]

    @staticmethod
    def resolve_episodes(obj) -> list:
        return obj.episodes.all()


def rated_episodes():
    return episodes_of_the_show().select_related("scores")


@episodes_router.get(
    "/seasons/{season}",
    response={200: SeasonDetail, **READ_ERRORS},
    summary="A season and its episodes",
    operation_id="catalog_api_season_detail",
)
def season_detail(request: HttpRequest, season: SeasonNumber):
    return get_object_or_404(
        Season.objects.prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.select_related("season", "scores")),
            CITATIONS,
        ),
        show=current_show(),
        number=season,
    )


@episodes_router.get(
    "/episodes",
    response={200: page_of(EpisodeOut, LIST_PAGE_SIZE), **READ_ERRORS},
    summary="Every episode, with its ratings",
    operation_id="catalog_api_episode_list",
)
def episode_list(request: HttpRequest, page: PageNumber = 1):
    return paginate(rated_episodes().order_by("season__number", "number"), page, LIST_PAGE_SIZE)


@episodes_router.get(
    "/seasons/{season}/episodes/{episode}",
    response={200: EpisodeOut, **READ_ERRORS},
    summary="An episode, with its ratings",
    operation_id="catalog_api_episode_detail",
)
def episode_detail(request: HttpRequest, season: SeasonNumber, episode: EpisodeNumber):
    return get_object_or_404(rated_episodes(), season__number=season, number=episode)


class OnEpisode(Schema):
    """A member's row about one episode, named by its season and episode numbers."""

    season: int
    episode: int

    @staticmethod
    def resolve_season(obj) -> int:
        return obj.episode.season.number

    @staticmethod
    def resolve_episode(obj) -> int:
        return obj.episode.number


class ReviewOut(OnEpisode):
    id: int
    url: str
    member: str = Field(description="The author's handle.")
    member_name: str
    body: str | None = Field(
        description=(
            "The text; null when the reader may not read it here (see `withheld`). The reader "
            "is the owner of the token sent, else the member signed in, else a visitor."
        )
    )
    withheld: Literal["spoiler", "unwatched"] | None = Field(
        description=(
            "Why the body is null: `spoiler`, a spoiler of an episode the reader has not watched "
            "(always, for a visitor; read it on the site at `url`); `unwatched`, an episode the "
            "reader hides until they watch it (their setting), so its score is withheld too."
        )
    )
    is_spoiler: bool
    spoils_up_to: int | None = Field(
        description="Readers who have not watched up to this episode should not see the body."
    )
    reply_to: int | None
    like_count: int
    reply_count: int
    created_at: datetime.datetime
    edited_at: datetime.datetime | None

    @staticmethod
    def resolve_url(obj, context) -> str:
        page = context["request"].build_absolute_uri(obj.episode.get_absolute_url())
        return f"{page}#review-{obj.pk}"

    @staticmethod
    def resolve_member(obj) -> str:
        return obj.member.handle

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.public_name

    @staticmethod
    def resolve_reply_to(obj) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_body(obj, context) -> str | None:
        return obj.body if sight_of_review(api_reader(context["request"]), obj).shows_text else None

    @staticmethod
    def resolve_withheld(obj, context) -> str | None:
        sight = sight_of_review(api_reader(context["request"]), obj)
        return WITHHELD_BECAUSE.get(sight)


class RatingOut(OnEpisode):
    score: int = Field(ge=1, le=10, description="Half stars: 1 is ½ star, 10 is five stars.")
    stars: Decimal
    rated_at: datetime.datetime

    @staticmethod
    def resolve_stars(obj) -> Decimal:
        return Decimal(obj.score) / 2

    @staticmethod
    def resolve_rated_at(obj) -> datetime.datetime:
        return obj.rated_at  # an imported rating's original date


class MemberRatingOut(OnEpisode):
    """A member's rating as their profile shows it to the reader."""

    score: int | None = Field(
        ge=1,
        le=10,
        description="Half stars: 1 is ½ star, 10 is five stars; null when `withheld`.",
    )
    stars: Decimal | None
    withheld: bool = Field(
        description="The reader hides scores of episodes they have not watched (their setting)."
    )
    rated_at: datetime.datetime

    @staticmethod
    def resolve_score(obj, context) -> int | None:
        return obj.score if MemberRatingOut.resolve_withheld(obj, context) is False else None

    @staticmethod
    def resolve_stars(obj, context) -> Decimal | None:
        shown = MemberRatingOut.resolve_score(obj, context)
        return None if shown is None else Decimal(shown) / 2

    @staticmethod
    def resolve_withheld(obj, context) -> bool:
        reader = api_reader(context["request"])
        return not sight_of_episode(reader, obj.episode, author_id=obj.member_id).shows_score


class RatingIn(Schema):
    score: int = Field(ge=1, le=10, description="Half stars: 1 is ½ star, 10 is five stars.")


class WatchlistEntryOut(OnEpisode):
    added_at: datetime.datetime

    @staticmethod
    def resolve_added_at(obj) -> datetime.datetime:
        return obj.created_at


class WatchOut(OnEpisode):
    id: int
    watched_on: datetime.date


class WatchIn(Schema):
    season: int = Field(ge=1, le=999)
    episode: int = Field(ge=1, le=999)
    watched_on: datetime.date | None = Field(
        None, description="The day it was watched; today when left out."
    )


class MemberOut(Schema):
    handle: str
    name: str
    url: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.public_name

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


WITHHELD_BECAUSE = {Sight.SHIELDED: "spoiler", Sight.WITHHELD: "unwatched"}


def api_reader(request: HttpRequest) -> Reader:
    """Whose spoiler rule a public read follows: the owner of the token the request carries,
    else the member signed in on the site, else a visitor. Read once per request."""
    cached = getattr(request, "_api_reader", None)
    if cached is None:
        member = TokenAuth()(request)
        cached = reader_for(member) if member is not None else reader_of(request)
        request._api_reader = cached
    return cached


def episode_or_404(season: int, episode: int) -> Episode:
    return get_object_or_404(episodes_of_the_show(), season__number=season, number=episode)


def submission_key(member: User, idempotency_key: str | None) -> uuid.UUID | None:
    """The key a watch is stored with: the same client key from the same member is the same
    watch, whatever the key looks like."""
    if idempotency_key is None:
        return None
    return uuid.uuid5(uuid.NAMESPACE_URL, f"etoile-api-watch:{member.pk}:{idempotency_key}")


def member_or_404(handle: str) -> User:
    return active_member_or_404(handle)


class ReviewFilters(Schema):
    season: int | None = Field(None, ge=1, le=999)
    episode: int | None = Field(
        None,
        ge=1,
        le=999,
        description="The episode's number (in every season, unless season is given).",
    )
    member: str | None = Field(
        None, max_length=HANDLE_MAX_LENGTH, description="Only this member's, by handle."
    )
    page: int = Field(1, ge=1, le=PAGE_NUMBER_MAX)


@router.get(
    "/reviews",
    response={200: page_of(ReviewOut, REVIEWS_PAGE_SIZE), **LIST_ERRORS},
    summary="Public reviews and replies, newest first",
)
def review_list(request: HttpRequest, filters: Query[ReviewFilters]):
    reviews = Review.objects.public().select_related("member", "episode__season", "parent")
    if filters.season is not None:
        reviews = reviews.filter(episode__season__number=filters.season)
    if filters.episode is not None:
        reviews = reviews.filter(episode__number=filters.episode)
    if filters.member is not None:
        reviews = reviews.filter(member__handle=filters.member.lower())
    return paginate(reviews.order_by("-created_at", "-pk"), filters.page, REVIEWS_PAGE_SIZE)


@router.get(
    "/members/{handle}/ratings",
    response={200: page_of(MemberRatingOut, LIST_PAGE_SIZE), **LIST_ERRORS},
    summary="A member's ratings, as their profile shows them",
)
def member_ratings(request: HttpRequest, handle: Handle, page: PageNumber = 1):
    member = member_or_404(handle)
    return paginate(own_ratings(member), page, LIST_PAGE_SIZE)


def own_ratings(member: User) -> QuerySet:
    return member.ratings.select_related("episode__season").order_by(
        "episode__season__number", "episode__number"
    )


# The member's own data ---------------------------------------------------------------------


@router.get("/me", auth=MEMBER_AUTH, response={200: MemberOut, 401: Problem}, summary="Who you are")
def me(request: HttpRequest):
    return request.auth


@router.get(
    "/me/ratings",
    auth=MEMBER_AUTH,
    response={200: page_of(RatingOut, LIST_PAGE_SIZE), **ERRORS},
    summary="Your ratings",
)
def my_ratings(request: HttpRequest, page: PageNumber = 1):
    return paginate(own_ratings(request.auth), page, LIST_PAGE_SIZE)


@router.put(
    "/me/ratings/{season}/{episode}",
    auth=MEMBER_AUTH,
    response={200: RatingOut, **WRITE_ERRORS},
    summary="Rate an episode, or change your rating",
)
def rating_put(request: HttpRequest, season: SeasonNumber, episode: EpisodeNumber, body: RatingIn):
    write_allowed(request)
    episode_obj = episode_or_404(season, episode)
    rating = services.rating_set(member=request.auth, episode=episode_obj, score=body.score)
    rating.episode = episode_obj
    return rating


@router.delete(
    "/me/ratings/{season}/{episode}",
    auth=MEMBER_AUTH,
    response={204: None, **WRITE_ERRORS},
    summary="Take back your rating",
)
def rating_delete(request: HttpRequest, season: SeasonNumber, episode: EpisodeNumber):
    write_allowed(request)
    episode_obj = episode_or_404(season, episode)
    if not services.rating_remove(member=request.auth, episode=episode_obj):
        raise HttpError(404, "You have not rated this episode.")
    return Status(204, None)


@router.get(
    "/me/watchlist",
    auth=MEMBER_AUTH,
    response={200: page_of(WatchlistEntryOut, LIST_PAGE_SIZE), **ERRORS},
    summary="Your watchlist",
)
def my_watchlist(request: HttpRequest, page: PageNumber = 1):
    entries = (
        WatchlistEntry.objects.filter(member=request.auth)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    )
    return paginate(entries, page, LIST_PAGE_SIZE)


@router.put(
    "/me/watchlist/{season}/{episode}",
    auth=MEMBER_AUTH,
    response={200: WatchlistEntryOut, 201: WatchlistEntryOut, **WRITE_ERRORS},
    summary="Put an episode on your watchlist",
)
def watchlist_put(request: HttpRequest, season: SeasonNumber, episode: EpisodeNumber):
    write_allowed(request)
    episode_obj = episode_or_404(season, episode)
    created = services.watchlist_add(member=request.auth, episodes=[episode_obj])
    entry = WatchlistEntry.objects.get(member=request.auth, episode=episode_obj)
    entry.episode = episode_obj  # already loaded with its season: no query for the answer
    return Status(201 if created else 200, entry)


@router.delete(
    "/me/watchlist/{season}/{episode}",
    auth=MEMBER_AUTH,
    response={204: None, **WRITE_ERRORS},
    summary="Take an episode off your watchlist",
)
def watchlist_delete(request: HttpRequest, season: SeasonNumber, episode: EpisodeNumber):
    write_allowed(request)
    episode_obj = episode_or_404(season, episode)
    if not services.watchlist_remove(member=request.auth, episodes=[episode_obj]):
        raise HttpError(404, "This episode is not on your watchlist.")
    return Status(204, None)


@router.get(
    "/me/watches",
    auth=MEMBER_AUTH,
    response={200: page_of(WatchOut, LIST_PAGE_SIZE), **ERRORS},
    summary="Everything you have watched, newest first",
)
def my_watches(request: HttpRequest, page: PageNumber = 1):
    watches = (
        Watch.objects.filter(member=request.auth)
        .select_related("episode__season")
        .order_by("-watched_on", "-created_at", "-pk")
    )
    return paginate(watches, page, LIST_PAGE_SIZE)


@router.post(
    "/me/watches",
    auth=MEMBER_AUTH,
    response={201: WatchOut, 409: Problem, **WRITE_ERRORS},
    summary="Mark an episode watched (again, for a rewatch)",
)
def watch_post(
    request: HttpRequest,
    body: WatchIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="A key of your choosing: the same key sent twice makes one watch.",
        ),
    ] = None,
):
    write_allowed(request)
    if not ratelimit.consume(request, action="watch_add", user=request.auth):
        raise HttpError(429, "Too many watches at once (20 a minute, 200 a day): wait and retry.")
    episode_obj = episode_or_404(body.season, body.episode)
    try:
        watch = services.watch_add(
            member=request.auth,
            episode=episode_obj,
            watched_on=body.watched_on or timezone.localdate(),
            submission_key=submission_key(request.auth, idempotency_key),
        )
    except (services.WatchDateError, services.WatchLimitError) as error:
        # A well-formed date the catalog rules out (before the premiere, in the future), or
        # an episode already watched as many times as a member may keep.
        raise HttpError(409, str(error)) from error
    if watch.episode_id != episode_obj.pk or (
        body.watched_on is not None and watch.watched_on != body.watched_on
    ):
        # A key replayed with another watch: answering with the first one as if it were the
        # second would tell the program a watch was recorded that was not.
        raise HttpError(422, "This Idempotency-Key was sent before with another watch.")
    watch.episode = episode_obj
    return Status(201, watch)
