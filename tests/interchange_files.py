"""Export files built the way Trakt, TV Time and Letterboxd write them, for the import tests.

Each builder says where its shape comes from: the file names, every file the service's zip
holds, the field names and their quirks. Where a real file was about another show, the show is
renamed Étoile (or, for rows that must stay about another show, keeps a made-up title) and its
structure kept. Ids are made-up test values (900001 and up, tt9000001…), never Étoile's real
ids on those sites: the catalog's external ids start empty.
"""

import csv
import io
import json
import zipfile

ETOILE_TRAKT = {
    "title": "Étoile",
    "year": 2025,
    # Trakt writes every id key, null where it has none (tvrage is always null now).
    "ids": {
        "trakt": 900001,
        "slug": "etoile",
        "tvdb": 900002,
        "imdb": "tt9000001",
        "tmdb": 900003,
        "tvrage": None,
    },
}
OTHER_TRAKT_SHOW = {
    "title": "The Red Shoes Company",
    "year": 2019,
    "ids": {"trakt": 900500, "slug": "the-red-shoes-company", "tvdb": 900501, "imdb": None},
}
A_FILM = {
    "title": "Giselle at the Opera",
    "year": 2008,
    "ids": {"trakt": 900600, "slug": "giselle-at-the-opera-2008", "imdb": "tt9000600"},
}


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def as_json(value) -> bytes:
    # Trakt's export writes JSON.stringify(data): one line, no spaces.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def as_csv(header: list[str], rows: list[dict], *, crlf: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=header, extrasaction="ignore", lineterminator="\r\n" if crlf else "\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


# --- Trakt's JSON export -----------------------------------------------------------------------
#
# Files: trakt/trakt-web, projects/client/src/lib/sections/settings/export/runRawExport.ts (the
# endpoint list and `${file}${page > 1 || pageCount > 1 ? "-" + page : ""}.json`), zipped as
# trakt-export-<slug>.zip. Items: the API's own shapes, as in the history item quoted in
# cenodude/CrossWatch issue 363 ("id", "watched_at", "action": "scrobble", "type", "movie"
# with "ids") and the watched-shows shape read by the importer in hacan359/tonkatsu_box.


def trakt_episode(season: int, number: int, *, trakt: int | None = None) -> dict:
    return {
        "season": season,
        "number": number,
        "title": f"Episode {number}",
        "ids": {
            "trakt": trakt,
            "tvdb": None if trakt is None else trakt + 1,
            "imdb": None,
            "tmdb": None,
            "tvrage": None,
        },
    }


def trakt_history_item(
    season: int, number: int, watched_at: str, *, action="watch", show=None, item_id=1
) -> dict:
    return {
        "id": item_id,
        "watched_at": watched_at,
        "action": action,  # "watch", "scrobble" or "checkin"
        "type": "episode",
        "episode": trakt_episode(season, number),
        "show": show or ETOILE_TRAKT,
    }


def trakt_rating_item(season: int, number: int, rating: int, rated_at: str) -> dict:
    return {
        "rated_at": rated_at,
        "rating": rating,
        "type": "episode",
        "episode": trakt_episode(season, number),
        "show": ETOILE_TRAKT,
    }


def trakt_list_item(rank: int, season: int, number: int, listed_at: str, notes=None) -> dict:
    # The same shape in lists-watchlist.json, lists-favorites.json and lists-list-*.json:
    # only the file's name tells them apart.
    return {
        "rank": rank,
        "id": 900700 + rank,
        "listed_at": listed_at,
        "notes": notes,
        "type": "episode",
        "episode": trakt_episode(season, number),
        "show": ETOILE_TRAKT,
    }


def trakt_watched_show(episodes: list[tuple[int, int, int, str]], *, show=None) -> dict:
    """One item of watched-shows.json: (season, number, plays, last_watched_at) per episode."""
    seasons: dict[int, list] = {}
    for season, number, plays, last in episodes:
        seasons.setdefault(season, []).append(
            {"number": number, "plays": plays, "last_watched_at": last}
        )
    last = max(episode[3] for episode in episodes)
    return {
        "plays": sum(episode[2] for episode in episodes),
        "last_watched_at": last,
        "last_updated_at": last,
        "reset_at": None,
        "show": show or ETOILE_TRAKT,
        "seasons": [
            {"number": number, "episodes": items} for number, items in sorted(seasons.items())
        ],
    }


TRAKT_USER = {
    "username": "odette_b",
    "private": False,
    "deleted": False,
    "name": "Odette",
    "vip": False,
    "vip_ep": False,
    "director": False,
    "ids": {"slug": "odette_b", "uuid": "0000000000000000000000000000000000000000"},
}


def trakt_export_zip(
    *,
    history_pages: list[list[dict]],
    watched_shows: list[dict],
    ratings_episodes: list[dict],
    watchlist: list[dict],
    favorites: list[dict],
    custom_list: list[dict],
) -> dict[str, bytes]:
    """Every file of Trakt's export, by the names runRawExport.ts gives them."""
    files = {
        # Objects, not lists: the first of them stopped the upload before (issue 17, point 1).
        "user-settings.json": {
            "user": TRAKT_USER,
            "account": {"timezone": "Europe/Paris", "date_format": "dmy", "time_24hr": True},
            "connections": {"google": True, "apple": False},
            "sharing_text": {"watching": "I'm watching [item]", "watched": "I just watched [item]"},
            "limits": {"list": {"count": 2, "item_count": 100}, "watchlist": {"item_count": 100}},
        },
        "user-profile.json": {**TRAKT_USER, "joined_at": "2025-04-20T09:00:00.000Z"},
        "user-last-activities.json": {
            "all": "2025-06-01T21:00:00.000Z",
            "episodes": {"watched_at": "2025-06-01T21:00:00.000Z"},
        },
        "user-stats.json": {"episodes": {"plays": 9, "watched": 7, "minutes": 540}},
        "hidden-calendar.json": [],
        "hidden-progress-watched.json": [
            {"hidden_at": "2025-05-10T10:00:00.000Z", "type": "show", "show": OTHER_TRAKT_SHOW}
        ],
        "hidden-progress-watched-reset.json": [],
        "hidden-progress-collected.json": [],
        "hidden-recommendations.json": [],
        "network-followers-requests.json": [],
        "network-followers.json": [],
        "network-following.json": [],
        "network-friends.json": [],
        "likes-comments.json": [],
        "likes-lists.json": [],
        "comments-movies.json": [],
        "comments-shows.json": [],
        "comments-seasons.json": [],
        "comments-episodes.json": [
            {
                "type": "episode",
                "episode": trakt_episode(1, 1),
                "show": ETOILE_TRAKT,
                "comment": {
                    "id": 900800,
                    "comment": "Cheyenne's solo in the rain, at last.",
                    "spoiler": False,
                    "review": False,
                    "created_at": "2025-05-01T22:00:00.000Z",
                },
            }
        ],
        "comments-lists.json": [],
        "notes-movies.json": [],
        "notes-shows.json": [],
        "notes-seasons.json": [],
        "notes-episodes.json": [],
        "notes-people.json": [],
        "notes-activities.json": [],
        "notes-collection_items.json": [],
        "notes-ratings.json": [],
        "ratings-movies.json": [
            {"rated_at": "2025-03-01T10:00:00.000Z", "rating": 7, "type": "movie", "movie": A_FILM}
        ],
        "ratings-shows.json": [
            {
                "rated_at": "2025-06-02T10:00:00.000Z",
                "rating": 9,
                "type": "show",
                "show": ETOILE_TRAKT,
            }
        ],
        "ratings-seasons.json": [
            {
                "rated_at": "2025-06-02T10:00:00.000Z",
                "rating": 8,
                "type": "season",
                "season": {"number": 1, "ids": {"trakt": 900010, "tvdb": None, "tmdb": None}},
                "show": ETOILE_TRAKT,
            }
        ],
        "ratings-episodes.json": ratings_episodes,
        "watched-movies.json": [
            {
                "plays": 1,
                "last_watched_at": "2025-03-01T20:00:00.000Z",
                "last_updated_at": "2025-03-01T20:00:00.000Z",
                "movie": A_FILM,
            }
        ],
        "watched-shows.json": watched_shows,
        "watched-playback.json": [
            {
                "progress": 41.5,
                "paused_at": "2025-05-20T21:30:00.000Z",
                "id": 900900,
                "type": "episode",
                "episode": trakt_episode(1, 8),
                "show": ETOILE_TRAKT,
            }
        ],
        "collection-movies.json": [],
        "collection-shows.json": [],
        "collection-episodes.json": [],
        "lists-watchlist.json": watchlist,
        "lists-favorites.json": favorites,
        "lists-collaborations.json": [],
        "lists-lists.json": [
            {
                "name": "Ballet on screen",
                "description": "",
                "privacy": "private",
                "type": "personal",
                "display_numbers": False,
                "allow_comments": True,
                "sort_by": "rank",
                "sort_how": "asc",
                "created_at": "2025-05-05T10:00:00.000Z",
                "updated_at": "2025-05-05T10:00:00.000Z",
                "item_count": len(custom_list),
                "comment_count": 0,
                "likes": 0,
                "ids": {"trakt": 28510311, "slug": "ballet-on-screen"},
            }
        ],
        "lists-list-28510311-ballet-on-screen.json": custom_list,
    }
    # A history of several pages is written as watched-history-1.json, -2.json…
    if len(history_pages) == 1:
        files["watched-history.json"] = history_pages[0]
    else:
        for page, items in enumerate(history_pages, start=1):
            files[f"watched-history-{page}.json"] = items
    return {name: as_json(content) for name, content in files.items()}


# --- Trakt's CSV export ------------------------------------------------------------------------
#
# No public source gives the exact header of Trakt's CSV zip. Built here as the issue describes
# it: the same files as the JSON export, each item flattened into columns by its path
# ("show.title", "episode.ids.trakt"), every column on every row (empty where the item has no
# value), with CRLF line ends. Its bare-name variant is what Trakt's own CSV reader takes
# (trakt/trakt-web, projects/client/src/lib/sections/settings/import/parsers/TraktCsvParser.ts:
# type, title, year, trakt/imdb/tmdb/tvdb, season, episode, watched_at, rating, rated_at,
# listed_at).


def flatten(item: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in item.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = "" if value is None else value
    return flat


def trakt_csv(items: list[dict]) -> bytes:
    rows = [flatten(item) for item in items]
    header: list[str] = []
    for row in rows:
        header += [column for column in row if column not in header]
    return as_csv(header, rows, crlf=True)


# --- TV Time's GDPR export ---------------------------------------------------------------------
#
# Headers: trakt/trakt-web, projects/client/src/lib/sections/settings/import/parsers/
# __fixtures__/tvtime/gdpr-v2-tracking-prod-records-v2.csv (a real, anonymised export) and
# TvTimeGdprParser.spec.ts (V1_HEADER, FOLLOWED_HEADER, RATINGS_HEADER); the zip's other files
# (ip_address.csv, device_data.csv, emotions-live-votes.csv, lists-prod-lists.csv,
# where-to-watch-prod-table.csv…) from the file names that parser and lukearran/TvTimeToTrakt
# issue 45 list. seen_episode.csv is the older export's file (TvTimeToTrakt's README).

# The header line exactly as the real file has it.
TV_TIME_V2_HEADER = (  # noqa: SIM905
    "created_at,user_id,key,total_series_runtime,updated_at,total_movies_runtime,"
    "movie_watch_count,ep_watch_count,series_follow_count,uuid,is_archived,is_followed,s_id,"
    "is_for_later,most_recent_ep_watched,followed_at,runtime,bulk_type,s_no,ep_no,is_unitary,"
    "ep_id,rewatch_count,gsi,is_special,movie_name,series_name,season_number,episode_number"
).split(",")
TV_TIME_FOLLOWED_HEADER = [
    "user_id",
    "tv_show_id",
    "notification_type",
    "notification_offset",
    "created_at",
    "updated_at",
    "active",
    "diffusion",
    "folder_id",
    "archived",
    "tv_show_name",
]
TV_TIME_SEEN_HEADER = [
    "episode_id",
    "tv_show_name",
    "episode_season_number",
    "episode_number",
    "created_at",
    "updated_at",
]
ETOILE_TVDB = 900002


def tv_time_watch(
    created_at: str, season: int, number: int, *, series_name: str, s_id: int, legacy=True
) -> dict:
    """A watch-episode row of tracking-prod-records-v2.csv. TV Time fills s_no and ep_no; on
    many rows series_name and the legacy season_number, episode_number are blank."""
    return {
        "created_at": created_at,
        "user_id": "0",
        "key": f"watch-episode-00000000-0000-0000-0000-{s_id:012d}-{season}-{number}",
        "updated_at": created_at,
        "s_id": str(s_id),
        "runtime": "2940",
        "bulk_type": "season",
        "s_no": str(season),
        "ep_no": str(number),
        "is_unitary": "false",
        "ep_id": str(9_100_000 + season * 100 + number),
        "rewatch_count": "0",
        "series_name": series_name,
        "season_number": str(season) if legacy else "",
        "episode_number": str(number) if legacy else "",
    }


def tv_time_gdpr_zip(watch_rows: list[dict], *, followed: list[dict]) -> dict[str, bytes]:
    stats = {
        "created_at": "2021-11-12 17:11:33",
        "user_id": "0",
        "key": "tracking-stats",
        "total_series_runtime": "13800",
        "updated_at": "2025-06-04 14:04:56",
        "ep_watch_count": str(len(watch_rows)),
        "series_follow_count": str(len(followed)),
    }
    follow_key = {
        "created_at": "2025-04-24 20:00:00",
        "user_id": "0",
        "key": f"user-series-00000000-0000-0000-0000-{ETOILE_TVDB:012d}",
        "updated_at": "2025-04-24 20:00:00",
        "is_followed": "true",
        "s_id": str(ETOILE_TVDB),
        "series_name": "Étoile (2025)",
    }
    return {
        "tracking-prod-records-v2.csv": as_csv(TV_TIME_V2_HEADER, [stats, follow_key, *watch_rows]),
        "followed_tv_show.csv": as_csv(TV_TIME_FOLLOWED_HEADER, followed),
        "ip_address.csv": as_csv(
            ["user_id", "ip_address", "created_at"],
            [{"user_id": "0", "ip_address": "192.0.2.10", "created_at": "2024-01-01 10:00:00"}],
        ),
        "device_data.csv": as_csv(
            ["user_id", "device_type", "os", "created_at"],
            [{"user_id": "0", "device_type": "phone", "os": "android", "created_at": "2024"}],
        ),
        "ratings-live-votes.csv": as_csv(
            ["episode_id", "movie_name", "uuid", "vote_key", "user_id"], []
        ),
        "emotions-live-votes.csv": as_csv(
            ["episode_id", "movie_name", "uuid", "vote_key", "user_id"], []
        ),
        "lists-prod-lists.csv": as_csv(
            [
                "ordering",
                "s_key",
                "name",
                "type",
                "description",
                "is_public",
                "user_id",
                "objects",
                "created_at",
                "lists",
                "list_count",
            ],
            [
                {
                    "ordering": "0",
                    "s_key": "00000000-0000-0000-0000-000000000000",
                    "name": "Ballet",
                    "type": "list",
                    "is_public": "true",
                    "user_id": "0",
                    "objects": f"[map[created_at:1.74e+09 id:{ETOILE_TVDB} type:series]]",
                    "created_at": "2025-05-01 19:28:40",
                }
            ],
        ),
        "where-to-watch-prod-table.csv": as_csv(
            ["user_id", "s_id", "provider", "created_at"],
            [{"user_id": "0", "s_id": str(ETOILE_TVDB), "provider": "prime video"}],
        ),
    }


# TV Time's newer "export my data" files: trakt/trakt-web, projects/client/src/lib/sections/
# settings/import/parsers/__fixtures__/tvtime/tvtime-series-episodes.csv (real, anonymised).
TV_TIME_EPISODES_HEADER = (  # noqa: SIM905
    "series_tvdb_id,series_imdb_id,series_uuid,title,season,episode,tvdb_id,is_watched,"
    "watched_at,rewatch_count,special"
).split(",")


def tv_time_episode(season: int, number: int, watched_at: str, *, title="Étoile") -> dict:
    return {
        "series_tvdb_id": str(ETOILE_TVDB),
        "series_imdb_id": "",
        "series_uuid": f"00000000-0000-0000-0000-{season:06d}{number:06d}",
        "title": title,
        "season": str(season),
        "episode": str(number),
        "tvdb_id": str(9_100_000 + season * 100 + number),
        "is_watched": "true" if watched_at else "false",
        "watched_at": watched_at,
        "rewatch_count": "0",
        "special": "false",
    }


# --- Letterboxd's export -----------------------------------------------------------------------
#
# Columns: trakt/trakt-web, projects/client/src/lib/sections/settings/import/parsers/
# LetterboxdParser.ts (diary: Date, Name, Year, Letterboxd URI, Rating, Rewatch, Tags,
# Watched Date; ratings: Date, Name, Year, Letterboxd URI, Rating; watched and watchlist: Date,
# Name, Year, Letterboxd URI). The zip's other files (profile.csv, reviews.csv, comments.csv,
# likes/films.csv, lists/*.csv) as Letterboxd's "export your data" writes them.

LETTERBOXD_WATCHLIST_HEADER = ["Date", "Name", "Year", "Letterboxd URI"]
