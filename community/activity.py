"""The activity of members: what the people a member follows rated, reviewed, replied,
watched and followed, newest first, and one member's own public activity (their feed).

Read from the source tables, not from a log of its own: one bounded query per kind (ratings,
reviews and replies, watches, follows), each walking its `(member, time)` index newest first
(reviews.models, members.models), merged here. A page is keyset-paged: its cursor is the
last item's (time, kind, id), so "Older" costs the same on the hundredth page as on the
first, and nothing is counted.

Spoiler-safe by construction: every item about an episode carries the `Sight` that
reviews/visibility.py gives the reader for it, and the surfaces show only what it allows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Block, Follow, Mute, User
from reviews.models import Rating, Review, Watch
from reviews.visibility import Reader, Sight, sight_of_episode, sight_of_review

PAGE_SIZE = 30
# Consecutive watches (or ratings) by one person within this time read as one item.
GROUP_WITHIN = datetime.timedelta(days=1)

# The kinds in the order that breaks a tie at the same instant; each source's rank.
REVIEW, RATING, WATCH, FOLLOW = "review", "rating", "watch", "follow"
RANKS = {REVIEW: 0, RATING: 1, WATCH: 2, FOLLOW: 3}


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the key of its last item. Written into the "Older" link."""

    at: datetime.datetime
    rank: int
    pk: int

    def encode(self) -> str:
        return f"{self.at.astimezone(datetime.UTC).strftime('%Y%m%dT%H%M%S.%fZ')}_{self.rank}_{self.pk}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        """The cursor a link carried; None (the first page) for anything else."""
        try:
            stamp, rank, pk = (text or "").split("_")
            at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=datetime.UTC)
            cursor = cls(at, int(rank), int(pk))
        except ValueError:
            return None
        if cursor.rank not in RANKS.values() or not 0 < cursor.pk < 2**63:
            return None
        return cursor


@dataclass
class Item:
    """One thing a member did, or consecutive watches or ratings grouped as a person would
    tell them ("Odile watched episodes 3–5"). `parts` holds the grouped items."""

    kind: str
    at: datetime.datetime
    pk: int
    member: User
    episode: object = None
    score: int | None = None
    review: Review | None = None
    followed: User | None = None
    sight: Sight = Sight.FULL
    parts: list["Item"] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.at, RANKS[self.kind], self.pk)

    @property
    def is_reply(self) -> bool:
        return self.review is not None and self.review.parent_id is not None

    @property
    def shows_score(self) -> bool:
        return self.sight.shows_score

    @property
    def withheld(self) -> bool:
        return self.sight is Sight.WITHHELD

    @property
    def episodes_label(self) -> str:
        """ "episodes 3–5", "episodes 2, 4 and 5": the grouped episodes' numbers."""
        numbers = sorted({part.episode.number for part in self.parts})
        runs: list[list[int]] = []
        for number in numbers:
            if runs and number == runs[-1][-1] + 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        tokens: list[str] = []
        for run in runs:
            tokens += [f"{run[0]}–{run[-1]}"] if len(run) > 2 else [str(n) for n in run]
        listed = tokens[0]
        if len(tokens) > 1:
            listed = _("%(first)s and %(last)s") % {
                "first": ", ".join(tokens[:-1]),
                "last": tokens[-1],
            }
        return ngettext("episode %(numbers)s", "episodes %(numbers)s", len(numbers)) % {
            "numbers": listed
        }


def _after(cursor: Cursor | None, rank: int, time_field: str) -> Q:
    """The rows of one source that come after the cursor in the (time, rank, id) order."""
    if cursor is None:
        return Q()
    if rank < cursor.rank:
        return Q(**{f"{time_field}__lte": cursor.at})
    if rank > cursor.rank:
        return Q(**{f"{time_field}__lt": cursor.at})
    return Q(**{f"{time_field}__lt": cursor.at}) | Q(**{time_field: cursor.at, "pk__lt": cursor.pk})


def hidden_ids(member_id: int) -> set[int]:
    """Whom a member does not see in activity: blocked either way (members.relations'
    blocked_ids), and muted (muted_ids), read in one query."""
    made = Block.objects.filter(blocker_id=member_id).values_list("blocked_id")
    received = Block.objects.filter(blocked_id=member_id).values_list("blocker_id")
    muted = Mute.objects.filter(muter_id=member_id).values_list("muted_id")
    return {pk for (pk,) in made.union(received, muted, all=True)}


def hidden_for(request: HttpRequest) -> set[int]:
    """hidden_ids for the request's member, read once per request; none for a visitor."""
    if not request.user.is_authenticated:
        return set()
    found = getattr(request, "_hidden_members", None)
    if found is None:
        found = request._hidden_members = hidden_ids(request.user.pk)
    return found


def _fetch(authors, hidden: set[int], reader: Reader, cursor: Cursor | None, limit: int):
    """The newest `limit` + 1 items of each kind by `authors` (a queryset of member ids, or a
    list), after the cursor: four queries."""
    reviews = (
        Review.objects.public()
        .filter(member_id__in=authors)
        # An answer to someone the reader does not see (in SQL, so that a page stays full).
        .exclude(parent__member_id__in=hidden)
        .filter(_after(cursor, RANKS[REVIEW], "created_at"))
        .select_related("member", "episode__season", "parent__member")
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    ratings = (
        Rating.objects.filter(member_id__in=authors, member__is_active=True)
        .filter(_after(cursor, RANKS[RATING], "rated_at"))
        .select_related("member", "episode__season")
        .order_by("-rated_at", "-pk")[: limit + 1]
    )
    watches = (
        Watch.objects.filter(member_id__in=authors, member__is_active=True)
        .filter(_after(cursor, RANKS[WATCH], "created_at"))
        .select_related("member", "episode__season")
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    follows = (
        Follow.objects.filter(
            follower_id__in=authors, follower__is_active=True, followed__is_active=True
        )
        .exclude(followed_id__in=hidden)
        .filter(_after(cursor, RANKS[FOLLOW], "created_at"))
        .select_related("follower", "followed")
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    items = []
    for review in reviews:
        sight = sight_of_review(reader, review, episode=review.episode, parent=review.parent)
        items.append(
            Item(
                REVIEW,
                review.created_at,
                review.pk,
                review.member,
                review.episode,
                review=review,
                sight=sight,
            )
        )
    for rating in ratings:
        sight = sight_of_episode(reader, rating.episode, author_id=rating.member_id)
        items.append(
            Item(
                RATING,
                rating.rated_at,
                rating.pk,
                rating.member,
                rating.episode,
                score=rating.score,
                sight=sight,
            )
        )
    for watch in watches:
        sight = sight_of_episode(reader, watch.episode, author_id=watch.member_id)
        items.append(
            Item(WATCH, watch.created_at, watch.pk, watch.member, watch.episode, sight=sight)
        )
    for follow in follows:
        items.append(
            Item(FOLLOW, follow.created_at, follow.pk, follow.follower, followed=follow.followed)
        )
    return items


@dataclass
class Page:
    items: list[Item]
    older: Cursor | None  # None on the last page


def page_of(
    authors,
    *,
    reader: Reader,
    hidden: set[int] = frozenset(),
    cursor=None,
    limit=PAGE_SIZE,
    group=True,
) -> Page:
    """One page of the authors' activity, newest first, after `cursor`."""
    found = sorted(
        _fetch(authors, set(hidden), reader, cursor, limit), key=lambda i: i.key, reverse=True
    )
    taken = found[:limit]
    older = (
        Cursor(taken[-1].at, RANKS[taken[-1].kind], taken[-1].pk) if len(found) > limit else None
    )
    return Page(grouped(taken) if group else taken, older)


def followed_authors(member_id: int, hidden: set[int]):
    """The members a member follows, as a subquery, less those hidden from them."""
    return (
        Follow.objects.filter(follower_id=member_id, followed__is_active=True)
        .exclude(followed_id__in=hidden)
        .values("followed_id")
    )


def activity_for(
    member: User,
    reader: Reader,
    *,
    hidden: set[int] | None = None,
    cursor=None,
    limit=PAGE_SIZE,
    group=True,
) -> Page:
    """What the people `member` follows did, as `reader` (the member) may see it."""
    hidden = hidden_ids(member.pk) if hidden is None else hidden
    return page_of(
        followed_authors(member.pk, hidden),
        reader=reader,
        hidden=hidden,
        cursor=cursor,
        limit=limit,
        group=group,
    )


def grouped(items: list[Item]) -> list[Item]:
    """Watches, or ratings, by one person of one season within a day, as one, also where they
    alternate as a person does them (watch an episode, rate it, watch the next): a group
    takes an item across that person's other watches and ratings, never across anything
    else (someone else's item, or their review)."""
    out: list[Item] = []
    for item in items:
        if item.kind in (WATCH, RATING) and (group := _group_for(out, item)) is not None:
            group.parts.append(item)
            continue
        if item.kind in (WATCH, RATING):
            item = Item(
                item.kind,
                item.at,
                item.pk,
                item.member,
                item.episode,
                item.score,
                sight=item.sight,
                parts=[item],
            )
        out.append(item)
    for item in out:
        if item.parts:
            # Oldest first reads as the person did them ("episodes 3, 4, 5").
            item.parts.sort(key=lambda part: (part.episode.number, part.at))
    return out


def _group_for(out: list[Item], item: Item) -> Item | None:
    """The group, among the newest of `out`, that `item` (a watch or a rating) joins."""
    for earlier in reversed(out):
        if earlier.member.pk != item.member.pk or earlier.kind not in (WATCH, RATING):
            return None
        if (
            earlier.kind == item.kind
            and earlier.episode.season_id == item.episode.season_id
            and earlier.parts[0].at - item.at < GROUP_WITHIN
        ):
            return earlier
    return None
