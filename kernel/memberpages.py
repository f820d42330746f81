"""Members' pages: what every member sees alike rendered once, the reader's own filled in.

A member's episode page is the visitor's page (the episode, its twenty reviews, their
replies) with a few things that are the reader's own: the menu with their name, their like
on each review, edit and delete under their own words, the spoiler shield as their progress
decides, their rating and watches, the CSRF token. Rendering the whole page through the
template engine for every request cost about 70 ms, almost all of it the shared part.

So a page decorated with `@cache_for_members(...)` is rendered once per address, language and
version of what it shows (the page groups of kernel/pagecache.py, read with one round trip to
the cache) as a *skeleton*: the page as a visitor would get it, except that each part marked
in the template with `{% reader "name" %}…{% endreader %}` is left as a slot. Each request
then fills the slots: a region (see `Region`) says from the request which state the reader is
in (liked or not, their own review or another's, shielded or not…), and the slot's HTML for
that state is rendered once, from the template, and kept in the skeleton for the next reader
in the same state. Regions marked `live` (the member menu) are rendered for every request.

What keeps one member's state from another:

- The skeleton is rendered for a copy of the request with no member in it (a visitor, unless
  the page is the member's own: `private=True` keys it by the member too), no session, no
  messages, and a CSRF secret made up for it; every CSRF token in it becomes a marker that
  each response replaces with the reader's own token.
- A slot's HTML is rendered from the skeleton's context (the visitor's) and the region's
  state, nothing else: what a region's template shows of the reader must be in its state, so
  the state is the whole key of what was kept.
- Skeletons stay in this process's memory (a bounded LRU), shared ones under keys that hold
  the versions, a member's own (private) one under their id with the versions it was made of,
  checked on each request: so a change shows on the next request of every process; nothing
  per reader is kept in the shared cache.

Requests that would not look the same anyway take the full render: staff (who see what is
awaiting curation), a pending message, htmx, and what each page's `reader` function refuses
(the member's own held review on the episode, hiding unwatched episodes).
"""

import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _get_new_csrf_string, get_token
from django.template import Context
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

from kernel import pagecache

logger = logging.getLogger(__name__)


def _marker(name: str) -> str:
    # NUL never reaches a page from members' text (forms refuse it) and the rest is derived
    # from the secret key: nobody can write a marker into a review to have it replaced.
    nonce = salted_hmac("kernel.memberpages", name, secret=settings.SECRET_KEY).hexdigest()[:16]
    return f"\x00{nonce}:{name}\x00"


class Markers:
    """Computed once the settings are read (the secret key)."""

    def __init__(self):
        self._values = None

    def __getattr__(self, name):
        if self._values is None:
            self._values = {
                "csrf": _marker("csrf"),
                "uuid": _marker("uuid"),
                "slot": _marker("slot")[:-1],  # followed by the slot's number and a NUL
            }
            self._values["csrf_bytes"] = self._values["csrf"].encode()
            self._values["uuid_bytes"] = self._values["uuid"].encode()
        return self._values[name]


MARKERS = Markers()
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


# Regions: the parts of a page that are the reader's own ------------------------------------


@dataclass(frozen=True)
class Region:
    """A part of a page that depends on the reader.

    `facts(context)` takes what the region needs from the template context where it stands
    (a review, the episode); `state(request, facts)` says which state the request's reader is
    in: a dict of plain values, pushed into the context of the region's template and the key
    of its rendered HTML, so it must hold everything the template shows of the reader.
    `fill_context(state, context)` adds, when a slot is filled, what the template needs beyond the
    state that a full render's view gives (a form, a chart with the reader's marks): the
    skeleton's context is a visitor's. `prepare(request, facts)`
    is called once per request with the facts of every slot of the region on the page, to
    read what all of them need in one query. A `live` region is rendered for every request
    with the request's whole context (user, request, CSRF token)."""

    name: str
    state: Callable[[HttpRequest, object], dict] = lambda request, facts: {}
    facts: Callable[[Context], object] = lambda context: None
    fill_context: Callable[[dict, Context], dict] = lambda state, context: {}
    prepare: Callable[[HttpRequest, list], None] | None = None
    live: bool = False
    # The state is only the key of what is filled in; a full render's view gives the template
    # all it shows (the season chart with the reader's marks), so it is not worked out there.
    fill_only: bool = False
    # `every_member(facts)`: the state every reader of a skeleton is in where these facts
    # leave nothing to the reader but being a member (skeletons are served to signed-in
    # members alone), else None. Such a part is rendered into the skeleton with that state,
    # not left as a slot to fill for each request.
    every_member: Callable[[object], dict | None] | None = None


regions: dict[str, Region] = {}


def region(name: str, **kwargs) -> Region:
    regions[name] = found = Region(name, **kwargs)
    return found


def state_of(request: HttpRequest | None, name: str, facts) -> dict:
    return regions[name].state(request, facts)


# Skeletons ----------------------------------------------------------------------------------

# Each slot keeps its HTML per state; a region whose state is the member's own (their rating,
# their watches) would otherwise grow without end.
STATES_PER_SLOT = 64
# Context entries of the request, never kept with a slot: a slot renders from the state.
REQUEST_ENTRIES = {"request", "user", "perms", "csrf_token", "messages", "member_progress"}


@dataclass
class Slot:
    region: Region
    nodelist: object
    facts: object
    context: dict
    template: object
    rendered: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def html(self, request: HttpRequest, charset: str) -> bytes:
        if self.region.live:
            return self._render(request, live=True).encode(charset)
        state = self.region.state(request, self.facts)
        # The state's entries in the order its function wrote them: equal states from two
        # branches of it in another order would be kept twice, never mistaken for another.
        key = tuple(state.items())
        found = self.rendered.get(key)
        if found is None:
            found = self._render(request, state=state).encode(charset)
            with self.lock:
                self.rendered[key] = found
                if len(self.rendered) > STATES_PER_SLOT:
                    self.rendered.popitem(last=False)
        return found

    def _render(self, request: HttpRequest, *, state: dict | None = None, live=False) -> str:
        context = Context(self.context, autoescape=self.template.engine.autoescape)
        if live:
            # The request's own context, as a RequestContext would give it.
            for processor in self.template.engine.template_context_processors:
                context.update(processor(request))
            context["csrf_token"] = MARKERS.csrf  # the page's one token, replaced with the rest
        else:
            context.update({**state, "csrf_token": MARKERS.csrf})
            context.update(self.region.fill_context(state, context))
        with context.bind_template(self.template):
            return self.nodelist.render(context)


@dataclass
class Skeleton:
    # The text around the slots (one more than there are slots), and each slot's HTML, kept
    # encoded: encoding a whole page for each request cost more than filling it.
    parts: list[bytes]
    slots: list[Slot]
    content_type: str
    charset: str
    size: int
    # (region name, the facts of its slots) for each region that reads what all of its
    # slots need at once (Region.prepare).
    prepares: list[tuple[str, list]] = field(default_factory=list)
    # The date, the versions and what else its page is keyed by, when it was rendered.
    made_of: tuple = ()

    def __post_init__(self):
        by_region: dict[str, list] = {}
        for slot in self.slots:
            if slot.region.prepare is not None:
                by_region.setdefault(slot.region.name, []).append(slot.facts)
        self.prepares = list(by_region.items())

    def fill(self, request: HttpRequest) -> bytes:
        for name, facts in self.prepares:
            regions[name].prepare(request, facts)
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out.append(slot.html(request, self.charset))
            out.append(part)
        html = b"".join(out).replace(MARKERS.csrf_bytes, get_token(request).encode())
        if MARKERS.uuid_bytes in html:
            # A form's submission key is its own: a fresh one for each form on each page.
            pieces = html.split(MARKERS.uuid_bytes)
            html = pieces[0] + b"".join(str(uuid.uuid4()).encode() + p for p in pieces[1:])
        return html


class Collector:
    """What a skeleton's render found: the slots, in the order their markers were written."""

    def __init__(self):
        self.slots: list[Slot] = []

    def add(self, node, region_: Region, facts, context) -> str:
        if "_skeleton_region" in context:
            raise RuntimeError(f"{{% reader %}} inside another: {region_.name}")
        kept = {k: v for k, v in context.flatten().items() if k not in REQUEST_ENTRIES}
        if region_.live:
            kept = context.flatten()
        kept["_skeleton_region"] = region_.name
        self.slots.append(Slot(region_, node.nodelist, facts, kept, context.template))
        return f"{MARKERS.slot}{len(self.slots) - 1}\x00"


def collector_of(context) -> Collector | None:
    request = context.get("request")
    return getattr(request, "_skeleton", None) if request is not None else None


class Store:
    """Skeletons in this process, least recently used out first, bounded in bytes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple, Skeleton] = OrderedDict()
        self.size = 0

    def get(self, key: tuple) -> Skeleton | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, skeleton: Skeleton) -> None:
        limit = settings.MEMBER_PAGE_CACHE_BYTES
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.items[key] = skeleton
            self.size += skeleton.size
            while self.size > limit and self.items:
                _, dropped = self.items.popitem(last=False)
                self.size -= dropped.size

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


store = Store()
SLOT = None  # compiled on first use, from the secret key


def _split(content: str) -> tuple[list[str], list[int]]:
    global SLOT
    if SLOT is None:
        SLOT = re.compile(re.escape(MARKERS.slot) + r"(\d+)\x00")
    pieces = SLOT.split(content)
    return pieces[0::2], [int(n) for n in pieces[1::2]]


def _shadow(request: HttpRequest, *, private: bool) -> HttpRequest:
    """A copy of the request to render the skeleton with: nobody's (or, for a private page,
    only the member's) state, a made-up CSRF secret, no session and no messages."""
    shadow = copy(request)
    shadow.META = {**request.META, "CSRF_COOKIE": _get_new_csrf_string()}
    shadow.META.pop("CSRF_COOKIE_NEEDS_UPDATE", None)
    shadow.COOKIES = {}
    shadow.session = SessionBase()
    shadow._messages = []
    shadow._skeleton = Collector()
    for cached in ("_reader", "_watch_summary", "_page_reader", "_show_progress"):
        shadow.__dict__.pop(cached, None)
    if not private:
        shadow.user = AnonymousUser()
    return shadow


def _build(view, request: HttpRequest, args, kwargs, *, private: bool) -> Skeleton | None:
    shadow = _shadow(request, private=private)
    response = view(shadow, *args, **kwargs)
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = response.content.decode(response.charset)
    # Every token the skeleton carries came from the made-up secret: each becomes the marker.
    content = CSRF_INPUT.sub(lambda m: m[1] + MARKERS.csrf + m[2], content)
    parts, numbers = _split(content)
    collected = shadow._skeleton.slots
    if numbers != list(range(len(collected))):
        logger.error("%s: slots out of order in its skeleton; rendered in full", request.path)
        return None
    encoded = [part.encode(response.charset) for part in parts]
    return Skeleton(
        parts=encoded,
        slots=collected,
        content_type=response["Content-Type"],
        charset=response.charset,
        size=sum(map(len, encoded)) + 2048 * len(collected),
    )


def _eligible(request: HttpRequest) -> bool:
    user = request.user
    return (
        settings.MEMBER_PAGE_CACHE_BYTES > 0
        and request.method in ("GET", "HEAD")
        and user.is_authenticated
        and not user.is_staff
        and "messages" not in request.COOKIES
        and "_messages" not in request.session
        and not request.headers.get("HX-Request")
    )


def cache_for_members(
    *groups: str,
    query: Iterable[str] = (),
    reader: Callable[..., bool] | None = None,
    private: bool = False,
    also_keyed_by: Callable[[HttpRequest], tuple] | None = None,
):
    """Serve signed-in members the view's page from a skeleton filled for each of them (see
    the module's docstring). `groups` and `query` as for `cache_for_visitors`. `reader(request,
    **kwargs)` reads what the page's regions need of the member (it may keep it on the request)
    and answers False where the page must be rendered in full for them. `private`: the page is
    the member's own (their watchlist, their settings): the skeleton is theirs alone.
    `also_keyed_by(request)`: what else a private page is made of that no group's version
    says (a time window, a setting), checked with the versions it was made of."""
    if also_keyed_by is not None and not private:
        raise ValueError("also_keyed_by is for a private page: its values are the member's")
    reads = frozenset(query)

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _eligible(request):
                return view(request, *args, **kwargs)
            address = pagecache._address(request, reads)
            if address is None:
                return view(request, *args, **kwargs)
            names = [group.format(**kwargs).lower() for group in groups]
            if private:
                names.append(pagecache_member_group(request.user))
            # Before `reader`, which reads the reader's watches.
            if not _read_versions(request, names):
                return view(request, *args, **kwargs)
            if reader is not None and not reader(request, **kwargs):
                return view(request, *args, **kwargs)
            versions = [request.group_versions[name] for name in names]
            # Today: forms offer it as the date watched.
            made_of = (timezone.localdate(), *versions)
            if also_keyed_by is not None:
                made_of += also_keyed_by(request)
            # A member's own page is kept once, under their id, and replaced when what it is
            # made of moves: under keys holding the versions, each member would leave a dead
            # copy of it at every change (every 30 seconds for the activity page) for the
            # least recently used order to push out, with the skeletons everyone shares.
            key = (address, get_language(), *((request.user.pk,) if private else made_of))
            skeleton = store.get(key)
            if skeleton is None or skeleton.made_of != made_of:
                skeleton = _build(view, request, args, kwargs, private=private)
                if skeleton is None:
                    return view(request, *args, **kwargs)
                skeleton.made_of = made_of
                store.put(key, skeleton)
            return HttpResponse(skeleton.fill(request), content_type=skeleton.content_type)

        return wrapped

    return decorator


def _read_versions(request: HttpRequest, names: list[str]) -> bool:
    """The versions of the page's groups and of the reader's own, in one round trip, kept on
    the request (`group_versions`) for pagecache.per_version. The reader's own group is no
    part of a shared skeleton's key: what is kept of the reader for its version (their
    watches, reviews/tracking.py) serves their requests alone. False where the cache does not
    answer."""
    read = list(dict.fromkeys([*names, pagecache_member_group(request.user)]))
    try:
        found = pagecache.cache.get_many([pagecache.VERSION_KEY + name for name in read])
        request.group_versions = dict(zip(read, pagecache._versions(found, read), strict=True))
    except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the site)
        logger.warning("page cache unavailable; rendering %s", request.path)
        return False
    return True


def reads_versions(*groups: str):
    """For a member's page rendered in full each time (their activity, their notifications):
    read the versions of `groups` and of the reader's own group with one round trip, so that
    what is kept per version (the menu's episodes for "catalog", the reader's watches) is
    not read from the database again."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if _eligible(request):  # where members' pages are kept (not in most tests)
                _read_versions(request, list(groups))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def fresh_uuid(request: HttpRequest) -> str | uuid.UUID:
    """A new form submission key: in a skeleton, the marker each response replaces with a
    new one."""
    return MARKERS.uuid if getattr(request, "_skeleton", None) is not None else uuid.uuid4()


def kept_for_member(request: HttpRequest, name, compute: Callable[[], object]):
    """`compute()`, what is the request's member's own (their watches, scores, likes…), kept in
    this process for the version of their page group, which each change of theirs moves
    (pagecache.per_version), and under their id: a handle another member gave up names the same
    group, never the values kept for them."""
    member = request.user
    return pagecache.per_version(
        request, pagecache_member_group(member), (member.pk, name), compute
    )


def pagecache_member_group(member) -> str:
    """The group of a member's own pages (kernel.pagecache names it "member:<handle>")."""
    return f"member:{member.handle.lower()}"
