"""`@handle` in a review or reply: found in the text, linked to the member's profile where the
handle is a member's, and listed for notifications/receivers.py to notify.

A handle is what members.models.handle_validator allows (letters, digits, hyphens, no hyphen
at either end). An @ inside a word or an address ("odile@example.com", "…/@odile") is no
mention. The handles that exist are read once for a whole page (`with_known_mentions`), not
once per review."""

import re

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from members.models import HANDLE_MAX_LENGTH, User

MENTION = re.compile(
    rf"(?<![\w@./:+&=#-])@([a-z0-9](?:[a-z0-9-]{{0,{HANDLE_MAX_LENGTH - 2}}}[a-z0-9])?)(?![\w-])",
    re.IGNORECASE,
)
# At most this many members notified by one review: a list of fifty handles is spam.
MENTIONS_MAX = 10


def mentioned_handles(text: str) -> list[str]:
    """The handles mentioned, lower case, in order, each once."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text):
        seen.setdefault(match[1].lower(), None)
    return list(seen)


def known_handles(handles) -> set[str]:
    """Those of the handles that are members in good standing' (one query)."""
    handles = set(handles)
    if not handles:
        return set()
    return set(
        User.objects.filter(handle__in=handles, is_active=True).values_list("handle", flat=True)
    )


def with_known_mentions(reviews) -> None:
    """Each review (and its `visible_replies`) gets `known_mentions`: the handles it mentions
    that are members', read in one query for them all (none without a mention)."""
    everything = []
    for review in reviews:
        everything.append(review)
        everything.extend(getattr(review, "visible_replies", ()))
    wanted = {review.pk: mentioned_handles(review.body) for review in everything}
    known = known_handles(h for handles in wanted.values() for h in handles)
    for review in everything:
        review.known_mentions = frozenset(h for h in wanted[review.pk] if h in known)


def linked(html: str, review) -> SafeString:
    """The review's text, already escaped and urlized, with each mention of a member made a
    link to their profile. The same for every reader: it may stay in a shared skeleton."""
    known = getattr(review, "known_mentions", None)
    if known is None:
        known = known_handles(mentioned_handles(review.body))
    if not known:
        return mark_safe(html)  # noqa: S308 (urlize's output, escaped already)

    def link(match: re.Match) -> str:
        handle = match[1].lower()
        if handle not in known:
            return match[0]
        url = reverse("profile", kwargs={"handle": handle})
        return f'<a class="mention" href="{escape(url)}">{match[0]}</a>'

    # Outside tags and links only: the text between them, never an attribute or a link's text.
    pieces = re.split(r"(<a\b[^>]*>.*?</a>|<[^>]+>)", str(html), flags=re.DOTALL)
    out = [piece if index % 2 else MENTION.sub(link, piece) for index, piece in enumerate(pieces)]
    return mark_safe("".join(out))  # noqa: S308 (escaped text, and our own links)
