"""Whole pages for visitors, served from the cache until something they show changes.

Visitors are most of the traffic and all see the same page, so the catalog's pages (home,
season, episode, people, characters, sources, profiles and diaries; the review feeds and the
sitemap too) are kept rendered in the cache (Redis when REDIS_URL is set), compressed and
not.

What a visitor might see is declared once, not remembered at each write: every app says in
its AppConfig.ready() which page groups a row of each of its models shows on
(`shows_on(Review, groups=...)`), and each page says which groups it is made of
(`@cache_for_visitors("catalog", "ratings")`). Saving or deleting such a row, wherever it
happens (a service, the admin, a management command, a cascade), marks its groups; writes
that send no signal (`update()`, `bulk_create()`) call `changed()` with the same groups. Once
the transaction commits, each marked group gets a new version: a random token, so that a
flushed or evicted cache never brings an old version, or an old ETag, back. A page is kept
with the versions of its groups, and is a miss as soon as one of them moved.

Only requests without a session or message cookie are served from or written to the cache:
anything that may show a signed-in menu, a form with a CSRF token or a one-time message is
always rendered.

A page is kept under its one address (kernel/addresses.py): the site's origin, the path its
view reverses to, the query parameters the page reads in one order and without their
defaults, and the language. Every spelling of that address (a host in capitals or with
another port, `?page=1&sort=newest`) is served the one copy, which is stored only from a
request made at the site's origin exactly: the page prints its origin in every absolute
link (canonical, Open Graph, JSON-LD, feeds), and a copy rendered for `TESTSERVER:9` or a
forged https scheme must not reach the next visitor.
"""

import gzip
import hashlib
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial, wraps
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.connection import ConnectionProxy
from django.utils.http import parse_etags
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import get_language

from kernel.addresses import canonical_path, request_origin, site_origin

logger = logging.getLogger(__name__)

# A cache of its own: pages anyone can ask for must never push out what the default cache
# holds (allauth's rate limits), which the database cache culls by number of entries.
cache = ConnectionProxy(caches, "pages")
VERSION_KEY = "pagecache:version:"  # + the group's name
# Query parameters pages may read (`query=` below), with the value a page has without them;
# any other parameter or value, or one the page does not read, is rendered but never stored,
# so random parameters cannot fill the cache. Past page 50, pages are rendered each time.
SORTS = {"newest", "liked"}
CACHED_PAGES = 50
PAGE_NUMBER = re.compile(r"[1-9][0-9]?")  # as the pager writes it: 1 to 99, no leading zero
QUERY_DEFAULTS = {"sort": "newest", "page": "1"}
# Pages for visitors have no forms that post (buttons are links to sign in), so they are the
# same for every visitor. A page that carries a CSRF token anyway is never stored: the next
# visitor would be handed someone else's token.
CSRF_FIELD = b'name="csrfmiddlewaretoken"'
ACCEPTS_GZIP = _lazy_re_compile(r"\bgzip\b")


# What changed: the registry of models and the page groups their rows show on ----------------

Groups = Iterable[str] | Callable[[models.Model], Iterable[str]]


@dataclass(frozen=True)
class Shown:
    model: type[models.Model]
    groups: Groups
    # Saves that write only these fields change nothing a visitor sees (a sign-in's
    # last_login): they would otherwise empty the cache at every sign-in.
    ignore_fields: frozenset[str] = field(default_factory=frozenset)
    # Where a row just inserted shows, when it is less than `groups` (a new review has no
    # replies yet whose authors' pages to find).
    created_groups: Callable[[models.Model], Iterable[str]] | None = None

    def groups_of(self, instance: models.Model, *, created: bool = False) -> set[str]:
        if created and self.created_groups is not None:
            return set(self.created_groups(instance))
        groups = self.groups(instance) if callable(self.groups) else self.groups
        return set(groups)


registry: dict[type[models.Model], Shown] = {}


def shows_on(
    model: type[models.Model],
    *,
    groups: Groups,
    ignore_fields: Iterable[str] = (),
    created_groups: Callable[[models.Model], Iterable[str]] | None = None,
):
    """Declare that rows of `model` show on the pages of `groups` (names, or a function of
    the row giving them): saving or deleting one, or changing its many-to-many relations,
    marks them changed. `created_groups`, a function of the row, says it for a row just
    inserted when that takes less to find."""
    shown = Shown(model, groups, frozenset(ignore_fields), created_groups)
    registry[model] = shown
    uid = f"pagecache:{model._meta.label}"
    post_save.connect(partial(_saved, shown), sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(partial(_deleted, shown), sender=model, weak=False, dispatch_uid=uid)
    for m2m in model._meta.many_to_many:
        if m2m.name not in shown.ignore_fields:
            m2m_changed.connect(
                partial(_related, shown),
                sender=m2m.remote_field.through,
                weak=False,
                dispatch_uid=f"{uid}.{m2m.name}",
            )


def static_groups(model: type[models.Model]) -> set[str]:
    """The groups every row of the model shows on, for writes that send no signal (an
    `update()` on a queryset)."""
    shown = registry[model]
    if callable(shown.groups):
        raise TypeError(f"{model.__name__}'s groups depend on the row: mark them per row")
    return set(shown.groups)


def _saved(shown: Shown, sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= shown.ignore_fields:
        return
    changed(*shown.groups_of(instance, created=created))


def _deleted(shown: Shown, sender, instance, **kwargs) -> None:
    changed(*shown.groups_of(instance))


def _related(shown: Shown, sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        changed(*shown.groups_of(instance))
    else:  # the other side was changed: each of our rows it touched
        rows = shown.model._default_manager.filter(pk__in=pk_set) if pk_set else []
        for row in rows:
            changed(*shown.groups_of(row))


def changed(*groups: str) -> None:
    """Mark the page groups changed; their versions move when the transaction commits
    (before that, a visitor's request could cache the old page under the new version)."""
    if groups:
        transaction.on_commit(partial(_bump, frozenset(groups)))


def _token() -> str:
    return secrets.token_hex(8)


def _bump(groups: frozenset[str]) -> None:
    try:
        cache.set_many({VERSION_KEY + group: _token() for group in groups}, timeout=None)
    except Exception:  # noqa: BLE001 (the write itself succeeded; pages expire on their own)
        logger.error("page cache unavailable: cached pages stay stale until they expire")
        # What this process kept for those groups goes now; other processes keep theirs
        # until their own limit (PER_VERSION_SECONDS, SIGNED_IN_ROW_SECONDS).
        with _per_version_lock:
            for key in [key for key in _per_version if key[0] in groups]:
                del _per_version[key]


def _versions(found: dict, groups: list[str]) -> list[str]:
    """The groups' versions read with the page; a group without one (a fresh, flushed or
    evicted cache) gets a new random one, the same for every visitor who asks at once."""
    versions = []
    for group in groups:
        key = VERSION_KEY + group
        version = found.get(key)
        if version is None:
            version = _token()
            if not cache.add(key, version, timeout=None):
                version = cache.get(key) or version
        versions.append(version)
    return versions


# What pages read of a group, kept in this process for the group's version: the catalog's
# episodes, and what is each member's own (kernel.memberpages.kept_for_member: their watches,
# scores, watchlist, likes, episode row, relations), least recently used out first past
# PER_VERSION_ENTRIES. A version moves when a change commits; were that write to the cache to
# fail (logged by _bump), what was kept would stay: no entry serves past PER_VERSION_SECONDS.
# {(group, name): (version, time kept, value)}.
PER_VERSION_ENTRIES = 20_000
PER_VERSION_SECONDS = 300
_per_version: OrderedDict[tuple[str, object], tuple[str, float, object]] = OrderedDict()
_per_version_lock = threading.Lock()


def per_version(request: HttpRequest, group: str, name: object, compute: Callable[[], object]):
    """`compute()`, kept in this process while `group`'s version is the one the request's
    page read (kernel/memberpages.py keeps them on the request). Without one, computed. The
    value is shared by every request that reads that version: it must not be changed."""
    version = getattr(request, "group_versions", {}).get(group)
    if version is None:
        return compute()
    return _kept(group, name, version, compute, PER_VERSION_SECONDS)


def kept_for_current_version(
    group: str, name: object, compute: Callable[[], object], *, seconds: float
):
    """`compute()`, kept in this process for `group`'s version as the cache has it now (one
    round trip), for at most `seconds`; computed where the cache does not answer. For what
    is read before a page knows its groups (the signed-in member's row). Shared as
    per_version's values are: it must not be changed."""
    try:
        version = _versions({VERSION_KEY + group: cache.get(VERSION_KEY + group)}, [group])[0]
    except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the site)
        logger.warning("page cache unavailable; %s read afresh", group)
        return compute()
    return _kept(group, name, version, compute, seconds)


def _kept(group: str, name: object, version: str, compute: Callable[[], object], seconds: float):
    key = (group, name)
    now = time.monotonic()
    with _per_version_lock:
        found = _per_version.get(key)
        if found is not None and found[0] == version and now - found[1] < seconds:
            _per_version.move_to_end(key)
            return found[2]
    value = compute()
    with _per_version_lock:
        _per_version[key] = (version, now, value)
        _per_version.move_to_end(key)
        if len(_per_version) > PER_VERSION_ENTRIES:
            _per_version.popitem(last=False)
    return value


def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.VISITOR_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _understood(name: str, value: str) -> bool:
    if name == "sort":
        return value in SORTS
    if name == "page":
        return bool(PAGE_NUMBER.fullmatch(value)) and int(value) <= CACHED_PAGES
    return False


def _normal_query(request: HttpRequest, reads: frozenset[str]) -> str | None:
    """The query string in one spelling (parameters in name order, defaults left out), or
    None when the page should not be stored for it."""
    kept = []
    for name, values in sorted(request.GET.lists()):
        if name not in reads or len(values) != 1 or not _understood(name, values[0]):
            return None
        if values[0] != QUERY_DEFAULTS[name]:
            kept.append(f"{name}={values[0]}")
    return "&".join(kept)


def _address(request: HttpRequest, reads: frozenset[str]) -> str | None:
    """The page's one absolute address, or None when it has none to be kept under."""
    path = canonical_path(request)
    query = _normal_query(request, reads)
    # A path that is not the page's own spelling reaches here only where the middleware
    # that redirects it is not installed: render it, never store it.
    if path is None or unquote(path) != request.path or query is None:
        return None
    return f"{site_origin(request)}{path}?{query}"


def _key(address: str) -> str:
    # The versions are not part of the key but kept with the page: reading them all takes one
    # round trip to the cache, and a page stored under older versions is a miss.
    raw = f"{address}|{get_language()}"
    return "pagecache:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _etag(key: str, versions: list[str]) -> str:
    # Weak: the same page is sent compressed or not, and GZipMiddleware weakens strong ones.
    digest = hashlib.sha256("|".join([*versions, key]).encode()).hexdigest()[:32]
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


def _store(request: HttpRequest, response: HttpResponse, key: str, versions: list[str]) -> bool:
    content = response.content
    if CSRF_FIELD in content or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        logger.warning("%s carries a CSRF token for visitors: not cached", request.path)
        return False
    page = {
        "versions": versions,
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


def cache_for_visitors(*groups: str, query: Iterable[str] = ()):
    """Serve the view's page to visitors from the cache, and keep what it renders for them.
    `groups` name what the page shows (see `shows_on`); "member:{handle}" takes the view's
    `handle` argument, in lower case as handles are. `query` names the parameters of
    QUERY_DEFAULTS the page reads. The page's ETag comes from its key and its groups'
    versions: a browser revalidating gets 304 Not Modified until one of them changes."""
    if not groups or callable(groups[0]):
        raise TypeError("say which page groups the page shows: @cache_for_visitors('catalog')")
    reads = frozenset(query)
    if unknown := reads - QUERY_DEFAULTS.keys():
        raise TypeError(f"no page reads {sorted(unknown)}: the cache knows {QUERY_DEFAULTS}")

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            address = _address(request, reads) if _cacheable(request) else None
            if address is None:
                return view(request, *args, **kwargs)
            key = _key(address)
            names = [group.format(**kwargs).lower() for group in groups]
            try:
                found = cache.get_many([*(VERSION_KEY + name for name in names), key])
                versions = _versions(found, names)
            except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the site)
                logger.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
                return view(request, *args, **kwargs)
            etag = _etag(key, versions)
            if _matches(request, etag):
                return _mark(HttpResponseNotModified(), etag)
            stored = found.get(key)
            if stored is not None and stored.get("versions") == versions:
                return _serve(request, stored, etag)
            response = view(request, *args, **kwargs)
            if (
                request.method == "GET"
                and request_origin(request) == site_origin(request)
                and response.status_code == 200
                and not response.streaming
                and not response.cookies
                and _store(request, response, key, versions)
            ):
                _mark(response, etag)
            return response

        wrapped.page_groups = groups
        return wrapped

    return decorator
