"""Imports and exports against the files the real services write (issue 17, points 1–10).

The files come from tests/interchange_files.py, which says where each shape comes from.
"""

import contextlib
import csv
import datetime
import io
import json
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import Episode, Show
from etoile_app.exports import SECTION_COLUMNS, export_sections
from members.models import User
from reviews import interchange, services
from reviews.models import Rating, Watch, WatchlistEntry
from tests import interchange_files as files
from tests.factories import IMPORT_PREMIERE, make_import_catalog

pytestmark = pytest.mark.django_db

IMPORT = "/me/import/"
CONFIRM = "/me/import/confirm/"
PREMIERE = IMPORT_PREMIERE


@pytest.fixture
def catalog(request, db) -> Show:
    """A small catalog with the dates the imports are checked against, in place of any the
    test database holds (a suite that seeds it once a session empties it with empty_catalog,
    tests/conftest.py)."""
    with contextlib.suppress(pytest.FixtureLookupError):  # else an empty database already
        request.getfixturevalue("empty_catalog")
    return make_import_catalog()


@pytest.fixture
def odette(catalog) -> User:
    # Signed in with force_login below: no password or confirmed address needed.
    return User.objects.create_user(email="odette@example.com", password=None, handle="odette")


@pytest.fixture
def client_of(odette) -> Client:
    client = Client()
    client.force_login(odette)
    return client


def episode(number: int) -> Episode:
    return Episode.objects.get(season__number=1, number=number)


def upload(client: Client, content: bytes, name: str):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


def preview_of(client: Client, content: bytes, name: str):
    response = upload(client, content, name)
    assert "preview" in response.context, response.context["form"].errors
    return response.context["preview"], response


def refusal_of(response) -> str:
    return " ".join(response.context["form"].errors["file"])


def confirm(client: Client, preview) -> None:
    response = client.post(CONFIRM, {"plan": preview.token})
    assert response.status_code == 302


def watched(member: User) -> list[tuple[int, datetime.date]]:
    return sorted(Watch.objects.filter(member=member).values_list("episode__number", "watched_on"))


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# 1. Trakt's official export zip ----------------------------------------------------------------


def trakt_zip(**overrides) -> bytes:
    parts = {
        "history_pages": [
            [
                files.trakt_history_item(1, 1, "2025-04-24T21:00:00.000Z", item_id=11),
                files.trakt_history_item(
                    1, 2, "2025-04-25T20:30:00.000Z", action="scrobble", item_id=12
                ),
            ],
            [files.trakt_history_item(1, 3, "2025-04-26T20:00:00.000Z", action="checkin")],
        ],
        "watched_shows": [
            files.trakt_watched_show(
                [
                    (1, 1, 1, "2025-04-24T21:00:00.000Z"),
                    (1, 2, 1, "2025-04-25T20:30:00.000Z"),
                    (1, 3, 1, "2025-04-26T20:00:00.000Z"),
                    # Watched twice, and in no page of the history: the last viewing's day
                    # is known, the first's is not.
                    (1, 4, 2, "2025-05-03T20:00:00.000Z"),
                ]
            )
        ],
        "ratings_episodes": [files.trakt_rating_item(1, 1, 8, "2025-04-25T08:00:00.000Z")],
        "watchlist": [files.trakt_list_item(1, 1, 6, "2025-04-24T10:00:00.000Z")],
        "favorites": [files.trakt_list_item(1, 1, 7, "2025-04-25T10:00:00.000Z", "Loved it")],
        "custom_list": [files.trakt_list_item(1, 1, 8, "2025-05-05T10:00:00.000Z")],
    }
    return files.zipped(files.trakt_export_zip(**(parts | overrides)))


READ_FROM_TRAKTS_ZIP = {
    "watched-history-1.json",
    "watched-history-2.json",
    "watched-shows.json",
    "ratings-episodes.json",
    "ratings-shows.json",
    "ratings-seasons.json",
    "lists-watchlist.json",
}


def test_trakts_export_zip_is_imported_and_every_other_file_is_listed_with_its_reason(
    client_of, odette
):
    content = trakt_zip()
    names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert len(names) > 35 and "user-settings.json" in names

    preview, response = preview_of(client_of, content, "trakt-export-odette_b.zip")

    left_aside = dict(preview.ignored_files)
    assert set(left_aside) == names - READ_FROM_TRAKTS_ZIP
    assert all(left_aside.values())
    assert left_aside["user-settings.json"] == str(interchange.FILE_ACCOUNT)
    assert left_aside["lists-favorites.json"] == str(interchange.FILE_OTHER_LIST)
    assert left_aside["lists-list-28510311-ballet-on-screen.json"] == str(
        interchange.FILE_OTHER_LIST
    )
    assert left_aside["collection-shows.json"] == str(interchange.FILE_COLLECTION)
    assert left_aside["watched-playback.json"] == str(interchange.FILE_PLAYBACK)
    assert left_aside["ratings-movies.json"] == str(interchange.FILE_FILMS)
    page = response.content.decode()
    assert "Files left aside" in page and "user-settings.json" in page
    assert str(interchange.FILE_COLLECTION) in page

    # watched-shows.json adds what the history does not hold, once.
    assert [(w.episode.number, w.watched_on, w.count) for w in preview.watches_new] == [
        (1, day("2025-04-24"), 1),
        (2, day("2025-04-25"), 1),
        (3, day("2025-04-26"), 1),
        (4, day("2025-05-03"), 1),
    ]
    assert preview.skipped == [
        (
            "watched-shows.json, item 1, episode 1×4",
            "1 earlier viewing is not added: the file gives no date for it",
        )
    ]
    assert dict(preview.ignored) == {str(interchange.WHOLE_SHOW_RATING): 2}

    confirm(client_of, preview)
    assert watched(odette) == [
        (1, day("2025-04-24")),
        (2, day("2025-04-25")),
        (3, day("2025-04-26")),
        (4, day("2025-05-03")),
    ]
    assert list(Rating.objects.filter(member=odette).values_list("episode__number", "score")) == [
        (1, 8)
    ]


def test_watched_shows_alone_adds_each_episodes_last_viewing(client_of, odette):
    services.watch_add(member=odette, episode=episode(2), watched_on=day("2025-04-30"))
    content = files.as_json(
        [
            files.trakt_watched_show(
                [(1, 1, 1, "2025-04-24T21:00:00.000Z"), (1, 2, 1, "2025-04-25T20:00:00.000Z")]
            ),
            files.trakt_watched_show(
                [(1, 1, 3, "2024-01-01T20:00:00.000Z")], show=files.OTHER_TRAKT_SHOW
            ),
        ]
    )
    preview, _response = preview_of(client_of, content, "watched-shows.json")
    # Episode 2 is already watched here: its one play is that viewing.
    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (1, day("2025-04-24"))
    ]
    assert dict(preview.ignored) == {str(interchange.OTHER_SHOW): 1}


# 2. Favourites and custom lists ----------------------------------------------------------------


def test_favourites_and_custom_lists_never_become_watchlist_entries(client_of, odette):
    # Trakt's older layout, folders and one file per list: a list's items have the
    # watchlist's shape, so its name decides.
    older = files.zipped(
        {
            "lists/watchlist.json": files.as_json(
                [files.trakt_list_item(1, 1, 6, "2025-04-24T10:00:00.000Z")]
            ),
            "lists/ballet-on-screen.json": files.as_json(
                [files.trakt_list_item(1, 1, 8, "2025-05-05T10:00:00.000Z")]
            ),
        }
    )
    preview, _response = preview_of(client_of, older, "trakt.zip")
    assert [e.number for e in preview.watchlist_new] == [6]
    assert dict(preview.ignored) == {str(interchange.OTHER_LIST): 1}

    preview, _response = preview_of(client_of, trakt_zip(), "trakt-export-odette_b.zip")
    assert [e.number for e in preview.watchlist_new] == [6]

    response = upload(
        client_of,
        files.as_json([files.trakt_list_item(1, 1, 7, "2025-04-25T10:00:00.000Z")]),
        "lists-favorites.json",
    )
    assert response.status_code == 400
    assert "lists-favorites.json is not imported" in refusal_of(response)
    assert not WatchlistEntry.objects.filter(member=odette).exists()


# 3. Trakt's CSV export -------------------------------------------------------------------------


def test_trakts_csv_export_zip_is_read(client_of, odette):
    content = files.zipped(
        {
            "watched-history.csv": files.trakt_csv(
                [
                    files.trakt_history_item(1, 1, "2025-04-24T21:00:00.000Z"),
                    files.trakt_history_item(1, 2, "2025-04-25T21:00:00.000Z"),
                    files.trakt_history_item(
                        1, 1, "2024-02-01T21:00:00.000Z", show=files.OTHER_TRAKT_SHOW
                    ),
                ]
            ),
            "ratings-episodes.csv": files.trakt_csv(
                [files.trakt_rating_item(1, 2, 7, "2025-04-26T09:00:00.000Z")]
            ),
            "lists-watchlist.csv": files.trakt_csv(
                [files.trakt_list_item(1, 1, 5, "2025-04-24T10:00:00.000Z")]
            ),
            "lists-favorites.csv": files.trakt_csv(
                [files.trakt_list_item(1, 1, 7, "2025-04-25T10:00:00.000Z")]
            ),
            "user-profile.csv": files.trakt_csv([files.TRAKT_USER]),
        }
    )
    preview, _response = preview_of(client_of, content, "trakt-export-odette_b-csv.zip")
    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (1, day("2025-04-24")),
        (2, day("2025-04-25")),
    ]
    assert [(c.episode.number, c.score) for c in preview.ratings_new] == [(2, 7)]
    assert [e.number for e in preview.watchlist_new] == [5]
    assert dict(preview.ignored) == {str(interchange.OTHER_SHOW): 1}
    assert dict(preview.ignored_files) == {
        "lists-favorites.csv": str(interchange.FILE_OTHER_LIST),
        "user-profile.csv": str(interchange.FILE_ACCOUNT),
    }


def test_a_csv_in_the_columns_trakts_csv_reader_takes_is_read(client_of):
    content = files.as_csv(
        ["type", "title", "year", "trakt", "season", "episode", "watched_at"],
        [
            {
                "type": "episode",
                "title": "Étoile",
                "year": "2025",
                "season": "1",
                "episode": "3",
                "watched_at": "2025-04-27T20:00:00Z",
            }
        ],
    )
    preview, _response = preview_of(client_of, content, "trakt.csv")
    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (3, day("2025-04-27"))
    ]


# 4. TV Time ------------------------------------------------------------------------------------


def test_tv_times_gdpr_zip_is_read_with_its_show_names_ids_and_other_files(client_of, odette):
    watches = [
        files.tv_time_watch(
            "2025-04-24 21:00:00", 1, 1, series_name="Étoile (2025)", s_id=files.ETOILE_TVDB
        ),
        # Only s_no and ep_no, no name: about Étoile by its id.
        files.tv_time_watch(
            "2025-04-25 20:00:00", 1, 2, series_name="", s_id=files.ETOILE_TVDB, legacy=False
        ),
        files.tv_time_watch(
            "2024-03-01 20:00:00", 1, 1, series_name="The Red Shoes Company", s_id=900501
        ),
    ]
    followed = [
        {
            "user_id": "0",
            "tv_show_id": str(files.ETOILE_TVDB),
            "notification_type": "none",
            "created_at": "2025-04-24 19:00:00",
            "active": "1",
            "archived": "0",
            "tv_show_name": "Étoile (2025)",
        }
    ]
    content = files.zipped(files.tv_time_gdpr_zip(watches, followed=followed))

    preview, _response = preview_of(client_of, content, "tvtime-gdpr-export.zip")

    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (1, day("2025-04-24")),
        (2, day("2025-04-25")),
    ]
    # The tracking-stats and user-series rows are not viewings; the other show's is one row.
    assert dict(preview.ignored) == {
        str(interchange.OTHER_SHOW): 1,
        str(interchange.OTHER_KIND): 2,
    }
    left_aside = dict(preview.ignored_files)
    assert left_aside["followed_tv_show.csv"] == str(interchange.FILE_FOLLOWS)
    assert left_aside["ip_address.csv"] == str(interchange.FILE_NOT_TRACKING)
    assert set(left_aside) == {
        "followed_tv_show.csv",
        "ip_address.csv",
        "device_data.csv",
        "ratings-live-votes.csv",
        "emotions-live-votes.csv",
        "lists-prod-lists.csv",
        "where-to-watch-prod-table.csv",
    }
    confirm(client_of, preview)
    assert watched(odette) == [(1, day("2025-04-24")), (2, day("2025-04-25"))]


def test_a_tv_time_row_names_the_show_only_by_the_id_followed_tv_show_gives(client_of):
    watches = [
        files.tv_time_watch(
            "2025-04-25 20:00:00", 1, 5, series_name="", s_id=files.ETOILE_TVDB, legacy=False
        )
    ]
    followed = [{"tv_show_id": str(files.ETOILE_TVDB), "tv_show_name": "Étoile (2025)"}]
    gdpr = files.tv_time_gdpr_zip(watches, followed=followed)
    content = files.zipped(
        {
            "tracking-prod-records-v2.csv": files.as_csv(files.TV_TIME_V2_HEADER, watches),
            "followed_tv_show.csv": gdpr["followed_tv_show.csv"],
        }
    )
    preview, _response = preview_of(client_of, content, "tvtime.zip")
    assert [w.episode.number for w in preview.watches_new] == [5]


def test_tv_times_newer_export_is_read(client_of):
    content = files.as_csv(
        files.TV_TIME_EPISODES_HEADER,
        [
            files.tv_time_episode(1, 1, "2025-04-24 21:10:42"),
            files.tv_time_episode(1, 2, ""),  # not watched yet
            files.tv_time_episode(1, 1, "2019-10-04 03:43:42", title="The Red Shoes Company"),
        ],
    )
    preview, _response = preview_of(client_of, content, "tvtime-series-episodes.csv")
    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (1, day("2025-04-24"))
    ]
    assert dict(preview.ignored) == {
        str(interchange.NOT_WATCHED): 1,
        str(interchange.OTHER_SHOW): 1,
    }


def test_tv_times_seen_episode_names_the_show_with_its_year(client_of):
    content = files.as_csv(
        files.TV_TIME_SEEN_HEADER,
        [
            {
                "episode_id": "9100103",
                "tv_show_name": "Étoile (2025)",
                "episode_season_number": "1",
                "episode_number": "3",
                "created_at": "2025-04-27 20:00:00",
            },
            {
                "episode_id": "1",
                "tv_show_name": "Étoile (1989)",  # another show of that name
                "episode_season_number": "1",
                "episode_number": "4",
                "created_at": "2020-01-01 20:00:00",
            },
        ],
    )
    preview, _response = preview_of(client_of, content, "seen_episode.csv")
    assert [w.episode.number for w in preview.watches_new] == [3]
    assert dict(preview.ignored) == {str(interchange.OTHER_SHOW): 1}


# 5. Letterboxd's watchlist.csv -----------------------------------------------------------------


def test_every_row_of_letterboxds_watchlist_csv_is_a_watchlist_entry(client_of, odette):
    services.watch_add(member=odette, episode=episode(1), watched_on=PREMIERE)
    letterboxds_own = files.as_csv(
        files.LETTERBOXD_WATCHLIST_HEADER,
        [
            {
                "Date": "2025-04-20",
                "Name": "Giselle at the Opera",
                "Year": "2008",
                "Letterboxd URI": "https://boxd.it/9Xa1",
            },
            {
                "Date": "2025-04-21",
                "Name": "Étoile",
                "Year": "2025",
                "Letterboxd URI": "https://boxd.it/9Xa2",
            },
        ],
    )
    preview, _response = preview_of(client_of, letterboxds_own, "watchlist.csv")
    # The show as a whole: its episodes not yet watched.
    assert [e.number for e in preview.watchlist_new] == [2, 3, 4, 5, 6, 7, 8]
    assert dict(preview.ignored) == {str(interchange.OTHER_SHOW): 1}

    with_episodes = files.as_csv(
        [*files.LETTERBOXD_WATCHLIST_HEADER, "Season", "Episode"],
        [
            {"Date": "2025-04-21", "Name": "Étoile", "Year": "2025", "Season": "1", "Episode": n}
            for n in ("3", "4")
        ],
    )
    preview, _response = preview_of(client_of, with_episodes, "watchlist.csv")
    assert [e.number for e in preview.watchlist_new] == [3, 4]


# 6. A rating's original date ------------------------------------------------------------------


def test_an_imported_rating_keeps_its_date_and_the_exports_show_it(client_of, odette):
    content = files.as_json([files.trakt_rating_item(1, 2, 9, "2025-04-25T08:00:00.000Z")])
    preview, _response = preview_of(client_of, content, "ratings-episodes.json")
    confirm(client_of, preview)

    original = datetime.datetime(2025, 4, 25, 8, tzinfo=datetime.UTC)
    rating = Rating.objects.get(member=odette)
    assert rating.rated_at == original
    assert rating.created_at > original

    archive = zipfile.ZipFile(io.BytesIO(client_of.get("/me/export/trakt/").content))
    (exported,) = json.loads(archive.read("ratings/ratings-episodes.json"))
    assert exported["rated_at"] == "2025-04-25T08:00:00.000Z"
    (row,) = export_sections(odette)["ratings"]
    assert row["rated_at"] == original.isoformat()

    # Changed here later, it is rated on that day.
    services.rating_set(member=odette, episode=episode(2), score=6)
    assert Rating.objects.get(member=odette).rated_at > original


def test_letterboxds_ratings_csv_gives_the_day_of_each_rating(client_of, odette):
    content = files.as_csv(
        ["Date", "Name", "Year", "Letterboxd URI", "Season", "Episode", "Rating"],
        [{"Date": "2025-04-26", "Name": "Étoile", "Year": "2025", "Season": "1", "Episode": "4",
          "Rating": "4.5"}],
    )  # fmt: skip
    preview, _response = preview_of(client_of, content, "ratings.csv")
    confirm(client_of, preview)
    assert Rating.objects.get(member=odette).rated_at.date() == day("2025-04-26")


# 7. Our export, as Trakt's own importer reads it ----------------------------------------------


def all_ids(value):
    if isinstance(value, dict):
        if "ids" in value:
            yield value["ids"]
        for nested in value.values():
            yield from all_ids(nested)
    elif isinstance(value, list):
        for nested in value:
            yield from all_ids(nested)


def test_the_trakt_export_is_laid_out_for_trakts_importer_with_only_the_ids_set(client_of, odette):
    services.rating_set(member=odette, episode=episode(1), score=8)
    services.watch_add(member=odette, episode=episode(1), watched_on=PREMIERE)
    services.watchlist_add(member=odette, episodes=[episode(3)])

    archive = zipfile.ZipFile(io.BytesIO(client_of.get("/me/export/trakt/").content))
    # TraktJsonParser.ts, isRelevantJsonFile: what Trakt's importer opens in a zip.
    relevant = [
        name
        for name in archive.namelist()
        if name.endswith(".json")
        and (
            name.startswith(("watched/history", "ratings/ratings"))
            or name == "lists/watchlist.json"
        )
    ]
    assert sorted(relevant) == sorted(archive.namelist()) and len(relevant) == 3
    documents = [json.loads(archive.read(name)) for name in relevant]
    ids = [ids for document in documents for ids in all_ids(document)]
    assert ids and all(None not in ids_.values() for ids_ in ids)
    assert all(ids_ == {} for ids_ in ids)  # no admin has set any

    Show.objects.update(trakt_id=900001, imdb_id="tt9000001")
    Episode.objects.filter(pk=episode(1).pk).update(trakt_id=900101)
    archive = zipfile.ZipFile(io.BytesIO(client_of.get("/me/export/trakt/").content))
    (item,) = json.loads(archive.read("watched/history.json"))
    assert item["show"]["ids"] == {"trakt": 900001, "imdb": "tt9000001"}
    assert item["episode"]["ids"] == {"trakt": 900101}


def test_trakts_csv_reader_reads_our_csv_export_as_episodes(client_of, odette):
    services.rating_set(member=odette, episode=episode(1), score=8)
    services.watch_add(member=odette, episode=episode(2), watched_on=PREMIERE)
    services.watchlist_add(member=odette, episodes=[episode(3)])
    text = client_of.get("/me/export/csv/").content.decode()
    # TraktCsvParser.ts: keys lower-cased and trimmed; a row without "episode" as its type
    # is a film; history from watched_at, the watchlist from listed_at.
    rows = [
        {key.lower().strip(): value for key, value in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]
    assert rows and all(row["type"] == "episode" for row in rows)
    assert all((row["title"] if "title" in row else row["name"]) == "Étoile" for row in rows)
    viewing = next(row for row in rows if row["watched date"])
    assert viewing["watched_at"].startswith("2025-04-24T") and viewing["season"] == "1"
    assert next(row for row in rows if row["watchlist"])["listed_at"].endswith("Z")


# 8. A zip of millions of tiny JSON objects ----------------------------------------------------


def tiny_objects_zip() -> bytes:
    count = (interchange.MAX_UNPACKED_BYTES - 2) // 3 - 1000
    return files.zipped({"watched-history.json": "[" + "{}," * count + "{}]"})


def test_a_small_zip_of_millions_of_tiny_objects_is_refused_before_they_are_built(odette):
    content = tiny_objects_zip()
    assert len(content) < 100_000  # tens of kilobytes, twenty megabytes unpacked
    tracemalloc.start()
    try:
        with pytest.raises(interchange.ImportFileError) as refusal:
            interchange.read_upload(SimpleUploadedFile("trakt.zip", content))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "split it" in str(refusal.value)
    # The unpacked text and its decoded copy, not millions of dicts (over 400 MB).
    assert peak < 90 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MB"


def test_the_refusal_is_a_message_on_the_form_and_nothing_is_written(client_of, odette):
    response = upload(client_of, tiny_objects_zip(), "trakt.zip")
    assert response.status_code == 400
    assert "split it" in refusal_of(response)
    assert not Watch.objects.filter(member=odette).exists()


# 9. The preview's counts ----------------------------------------------------------------------


def test_the_preview_counts_a_line_once_and_speaks_of_imports(client_of):
    content = files.as_csv(
        ["Date", "Name", "Year", "Season", "Episode", "Rating", "Watched Date"],
        [
            {"Name": "Étoile", "Year": "2025", "Season": "1", "Episode": "2", "Rating": "4",
             "Watched Date": "2025-04-25"},
            {"Name": "Étoile", "Year": "2025", "Season": "1", "Episode": "9", "Rating": "4",
             "Watched Date": "2025-04-26"},
            {"Name": "The Red Shoes Company", "Year": "2019", "Season": "1", "Episode": "1",
             "Rating": "3", "Watched Date": "2024-01-01"},
            {"Name": "Étoile", "Year": "2025", "Season": "1", "Episode": "3",
             "Watched Date": "2025-04-01"},
        ],
    )  # fmt: skip
    preview, response = preview_of(client_of, content, "diary.csv")
    assert preview.skipped == [
        ("diary.csv, line 3", "there is no episode 1×9 here"),
        (
            "diary.csv, line 5",
            "the viewing date April 1, 2025 is before the show was first shown, on April 22, 2025",
        ),
    ]
    assert preview.skipped_total == 2
    assert preview.ignored == [(str(interchange.OTHER_SHOW), 1)]
    page = response.content.decode()
    assert "1 row left aside: about another show or a film" in page
    assert "2 rows skipped" in page
    assert "choose that day" not in page


# 10. Every CSV of the data export has its header row ------------------------------------------


def test_every_csv_in_the_data_export_has_a_header_even_without_rows(client_of, odette):
    archive = zipfile.ZipFile(io.BytesIO(client_of.get("/me/export/").content))
    sections = export_sections(odette)
    assert not sections["likes"] and not sections["two_factor_methods"]
    for name, rows in sections.items():
        text = archive.read(f"{name}.csv").decode()
        header = next(csv.reader(io.StringIO(text)))
        assert header == SECTION_COLUMNS[name], name
        assert all(list(row) == header for row in rows), name


def test_the_data_exports_columns_are_the_rows_keys(client_of, odette):
    services.rating_set(member=odette, episode=episode(1), score=8)
    services.watch_add(member=odette, episode=episode(1), watched_on=PREMIERE)
    services.watchlist_add(member=odette, episodes=[episode(3)])
    for name, rows in export_sections(odette).items():
        for row in rows:
            assert list(row) == SECTION_COLUMNS[name], name
