"""What a member rated, wrote, liked, watched and reported: the sections of their data
export (etoile_app/exports.py), one list of flat rows each; and their ratings, watches and
watchlist in the files other trackers read (a Trakt export, a Letterboxd-style CSV)."""

import datetime
import io
import json
import zipfile

from django.utils import timezone

from catalog.models import Episode, Show
from kernel import spreadsheets
from members.models import User
from reviews.interchange import CSV_COLUMNS, TRAKT_READER_COLUMNS
from reviews.models import Like, MemberImport, Rating, Report, Review, Watch, WatchlistEntry
from reviews.tracking import viewing_number


def rating_rows(member: User) -> list[dict]:
    return [
        {
            "season": rating.episode.season.number,
            "episode": rating.episode.number,
            "episode_title": rating.episode.title,
            "score": rating.score,
            "stars": rating.score / 2,
            "rated_at": rating.rated_at.isoformat(),
            "updated_at": rating.updated_at.isoformat(),
        }
        for rating in Rating.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    ]


def review_rows(member: User) -> list[dict]:
    return [
        {
            "id": review.pk,
            "season": review.episode.season.number,
            "episode": review.episode.number,
            "reply_to": review.parent_id or "",
            "body": review.body,
            "contains_spoilers": review.is_spoiler,
            "status": review.status,
            "likes": review.like_count,
            "written_at": review.created_at.isoformat(),
            "edited_at": review.edited_at.isoformat() if review.edited_at else "",
        }
        for review in Review.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("created_at")
    ]


def like_rows(member: User) -> list[dict]:
    return [
        {"review": like.review_id, "liked_at": like.created_at.isoformat()}
        for like in Like.objects.filter(member=member).order_by("created_at")
    ]


def watch_rows(member: User) -> list[dict]:
    return [
        {
            "season": watch.episode.season.number,
            "episode": watch.episode.number,
            "episode_title": watch.episode.title,
            "watched_on": watch.watched_on.isoformat(),
            "viewing": watch.viewing,  # 1 is the first watch, 2 and up rewatches
            "marked_at": watch.created_at.isoformat(),
        }
        for watch in Watch.objects.filter(member=member)
        .select_related("episode__season")
        .annotate(viewing=viewing_number())
        .order_by("watched_on", "created_at", "pk")
    ]


def watchlist_rows(member: User) -> list[dict]:
    return [
        {
            "season": entry.episode.season.number,
            "episode": entry.episode.number,
            "episode_title": entry.episode.title,
            "added_at": entry.created_at.isoformat(),
        }
        for entry in WatchlistEntry.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    ]


def report_rows(member: User) -> list[dict]:
    """What the member told moderators: their words too. Not the outcome for the reported
    member, which is theirs, only whether a moderator has dealt with the report."""
    return [
        {
            "review": report.review_id,
            "reason": report.reason,
            "note": report.note,
            "reported_at": report.created_at.isoformat(),
            "resolved": report.resolved_at is not None,
        }
        for report in Report.objects.filter(reporter=member).order_by("created_at", "pk")
    ]


def import_rows(member: User) -> list[dict]:
    """The imports the member confirmed and how each ended (what they added is in the
    sections above)."""
    return [
        {
            "confirmed_at": run.created_at.isoformat(),
            "status": run.status,
            "ratings": run.ratings,
            "viewings": run.watches,
            "watchlist_entries": run.watchlist,
            "finished_at": run.finished_at.isoformat() if run.finished_at else "",
        }
        for run in MemberImport.objects.filter(member=member).order_by("created_at", "pk")
    ]


# Each section's columns, so that its CSV file has its header row even with no rows.
COLUMNS = {
    "ratings": ["season", "episode", "episode_title", "score", "stars", "rated_at", "updated_at"],
    "reviews": [
        "id",
        "season",
        "episode",
        "reply_to",
        "body",
        "contains_spoilers",
        "status",
        "likes",
        "written_at",
        "edited_at",
    ],
    "likes": ["review", "liked_at"],
    "watches": ["season", "episode", "episode_title", "watched_on", "viewing", "marked_at"],
    "watchlist": ["season", "episode", "episode_title", "added_at"],
    "reports": ["review", "reason", "note", "reported_at", "resolved"],
    "imports": [
        "confirmed_at",
        "status",
        "ratings",
        "viewings",
        "watchlist_entries",
        "finished_at",
    ],
}


def export_sections(member: User) -> dict[str, list[dict]]:
    return {
        "ratings": rating_rows(member),
        "reviews": review_rows(member),
        "likes": like_rows(member),
        "watches": watch_rows(member),
        "watchlist": watchlist_rows(member),
        "reports": report_rows(member),
        "imports": import_rows(member),
    }


# --- In other trackers' formats: a Trakt export and the site's CSV (reviews/interchange.py reads
# both back) ----------------------------------------------------------------------------------


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def watched_at(day: datetime.date) -> str:
    """A day as a Trakt timestamp: noon in the site's time zone, which reads back as the
    same day here whatever the zone."""
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return utc_stamp(noon)


def external_ids(thing: Show | Episode) -> dict:
    """The ids admins have set, and only those: a reader given "trakt": null builds links to
    /shows/None. An episode without ids keeps an empty "ids", as Trakt writes it: without the
    key, Trakt's importer would take the show's ids for the episode's (TraktJsonParser.ts)."""
    ids = {"trakt": thing.trakt_id, "imdb": thing.imdb_id, "tmdb": thing.tmdb_id}
    return {kind: value for kind, value in ids.items() if value}


def trakt_show_item(show: Show) -> dict:
    item = {"title": show.title, "ids": external_ids(show)}
    if show.premiere_date:
        item["year"] = show.premiere_date.year
    return item


def trakt_episode_item(episode: Episode) -> dict:
    return {
        "season": episode.season.number,
        "number": episode.number,
        "title": episode.title,
        "ids": external_ids(episode),
    }


def member_data(member: User):
    """The member's ratings, watches and watchlist, each with its episode and show."""
    related = "episode__season__show"
    return (
        Rating.objects.filter(member=member)
        .select_related(related)
        .order_by("episode__season__number", "episode__number"),
        Watch.objects.filter(member=member)
        .select_related(related)
        .order_by("watched_on", "created_at", "pk"),
        WatchlistEntry.objects.filter(member=member)
        .select_related(related)
        .order_by("episode__season__number", "episode__number"),
    )


def trakt_export(member: User) -> bytes:
    ratings, watches, watchlist = member_data(member)

    def item(episode: Episode, **fields) -> dict:
        return {
            **fields,
            "type": "episode",
            "episode": trakt_episode_item(episode),
            "show": trakt_show_item(episode.season.show),
        }

    # The folders Trakt's own importer reads (trakt/trakt-web, projects/client/src/lib/sections/
    # settings/import/parsers/TraktJsonParser.ts: watched/history*, ratings/ratings*,
    # lists/watchlist.json); reviews/interchange.py reads them back by the same names.
    files = {
        "watched/history.json": [
            item(
                watch.episode, id=watch.pk, watched_at=watched_at(watch.watched_on), action="watch"
            )
            for watch in watches
        ],
        "ratings/ratings-episodes.json": [
            item(rating.episode, rated_at=utc_stamp(rating.rated_at), rating=rating.score)
            for rating in ratings
        ],
        "lists/watchlist.json": [
            item(entry.episode, rank=rank, id=entry.pk, listed_at=utc_stamp(entry.created_at))
            | {"notes": None}
            for rank, entry in enumerate(watchlist, start=1)
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, items in files.items():
            archive.writestr(name, json.dumps(items, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def stars(score: int) -> str:
    return f"{score / 2:g}"


def csv_export(member: User) -> str:
    ratings, watches, watchlist = list(map(list, member_data(member)))
    buffer = io.StringIO()
    # No cell a spreadsheet would run as a formula; reviews/interchange.py takes the quote
    # back off when the file is imported here.
    writer = spreadsheets.Writer(buffer)
    columns = CSV_COLUMNS + TRAKT_READER_COLUMNS
    writer.writerow(columns)

    def write(episode: Episode, logged: datetime.datetime, **values) -> None:
        show = episode.season.show
        row = {
            "type": "episode",
            **external_ids(episode),
            "Date": timezone.localtime(logged).date().isoformat(),
            "Name": show.title,
            "Year": show.premiere_date.year if show.premiere_date else "",
            "Season": episode.season.number,
            "Episode": episode.number,
            "Episode Title": episode.title,
            **values,
        }
        writer.writerow([row.get(column, "") for column in columns])

    seen = set()
    for watch in watches:
        rewatch = "Yes" if watch.episode_id in seen else ""
        seen.add(watch.episode_id)
        write(
            watch.episode,
            watch.created_at,
            **{
                "Watched Date": watch.watched_on.isoformat(),
                "Rewatch": rewatch,
                "watched_at": watched_at(watch.watched_on),
            },
        )
    for rating in ratings:
        write(rating.episode, rating.rated_at, Rating=stars(rating.score))
    for entry in watchlist:
        write(
            entry.episode, entry.created_at, Watchlist="Yes", listed_at=utc_stamp(entry.created_at)
        )
    return buffer.getvalue()
