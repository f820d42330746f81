"""An import in two steps: a preview of what would change, then, once the member confirms,
the change itself.

The preview's plan travels in the confirmation form, signed (django.core.signing) with a salt
that names the member and a time limit: stateless (no session row or table for an upload
that may never be confirmed), and tamper-proof (another member's plan, an edited plan or an
old one is refused). The plan says what the member's data should hold, not a list of rows to
insert: applying it compares it with the data again, inside one transaction, so confirming
twice, or re-importing the same file, changes nothing the second time.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Episode, Show
from kernel.dates import date_format
from members.models import User
from reviews import services
from reviews.interchange import (
    CSV,
    OTHER_SHOW,
    RATING,
    TRAKT,
    TV_TIME,
    WATCH,
    WATCHLIST,
    Row,
    ShowRef,
    Upload,
    fold,
)
from reviews.models import Rating, Watch, WatchlistEntry, stars_label

PLAN_MAX_AGE = 60 * 60  # seconds: long enough to read the preview, short enough to go stale
PLAN_SALT = "reviews.import-plan"
PLAN_VERSION = 2  # 2: each rating carries the date it was given
MAX_VIEWINGS_PER_DAY = 10  # of one episode: beyond that a file is wrong, not a binge
SKIPPED_SHOWN = 100
EXTERNAL_IDS = ("trakt", "tmdb", "imdb")


class PlanError(ValueError):
    """The confirmation does not carry a valid plan for this member."""


class ImportApplyError(ValueError):
    """The plan no longer fits the catalog (an episode's dates changed): nothing was written."""


@dataclass
class RatingChange:
    episode: Episode
    score: int
    given: str
    before: int | None = None
    rated_at: datetime.datetime | None = None

    @property
    def label(self) -> str:
        return stars_label(self.score)

    @property
    def before_label(self) -> str:
        return stars_label(self.before) if self.before else ""


@dataclass
class WatchAddition:
    episode: Episode
    watched_on: datetime.date
    count: int


@dataclass
class Preview:
    sources: list[str] = field(default_factory=list)
    ratings_new: list[RatingChange] = field(default_factory=list)
    ratings_changed: list[RatingChange] = field(default_factory=list)
    ratings_unchanged: int = 0
    watches_new: list[WatchAddition] = field(default_factory=list)
    watches_known: int = 0
    watchlist_new: list[Episode] = field(default_factory=list)
    watchlist_known: int = 0
    ignored: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_total: int = 0
    ignored_files: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    reviews_left_out: int = 0
    token: str = ""

    @property
    def has_changes(self) -> bool:
        return bool(
            self.ratings_new or self.ratings_changed or self.watches_new or self.watchlist_new
        )

    @property
    def watches_new_total(self) -> int:
        return sum(addition.count for addition in self.watches_new)

    @property
    def skipped_more(self) -> int:
        return self.skipped_total - len(self.skipped)


def scale_notes(sources: set[str]) -> list[str]:
    notes = {
        TRAKT: _(
            "Trakt rates from 1 to 10 and this site in half stars, from ½ to 5: each Trakt "
            "point is half a star, so 8/10 becomes 4 stars and 1/10 becomes ½ star."
        ),
        CSV: _(
            "The CSV file's Rating column is in stars from 0.5 to 5, in half stars, as on "
            "Letterboxd: 4.5 stays 4½ stars."
        ),
        TV_TIME: _("TV Time's files hold viewings only: no ratings come from them."),
    }
    return [notes[source] for source in (TRAKT, CSV, TV_TIME) if source in sources]


class Catalog:
    """The current show's episodes, indexed every way a row can name one."""

    def __init__(self):
        self.show = Show.objects.current()
        episodes = (
            list(Episode.objects.filter(season__show=self.show).select_related("season__show"))
            if self.show
            else []
        )
        self.by_numbers = {(e.season.number, e.number): e for e in episodes}
        self.by_id = {
            (kind, getattr(e, f"{kind}_id")): e
            for e in episodes
            for kind in EXTERNAL_IDS
            if getattr(e, f"{kind}_id")
        }
        self.ordered = sorted(episodes, key=lambda e: (e.season.number, e.number))

    def is_our_show(self, ref: ShowRef) -> bool:
        """Ids decide where both sides have one; otherwise the title (and year, if given)."""
        if self.show is None:
            return False
        shared = [
            (ref.ids[kind], getattr(self.show, f"{kind}_id"))
            for kind in EXTERNAL_IDS
            if ref.ids.get(kind) and getattr(self.show, f"{kind}_id")
        ]
        if shared:
            return all(theirs == ours for theirs, ours in shared)
        if not ref.title or fold(ref.title) != fold(self.show.title):
            return False
        premiere = self.show.premiere_date
        return ref.year is None or premiere is None or ref.year == premiere.year

    def episodes_for(self, row: Row) -> list[Episode] | None:
        """The episodes a row names; None when it is about another show."""
        for kind in EXTERNAL_IDS:
            if kind in row.episode_ids and (kind, row.episode_ids[kind]) in self.by_id:
                return [self.by_id[(kind, row.episode_ids[kind])]]
        if not self.is_our_show(row.show):
            return None
        if row.kind == WATCHLIST and row.number is None:
            return [e for e in self.ordered if row.season in (None, e.season.number)]
        episode = self.by_numbers.get((row.season, row.number))
        return [episode] if episode else []


def plan_import(*, member: User, upload: Upload) -> Preview:
    catalog = Catalog()
    preview = Preview(
        sources=scale_notes(upload.sources),
        ignored_files=upload.ignored_files,
        reviews_left_out=upload.reviews_left_out,
    )
    ratings_had = dict(Rating.objects.filter(member=member).values_list("episode_id", "score"))
    watches_had = Counter(
        Watch.objects.filter(member=member).values_list("episode_id", "watched_on")
    )
    watched = {episode_id for episode_id, _day in watches_had}
    listed_had = set(
        WatchlistEntry.objects.filter(member=member).values_list("episode_id", flat=True)
    )

    # One line of a file can hold several rows (a rating and a viewing): it is counted, and
    # listed, once.
    ignored: dict[str, set[str]] = {}
    skipped: dict[tuple[str, str], None] = {}

    def skip(where: str, reason: str) -> None:
        skipped[(where, reason)] = None

    summaries: list[tuple[Row, Episode]] = []
    ratings: dict[int, RatingChange] = {}
    watches: Counter = Counter()
    watch_episodes: dict[int, Episode] = {}
    listed: dict[int, Episode] = {}
    whole_seasons: list[list[Episode]] = []

    for row in upload.rows:
        if row.ignored:
            ignored.setdefault(row.ignored, set()).add(row.where)
            continue
        episodes = catalog.episodes_for(row)
        if episodes is None:
            ignored.setdefault(str(OTHER_SHOW), set()).add(row.where)
            continue
        if row.problem:
            skip(row.where, row.problem)
            continue
        if not episodes:
            skip(
                row.where,
                _("there is no episode %(season)s×%(number)s here")
                % {"season": row.season, "number": row.number},
            )
            continue
        if row.kind == WATCHLIST:
            if row.number is None:
                whole_seasons.append(episodes)
            else:
                listed[episodes[0].pk] = episodes[0]
            continue
        episode = episodes[0]
        if row.kind == RATING:
            ratings[episode.pk] = RatingChange(episode, row.score, row.given, rated_at=row.rated_at)
        elif row.kind == WATCH:
            if reason := watch_date_problem(episode, row.watched_on):
                skip(row.where, reason)
                continue
            if row.plays:
                summaries.append((row, episode))
                continue
            key = (episode.pk, row.watched_on)
            if watches[key] >= MAX_VIEWINGS_PER_DAY:
                skip(
                    row.where,
                    _("more than %(count)s viewings of one episode on one day")
                    % {"count": MAX_VIEWINGS_PER_DAY},
                )
                continue
            watches[key] += 1
            watch_episodes[episode.pk] = episode

    # Trakt's watched-shows.json says how many times each episode was watched and when last:
    # the history in the same zip, or the viewings already here, usually hold them all. When
    # they hold none, the last viewing is added on its day; earlier ones have no date to add.
    known_viewings = Counter()  # per episode: in this file's history, or already here
    for (episode_id, _day), count in watches.items():
        known_viewings[episode_id] += count
    had_viewings = Counter()
    for (episode_id, _day), count in watches_had.items():
        had_viewings[episode_id] += count
    for row, episode in summaries:
        known = max(known_viewings[episode.pk], had_viewings[episode.pk])
        if not known:
            watches[(episode.pk, row.watched_on)] += 1
            watch_episodes[episode.pk] = episode
            known_viewings[episode.pk] += 1
            known = 1
        if row.plays > known:
            missing = row.plays - known
            skip(
                row.where,
                ngettext(
                    "%(count)s earlier viewing is not added: the file gives no date for it",
                    "%(count)s earlier viewings are not added: the file gives no date for them",
                    missing,
                )
                % {"count": missing},
            )

    # A show or season on a Trakt watchlist stands for its episodes not yet watched.
    seen = watched | set(watch_episodes)
    for episodes in whole_seasons:
        for episode in episodes:
            if episode.pk not in seen:
                listed[episode.pk] = episode
    # Watched episodes leave the watchlist, as marking one watched on the site does.
    for pk in seen:
        listed.pop(pk, None)

    order = lambda episode: (episode.season.number, episode.number)  # noqa: E731
    for change in sorted(ratings.values(), key=lambda change: order(change.episode)):
        change.before = ratings_had.get(change.episode.pk)
        if change.before is None:
            preview.ratings_new.append(change)
        elif change.before != change.score:
            preview.ratings_changed.append(change)
        else:
            preview.ratings_unchanged += 1
    wanted_watches = []
    # Viewings past the per-episode limit are left out, the latest first, and said so: the
    # plan then holds only what the confirmation can write, whole.
    kept = Counter(had_viewings)
    left_out = Counter()
    for (episode_id, day), count in sorted(
        watches.items(), key=lambda item: (order(watch_episodes[item[0][0]]), item[0][1])
    ):
        have = watches_had[(episode_id, day)]
        preview.watches_known += min(count, have)
        room = max(0, services.WATCHES_PER_EPISODE_MAX - kept[episode_id])
        new = min(count - have, room)
        left_out[episode_id] += max(0, count - have - new)
        if new > 0:
            kept[episode_id] += new
            preview.watches_new.append(WatchAddition(watch_episodes[episode_id], day, new))
            wanted_watches.append([episode_id, day.isoformat(), have + new])
    for episode_id, missing in left_out.items():
        if missing:
            skip(
                str(watch_episodes[episode_id]),
                ngettext(
                    "%(count)s viewing is not added: we keep at most %(max)s of one episode",
                    "%(count)s viewings are not added: we keep at most %(max)s of one episode",
                    missing,
                )
                % {"count": missing, "max": services.WATCHES_PER_EPISODE_MAX},
            )
    for episode in sorted(listed.values(), key=order):
        if episode.pk in listed_had:
            preview.watchlist_known += 1
        else:
            preview.watchlist_new.append(episode)

    preview.ignored = sorted(
        ((reason, len(places)) for reason, places in ignored.items()), key=lambda item: -item[1]
    )
    preview.skipped_total = len(skipped)
    preview.skipped = list(skipped)[:SKIPPED_SHOWN]
    if preview.has_changes:
        preview.token = plan_sign(
            member=member,
            ratings=[
                [c.episode.pk, c.score, c.rated_at.isoformat() if c.rated_at else None]
                for c in preview.ratings_new + preview.ratings_changed
            ],
            watches=wanted_watches,
            watchlist=[episode.pk for episode in preview.watchlist_new],
        )
    return preview


def watch_date_problem(episode: Episode, watched_on: datetime.date) -> str:
    """Why a file's viewing date cannot be one here, in the words of an import (the form's
    own words, "choose that day or later", speak to someone choosing a date)."""
    if watched_on > timezone.localdate():
        return _("the viewing date %(date)s is in the future") % {
            "date": date_format(watched_on, "DATE_FORMAT")
        }
    earliest = services.earliest_watch_date(episode)
    if earliest and watched_on < earliest:
        return _("the viewing date %(date)s is before the show was first shown, on %(first)s") % {
            "date": date_format(watched_on, "DATE_FORMAT"),
            "first": date_format(earliest, "DATE_FORMAT"),
        }
    return ""


def _salt(member: User) -> str:
    return f"{PLAN_SALT}:{member.pk}"


def plan_sign(*, member: User, ratings: list, watches: list, watchlist: list) -> str:
    payload = {"v": PLAN_VERSION, "m": member.pk, "r": ratings, "w": watches, "l": watchlist}
    return signing.dumps(payload, salt=_salt(member), compress=True)


def plan_load(*, member: User, token: str) -> dict:
    try:
        payload = signing.loads(token, salt=_salt(member), max_age=PLAN_MAX_AGE)
    except signing.SignatureExpired as error:
        raise PlanError(
            _("This preview is more than an hour old: upload the file again to import it.")
        ) from error
    except signing.BadSignature as error:
        raise PlanError(
            _("This preview is not one we made for you: upload the file again to import it.")
        ) from error
    if not isinstance(payload, dict) or payload.get("v") != PLAN_VERSION:
        raise PlanError(_("This preview is out of date: upload the file again to import it."))
    if payload.get("m") != member.pk:
        raise PlanError(
            _("This preview is not one we made for you: upload the file again to import it.")
        )
    return payload


@dataclass
class Applied:
    ratings: int = 0
    watches: int = 0
    watchlist: int = 0

    @property
    def total(self) -> int:
        return self.ratings + self.watches + self.watchlist


def import_apply(*, member: User, plan: dict) -> Applied:
    """Make the member's data hold what the plan says, through the services that keep the
    counters right; all of it or, on any error, none of it."""
    applied = Applied()
    with transaction.atomic():
        # One import at a time per member: a double click's second confirmation waits, then
        # finds everything already there.
        User.objects.select_for_update().filter(pk=member.pk).first()
        wanted_ids = (
            {episode_id for episode_id, _score, _rated_at in plan["r"]}
            | {episode_id for episode_id, _day, _count in plan["w"]}
            | set(plan["l"])
        )
        episodes = Episode.objects.select_related("season__show").in_bulk(wanted_ids)
        scores = dict(
            Rating.objects.filter(member=member, episode__in=wanted_ids).values_list(
                "episode_id", "score"
            )
        )
        for episode_id, score, rated_at in plan["r"]:
            if episode_id in episodes and scores.get(episode_id) != score:
                services.rating_set(member=member, episode=episodes[episode_id], score=score)
                if rated_at:
                    # The day the member gave it on the other site, not the day of the import.
                    Rating.objects.filter(member=member, episode_id=episode_id).update(
                        rated_at=datetime.datetime.fromisoformat(rated_at)
                    )
                applied.ratings += 1
        had = Counter(
            Watch.objects.filter(member=member, episode__in=wanted_ids).values_list(
                "episode_id", "watched_on"
            )
        )
        viewings = []
        for episode_id, day, count in plan["w"]:
            day = datetime.date.fromisoformat(day)
            if episode_id not in episodes:
                continue
            viewings += [(episodes[episode_id], day)] * max(0, count - had[(episode_id, day)])
        try:
            applied.watches = services.watches_add(member=member, viewings=viewings)
        except (services.WatchDateError, services.WatchLimitError) as error:
            raise ImportApplyError(str(error)) from error
        listed = set(
            WatchlistEntry.objects.filter(member=member, episode__in=wanted_ids).values_list(
                "episode_id", flat=True
            )
        )
        to_list = [episodes[i] for i in plan["l"] if i in episodes and i not in listed]
        services.watchlist_add(member=member, episodes=to_list)
        applied.watchlist = len(to_list)
    return applied
