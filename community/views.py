"""The member's activity page: what the people they follow did, newest first.

Its first page is kept per reader for a short while (kernel/memberpages.py, a private
skeleton: one member's copy is never another's): reading and drawing what 500 followed
members did cost eleven times the bare view, and PostgreSQL an index probe per followed
member and kind. The skeleton's key holds what is the reader's own and moderation, so these
show on the next request: their watches, ratings, reviews, follows, blocks and mutes, and
blocks of them (their page group, "member:<handle>", members/apps.py), their "hide unwatched"
setting, a review hidden, removed, edited or posted anywhere ("reviews"), a member suspended
or renamed ("members"). What the people they follow rated, watched or followed since shows
within `KEPT_SECONDS`, the time window in the key. Older pages (`?before=`) are drawn for
each request; the spoiler rule decides each item whenever a page is drawn.
"""

import time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from community.activity import Cursor, activity_for, hidden_for
from kernel.memberpages import cache_for_members, reads_versions
from reviews.visibility import reader_of

KEPT_SECONDS = 30


def activity_kept_by(request: HttpRequest) -> tuple:
    # The setting is the reader's row, read for every request anyway; a save of it moves
    # "members" too, but only once its transaction commits.
    return (request.user.hide_unwatched, int(time.time() // KEPT_SECONDS))


@login_required
@require_safe
@cache_for_members("catalog", "reviews", "members", private=True, also_keyed_by=activity_kept_by)
@reads_versions("catalog")  # the menu's episodes; the reader's watches
def my_activity(request: HttpRequest) -> HttpResponse:
    """Paged by a cursor ("Older" carries the last item's key), never counted."""
    cursor = Cursor.decode(request.GET.get("before"))
    page = activity_for(request.user, reader_of(request), hidden=hidden_for(request), cursor=cursor)
    return render(
        request,
        "community/activity.html",
        {
            "page": page,
            "first_page": cursor is None,
            "older": page.older.encode() if page.older else "",
        },
    )
