"""What a member has watched, read once per request and shared by everything on the page:
the spoiler rule (reviews/visibility.py), the watch panel, progress and the member menu."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest

from catalog.models import Episode
from kernel import pagecache
from kernel.memberpages import kept_for_member
from kernel.prepared import Prepared
from reviews.models import Watch


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
    """The member's watches grouped by episode: one query, cached on the request; on a page
    kept for members (kernel/memberpages.py), kept in this process for the version of the
    member's page group, which every change of their watches moves (reviews/apps.py,
    reviews/services.py), so no query at all until they watch something."""
    cached = getattr(request, "_watch_summary", None)
    if cached is not None:
        return cached
    member = request.user
    if member.is_authenticated:
        summary = kept_for_member(request, "watch-summary", lambda: _summary_of(member.pk))
    else:
        summary = WatchSummary()
    request._watch_summary = summary
    return summary


def _summary_of(member_id: int) -> WatchSummary:
    summary = WatchSummary()
    for row in WATCHES.rows(member=member_id):
        summary.by_episode[row["episode_id"]] = (row["times"], row["last"])
        summary.numbers.add((row["episode__season__number"], row["episode__number"]))
    return summary


# Compiled once (kernel/prepared.py): on a member's page, building it cost more than running it.
WATCHES = Prepared(
    lambda member: (
        Watch.objects.filter(member=member)
        .values("episode_id", "episode__number", "episode__season__number")
        .annotate(times=Count("pk"), last=Max("watched_on"))
        .order_by()
    )
)


@dataclass(frozen=True)  # a region's state (reviews/regions.py): compared and hashed
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
    """For the member menu: watched episodes of the show, and the first one not yet seen.
    Worked out once per request: the menu's region and the page's heading share it."""
    if not request.user.is_authenticated:
        return None
    if hasattr(request, "_show_progress"):
        return request._show_progress
    episodes = pagecache.per_version(
        request,
        "catalog",
        "show-progress-episodes",
        lambda: list(
            Episode.objects.of_current_show()
            .select_related("season")
            .only("number", "title", "title_fr", "season__number")
            .order_by("season__number", "number")
        ),
    )
    request._show_progress = season_progress(request, episodes) if episodes else None
    return request._show_progress


def viewing_number() -> Window:
    """An annotation numbering each member's watches of an episode in the order watched:
    1 is the first watch, anything higher a rewatch."""
    return Window(
        RowNumber(),
        partition_by=[F("episode_id")],
        order_by=[F("watched_on").asc(), F("created_at").asc(), F("pk").asc()],
    )
