"""What a reader may see of a member's rating, review, reply or activity about an episode.

This is the site's one spoiler rule. Every surface that shows members' words or scores asks
`sight()`: the episode, season, profile and diary pages, feeds, the API, activity,
notifications, emails and share images. A surface never decides by itself.

The answer is one of three:

- `Sight.FULL`: the score and the text.
- `Sight.SHIELDED`: the item is a spoiler the reader is not ready for. The score shows; the
  text stays behind "Show spoiler" on a page, where the reader chooses to open it, and is left
  out wherever nobody can choose (feeds, emails, notifications, the API, images).
- `Sight.WITHHELD`: the reader asked to see nothing of episodes they have not watched (their
  "hide unwatched" setting): only that the item exists and who wrote it; no score, no text.

The inputs are the reader (a visitor, or a member with their watches and setting) and the
item (its author, its episode, its spoiler flag and "spoils up to episode N").
"""

import enum
from dataclasses import dataclass, field

from django.http import HttpRequest

from reviews.models import Watch
from reviews.tracking import watch_summary


class Sight(enum.Enum):
    FULL = "full"
    SHIELDED = "shielded"
    WITHHELD = "withheld"

    @property
    def shows_score(self) -> bool:
        return self is not Sight.WITHHELD

    @property
    def shows_text(self) -> bool:
        """Whether the text may be given where the reader cannot choose to open it."""
        return self is Sight.FULL


@dataclass(frozen=True)
class Reader:
    """Who is reading, as far as spoilers go: a visitor (no member), or a member with the
    episodes they have watched, as (season number, episode number), and their setting."""

    member_id: int | None = None
    hides_unwatched: bool = False
    watched: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @property
    def is_visitor(self) -> bool:
        return self.member_id is None

    def has_watched(self, season: int, number: int) -> bool:
        return (season, number) in self.watched

    def furthest_in(self, season: int) -> int:
        return max((n for s, n in self.watched if s == season), default=0)


VISITOR = Reader()


def reader_for(member) -> Reader:
    """The reader a member is, read in one query; a visitor for None or an anonymous user.
    For readers outside a request: emails, notifications, an API token's owner."""
    if member is None or not member.is_authenticated:
        return VISITOR
    watched = Watch.objects.filter(member=member).values_list(
        "episode__season__number", "episode__number"
    )
    return Reader(
        member_id=member.pk,
        hides_unwatched=member.hide_unwatched,
        watched=frozenset(watched.distinct()),
    )


def reader_of(request: HttpRequest) -> Reader:
    """The request's reader, read once per request whatever the number of items on the page
    (the watches come from reviews.tracking's per-request summary)."""
    cached = getattr(request, "_reader", None)
    if cached is not None:
        return cached
    user = request.user
    if user.is_authenticated:
        reader = Reader(
            member_id=user.pk,
            hides_unwatched=user.hide_unwatched,
            watched=frozenset(watch_summary(request).numbers),
        )
    else:
        reader = VISITOR
    request._reader = reader
    return reader


def sight(
    reader: Reader,
    *,
    season: int,
    episode: int,
    author_id: int | None = None,
    is_spoiler: bool = False,
    spoils_up_to: int | None = None,
) -> Sight:
    """What `reader` may see of an item about episode `episode` of season `season`.

    `author_id` is the member who wrote or rated it; None for what belongs to nobody (an
    episode's aggregate scores, the list of its reviews as a whole). Readers always see their
    own items whole. A member who hides unwatched episodes sees nothing of one they have not
    watched. A spoiler is shielded from visitors, from members who have not watched its
    episode, and, when it "spoils up to episode N", from members who have not watched episode
    N or a later one of that season.
    """
    if author_id is not None and author_id == reader.member_id:
        return Sight.FULL
    if reader.hides_unwatched and not reader.has_watched(season, episode):
        return Sight.WITHHELD
    if not (is_spoiler or spoils_up_to):
        return Sight.FULL
    if reader.is_visitor:
        return Sight.SHIELDED
    if is_spoiler and not reader.has_watched(season, episode):
        return Sight.SHIELDED
    if spoils_up_to and reader.furthest_in(season) < spoils_up_to:
        return Sight.SHIELDED
    return Sight.FULL


def sight_of_review(reader: Reader, review, *, episode=None, parent=None) -> Sight:
    """A review or a reply. A reply is read as its thread's review is: an answer to a spoiler
    speaks of what the spoiler told (and the thread's author reads every answer whole). `episode` (with its season) and `parent` save the look-ups
    where the caller holds them; otherwise they are read from the review."""
    episode = episode or review.episode
    if review.parent_id is not None:
        parent = parent or review.parent
        if parent.member_id == reader.member_id:
            return Sight.FULL  # the thread's author knows what their review told
    flags = parent or review
    return sight(
        reader,
        season=episode.season.number,
        episode=episode.number,
        author_id=review.member_id,
        is_spoiler=flags.is_spoiler,
        spoils_up_to=flags.spoils_up_to,
    )


def sight_of_episode(reader: Reader, episode, *, author_id: int | None = None) -> Sight:
    """A score or watch about an episode (its season read with it): a member's rating or
    watch (`author_id`), or the episode's scores and reviews as a whole (no author)."""
    return sight(reader, season=episode.season.number, episode=episode.number, author_id=author_id)
