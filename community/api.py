"""Follows and activity in the JSON API: anyone may list a member's followers and the members
they follow, as their profile does; a member follows and unfollows with a read-and-write
token (or their session), and reads their own activity page, paged by a cursor as the page
is, spoiler-safe as the page is (reviews/visibility.py, read as the token's owner)."""

import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from community.activity import FOLLOW, RATING, REVIEW, Cursor, activity_for
from kernel.api import PageNumber, page_of, paginate
from members import services as member_services
from members.api import MEMBER_AUTH, write_allowed
from members.models import Follow
from reviews.api import (
    ERRORS,
    LIST_ERRORS,
    WITHHELD_BECAUSE,
    WRITE_ERRORS,
    Handle,
    MemberOut,
    member_or_404,
)
from reviews.visibility import reader_for

router = Router(tags=["community"])

FOLLOWS_PAGE_SIZE = 100
ACTIVITY_PAGE_SIZE = 50


def _followers(member):
    follows = Follow.objects.filter(followed=member, follower__is_active=True)
    return follows.select_related("follower").order_by("-created_at", "-pk")


def _following(member):
    follows = Follow.objects.filter(follower=member, followed__is_active=True)
    return follows.select_related("followed").order_by("-created_at", "-pk")


def _people(page: dict, side: str) -> dict:
    return {**page, "results": [getattr(follow, side) for follow in page["results"]]}


@router.get(
    "/members/{handle}/followers",
    response={200: page_of(MemberOut, FOLLOWS_PAGE_SIZE), **LIST_ERRORS},
    summary="Who follows a member, newest first",
)
def member_followers(request: HttpRequest, handle: Handle, page: PageNumber = 1):
    member = member_or_404(handle)
    return _people(paginate(_followers(member), page, FOLLOWS_PAGE_SIZE), "follower")


@router.get(
    "/members/{handle}/following",
    response={200: page_of(MemberOut, FOLLOWS_PAGE_SIZE), **LIST_ERRORS},
    summary="Whom a member follows, newest first",
)
def member_following(request: HttpRequest, handle: Handle, page: PageNumber = 1):
    member = member_or_404(handle)
    return _people(paginate(_following(member), page, FOLLOWS_PAGE_SIZE), "followed")


@router.put(
    "/me/following/{handle}",
    auth=MEMBER_AUTH,
    response={200: MemberOut, 201: MemberOut, **WRITE_ERRORS},
    summary="Follow a member",
    description="403 for yourself, or when either of you blocked the other.",
)
def follow_put(request: HttpRequest, handle: Handle):
    write_allowed(request)
    member = member_or_404(handle)
    already = Follow.objects.filter(follower=request.auth, followed=member).exists()
    try:
        member_services.follow_set(follower=request.auth, followed=member, following=True)
    except member_services.RelationRefused as refusal:
        raise HttpError(403, str(refusal)) from None
    return Status(200 if already else 201, member)


@router.delete(
    "/me/following/{handle}",
    auth=MEMBER_AUTH,
    response={204: None, **WRITE_ERRORS},
    summary="Stop following a member",
)
def follow_delete(request: HttpRequest, handle: Handle):
    write_allowed(request)
    member = member_or_404(handle)
    if not Follow.objects.filter(follower=request.auth, followed=member).exists():
        raise HttpError(404, "You do not follow this member.")
    member_services.follow_set(follower=request.auth, followed=member, following=False)
    return Status(204, None)


class ActivityItemOut(Schema):
    """One thing a member you follow did. About an episode you have not watched, as your
    settings and the spoiler marks decide: `withheld` says why `score` or `body` is null."""

    kind: Literal["rating", "review", "reply", "watch", "follow"]
    at: datetime.datetime
    member: str = Field(description="Who did it: their handle.")
    member_name: str
    url: str = Field(description="The page it is about on the site.")
    season: int | None
    episode: int | None
    score: int | None = Field(None, ge=1, le=10, description="A rating's score, in half stars.")
    body: str | None = Field(None, description="A review's or reply's text.")
    withheld: Literal["spoiler", "unwatched"] | None = None
    followed: str | None = Field(None, description="For a follow: whom, by handle.")


class ActivityPage(Schema):
    results: list[ActivityItemOut] = Field(max_length=ACTIVITY_PAGE_SIZE)
    older: str | None = Field(
        description="Pass as `before` for the next, older page; null on the last page."
    )


def _item_out(request: HttpRequest, item) -> dict:
    absolute = request.build_absolute_uri
    out = {
        "kind": item.kind,
        "at": item.at,
        "member": item.member.handle,
        "member_name": item.member.public_name,
        "season": None,
        "episode": None,
        "withheld": WITHHELD_BECAUSE.get(item.sight),
    }
    if item.kind == FOLLOW:
        return {
            **out,
            "url": absolute(item.followed.get_absolute_url()),
            "followed": item.followed.handle,
        }
    out.update(season=item.episode.season.number, episode=item.episode.number)
    out["url"] = absolute(item.episode.get_absolute_url())
    if item.kind == RATING:
        out["score"] = item.score if item.sight.shows_score else None
        out["withheld"] = None if item.sight.shows_score else "unwatched"
    elif item.kind == REVIEW:
        out["kind"] = "reply" if item.is_reply else "review"
        out["url"] += f"#review-{item.pk}"
        out["body"] = item.review.body if item.sight.shows_text else None
    else:
        out["withheld"] = None  # a watch has no score or text to hold back
    return out


@router.get(
    "/me/activity",
    auth=MEMBER_AUTH,
    response={200: ActivityPage, **ERRORS},
    summary="Your activity: what the members you follow did, newest first",
)
def my_activity(
    request: HttpRequest,
    before: Annotated[
        str | None, Query(max_length=60, description="`older` from the page before.")
    ] = None,
):
    cursor = Cursor.decode(before)
    if before is not None and cursor is None:
        # As a page number past the last: no such page (`before` takes a page's `older`).
        raise HttpError(404, "No such page: `before` takes the `older` of a page of your activity.")
    page = activity_for(
        request.auth,
        reader_for(request.auth),
        cursor=cursor,
        limit=ACTIVITY_PAGE_SIZE,
        group=False,
    )
    return {
        "results": [_item_out(request, item) for item in page.items],
        "older": page.older.encode() if page.older else None,
    }
