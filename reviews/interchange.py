"""The files members bring from other trackers (reviews/exports.py writes the same formats).

Reading turns an upload (a Trakt export zip or JSON file, Trakt's CSV export, a CSV file in
the site's Letterboxd-style columns or one of Letterboxd's own, TV Time's GDPR export or its
newer "export my data" files) into `Row`s: one viewing, rating or watchlist entry each,
naming a show and an episode as the file does. Nothing here knows the database's state;
reviews/imports.py matches rows to episodes and plans the changes.

A zip is read file by file: what we understand is imported, and every other file is listed
in the preview with the reason it is left aside (a profile, favourites, a custom list, a
collection...). Every way the upload as a whole can be wrong ends in `ImportFileError` with a
message for the member: size, row and object limits, zip bombs and unsafe names, text that is
not UTF-8, JSON nested to exhaust the stack, columns we do not know. docs/IMPORT_EXPORT.md
lists the formats and where each one's shape comes from.
"""

import csv
import datetime
import io
import json
import logging
import lzma
import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.spreadsheets import unquoted

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # all the files of a zip together, once unpacked
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 50_000
# JSON objects and arrays in one upload, counted on the text before it is parsed: a Trakt
# history item holds five or six (the item, its episode, show and their ids), so 50,000 rows
# need about 300,000. Twenty megabytes of "{}," would be nearly seven million, and cost
# hundreds of megabytes of memory once parsed: such a file is refused unparsed.
MAX_JSON_CONTAINERS = 8 * MAX_ROWS

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
# Written after them by the export, read by Trakt's CSV reader (trakt/trakt-web,
# projects/client/src/lib/sections/settings/import/parsers/TraktCsvParser.ts), which takes
# Name, Year, Season and Episode as they are but reads a row as a film unless its type says
# "episode", and takes the day from watched_at and a watchlist entry from listed_at. Here they
# are read and left aside: the columns before them say the same.
TRAKT_READER_COLUMNS = ["type", "watched_at", "listed_at", "trakt", "imdb", "tmdb"]
CSV_REQUIRED = {"name", "season", "episode"}
# Letterboxd's own files (diary.csv, ratings.csv, watched.csv, watchlist.csv, reviews.csv):
# films, so no Season or Episode.
LETTERBOXD_COLUMNS = {"date", "name", "year", "letterboxd uri"}
TV_TIME_SEEN = {"tv_show_name", "episode_season_number", "episode_number"}
YES = {"yes", "true", "1", "y"}

# Reasons a row is left aside without being an error: counted in the preview.
OTHER_SHOW = gettext_lazy("about another show or a film")
OTHER_KIND = gettext_lazy("not an episode viewing, rating or watchlist entry")
WHOLE_SHOW_RATING = gettext_lazy(
    "a rating of a whole show or season (ratings here are per episode)"
)
OTHER_LIST = gettext_lazy("on a list other than the watchlist (favourites or a custom list)")
NOT_WATCHED = gettext_lazy("an episode the file says was not watched")

# Reasons a whole file of a zip is left aside: listed in the preview with the file's name.
FILE_ACCOUNT = gettext_lazy("your account, profile, settings, friends or hidden items")
FILE_OTHER_LIST = gettext_lazy(
    "a list other than the watchlist (favourites or a custom list): never imported as the watchlist"
)
FILE_COLLECTION = gettext_lazy("your collection: what you own, not what you watched")
FILE_COMMENTS = gettext_lazy("comments, notes or reviews: they are not imported")
FILE_PLAYBACK = gettext_lazy("viewings paused part-way, not finished")
FILE_FILMS = gettext_lazy("films: only episodes are imported here")
FILE_FOLLOWS = gettext_lazy("shows you follow: follows are not imported")
FILE_NOT_TRACKING = gettext_lazy("not viewings, ratings or a watchlist")
FILE_NOT_READ = gettext_lazy("not a JSON or CSV file")


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing of it is imported."""


class ImportLimitError(ImportFileError):
    """A limit of the upload as a whole: never narrowed to one file of a zip."""


@dataclass(frozen=True)
class ShowRef:
    title: str = ""
    year: int | None = None
    ids: dict = field(default_factory=dict)  # {"trakt": int, "tmdb": int, "imdb": str, "tvdb"}


@dataclass
class Row:
    where: str  # "watched-history.json, item 3" or "diary.csv, line 4"
    kind: str  # WATCH, RATING or WATCHLIST
    source: str  # TRAKT, CSV or TV_TIME (Letterboxd's files are CSV)
    show: ShowRef
    season: int | None = None
    number: int | None = None  # None with a season: the whole season (a watchlist entry)
    episode_ids: dict = field(default_factory=dict)
    watched_on: datetime.date | None = None
    score: int | None = None  # already on the site's 1–10 half-star scale
    rated_at: datetime.datetime | None = None  # when the member gave the rating, if known
    plays: int = 0  # a summary (Trakt's watched-shows.json): this many viewings, the last one
    # on watched_on; the others' dates are not in the file
    given: str = ""  # the rating as the file wrote it, for the preview
    problem: str = ""  # why this row cannot be imported, when it cannot
    ignored: str = ""  # why this row is not ours to import (another show, a film)


@dataclass
class Upload:
    rows: list[Row] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    ignored_files: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    reviews_left_out: int = 0
    # TV Time's show ids (TVDB's) with the names other rows or files give them.
    show_names: dict[int, ShowRef] = field(default_factory=dict)
    json_containers: int = 0

    def leave_aside(self, name: str, reason) -> None:
        self.ignored_files.append((name, str(reason)))


# --- Reading ---------------------------------------------------------------------------------


def read_upload(upload) -> Upload:
    """Everything in the uploaded file, or ImportFileError."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportLimitError(too_large_message(MAX_UPLOAD_BYTES))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportLimitError(too_large_message(MAX_UPLOAD_BYTES))
    result = Upload()
    name = posixpath.basename((upload.name or "upload").replace("\\", "/"))
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        read_zip(data, result)
    else:
        read_file(name, data, result, in_zip=False)
    name_tv_time_shows(result)
    if not result.rows and not result.sources:
        if result.ignored_files:
            raise ImportFileError(
                _("This zip holds nothing we can import: %(files)s.")
                % {
                    "files": "; ".join(
                        f"{file} ({reason})" for file, reason in result.ignored_files[:10]
                    )
                }
            )
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
            raise ImportLimitError(
                _("This zip holds more than %(count)s files; a Trakt export holds far fewer.")
                % {"count": MAX_ZIP_MEMBERS}
            )
        if any(unsafe_name(member.filename) for member in members):
            raise ImportLimitError(
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
                result.leave_aside(member.filename, FILE_NOT_READ)
        # The sizes the zip declares, checked first; the reads below enforce the real ones.
        if sum(member.file_size for member in wanted) > MAX_UNPACKED_BYTES:
            raise ImportLimitError(unpacked_too_large())
        if not wanted:
            raise ImportFileError(_("This zip holds no JSON or CSV files to import."))
        budget = MAX_UNPACKED_BYTES
        for member in wanted:
            reason = left_aside_by_name(member.filename)
            if reason:
                result.leave_aside(member.filename, reason)
                continue
            content = read_member(archive, member, budget)
            budget -= len(content)
            try:
                read_file(member.filename, content, result, in_zip=True)
            except ImportLimitError:
                raise
            except ImportFileError as error:
                # One file we cannot read costs the member that file, not the rest of the zip.
                result.leave_aside(member.filename, str(error).rstrip("."))


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
                    raise ImportLimitError(unpacked_too_large())
                chunks.append(chunk)
    except ImportFileError:
        raise
    except RuntimeError as error:  # encrypted
        raise ImportLimitError(_("This zip is protected by a password.")) from error
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        OSError,
        NotImplementedError,
    ) as error:
        raise ImportLimitError(_("This zip file is damaged and cannot be opened.")) from error
    return b"".join(chunks)


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("%(name)s is not UTF-8 text: upload the file as the site exported it.")
            % {"name": name}
        ) from error


# What a file is, by its name ----------------------------------------------------------------
#
# Trakt's export (trakt/trakt-web, projects/client/src/lib/sections/settings/export/
# runRawExport.ts) names each file after the API call it saved, with "-2", "-3"… when the call
# took several pages; older exports put the same files in folders (watched/, ratings/, lists/),
# which is how Trakt's own importer reads them (import/parsers/TraktJsonParser.ts). TV Time's
# GDPR zip and Letterboxd's zip hold many files beside the ones with viewings.

HISTORY = "history"
WATCHED_SHOWS = "watched-shows"
RATINGS = "ratings"
LIST_WATCHLIST = "watchlist"
ANY = "any"  # a file whose name says nothing: its items or columns decide


def stem(path: str) -> str:
    """ "watched/watched-history-3.json" → "watched-history"."""
    base = posixpath.splitext(posixpath.basename(path.lower()))[0]
    return re.sub(r"-\d+$", "", base)


def left_aside_by_name(path: str):
    """The reason a file of a zip is not read at all, from its name; None to read it."""
    name = stem(path)
    if name in ("lists-favorites", "favorites", "lists-collaborations", "lists-lists"):
        return FILE_OTHER_LIST
    if name.startswith(("lists-list-", "likes-lists")) or path.lower().startswith("lists/lists"):
        return FILE_OTHER_LIST
    if name.startswith("collection"):
        return FILE_COLLECTION
    if name.startswith(("comments-", "notes-")) or name in ("comments", "reviews"):
        return FILE_COMMENTS
    if name == "watched-playback":
        return FILE_PLAYBACK
    if name in ("watched-movies", "ratings-movies"):
        return FILE_FILMS
    if name.startswith(("user-", "hidden-", "network-", "likes-", "_errors")) or name in (
        "profile",
        "likes",
    ):
        return FILE_ACCOUNT
    if name == "followed_tv_show":
        return None  # read for the names of the shows it follows, then left aside
    return None


def trakt_kind_by_name(path: str) -> str:
    name = stem(path)
    if name in ("watched-history", "history") or name.startswith("history"):
        return HISTORY
    if name == WATCHED_SHOWS:
        return WATCHED_SHOWS
    if name.startswith("ratings"):
        return RATINGS
    if name in ("lists-watchlist", "watchlist"):
        return LIST_WATCHLIST
    return ANY


def read_file(path: str, data: bytes, result: Upload, *, in_zip: bool) -> None:
    name = posixpath.basename(path)
    lowered = name.lower()
    extension = posixpath.splitext(lowered)[1]
    if extension not in ("", ".json", ".csv", ".txt"):
        raise ImportFileError(
            _("This is not a zip, JSON or CSV file: upload a Trakt export or a CSV file.")
        )
    if not in_zip:
        reason = left_aside_by_name(path)
        if reason:
            raise ImportFileError(
                _("%(name)s is not imported: %(reason)s.") % {"name": name, "reason": reason}
            )
    text = decode(name, data)
    stripped = text.lstrip()
    if not stripped:
        if in_zip:
            return  # an empty file in a zip: nothing in it, nothing wrong with the rest
        raise ImportFileError(_("%(name)s is empty.") % {"name": name})
    if extension == ".json" or (extension != ".csv" and stripped[0] in "[{"):
        read_trakt(path, text, result, in_zip=in_zip)
    else:
        read_csv(path, text, result, in_zip=in_zip)


def add_row(result: Upload, row: Row) -> None:
    if len(result.rows) >= MAX_ROWS:
        raise ImportLimitError(
            _("This file has more than %(count)s rows; split it and import each part.")
            % {"count": MAX_ROWS}
        )
    result.rows.append(row)


# Trakt -----------------------------------------------------------------------------------------


def count_json_containers(result: Upload, text: str) -> None:
    """Refuse, before parsing, a text that would build more objects than any export holds."""
    result.json_containers += text.count("{") + text.count("[")
    if result.json_containers > MAX_JSON_CONTAINERS:
        raise ImportLimitError(
            _(
                "This file holds more items than %(count)s rows could: split it and import "
                "each part."
            )
            % {"count": MAX_ROWS}
        )


def read_trakt(path: str, text: str, result: Upload, *, in_zip: bool) -> None:
    name = posixpath.basename(path)
    count_json_containers(result, text)
    try:
        items = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ImportFileError(
            _("%(name)s is not valid JSON: upload the files of a Trakt export as they came.")
            % {"name": name}
        ) from error
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        if in_zip:
            result.leave_aside(path, FILE_NOT_TRACKING)
            return
        raise ImportFileError(
            _("%(name)s is not a Trakt export: it should hold a list of items.") % {"name": name}
        )
    kind = trakt_kind_by_name(path)
    if kind == WATCHED_SHOWS:
        result.sources.add(TRAKT)
        read_watched_shows(name, items, result)
        return
    recognised = any({"watched_at", "rated_at", "listed_at"} & item.keys() for item in items)
    if items and not recognised:
        if in_zip:
            result.leave_aside(path, FILE_NOT_TRACKING)
            return
        raise ImportFileError(
            _(
                "%(name)s is not a Trakt history, ratings or watchlist file "
                "(its items have no watched_at, rated_at or listed_at)."
            )
            % {"name": name}
        )
    # Favourites and custom lists carry listed_at as the watchlist does. In a zip only the file
    # named as the watchlist is read as one; a lone file named as another list never gets
    # here (left_aside_by_name).
    watchlist_ok = kind == LIST_WATCHLIST or not in_zip
    result.sources.add(TRAKT)
    for index, item in enumerate(items, start=1):
        where = _("%(file)s, item %(number)s") % {"file": name, "number": index}
        add_row(result, trakt_row(item, where=where, watchlist_ok=watchlist_ok))


def read_watched_shows(name: str, items: list, result: Upload) -> None:
    """Trakt's watched-shows.json: per show, its seasons and episodes, each with how many
    times it was watched (plays) and when last (last_watched_at)."""
    for index, item in enumerate(items, start=1):
        show = trakt_show(item.get("show"))
        seasons = item.get("seasons") if isinstance(item.get("seasons"), list) else []
        for season in seasons:
            if not isinstance(season, dict):
                continue
            episodes = season.get("episodes") if isinstance(season.get("episodes"), list) else []
            for episode in episodes:
                if not isinstance(episode, dict):
                    continue
                row = Row("", WATCH, TRAKT, show)
                row.season = whole_number(season.get("number"))
                row.number = whole_number(episode.get("number"))
                row.where = _("%(file)s, item %(number)s, episode %(season)s×%(episode)s") % {
                    "file": name,
                    "number": index,
                    "season": shorten(season.get("number")),
                    "episode": shorten(episode.get("number")),
                }
                row.plays = whole_number(episode.get("plays")) or 1
                row.watched_on = local_date(episode.get("last_watched_at"))
                if row.season is None or row.number is None:
                    row.problem = _("the episode has no season and number")
                elif row.watched_on is None:
                    row.problem = _("the viewing date %(value)s is not a date") % {
                        "value": shorten(episode.get("last_watched_at"))
                    }
                add_row(result, row)


def trakt_ids(value) -> dict:
    ids = {}
    if not isinstance(value, dict):
        return ids
    for key in ("trakt", "tmdb", "tvdb"):
        number = value.get(key)
        # Ids are at most 18 digits: a longer string is not an id (and int() of thousands
        # of digits raises ValueError).
        if isinstance(number, str) and number.isdecimal() and len(number) <= 18:
            number = int(number)
        if isinstance(number, int) and not isinstance(number, bool) and number > 0:
            ids[key] = number
    imdb = value.get("imdb")
    if isinstance(imdb, str) and imdb.strip():
        ids["imdb"] = imdb.strip()
    return ids


def trakt_show(value) -> ShowRef:
    if not isinstance(value, dict):
        return ShowRef()
    title = value.get("title")
    year = whole_number(value.get("year"))
    return ShowRef(
        title=title if isinstance(title, str) else "",
        year=year if year and year > 1800 else None,
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


def trakt_row(item: dict, *, where: str, watchlist_ok: bool = True) -> Row:
    if "watched_at" in item:
        kind = WATCH
    elif "rated_at" in item or "rating" in item:
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
    if kind == WATCHLIST and not watchlist_ok:
        row.ignored = str(OTHER_LIST)
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
        row.rated_at = moment(item.get("rated_at"))
        number = whole_number(rating)
        if number is None or not 1 <= number <= 10:
            row.problem = _("the rating %(value)s is not a whole number from 1 to 10") % {
                "value": shorten(rating)
            }
        else:
            row.score = number  # Trakt's 1–10 is the site's scale: each point half a star
    return row


def moment(value) -> datetime.datetime | None:
    """A Trakt or TV Time timestamp, or a plain day (noon in the site's time zone, so that it
    stays that day here), as an aware datetime; None when it is neither."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        when = parse_datetime(text.replace(" UTC", "").replace(" +0000", "+00:00"))
        if when is None:
            day = parse_date(text)
            if day is None:
                return None
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    except (ValueError, OverflowError):
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)  # TV Time writes UTC without saying so
    try:
        timezone.localtime(when)  # a moment the site's time zone cannot hold is no moment
    except (OverflowError, ValueError):
        return None
    return when


def local_date(value) -> datetime.date | None:
    """A Trakt or TV Time timestamp as the day it was in the site's time zone."""
    when = moment(value)
    return timezone.localtime(when).date() if when else None


def shorten(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


# CSV -------------------------------------------------------------------------------------------


def read_csv(path: str, text: str, result: Upload, *, in_zip: bool) -> None:
    name = posixpath.basename(path)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            raise ImportFileError(_("%(name)s is empty.") % {"name": name})
        columns = [column.strip().lower() for column in header]
        parse = csv_reader_for(set(columns), path, in_zip)
        if parse is None:
            if in_zip:
                result.leave_aside(path, FILE_NOT_TRACKING)
                return
            raise ImportFileError(
                _(
                    "The columns of %(name)s are not ones we know. A CSV file needs at least "
                    "the columns Name, Season and Episode (see the list of columns below), "
                    "or those of TV Time's seen_episode or tracking-prod-records file."
                )
                % {"name": name}
            )
        source, parse = parse
        if source == FOLLOWS:
            for values in reader:
                record = dict(
                    zip(columns, (unquoted(value.strip()) for value in values), strict=False)
                )
                remember_show_name(result, record)
            if not in_zip:
                raise ImportFileError(
                    _("%(name)s is not imported: %(reason)s.")
                    % {"name": name, "reason": FILE_FOLLOWS}
                )
            result.leave_aside(path, FILE_FOLLOWS)
            return
        result.sources.add(source)
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            # Without the quote our export (or another exporter following OWASP) puts in
            # front of a value that starts like a formula: kernel.spreadsheets.
            record = dict(zip(columns, (unquoted(value.strip()) for value in values), strict=False))
            where = _("%(file)s, line %(number)s") % {"file": name, "number": reader.line_num}
            if source == CSV and record.get("review"):
                result.reviews_left_out += 1
            if source == TV_TIME:
                remember_show_name(result, record)
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


FOLLOWS = "follows"
TRAKT_CSV_DATES = {"watched_at", "rated_at", "listed_at", "watchlisted_at"}


def csv_reader_for(present: set[str], path: str, in_zip: bool):
    """(source, row parser) for a CSV file's columns, or None when we do not know them.

    - TV Time's GDPR export (tracking-prod-records.csv and -v2.csv, seen_episode.csv,
      followed_tv_show.csv; real headers in trakt/trakt-web, projects/client/src/lib/sections/
      settings/import/parsers/__fixtures__/tvtime/ and its TvTimeGdprParser.ts);
    - TV Time's newer "export my data" (tvtime-series-episodes.csv: title, season, episode,
      is_watched, watched_at; TvTimeExportParser.ts there);
    - Trakt's CSV export: its JSON flattened into columns, show.title, episode.season…, or
      the bare names Trakt's own CSV reader takes (TraktCsvParser.ts there);
    - the site's CSV, and Letterboxd's files (Date, Name, Year, Letterboxd URI…).
    """
    file_kind = {"watchlist": WATCHLIST, "ratings": RATING, "watched": WATCH}.get(stem(path))
    if "series_name" in present and present & {"key", "season_number", "s_no", "type"}:
        return TV_TIME, tv_time_row
    if present >= TV_TIME_SEEN:
        return TV_TIME, tv_time_row
    if {"tv_show_id", "tv_show_name"} <= present:
        return FOLLOWS, None
    if present >= CSV_REQUIRED:
        return CSV, lambda record, where: csv_row(record, where, file_kind)
    if {"title", "season", "episode", "watched_at"} <= present and "type" not in present:
        return TV_TIME, tv_time_row
    if "type" in present and (present & TRAKT_CSV_DATES or any("." in c for c in present)):
        watchlist_ok = trakt_kind_by_name(path) == LIST_WATCHLIST or not in_zip
        return TRAKT, lambda record, where: [trakt_csv_row(record, where, watchlist_ok)]
    if "name" in present and ("letterboxd uri" in present or {"date", "year"} <= present):
        return CSV, lambda record, where: csv_row(record, where, file_kind)
    return None


def trakt_csv_row(record: dict, where: str, watchlist_ok: bool) -> Row:
    """A row of Trakt's CSV export, made back into the JSON item it flattens."""
    item: dict = {}
    for key, value in record.items():
        if not value or not key:
            continue
        parts = re.split(r"[./]", key)
        target = item
        for part in parts[:-1]:
            nested = target.get(part)
            if not isinstance(nested, dict):
                nested = target[part] = {}
            target = nested
        if not isinstance(target.get(parts[-1]), dict):
            target[parts[-1]] = value
    if "watchlisted_at" in item:
        item.setdefault("listed_at", item.pop("watchlisted_at"))
    kind_of_item = str(item.get("type", "")).lower()
    # The bare names Trakt's CSV reader takes: title, year, season, episode, and the ids
    # (trakt, imdb, tmdb, tvdb, with or without "_id") of the row's episode or show.
    show = item.get("show") if isinstance(item.get("show"), dict) else {}
    episode = item.get("episode") if isinstance(item.get("episode"), dict) else {}
    for bare, field_name in (("title", "title"), ("name", "title"), ("year", "year")):
        if isinstance(item.get(bare), str):
            show.setdefault(field_name, item[bare])
    if isinstance(item.get("season"), str):
        episode.setdefault("season", item["season"])
    if isinstance(item.get("episode"), str):
        episode.setdefault("number", item["episode"])
    ids = {}
    for kind in ("trakt", "imdb", "tmdb", "tvdb"):
        value = item.get(kind) or item.get(f"{kind}_id")
        if isinstance(value, str):
            ids[kind] = value
    if ids:
        (episode if kind_of_item == "episode" else show).setdefault("ids", ids)
    item["show"], item["episode"] = show, episode
    return trakt_row(item, where=where, watchlist_ok=watchlist_ok)


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


def csv_row(record: dict, where: str, file_kind: str | None = None) -> list[Row]:
    """A row of the site's CSV, or of one of Letterboxd's files, whose name can say what every
    row is: watchlist.csv holds watchlist entries, ratings.csv ratings, watched.csv viewings."""
    show = csv_show(record, "name")
    rows = []
    rating = record.get("rating", "")
    watched = record.get("watched date", "")
    if file_kind == WATCH and not watched:
        watched = record.get("date", "")
    on_watchlist = file_kind == WATCHLIST or record.get("watchlist", "").lower() in YES
    if rating and file_kind != WATCHLIST:
        row = Row(where, RATING, CSV, show, given=_("%(stars)s stars") % {"stars": rating})
        row.rated_at = moment(record.get("date", ""))
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
    if watched and file_kind != WATCHLIST:
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
    numbered = "season" in record or "episode" in record
    for row in rows:
        if not numbered:
            # Letterboxd's own files name films, or a show as a whole: on a watchlist, the
            # show's episodes not yet watched; a rating of it is not a rating of an episode.
            if row.kind == RATING and not row.problem:
                row.ignored = str(WHOLE_SHOW_RATING)
            elif row.kind == WATCH and not row.problem:
                row.problem = _("the row names no season and episode")
            continue
        problem = row.problem
        csv_numbers(row, record, "season", "episode")
        row.problem = problem or row.problem
    return rows


def parse_iso_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


# TV Time ---------------------------------------------------------------------------------------

YEAR_IN_TITLE = re.compile(r"^(?P<title>.*\S)\s*\((?P<year>\d{4})\)$")


def tv_time_show(record: dict) -> ShowRef:
    """TV Time names a show "Étoile (2025)" where its title alone is ambiguous."""
    title = first_of(record, "series_name", "tv_show_name", "title")
    year = None
    if match := YEAR_IN_TITLE.match(title):
        title, year = match["title"], int(match["year"])
    ids = {}
    tvdb = first_of(record, "s_id", "tv_show_id", "series_tvdb_id")
    if tvdb.isdecimal() and len(tvdb) <= 18:
        ids["tvdb"] = int(tvdb)
    imdb = first_of(record, "series_imdb_id")
    if imdb.startswith("tt"):
        ids["imdb"] = imdb
    return ShowRef(title=title, year=year, ids=ids)


def first_of(record: dict, *columns: str) -> str:
    """TV Time's exports vary in which of two columns carry a value, and a blank one must not
    hide the other (TvTimeGdprParser.ts, firstOf)."""
    return next((record[c] for c in columns if record.get(c)), "")


def remember_show_name(result: Upload, record: dict) -> None:
    show = tv_time_show(record)
    if show.title and "tvdb" in show.ids:
        result.show_names.setdefault(show.ids["tvdb"], show)


def name_tv_time_shows(result: Upload) -> None:
    """Rows that give only the show's TVDB id take the name other rows or files give it."""
    for row in result.rows:
        if row.source == TV_TIME and not row.show.title and "tvdb" in row.show.ids:
            named = result.show_names.get(row.show.ids["tvdb"])
            if named:
                row.show = ShowRef(named.title, named.year, {**named.ids, **row.show.ids})


def tv_time_row(record: dict, where: str) -> list[Row]:
    show = tv_time_show(record)
    key = record.get("key", "")
    if key and not key.startswith(("watch-episode", "rewatch-episode")):
        return [Row(where, "", TV_TIME, show, ignored=str(OTHER_KIND))]  # follows, stats
    if record.get("type") and record["type"] != "watch":
        return [Row(where, "", TV_TIME, show, ignored=str(OTHER_KIND))]  # towatch, follow
    if "is_watched" in record and record["is_watched"].lower() != "true":
        return [Row(where, "", TV_TIME, show, ignored=str(NOT_WATCHED))]
    row = Row(where, WATCH, TV_TIME, show)
    season = first_of(record, "s_no", "season_number", "episode_season_number", "season")
    number = first_of(record, "ep_no", "episode_number", "episode")
    if not number or record.get("entity_type") == "movie":
        row.ignored = str(OTHER_SHOW)  # a film
        return [row]
    csv_numbers(row, {"season": season, "episode": number}, "season", "episode")
    when = first_of(record, "watched_at", "created_at", "updated_at")
    row.watched_on = local_date(when)
    if row.watched_on is None and not row.problem:
        row.problem = _("the viewing date %(value)s is not a date") % {"value": shorten(when)}
    return [row]


def fold(text: str) -> str:
    """Titles compared as people read them: "Etoile" is "Étoile"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
