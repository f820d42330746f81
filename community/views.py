"""The member's activity page: what the people they follow did, newest first."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from community.activity import Cursor, activity_for, hidden_for
from kernel.memberpages import reads_versions
from reviews.visibility import reader_of


@login_required
@require_safe
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
