"""When the cache that holds the rate limits does not answer, refuse: 503, never a guess.

Sign-in, sign-up, reviews, replies, reports and API writes all count against a rate limit in
the default cache before they write anything. If that Redis is down, too slow
(REDIS_TIMEOUT_SECONDS) or full (noeviction refuses writes), the limit cannot be counted: the
request is refused with 503 and Retry-After, as the site's page or, under /api/, as JSON, and
the security log says so. Letting it through would let a locked account take guesses again.
Reading pages does not need the limits: the page cache renders without Redis (kernel/pagecache.py).
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from redis import exceptions as redis_errors

from kernel.api import API_PREFIX
from kernel.security import event

# Down or unreachable (BusyLoadingError and MaxConnectionsError are ConnectionErrors too),
# too slow, full under noeviction, or a replica that takes no writes. Other Redis errors are
# bugs and stay 500s.
STORE_UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.OutOfMemoryError,
    redis_errors.ReadOnlyError,
)
RETRY_AFTER_SECONDS = 60
API_DETAIL = (
    "The service cannot take changes for a moment; nothing was changed. Try again in a minute."
)


def refuse(request: HttpRequest, error: Exception) -> HttpResponse:
    event(
        request, f"refused: the cache does not answer ({type(error).__name__})", level=logging.ERROR
    )
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": API_DETAIL}, status=503)
    else:
        # Without the request's context processors, as the 500 page: nothing that could
        # need the cache again.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class CacheOutageMiddleware:
    """Turns a view's failure to reach the rate-limit cache into `refuse`'s 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, STORE_UNAVAILABLE):
            return refuse(request, exception)
        return None
