"""Errors under /api/ are JSON, whoever answers them; and the one way API lists are paged."""

import functools
import math
from http import HTTPStatus
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Schema
from ninja.errors import HttpError
from pydantic import Field as PydanticField
from pydantic import create_model

API_PREFIX = "/api/"


class ApiErrorsAsJsonMiddleware:
    """Under /api/, every error is JSON, including the ones Django answers before the API
    sees the request (an unknown address, a method not allowed, a bad Host, a crash)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = HTTPStatus(response.status_code)
            replacement = JsonResponse({"detail": status.phrase}, status=status)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


# Every list the API returns comes a page at a time, in one shape: {count, page, pages,
# results}. A page holds at most PAGE_SIZE_MAX items, written into the schema as the list's
# maxItems, so that no request makes work or a body that grows with a member's data.
PAGE_SIZE_MAX = 100
PAGE_NUMBER_MAX = 100_000
PageNumber = Annotated[
    int, Query(ge=1, le=PAGE_NUMBER_MAX, description="The page, from 1: see `pages`.")
]


@functools.cache  # one schema per list type, however many operations return it
def page_of(item: type[Schema], size: int) -> type[Schema]:
    """The page schema for a list of `item`, `size` to a page."""
    assert size <= PAGE_SIZE_MAX
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        __doc__=f"{size} to a page.",
        count=(int, PydanticField(description="How many in all.")),
        page=(int, ...),
        pages=(int, ...),
        results=(list[item], PydanticField(max_length=size)),
    )


def paginate(items: QuerySet, page: int, size: int) -> dict:
    """One page of `items`; past the last page, a 404 that says how many there are."""
    count = items.count()
    pages = max(1, math.ceil(count / size))
    if page > pages:
        raise HttpError(404, f"There are {pages} pages.")
    start = (page - 1) * size
    return {
        "count": count,
        "page": page,
        "pages": pages,
        "results": list(items[start : start + size]),
    }
