"""The files members bring from other trackers, and the same files made from their data here.

Reading turns an upload (a Trakt export zip or JSON file, or a CSV file in the site's
Letterboxd-style columns or TV Time's) into `Row`s: one viewing, rating or watchlist entry
each, naming a show and an episode as the file does. Nothing here knows the database's
state; reviews/imports.py matches rows to episodes and plans the changes.

Every way a file can be wrong ends in `ImportFileError` with a message for the member:
size and row limits, zip bombs and unsafe names, text that is not UTF-8, JSON nested to
exhaust the stack, columns we do not know. docs/IMPORT_EXPORT.md lists the formats.
"""

import csv
import datetime
import io
import json
import logging
import lzma
import posixpath
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Episode, Show
from members.models import User
from reviews.models import Rating, Watch, WatchlistEntry

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # all the files of a zip together, once unpacked
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 50_000

TRAKT = "trakt"
CSV = "csv"
TV_TIME = "tvtime"

WATCH = "watch"
RATING = "rating"
WATCHLIST = "watchlist"

# The site's own CSV: Letterboxd's column names, with Season and Episode added because
# Letterboxd logs films. Names are matched without regard to case.
CSV_COLUMNS = [
    "Date",
    "Name",
    "Year",
    "Season",
    "Episode",
    "Episode Title",
    "Rating",
    "Watched Date",
    "Rewatch",
    "Watchlist",
]
CSV_REQUIRED = {"name", "season", "episode"}
# Read and left aside: they describe the row but change nothing here.
CSV_IGNORED = {"date", "episode title", "rewatch", "review", "tags", "letterboxd uri"}
TV_TIME_SEEN = {"tv_show_name", "episode_season_number", "episode_number"}
TV_TIME_TRACKING = {"series_name", "season_number", "episode_number"}
YES = {"yes", "true", "1", "y"}

# Reasons a row is left aside without being an error: counted in the preview.
OTHER_SHOW = gettext_lazy("about another show or a film")
OTHER_KIND = gettext_lazy("not an episode viewing, rating or watchlist entry")
WHOLE_SHOW_RATING = gettext_lazy(
    "a rating of a whole show or season (ratings here are per episode)"
)


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing of it is imported."""


@dataclass(frozen=True)
class ShowRef:
    title: str = ""
    year: int | None = None
    ids: dict = field(default_factory=dict)  # {"trakt": int, "tmdb": int, "imdb": str}


@dataclass
class Row:
    where: str  # "watched-history.json, item 3" or "diary.csv, line 4"
    kind: str  # WATCH, RATING or WATCHLIST
    source: str  # TRAKT, CSV or TV_TIME
    show: ShowRef
    season: int | None = None
    number: int | None = None  # None with a season: the whole season (a watchlist entry)
    episode_ids: dict = field(default_factory=dict)
    watched_on: datetime.date | None = None
    score: int | None = None  # already on the site's 1–10 half-star scale
    given: str = ""  # the rating as the file wrote it, for the preview
    problem: str = ""  # why this row cannot be imported, when it cannot
    ignored: str = ""  # why this row is not ours to import (another show, a film)


@dataclass
class Upload:
    rows: list[Row] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    ignored_files: list[str] = field(default_factory=list)
    reviews_left_out: int = 0


# --- Reading ---------------------------------------------------------------------------------


def read_upload(upload) -> Upload:
    """Everything in the uploaded file, or ImportFileError."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(too_large_message(MAX_UPLOAD_BYTES))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(too_large_message(MAX_UPLOAD_BYTES))
    result = Upload()
    name = posixpath.basename((upload.name or "upload").replace("\\", "/"))
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        read_zip(data, result)
    else:
        read_file(name, data, result, only_known=False)
    if not result.rows and not result.sources:
        raise ImportFileError(
            _("This file holds nothing we can import: upload a Trakt export or a CSV file.")
        )
    return result


def too_large_message(limit: int) -> str:
    return _("This file is too large: the limit is %(size)s MB.") % {"size": limit // 1024 // 1024}


def unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or ".." in parts
        or (":" in parts[0])  # a Windows drive, C:
    )


def read_zip(data: bytes, result: Upload) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ImportFileError(_("This zip file is damaged and cannot be opened.")) from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(
                _("This zip holds more than %(count)s files; a Trakt export holds far fewer.")
                % {"count": MAX_ZIP_MEMBERS}
            )
        if any(unsafe_name(member.filename) for member in members):
            raise ImportFileError(
                _("This zip names files outside its own folder; we do not open such zips.")
            )
        wanted = []
        for member in members:
            base = posixpath.basename(member.filename)
            if member.is_dir() or not base or base.startswith(".") or "__MACOSX" in member.filename:
                continue
            if base.lower().endswith((".json", ".csv")):
                wanted.append(member)
            else:
                result.ignored_files.append(member.filename)
        # The sizes the zip declares, checked first; the reads below enforce the real ones.
        if sum(member.file_size for member in wanted) > MAX_UNPACKED_BYTES:
            raise ImportFileError(unpacked_too_large())
        if not wanted:
            raise ImportFileError(_("This zip holds no JSON or CSV files to import."))
        budget = MAX_UNPACKED_BYTES
        for member in wanted:
            content = read_member(archive, member, budget)
            budget -= len(content)
            read_file(posixpath.basename(member.filename), content, result, only_known=True)


def unpacked_too_large() -> str:
    return _("This zip is too large once unpacked: the limit is %(size)s MB.") % {
        "size": MAX_UNPACKED_BYTES // 1024 // 1024
    }


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> bytes:
    chunks, total = [], 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(64 * 1024):
                total += len(chunk)
                if total > budget:
                    raise ImportFileError(unpacked_too_large())
                chunks.append(chunk)
    except ImportFileError:
        raise
    except RuntimeError as error:  # encrypted
        raise ImportFileError(_("This zip is protected by a password.")) from error
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        OSError,
        NotImplementedError,
    ) as error:
        raise ImportFileError(_("This zip file is damaged and cannot be opened.")) from error
    return b"".join(chunks)


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("%(name)s is not UTF-8 text: upload the file as the site exported it.")
            % {"name": name}
        ) from error


def read_file(name: str, data: bytes, result: Upload, *, only_known: bool) -> None:
    lowered = name.lower()
    extension = posixpath.splitext(lowered)[1]
    if extension not in ("", ".json", ".csv", ".txt"):
        raise ImportFileError(
            _("This is not a zip, JSON or CSV file: upload a Trakt export or a CSV file.")
        )
    text = decode(name, data)
    stripped = text.lstrip()
    if not stripped:
        if only_known:
            return  # an empty file in a zip: nothing in it, nothing wrong with the rest
        raise ImportFileError(_("%(name)s is empty.") % {"name": name})
    if extension == ".json" or (extension != ".csv" and stripped[0] in "[{"):
        read_trakt(name, text, result)
    else:
        read_csv(name, text, result)


def add_row(result: Upload, row: Row) -> None:
    if len(result.rows) >= MAX_ROWS:
        raise ImportFileError(
            _("This file has more than %(count)s rows; split it and import each part.")
            % {"count": MAX_ROWS}
        )
    result.rows.append(row)


# Trakt -----------------------------------------------------------------------------------------


def read_trakt(name: str, text: str, result: Upload) -> None:
    try:
        items = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ImportFileError(
            _("%(name)s is not valid JSON: upload the files of a Trakt export as they came.")
            % {"name": name}
        ) from error
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ImportFileError(
            _("%(name)s is not a Trakt export: it should hold a list of items.") % {"name": name}
        )
    recognised = [item for item in items if {"watched_at", "rated_at", "listed_at"} & item.keys()]
    if items and not recognised:
        raise ImportFileError(
            _(
                "%(name)s is not a Trakt history, ratings or watchlist file "
                "(its items have no watched_at, rated_at or listed_at)."
            )
            % {"name": name}
        )
    result.sources.add(TRAKT)
    for index, item in enumerate(items, start=1):
        where = _("%(file)s, item %(number)s") % {"file": name, "number": index}
        add_row(result, trakt_row(item, where=where))


def trakt_ids(value) -> dict:
    ids = {}
    if not isinstance(value, dict):
        return ids
    for key in ("trakt", "tmdb"):
        number = value.get(key)
        # Ids are at most 18 digits: a longer string is not an id (and int() of thousands
        # of digits raises ValueError).
        if isinstance(number, str) and number.isdecimal() and len(number) <= 18:
            number = int(number)
        if isinstance(number, int) and not isinstance(number, bool) and number > 0:
            ids[key] = number
    imdb = value.get("imdb")
    if isinstance(imdb, str) and imdb:
        ids["imdb"] = imdb.strip()
    return ids


def trakt_show(value) -> ShowRef:
    if not isinstance(value, dict):
        return ShowRef()
    title = value.get("title")
    year = value.get("year")
    return ShowRef(
        title=title if isinstance(title, str) else "",
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        ids=trakt_ids(value.get("ids")),
    )


def whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 4:
        value = int(value.strip())
    return value if isinstance(value, int) and 0 < value < 10_000 else None


def trakt_row(item: dict, *, where: str) -> Row:
    if "watched_at" in item:
        kind = WATCH
    elif "rated_at" in item:
        kind = RATING
    elif "listed_at" in item:
        kind = WATCHLIST
    else:
        return Row(where, "", TRAKT, ShowRef(), ignored=str(OTHER_KIND))
    row = Row(where, kind, TRAKT, trakt_show(item.get("show")))
    kind_of_item = item.get("type")
    if kind_of_item == "movie" or (kind_of_item != "episode" and "movie" in item):
        row.ignored = str(OTHER_SHOW)
        return row
    if kind_of_item in ("show", "season") and kind == RATING:
        row.ignored = str(WHOLE_SHOW_RATING)
        return row
    if kind_of_item == "season" and kind == WATCHLIST:
        season = item.get("season") if isinstance(item.get("season"), dict) else {}
        row.season = whole_number(season.get("number"))
        if row.season is None:
            row.problem = _("the season has no number")
        return row
    if kind_of_item == "show" and kind == WATCHLIST:
        return row  # the whole show
    if kind_of_item != "episode":
        row.ignored = str(OTHER_KIND)
        return row
    episode = item.get("episode") if isinstance(item.get("episode"), dict) else {}
    row.season = whole_number(episode.get("season"))
    row.number = whole_number(episode.get("number"))
    row.episode_ids = trakt_ids(episode.get("ids"))
    if (row.season is None or row.number is None) and not row.episode_ids:
        row.problem = _("the episode has no season and number")
    if kind == WATCH:
        row.watched_on = local_date(item.get("watched_at"))
        if row.watched_on is None:
            row.problem = _("the viewing date %(value)s is not a date") % {
                "value": shorten(item.get("watched_at"))
            }
    elif kind == RATING:
        rating = item.get("rating")
        row.given = f"{shorten(rating)}/10"
        number = whole_number(rating)
        if number is None or not 1 <= number <= 10:
            row.problem = _("the rating %(value)s is not a whole number from 1 to 10") % {
                "value": shorten(rating)
            }
        else:
            row.score = number  # Trakt's 1–10 is the site's scale: each point half a star
    return row


def local_date(value) -> datetime.date | None:
    """A Trakt or TV Time timestamp as the day it was in the site's time zone."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        moment = parse_datetime(text.replace(" UTC", "").replace(" +0000", "+00:00"))
        if moment is None:
            return parse_date(text)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)  # TV Time writes UTC without saying so
    try:
        return timezone.localtime(moment).date()
    except (OverflowError, ValueError):
        return None


def shorten(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


# CSV -------------------------------------------------------------------------------------------


def read_csv(name: str, text: str, result: Upload) -> None:
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            raise ImportFileError(_("%(name)s is empty.") % {"name": name})
        columns = [column.strip().lower() for column in header]
        present = set(columns)
        if present >= CSV_REQUIRED:
            source, parse = CSV, csv_row
        elif present >= TV_TIME_SEEN or present >= TV_TIME_TRACKING:
            source, parse = TV_TIME, tv_time_row
        else:
            raise ImportFileError(
                _(
                    "The columns of %(name)s are not ones we know. A CSV file needs at least "
                    "the columns Name, Season and Episode (see the list of columns below), "
                    "or those of TV Time's seen_episode or tracking-prod-records file."
                )
                % {"name": name}
            )
        result.sources.add(source)
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            record = dict(zip(columns, (value.strip() for value in values), strict=False))
            where = _("%(file)s, line %(number)s") % {"file": name, "number": reader.line_num}
            if source == CSV and record.get("review"):
                result.reviews_left_out += 1
            for row in parse(record, where):
                add_row(result, row)
    except csv.Error as error:
        # Python's reason ("field larger than field limit", ...) is English only: it goes
        # to the log, and the member reads a message in their language.
        log.info("Import: %r is not a CSV file we can read: %s", name, error)
        raise ImportFileError(
            _(
                "%(name)s is not a CSV file we can read: a value in it is far too long, or "
                "a quotation mark is never closed."
            )
            % {"name": name}
        ) from error


def csv_show(record: dict, title_column: str) -> ShowRef:
    year = record.get("year", "")
    return ShowRef(
        title=record.get(title_column, ""),
        year=int(year) if year.isdecimal() and len(year) == 4 else None,
    )


def csv_numbers(row: Row, record: dict, season_column: str, episode_column: str) -> None:
    row.season = whole_number(record.get(season_column, ""))
    row.number = whole_number(record.get(episode_column, ""))
    if row.season is None or row.number is None:
        row.problem = _("Season and Episode must be whole numbers from 1")


def csv_row(record: dict, where: str) -> list[Row]:
    show = csv_show(record, "name")
    rows = []
    rating = record.get("rating", "")
    watched = record.get("watched date", "")
    on_watchlist = record.get("watchlist", "").lower() in YES
    if rating:
        row = Row(where, RATING, CSV, show, given=_("%(stars)s stars") % {"stars": rating})
        try:
            stars = Decimal(rating.replace(",", "."))
        except InvalidOperation:
            stars = None
        if stars is None or not stars.is_finite() or not Decimal("0.5") <= stars <= 5:
            row.problem = _("the rating %(value)s is not from 0.5 to 5 stars") % {
                "value": shorten(rating)
            }
        elif (stars * 2) % 1:
            row.problem = _("the rating %(value)s is not in half stars") % {"value": rating}
        else:
            row.score = int(stars * 2)
        rows.append(row)
    if watched:
        row = Row(where, WATCH, CSV, show, watched_on=parse_iso_date(watched))
        if row.watched_on is None:
            row.problem = _("Watched Date %(value)s is not a date (YYYY-MM-DD)") % {
                "value": shorten(watched)
            }
        rows.append(row)
    if on_watchlist:
        rows.append(Row(where, WATCHLIST, CSV, show))
    if not rows:
        rows.append(
            Row(
                where,
                "",
                CSV,
                show,
                problem=_("nothing to import: no Rating, Watched Date or Watchlist"),
            )
        )
    for row in rows:
        problem = row.problem
        csv_numbers(row, record, "season", "episode")
        row.problem = problem or row.problem
    return rows


def parse_iso_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def tv_time_row(record: dict, where: str) -> list[Row]:
    tracking = "series_name" in record
    show = csv_show(record, "series_name" if tracking else "tv_show_name")
    key = record.get("key", "")
    if tracking and key and not key.startswith(("watch-episode", "rewatch-episode")):
        return [Row(where, "", TV_TIME, show, ignored=str(OTHER_KIND))]
    row = Row(where, WATCH, TV_TIME, show)
    if not record.get("episode_number"):
        row.ignored = str(OTHER_SHOW)  # a film
        return [row]
    csv_numbers(
        row,
        record,
        "season_number" if tracking else "episode_season_number",
        "episode_number",
    )
    when = record.get("created_at") or record.get("updated_at", "")
    row.watched_on = local_date(when)
    if row.watched_on is None and not row.problem:
        row.problem = _("the viewing date %(value)s is not a date") % {"value": shorten(when)}
    return [row]


# --- Writing -----------------------------------------------------------------------------------


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def watched_at(day: datetime.date) -> str:
    """A day as a Trakt timestamp: noon in the site's time zone, which reads back as the
    same day here whatever the zone."""
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return utc_stamp(noon)


def trakt_show_item(show: Show) -> dict:
    return {
        "title": show.title,
        "year": show.premiere_date.year if show.premiere_date else None,
        "ids": {
            "trakt": show.trakt_id,
            "slug": None,
            "tvdb": None,
            "imdb": show.imdb_id or None,
            "tmdb": show.tmdb_id,
        },
    }


def trakt_episode_item(episode: Episode) -> dict:
    return {
        "season": episode.season.number,
        "number": episode.number,
        "title": episode.title,
        "ids": {
            "trakt": episode.trakt_id,
            "tvdb": None,
            "imdb": episode.imdb_id or None,
            "tmdb": episode.tmdb_id,
        },
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

    files = {
        "watched-history.json": [
            item(
                watch.episode, id=watch.pk, watched_at=watched_at(watch.watched_on), action="watch"
            )
            for watch in watches
        ],
        "ratings-episodes.json": [
            item(rating.episode, rated_at=utc_stamp(rating.updated_at), rating=rating.score)
            for rating in ratings
        ],
        "watchlist.json": [
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
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)

    def write(episode: Episode, logged: datetime.datetime, **values) -> None:
        show = episode.season.show
        row = {
            "Date": timezone.localtime(logged).date().isoformat(),
            "Name": show.title,
            "Year": show.premiere_date.year if show.premiere_date else "",
            "Season": episode.season.number,
            "Episode": episode.number,
            "Episode Title": episode.title,
            **values,
        }
        writer.writerow([row.get(column, "") for column in CSV_COLUMNS])

    seen = set()
    for watch in watches:
        rewatch = "Yes" if watch.episode_id in seen else ""
        seen.add(watch.episode_id)
        write(
            watch.episode,
            watch.created_at,
            **{"Watched Date": watch.watched_on.isoformat(), "Rewatch": rewatch},
        )
    for rating in ratings:
        write(rating.episode, rating.updated_at, Rating=stars(rating.score))
    for entry in watchlist:
        write(entry.episode, entry.created_at, Watchlist="Yes")
    return buffer.getvalue()


def fold(text: str) -> str:
    """Titles compared as people read them: "Etoile" is "Étoile"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
