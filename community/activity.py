"""The activity of members: what the people a member follows rated, reviewed, replied,
watched and followed, newest first, and one member's own public activity (their feed).

Read from the source tables, not from a log of its own: one query picks the page's items by
their keys (each kind walking its `(member, time, id)` index newest first: reviews.models,
members.models), then each kind found on the page is read for those rows alone (at most four
queries, however many members are followed: `newest_keys`, `_fetch`). A page is keyset-paged: its cursor is the
last item's (time, kind, id), so "Older" costs the same on the hundredth page as on the
first, and nothing is counted.

Spoiler-safe by construction: every item about an episode carries the `Sight` that
reviews/visibility.py gives the reader for it, and the surfaces show only what it allows.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Block, Follow, Mute, User
from members.relations import SIGNED_IN_HIDES
from reviews.mentions import with_known_mentions
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
    def shielded(self) -> bool:
        return self.sight is Sight.SHIELDED

    @property
    def machine_time(self) -> str:
        """Its time for a <time datetime>, as the `date:'Y-m-d\\TH:i:sO'` filter wrote it (the
        filter cost a tenth of drawing an item)."""
        return timezone.localtime(self.at).strftime("%Y-%m-%dT%H:%M:%S%z")

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
    """hidden_ids for the request's member, read once per request; none for a visitor. A
    page read (GET) trusts the flag their row came with (members.relations.SIGNED_IN_HIDES):
    most members hide nobody, and need no query for it. A request that writes may have just
    blocked or muted someone, so it reads."""
    if not request.user.is_authenticated:
        return set()
    found = getattr(request, "_hidden_members", None)
    if found is None:
        if (
            request.method in ("GET", "HEAD")
            and getattr(request.user, SIGNED_IN_HIDES, None) is False
        ):
            found = set()
        else:
            found = hidden_ids(request.user.pk)
        request._hidden_members = found
    return found


@dataclass(frozen=True)
class Followed:
    """The members `member_id` follows (in good standing), less those hidden from them: the
    authors of a member's activity, read inside the query that picks the items."""

    member_id: int
    hidden: frozenset[int]


# The SQL below is put together from the models' table names and fixed text; every value
# (ids, times, the status, the limit) is passed as a parameter.


def _sources(hidden: frozenset[int]) -> list[tuple[int, str, str, str, str, list]]:
    """For each kind: its rank, table, time and author columns, and what else a row must meet
    to be shown (in SQL, so that a page stays full), with that condition's parameters."""
    user = User._meta.db_table
    review = Review._meta.db_table
    parent_shown, parent_params = _not_in("p.member_id", hidden)
    followed_shown, followed_params = _not_in("x.followed_id", hidden)
    public_parent = (
        f"(x.parent_id IS NULL OR EXISTS (SELECT 1 FROM {review} p INNER JOIN {user} pu"  # noqa: S608
        f" ON pu.id = p.member_id WHERE p.id = x.parent_id AND p.status = %s AND pu.is_active"
        # Not an answer to someone the reader does not see.
        f"{parent_shown}))"
    )
    # A value looked up for each row, not an EXISTS: PostgreSQL would make that a join, and
    # then read a follower's follows by the followed member's index and sort them.
    follow_shown = (
        f"(SELECT fu.is_active FROM {user} fu WHERE fu.id = x.followed_id){followed_shown}"  # noqa: S608
    )
    visible = Review.Status.VISIBLE.value
    return [
        (
            RANKS[REVIEW],
            review,
            "created_at",
            "member_id",
            f"x.status = %s AND {public_parent}",
            [visible, visible, *parent_params],
        ),
        (RANKS[RATING], Rating._meta.db_table, "rated_at", "member_id", "", []),
        (RANKS[WATCH], Watch._meta.db_table, "created_at", "member_id", "", []),
        (
            RANKS[FOLLOW],
            Follow._meta.db_table,
            "created_at",
            "follower_id",
            follow_shown,
            followed_params,
        ),
    ]


def _not_in(column: str, ids) -> tuple[str, list]:
    """`column NOT IN (...)` these ids, as SQL and its parameters ("" for none: a condition
    that is always true would still steer PostgreSQL's choice of index)."""
    ids = sorted(ids)
    if not ids:
        return "", []
    return f" AND {column} NOT IN ({', '.join(['%s'] * len(ids))})", ids


def _authors_sql(authors) -> tuple[str, list]:
    """The authors' ids, in good standing, as a subquery selecting `author`."""
    user = User._meta.db_table
    if isinstance(authors, Followed):
        not_hidden, params = _not_in("f.followed_id", authors.hidden)
        return (
            f"SELECT f.followed_id AS author FROM {Follow._meta.db_table} f INNER JOIN {user} u"  # noqa: S608
            f" ON u.id = f.followed_id WHERE f.follower_id = %s AND u.is_active{not_hidden}",
            [authors.member_id, *params],
        )
    ids = sorted(set(authors))
    if not ids:
        return f"SELECT u.id AS author FROM {user} u WHERE 1 = 0", []  # noqa: S608
    return (
        f"SELECT u.id AS author FROM {user} u WHERE u.is_active"  # noqa: S608
        f" AND u.id IN ({', '.join(['%s'] * len(ids))})",
        ids,
    )


def _after_sql(cursor: Cursor | None, rank: int, time: str) -> tuple[str, list]:
    """`_after` in SQL: the rows of one source after the cursor in the (time, rank, id) order."""
    if cursor is None:
        return "", []
    at = connection.ops.adapt_datetimefield_value(cursor.at)
    if rank < cursor.rank:
        return f"x.{time} <= %s", [at]
    if rank > cursor.rank:
        return f"x.{time} < %s", [at]
    return f"(x.{time} < %s OR (x.{time} = %s AND x.id < %s))", [at, at, cursor.pk]


def newest_keys(authors, hidden, cursor: Cursor | None, limit: int) -> list[tuple[int, int]]:
    """The (rank, id) of the newest `limit` items by `authors` after the cursor, newest first:
    one query, which reads ids and times alone (the rows themselves are read for these few).

    Each kind is asked for its newest `limit` of the authors' rows and the four are merged by
    the database. On PostgreSQL the authors are walked one by one (LATERAL), each through
    their `(member, time)` index newest first, at most `limit` rows each: asked "rows whose
    member is in the following, newest first", it read every row of every member followed
    (a merge join by member) and sorted them. SQLite, which has no LATERAL, plans the `IN`
    as a look-up of each author in the same index."""
    lateral = connection.vendor == "postgresql"
    authors_sql, authors_params = _authors_sql(authors)
    parts, params = [], []
    for rank, table, time, author, shown, shown_params in _sources(frozenset(hidden)):
        after, after_params = _after_sql(cursor, rank, time)
        where = " AND ".join(filter(None, [shown, after])) or "1 = 1"
        newest = f"ORDER BY x.{time} DESC, x.id DESC LIMIT %s"
        if lateral:
            parts.append(
                f"SELECT k.rank, k.happened, k.pk FROM ({authors_sql}) a CROSS JOIN LATERAL"  # noqa: S608
                f" (SELECT {rank} AS rank, x.{time} AS happened, x.id AS pk FROM {table} x"
                f" WHERE x.{author} = a.author AND {where} {newest}) k"
                f" ORDER BY k.happened DESC, k.pk DESC LIMIT %s"
            )
            params += [*authors_params, *shown_params, *after_params, limit, limit]
        else:
            parts.append(
                f"SELECT {rank} AS rank, x.{time} AS happened, x.id AS pk FROM {table} x"  # noqa: S608
                f" WHERE x.{author} IN ({authors_sql}) AND {where} {newest}"
            )
            params += [*authors_params, *shown_params, *after_params, limit]
    union = " UNION ALL ".join(
        f"SELECT rank, happened, pk FROM ({part}) s{i}"  # noqa: S608
        for i, part in enumerate(parts)
    )
    newest_first = "ORDER BY happened DESC, rank DESC, pk DESC LIMIT %s"
    sql = f"SELECT rank, pk FROM ({union}) everything {newest_first}"  # noqa: S608
    with connection.cursor() as db:
        db.execute(sql, [*params, limit])
        return db.fetchall()


def _names(member: str) -> tuple[str, ...]:
    """What an item shows of a member: their name and the handle of their address."""
    return (f"{member}__handle", f"{member}__display_name")


# The fields an item shows (templates/community/_item.html, community/drawn.py's key) and its
# sight is decided by, the only ones read: building the rows' instances with all their
# members' and episodes' fields cost more than the rest of reading them.
_ABOUT_EPISODE = (
    *_names("member"),
    "episode__number",
    "episode__title",
    "episode__title_fr",
    "episode__season__number",
)
_REVIEW_FIELDS = (
    "created_at",
    "body",
    "is_spoiler",
    "spoils_up_to",
    *_ABOUT_EPISODE,
    "parent__is_spoiler",
    "parent__spoils_up_to",
    *_names("parent__member"),
)


def _fetch(authors, hidden: set[int], reader: Reader, cursor: Cursor | None, limit: int):
    """The newest `limit` + 1 items by `authors` (a `Followed`, or a list of member ids) after
    the cursor, newest first: their keys in one query, then the rows of each kind found (at
    most four queries, of `limit` + 1 rows in all)."""
    keys = newest_keys(authors, hidden, cursor, limit + 1)
    wanted: dict[int, list[int]] = {rank: [] for rank in RANKS.values()}
    for rank, pk in keys:
        wanted[rank].append(pk)
    found: dict[tuple[int, int], Item] = {}
    if wanted[RANKS[REVIEW]]:
        for review in (
            Review.objects.filter(pk__in=wanted[RANKS[REVIEW]])
            .select_related("member", "episode__season", "parent__member")
            .only(*_REVIEW_FIELDS)
        ):
            sight = sight_of_review(reader, review, episode=review.episode, parent=review.parent)
            found[RANKS[REVIEW], review.pk] = Item(
                REVIEW,
                review.created_at,
                review.pk,
                review.member,
                review.episode,
                review=review,
                sight=sight,
            )
        # The handles they mention that are members', for all of them in one query (none
        # without a mention): part of what an item shows, so of its kept HTML's key.
        with_known_mentions([item.review for item in found.values()])
    if wanted[RANKS[RATING]]:
        for rating in (
            Rating.objects.filter(pk__in=wanted[RANKS[RATING]])
            .select_related("member", "episode__season")
            .only("rated_at", "score", *_ABOUT_EPISODE)
        ):
            sight = sight_of_episode(reader, rating.episode, author_id=rating.member_id)
            found[RANKS[RATING], rating.pk] = Item(
                RATING,
                rating.rated_at,
                rating.pk,
                rating.member,
                rating.episode,
                score=rating.score,
                sight=sight,
            )
    if wanted[RANKS[WATCH]]:
        for watch in (
            Watch.objects.filter(pk__in=wanted[RANKS[WATCH]])
            .select_related("member", "episode__season")
            .only("created_at", *_ABOUT_EPISODE)
        ):
            sight = sight_of_episode(reader, watch.episode, author_id=watch.member_id)
            found[RANKS[WATCH], watch.pk] = Item(
                WATCH, watch.created_at, watch.pk, watch.member, watch.episode, sight=sight
            )
    if wanted[RANKS[FOLLOW]]:
        for follow in (
            Follow.objects.filter(pk__in=wanted[RANKS[FOLLOW]])
            .select_related("follower", "followed")
            .only("created_at", *_names("follower"), *_names("followed"))
        ):
            found[RANKS[FOLLOW], follow.pk] = Item(
                FOLLOW, follow.created_at, follow.pk, follow.follower, followed=follow.followed
            )
    # A row deleted between the two queries is left out.
    return [found[key] for key in keys if key in found], len(keys) > limit


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
    found, more = _fetch(authors, set(hidden), reader, cursor, limit)
    taken = found[:limit]
    older = Cursor(taken[-1].at, RANKS[taken[-1].kind], taken[-1].pk) if more and taken else None
    return Page(grouped(taken) if group else taken, older)


def followed_authors(member_id: int, hidden: set[int]) -> Followed:
    return Followed(member_id, frozenset(hidden))


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
