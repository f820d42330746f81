"""Activity items drawn once per process: each item's HTML is kept in memory, keyed by all it
shows, so that a page of activity is mostly a join of kept strings.

Drawing an item through the template engine cost 1.3 million instructions (thirty items, 38
million: half the activity page). The key (`shown`) holds every value the item's HTML is made
of: the row's own values (time, score, a review's text and spoiler flags), its member's and
episode's names and numbers, the handles its review mentions that are members', the reader's
`Sight` of it (reviews/visibility.py decides it for every item on every request: the sight in
the key *is* that decision), and the active language and time zone. Change any of them and the
item is drawn again; nothing can go stale. The item is drawn without the request or the user
in its context (no context processor runs): its HTML cannot hold anything of a reader's but
what its sight says, so two readers with the same sight share it, and one with another sight
never does.
"""

import threading
from collections import OrderedDict

from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

# Items kept per process. An item's HTML is at most a few kilobytes (a review is at most
# 5,000 characters, held once in the key and once drawn): a few tens of MB at worst, a few MB
# typically.
KEPT_ITEMS = 2000

_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def _member(member) -> tuple:
    return (member.pk, member.handle, member.display_name)


def _episode(episode) -> tuple:
    # The title in either language (the French one, else a placeholder built from the number),
    # and the address, made of the season's and the episode's numbers.
    return (episode.pk, episode.number, episode.title, episode.title_fr, episode.season.number)


def shown(item) -> tuple:
    """Every value the item's HTML is made of (templates/community/_item.html), its parts'
    included, as a key: an item whose key is kept is drawn exactly as its kept HTML."""
    review = item.review
    if review is not None:
        parent = review.parent if review.parent_id is not None else None
        review_key = (
            review.body,
            review.is_spoiler,
            review.spoils_up_to,
            review.parent_id,
            _member(parent.member) if parent is not None else None,
            review.known_mentions,
        )
    else:
        review_key = None
    return (
        item.kind,
        item.pk,
        item.at,
        item.sight,
        item.score,
        _member(item.member),
        _episode(item.episode) if item.episode is not None else None,
        _member(item.followed) if item.followed is not None else None,
        review_key,
        tuple(shown(part) for part in item.parts),
    )


def item_html(item) -> str:
    """One item's <li>, kept or drawn (and kept)."""
    key = (translation.get_language(), timezone.get_current_timezone_name(), shown(item))
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    # No request, no user: the item's HTML is the same for every reader with its sight.
    html = get_template("community/_item.html").render({"item": item})
    with _lock:
        _kept[key] = html
        while len(_kept) > KEPT_ITEMS:
            _kept.popitem(last=False)
    return html


def items_html(items) -> SafeString:
    """The items' <li>s, in order."""
    return mark_safe("".join(item_html(item) for item in items))  # noqa: S308 (templates' output)


def forget() -> None:
    """Drop every kept item (tests)."""
    with _lock:
        _kept.clear()
