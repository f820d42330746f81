"""Whole pages for visitors, served from the cache until something they show changes.

Visitors are most of the traffic and all see the same page, so the catalog's pages (home,
season, episode, people, characters, sources, profiles and diaries; the review feeds and the
sitemap too) are kept rendered in the cache (Redis when REDIS_URL is set), compressed and
not. Each page is kept with the content version it was rendered under; each write a
visitor could see (a rating, a review, a like, a moderator's decision, a suspension, a
profile or catalog edit) raises the version once its transaction commits, so the next
visitor gets a fresh page: a new rating or review shows at once. One version for the whole
site is the simple choice: a write re-renders the few pages visitors read on their next
visit, a few milliseconds each.

Only requests without a session or message cookie are served from or written to the cache:
anything that may show a signed-in menu, a form with a CSRF token or a one-time message is
always rendered.
"""

import gzip
import hashlib
import logging
import re
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.connection import ConnectionProxy
from django.utils.http import parse_etags
from django.utils.regex_helper import _lazy_re_compile
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
# Pages for visitors have no forms that post (buttons are links to sign in), so they are the
# same for every visitor. A page that carries a CSRF token anyway is never stored: the next
# visitor would be handed someone else's token.
CSRF_FIELD = b'name="csrfmiddlewaretoken"'
ACCEPTS_GZIP = _lazy_re_compile(r"\bgzip\b")


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
    # The version is not part of the key but kept with the page: reading both takes one
    # round trip to the cache, and a page stored under an older version is a miss. The host
    # is in the key because pages carry absolute addresses (canonical, feeds, Open Graph).
    raw = f"{request.get_host()}|{get_language()}|{request.get_full_path()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _etag(key: str, version: int) -> str:
    # Weak: the same page is sent compressed or not, and GZipMiddleware weakens strong ones.
    digest = hashlib.sha256(f"{version}|{key}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _matches(request: HttpRequest, etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" and "x" are the same tag.
    wanted = {
        tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))
    }
    return etag.removeprefix("W/") in wanted


def _mark(response: HttpResponse, etag: str) -> HttpResponse:
    # No-cache: the browser keeps the page but asks each time, and a 304 answers while nothing
    # on the site has changed. Private, because the same address shows a member their own page.
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


def _serve(request: HttpRequest, stored: dict, etag: str) -> HttpResponse:
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(stored["gzipped"], content_type=stored["content_type"])
        response["Content-Encoding"] = "gzip"
    else:  # rare: every browser accepts gzip
        response = HttpResponse(
            gzip.decompress(stored["gzipped"]), content_type=stored["content_type"]
        )
    response["Content-Length"] = str(len(response.content))
    return _mark(response, etag)


def _store(request: HttpRequest, response: HttpResponse, key: str, version: int) -> bool:
    content = response.content
    if CSRF_FIELD in content or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        logger.warning("%s carries a CSRF token for visitors: not cached", request.path)
        return False
    page = {
        "version": version,
        # Compressed once here rather than on each request, and kept only compressed: every
        # hit reads the page from the cache, a seventh of the size. mtime=0: the same bytes.
        "gzipped": gzip.compress(content, compresslevel=9, mtime=0),
        "content_type": response["Content-Type"],
    }
    try:
        cache.set(key, page, settings.VISITOR_PAGE_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 (the page is served all the same)
        logger.warning("page cache unavailable; %s not stored", request.path)
        return False
    return True


def cache_for_visitors(view):
    """Serve the view's page to visitors from the cache, and keep what it renders for them.
    The page's ETag comes from its key and the content version: a browser revalidating gets
    304 Not Modified until something on the site changes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        try:
            found = cache.get_many([VERSION_KEY, key])
        except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the site)
            logger.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
            return view(request, *args, **kwargs)
        version = found.get(VERSION_KEY, 0)
        etag = _etag(key, version)
        if _matches(request, etag):
            return _mark(HttpResponseNotModified(), etag)
        stored = found.get(key)
        if stored is not None and stored["version"] == version:
            return _serve(request, stored, etag)
        response = view(request, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and _store(request, response, key, version)
        ):
            _mark(response, etag)
        return response

    return wrapped
