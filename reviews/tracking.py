"""What a member has watched, read once per request and shared by everything on the page:
the spoiler rule, the watch panel, progress and the member menu."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest

from catalog.models import Episode
from reviews.models import Review, Watch


@dataclass
class WatchSummary:
    # {episode_id: (times watched, last date)}, and the same by (season, episode) number.
    by_episode: dict = field(default_factory=dict)
    numbers: set = field(default_factory=set)

    def watched(self, episode: Episode) -> bool:
        return episode.pk in self.by_episode

    def furthest_in(self, season_number: int) -> int:
        return max((n for s, n in self.numbers if s == season_number), default=0)


def watch_summary(request: HttpRequest) -> WatchSummary:
    """The member's watches grouped by episode: one query, cached on the request."""
    cached = getattr(request, "_watch_summary", None)
    if cached is not None:
        return cached
    summary = WatchSummary()
    if request.user.is_authenticated:
        rows = (
            Watch.objects.filter(member=request.user)
            .values("episode_id", "episode__number", "episode__season__number")
            .annotate(times=Count("pk"), last=Max("watched_on"))
            .order_by()
        )
        for row in rows:
            summary.by_episode[row["episode_id"]] = (row["times"], row["last"])
            summary.numbers.add((row["episode__season__number"], row["episode__number"]))
    request._watch_summary = summary
    return summary


def is_collapsed(review: Review, *, request: HttpRequest, episode: Episode) -> bool:
    """Whether a spoiler stays behind "Show spoiler" for this reader.

    Visitors see every spoiler collapsed. A member sees a review flagged as a spoiler open
    once they have watched its episode, and one that spoils up to episode N once they have
    watched episode N or a later one of the season. Authors always see their own open.
    """
    if not (review.is_spoiler or review.spoils_up_to):
        return False
    reader = request.user
    if not reader.is_authenticated:
        return True
    if review.member_id == reader.pk:
        return False
    summary = watch_summary(request)
    season_number = episode.season.number
    if review.is_spoiler and (season_number, episode.number) not in summary.numbers:
        return True
    return bool(review.spoils_up_to and summary.furthest_in(season_number) < review.spoils_up_to)


def hides_unwatched(request: HttpRequest, episode: Episode, *, author=None) -> bool:
    """The reader's setting: no scores or reviews of an episode before they watch it.

    The one rule for what a reader sees of members' ratings and reviews, wherever they are
    shown: the episode and season pages (no author: the episode's whole panel waits) and a
    member's profile and diary (`author`: their score and words wait; a reader's own are
    never hidden from them). Feeds are read without an account, so no setting reaches
    them: they carry no spoilers for anyone."""
    user = request.user
    return bool(
        user.is_authenticated
        and user.hide_unwatched
        and (author is None or author.pk != user.pk)
        and not watch_summary(request).watched(episode)
    )


@dataclass
class Progress:
    watched: int
    total: int
    up_next: Episode | None

    @property
    def percent(self) -> int:
        return round(100 * self.watched / self.total) if self.total else 0


def season_progress(request: HttpRequest, episodes: list[Episode]) -> Progress:
    summary = watch_summary(request)
    watched = [e for e in episodes if summary.watched(e)]
    up_next = next((e for e in episodes if not summary.watched(e)), None)
    return Progress(watched=len(watched), total=len(episodes), up_next=up_next)


def show_progress(request: HttpRequest) -> Progress | None:
    """For the member menu: watched episodes of the show, and the first one not yet seen."""
    if not request.user.is_authenticated:
        return None
    episodes = list(
        Episode.objects.of_current_show()
        .select_related("season")
        .only("number", "title", "title_fr", "season__number")
        .order_by("season__number", "number")
    )
    return season_progress(request, episodes) if episodes else None


def viewing_number() -> Window:
    """An annotation numbering each member's watches of an episode in the order watched:
    1 is the first watch, anything higher a rewatch."""
    return Window(
        RowNumber(),
        partition_by=[F("episode_id")],
        order_by=[F("watched_on").asc(), F("created_at").asc(), F("pk").asc()],
    )
