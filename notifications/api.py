"""The token owner's notifications in the JSON API: the list (newest first), the unread count,
and marking them read. The words of a review or reply come only where the spoiler rule shows
them whole to the owner (notifications/display.py, as on the page and in emails)."""

import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BeforeValidator

from catalog.api import Problem
from kernel.api import PageNumber, page_of, paginate
from members.api import MEMBER_AUTH, write_allowed
from notifications import services
from notifications.display import sight_for
from reviews.api import WITHHELD_BECAUSE
from reviews.visibility import Sight, reader_for

router = Router(tags=["notifications"])
PAGE_SIZE = 50
ERRORS = {400: Problem, 401: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS = {**ERRORS, 403: Problem, 429: Problem}


def _reader(request: HttpRequest):
    cached = getattr(request, "_notification_reader", None)
    if cached is None:
        cached = request._notification_reader = reader_for(request.auth)
    return cached


def _words_sight(obj, context) -> Sight | None:
    """What the owner may read of a reply's or mention's words; None for the other kinds."""
    if obj.review is None or obj.kind not in ("reply", "mention"):
        return None
    return sight_for(_reader(context["request"]), obj.review)


class NotificationOut(Schema):
    id: int
    kind: Literal["reply", "like", "follower", "mention", "moderation"]
    actor: str | None = Field(description="Who did it, by handle; null for a moderator's decision.")
    actor_name: str | None
    season: int | None
    episode: int | None
    review: int | None = Field(description="The review or reply it is about (see /reviews).")
    body: str | None = Field(
        description=(
            "The words of the reply or of the writing that mentions you; null for the other "
            "kinds, and where you may not read them here (see `withheld`)."
        )
    )
    withheld: Literal["spoiler", "unwatched"] | None = Field(
        description=(
            "Why `body` is null for a reply or mention: `spoiler`, it may spoil an episode you "
            "have not watched; `unwatched`, you hide what is said of episodes you have not "
            "watched (or it is no longer public)."
        )
    )
    decision: Literal["approve", "hide", "remove", "uphold"] | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.handle if obj.actor else None

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        return obj.actor.public_name if obj.actor else None

    @staticmethod
    def resolve_season(obj) -> int | None:
        return obj.review.episode.season.number if obj.review else None

    @staticmethod
    def resolve_episode(obj) -> int | None:
        return obj.review.episode.number if obj.review else None

    @staticmethod
    def resolve_review(obj) -> int | None:
        return obj.review_id

    @staticmethod
    def resolve_body(obj, context) -> str | None:
        sight = _words_sight(obj, context)
        return obj.review.body if sight is not None and sight.shows_text else None

    @staticmethod
    def resolve_withheld(obj, context) -> str | None:
        sight = _words_sight(obj, context)
        return WITHHELD_BECAUSE.get(sight) if sight is not None else None

    @staticmethod
    def resolve_decision(obj) -> str | None:
        return obj.decision or None


class UnreadOut(Schema):
    unread: int = Field(description="How many are unread, up to 100 (100 means 100 or more).")


def _no_boolean(value):
    """JSON's true and false are no ids (Python would read them as 1 and 0); 3.0 is 3."""
    if isinstance(value, bool):
        raise ValueError("An id is a whole number, not true or false.")
    return value


# Ids are the database's 64-bit keys: a larger number is refused as the wrong shape (422),
# where SQLite could not even bind it (a 500 schemathesis found). The bounds before the
# validator, or pydantic writes them into the schema as "ge" and "le", which no client reads.
NotificationId = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(_no_boolean)]


class MarkReadIn(Schema):
    ids: list[NotificationId] | None = Field(
        ..., max_length=100, description="These notifications' ids; null for every unread one."
    )


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread and now are read.")


@router.get(
    "/me/notifications",
    auth=MEMBER_AUTH,
    response={200: page_of(NotificationOut, PAGE_SIZE), **ERRORS},
    summary="Your notifications, newest first",
)
def my_notifications(request: HttpRequest, page: PageNumber = 1):
    return paginate(services.listed(request.auth), page, PAGE_SIZE)


@router.get(
    "/me/notifications/unread",
    auth=MEMBER_AUTH,
    response={200: UnreadOut, **ERRORS},
    summary="How many of your notifications are unread",
)
def my_unread(request: HttpRequest):
    return {"unread": services.unread_count(request.auth)}


@router.post(
    "/me/notifications/read",
    auth=MEMBER_AUTH,
    response={200: MarkedOut, **WRITE_ERRORS},
    summary="Mark your notifications read: these, or all of them",
)
def mark_read(request: HttpRequest, body: MarkReadIn):
    write_allowed(request)
    if body.ids is None:
        return {"marked": services.mark_all_read(request.auth)}
    return {"marked": services.mark_read(request.auth, body.ids)}
