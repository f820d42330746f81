"""Whole pages for visitors, served from the cache until something they show changes.

Visitors are most of the traffic and all see the same page, so the catalog's pages (home,
season, episode) are kept rendered in the cache (Redis when REDIS_URL is set). Every key
includes one content version; each write a visitor could see (a rating, a review, a like, a
moderator's decision, a suspension, a profile or catalog edit) raises it once its
transaction commits, so the next visitor gets a fresh page: a new rating or review shows at
once. One version for the whole site is the simple choice: a write re-renders the few
catalog pages on their next visit, a few milliseconds each.

Only requests without a session or message cookie are served from or written to the cache:
anything that may show a signed-in menu, a form with a CSRF token or a one-time message is
always rendered.
"""

import hashlib
import logging
import re
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.connection import ConnectionProxy
from django.utils.http import parse_etags
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

# A cache of its own: pages anyone can ask for must never push out what the default cache
# holds (allauth's rate limits), which the database cache culls by number of entries.
cache = ConnectionProxy(caches, "pages")
VERSION_KEY = "pagecache:version"
# Query strings the pages understand; anything else is rendered but never stored, so random
# parameters cannot fill the cache. Past page 50, pages are rendered each time.
SORTS = {"newest", "liked"}
CACHED_PAGES = 50
PAGE_NUMBER = re.compile(r"[1-9][0-9]?")  # as the pager writes it: 1 to 99, no leading zero
# Pages for visitors carry a CSRF token in their forms (rating, like): a visitor who presses
# one is sent to sign in. The token is each visitor's own, so the stored page keeps a
# placeholder and each visitor's token is put back in when it is served.
TOKEN_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
TOKEN_PLACEHOLDER = "\x00csrf-token\x00"  # noqa: S105 (a marker, not a secret)


def content_changed() -> None:
    """Call after any write visitors could see; takes effect when the transaction commits
    (before that, a visitor's request could cache the old page under the new version)."""
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (a fresh or flushed cache)
        if not cache.add(VERSION_KEY, 1, timeout=None):
            cache.incr(VERSION_KEY)
    except Exception:  # noqa: BLE001 (the write itself succeeded; pages expire on their own)
        logger.error("page cache unavailable: cached pages stay stale until they expire")


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.VISITOR_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and _known_query(request)
    )


def _known_query(request: HttpRequest) -> bool:
    for name, values in request.GET.lists():
        if len(values) != 1:
            return False
        value = values[0]
        if name == "sort" and value in SORTS:
            continue
        if name == "page" and PAGE_NUMBER.fullmatch(value) and int(value) <= CACHED_PAGES:
            continue
        return False
    return True


def _key(request: HttpRequest) -> str:
    version = cache.get(VERSION_KEY, 0)
    raw = f"{version}|{get_language()}|{request.get_full_path()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _mark(response: HttpResponse, etag: str) -> HttpResponse:
    # Private: the page carries this visitor's CSRF token. No-cache: the browser keeps it but
    # asks each time, and a 304 answers while nothing on the site has changed.
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def cache_for_visitors(view):
    """Serve the view's page to visitors from the cache, and keep what it renders for them.
    The cache key doubles as the page's ETag: a browser revalidating gets 304 Not Modified
    until the content version changes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        try:
            key = _key(request)
            etag = f'"{key.rsplit(":", 1)[-1][:32]}"'
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                return _mark(HttpResponseNotModified(), etag)
            cached = cache.get(key)
        except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the site)
            logger.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
            return view(request, *args, **kwargs)
        if cached is not None:
            content, content_type = cached
            content = content.replace(TOKEN_PLACEHOLDER, get_token(request))
            return _mark(HttpResponse(content, content_type=content_type), etag)
        response = view(request, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            content = TOKEN_FIELD.sub(
                rf"\g<1>{TOKEN_PLACEHOLDER}\g<2>", response.content.decode(response.charset)
            )
            try:
                cache.set(
                    key, (content, response["Content-Type"]), settings.VISITOR_PAGE_CACHE_SECONDS
                )
            except Exception:  # noqa: BLE001 (as above: the page is served all the same)
                logger.warning("page cache unavailable; %s not stored", request.path)
            else:
                _mark(response, etag)
        return response

    return wrapped
