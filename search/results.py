"""The kinds of things the site finds, and the search itself: per kind, how many match and the
best of them, as the page shows them.

Work is bounded whatever the data: at most MATCHES_RANKED records of a kind are counted and
ranked (a word in every review finds "more than 200", not a sort of every review), a page
holds PER_PAGE of them (so ten pages at most), and on PostgreSQL every query of a search
stops after TIME_LIMIT_MS (`bounded`): the page then says the search took too long.

Reviews go through the spoiler rule (reviews/visibility.py): a review's text, and so its
marked snippet, is given only where the reader sees it whole (`Sight.FULL`). Otherwise the
page says that a review matched, whose and of which episode, and not one word of it.
"""

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Prefetch, QuerySet, Window
from django.utils.translation import gettext_lazy as _

from catalog.models import Character, Credit, Episode, Person
from members.models import User
from reviews.models import Review
from reviews.visibility import Reader, Sight, sight_of_review
from search.backends import Part, matching
from search.terms import Query, Span, marked, snippet

MATCHES_RANKED = 200
PER_PAGE = 20
PREVIEW = 3  # hits of each kind on the page of every kind
LAST_PAGE = -(-MATCHES_RANKED // PER_PAGE)
TIME_LIMIT_MS = 3000


@dataclass
class Hit:
    record: object
    title: list[Span]
    title_language: str = ""
    subtitle: list[Span] = field(default_factory=list)
    snippet: list[Span] | None = None
    snippet_language: str = ""
    sight: Sight = Sight.FULL  # reviews: what the reader may see of the text
    episode_titled: bool = False  # reviews: their episode has more of a title than its number
    cast_names: str = ""  # characters: who plays them


@dataclass(frozen=True)
class Kind:
    key: str  # in the address: ?kind=reviews
    label: str
    document: tuple[Part, ...]  # its text, as search/backends.py reads it
    rows: Callable[[], QuerySet]  # what may be found, with what its hit shows
    hit: Callable[[object, Query, Reader], Hit]


def episode_hit(episode: Episode, query: Query, reader: Reader) -> Hit:
    title, title_language = episode.localized_with_language("title")
    synopsis, synopsis_language = episode.localized_with_language("synopsis")
    return Hit(
        record=episode,
        title=marked(title, query.stems),
        title_language=title_language,
        snippet=snippet(synopsis, query.stems) if synopsis else None,
        snippet_language=synopsis_language,
    )


def person_hit(person: Person, query: Query, reader: Reader) -> Hit:
    about, about_language = person.localized_with_language("about")
    return Hit(
        record=person,
        title=marked(person.name, query.stems),
        subtitle=marked(person.also_known_as, query.stems),
        snippet=snippet(about, query.stems) if about else None,
        snippet_language=about_language,
    )


def character_hit(character: Character, query: Query, reader: Reader) -> Hit:
    description, language = character.localized_with_language("description")
    return Hit(
        record=character,
        title=marked(character.name, query.stems),
        cast_names=", ".join(credit.person.name for credit in character.cast),
        snippet=snippet(description, query.stems) if description else None,
        snippet_language=language,
    )


def member_hit(member: User, query: Query, reader: Reader) -> Hit:
    return Hit(
        record=member,
        title=marked(member.public_name, query.stems),
        subtitle=marked(f"@{member.handle}", query.stems),
    )


def review_hit(review: Review, query: Query, reader: Reader) -> Hit:
    sight = sight_of_review(reader, review, episode=review.episode, parent=review.parent)
    return Hit(
        record=review,
        title=[],
        # Only text the reader may read whole is cut into a snippet: never a spoiler's.
        snippet=snippet(review.body, query.stems) if sight is Sight.FULL else None,
        sight=sight,
        episode_titled=not review.episode.translated_placeholder("title"),
    )


ENGLISH, FRENCH, NAMES = "etoile_en", "etoile_fr", "etoile_simple"


def document(*fields: tuple[str, str, str]) -> tuple[Part, ...]:
    """Each (field, configuration, weight) as a part; "both": read by both stemmers."""
    parts = []
    for name, config, weight in fields:
        configs = (ENGLISH, FRENCH) if config == "both" else (config,)
        parts += [Part(name, each, weight) for each in configs]
    return tuple(parts)


KINDS = (
    Kind(
        key="episodes",
        label=_("Episodes"),
        document=document(
            ("title", ENGLISH, "A"),
            ("synopsis", ENGLISH, "B"),
            ("title_fr", FRENCH, "A"),
            ("synopsis_fr", FRENCH, "B"),
        ),
        rows=lambda: Episode.objects.of_current_show().select_related("season"),
        hit=episode_hit,
    ),
    Kind(
        key="people",
        label=_("People"),
        document=document(
            ("name", ENGLISH, "A"),
            ("also_known_as", ENGLISH, "A"),
            ("about", ENGLISH, "B"),
            ("about_fr", FRENCH, "B"),
        ),
        rows=lambda: Person.objects.all(),
        hit=person_hit,
    ),
    Kind(
        key="characters",
        label=_("Characters"),
        document=document(
            ("name", ENGLISH, "A"),
            ("description", ENGLISH, "B"),
            ("description_fr", FRENCH, "B"),
        ),
        rows=lambda: Character.objects.prefetch_related(
            Prefetch(
                "credits",
                queryset=Credit.objects.select_related("person").order_by("billing_order"),
                to_attr="cast",
            )
        ),
        hit=character_hit,
    ),
    Kind(
        key="members",
        label=_("Members"),
        document=document(("handle", NAMES, "A"), ("display_name", NAMES, "A")),
        rows=lambda: User.objects.filter(is_active=True),
        hit=member_hit,
    ),
    Kind(
        key="reviews",
        label=_("Reviews"),
        # Members write in either language: each review is read with both stemmers.
        document=document(("body", "both", "B")),
        rows=lambda: Review.objects.public().select_related("member", "episode__season", "parent"),
        hit=review_hit,
    ),
)
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


@dataclass
class Group:
    """One kind's answer: how many match (up to MATCHES_RANKED, `more` beyond) and a page of
    the best."""

    kind: Kind
    count: int
    more: bool
    hits: list[Hit]
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PER_PAGE))


def _ranked(kind: Kind, query: Query) -> QuerySet:
    """The kind's matches, best first (rank, then the latest added), among the first
    MATCHES_RANKED + 1 found, each row carrying how many that is (`search_found`): one query
    gives a page and the count, and one more found says there are more."""
    rows = kind.rows()
    # The first found, in no order, from the table alone: PostgreSQL then always reads them
    # from the full-text index. Joined with the rows' conditions (a review's author in good
    # standing, say), a rare word looked like a common one to its planner, which chose to
    # read the table in another order and compute every text's vector: 18 s at 200,000
    # reviews, against 15 ms this way.
    table, condition, _ = matching(rows.model._base_manager.all(), kind.document, query)
    found = table.filter(condition).order_by().values("pk")[: MATCHES_RANKED + 1]
    aliased, _, rank = matching(rows, kind.document, query)
    return (
        aliased.filter(pk__in=found)
        .annotate(search_rank=rank, search_found=Window(Count("pk")))
        .order_by("-search_rank", "-pk")
    )


def _found(ranked: QuerySet) -> int:
    return next(iter(ranked.values_list("search_found", flat=True)[:1]), 0)


def _group(kind: Kind, found: int, hits: list[Hit], page: int = 1) -> Group:
    return Group(
        kind=kind,
        count=min(found, MATCHES_RANKED),
        more=found > MATCHES_RANKED,
        hits=hits,
        page=page,
    )


def search(query: Query, reader: Reader, *, kind: Kind | None = None, page: int = 1):
    """Without `kind`, every kind with its count and best PREVIEW hits; with it, that kind
    with a page of its hits (a page past the last shows the last), the others with their
    counts. One query a kind (and the characters' cast)."""
    page = min(max(1, page), LAST_PAGE) if kind else 1
    groups = []
    for each in KINDS:
        ranked = _ranked(each, query)
        if kind is not None and each is not kind:
            groups.append(_group(each, _found(ranked), []))
            continue
        size = PER_PAGE if kind else PREVIEW
        rows = list(ranked[(page - 1) * size : min(page * size, MATCHES_RANKED)])
        if not rows and page > 1:  # past the last page: count, then show the last
            page = max(1, -(-min(_found(ranked), MATCHES_RANKED) // size))
            rows = list(ranked[(page - 1) * size : min(page * size, MATCHES_RANKED)])
        found = rows[0].search_found if rows else 0
        groups.append(_group(each, found, [each.hit(row, query, reader) for row in rows], page))
    return groups


class TooSlow(Exception):
    """A search query ran past TIME_LIMIT_MS and PostgreSQL cancelled it."""


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """On PostgreSQL, every query inside stops after TIME_LIMIT_MS (TooSlow is raised);
    SQLite serves development and tests, and has no such limit."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # SET takes no parameters where they are sent apart from the SQL (settings.py):
            # set_config(…, true) is SET LOCAL as a function.
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [str(int(TIME_LIMIT_MS))]
            )
            yield
            # Inside a caller's transaction too, the limit ends with the search.
            cursor.execute("SET LOCAL statement_timeout = DEFAULT")
    except OperationalError as error:
        from psycopg.errors import QueryCanceled

        if isinstance(error.__cause__, QueryCanceled):
            raise TooSlow from error
        raise
