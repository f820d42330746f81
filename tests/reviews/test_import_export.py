"""Import from Trakt, CSV and TV Time files, with a preview first; export in the same formats.

The ids below (900001 and up, tt9000001…) are test values set as an admin would set them,
not Étoile's ids on those sites: the catalog's external ids start empty.
"""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import Episode, Show
from members.models import User
from reviews import imports, interchange, services
from reviews.models import EpisodeScores, MemberImport, Rating, Watch, WatchlistEntry
from tests.factories import IMPORT_PREMIERE, fuzz, make_import_catalog, make_member

pytestmark = pytest.mark.django_db

IMPORT = "/me/import/"
CONFIRM = "/me/import/confirm/"
PREMIERE = IMPORT_PREMIERE
SHOW = {"title": "Étoile", "year": 2025, "ids": {"trakt": None, "tmdb": None, "imdb": None}}
OTHER_SHOW = {"title": "The Red Shoes", "year": 2024, "ids": {"trakt": 900999}}


@pytest.fixture
def catalog(empty_catalog) -> Show:
    """A smaller catalog than the seed's, with the dates the imports are checked against."""
    return make_import_catalog()


@pytest.fixture
def odette(catalog) -> User:
    return make_member("odette@example.com", "odette")


@pytest.fixture
def client_of(odette):
    client = Client()
    client.force_login(odette)
    return client


def episode(number: int) -> Episode:
    return Episode.objects.select_related("season__show").get(season__number=1, number=number)


def history(number, when="2025-05-01T20:00:00.000Z", show=None, season=1, **episode_fields):
    return {
        "id": 1,
        "watched_at": when,
        "action": "watch",
        "type": "episode",
        "episode": {"season": season, "number": number, "title": "", "ids": {}, **episode_fields},
        "show": show or SHOW,
    }


def rating(number, value, show=None):
    return {
        "rated_at": "2025-05-02T10:00:00.000Z",
        "rating": value,
        "type": "episode",
        "episode": {"season": 1, "number": number, "title": "", "ids": {}},
        "show": show or SHOW,
    }


def listed(number, show=None):
    return {
        "rank": 1,
        "id": 1,
        "listed_at": "2025-05-03T10:00:00.000Z",
        "notes": None,
        "type": "episode",
        "episode": {"season": 1, "number": number, "title": "", "ids": {}},
        "show": show or SHOW,
    }


def as_json(items) -> bytes:
    return json.dumps(items).encode()


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def as_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def upload(client: Client, content: bytes, name: str = "watched-history.json"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


def token_of(response) -> str:
    return response.context["preview"].token


def data_of(member: User) -> dict:
    return {
        "ratings": sorted(Rating.objects.filter(member=member).values_list("episode_id", "score")),
        "watches": sorted(
            Watch.objects.filter(member=member).values_list("episode_id", "watched_on")
        ),
        "watchlist": sorted(
            WatchlistEntry.objects.filter(member=member).values_list("episode_id", flat=True)
        ),
    }


def counters() -> list:
    return list(EpisodeScores.objects.order_by("pk").values())


# Trakt -----------------------------------------------------------------------------------------


def test_a_trakt_file_is_previewed_and_nothing_is_written_until_confirmed(client_of, odette):
    content = as_json(
        [
            history(1),
            history(2, "2025-05-02T08:00:00Z"),
            rating(1, 8),
            rating(2, 1),
            listed(5),
            history(1, show=OTHER_SHOW),
            {"watched_at": "2025-05-01T00:00:00Z", "type": "movie", "movie": {"title": "Giselle"}},
        ]
    )

    response = upload(client_of, content)

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(c.episode.number, c.score, c.given) for c in preview.ratings_new] == [
        (1, 8, "8/10"),
        (2, 1, "1/10"),
    ]
    assert [(w.episode.number, w.watched_on, w.count) for w in preview.watches_new] == [
        (1, datetime.date(2025, 5, 1), 1),
        (2, datetime.date(2025, 5, 2), 1),
    ]
    assert [e.number for e in preview.watchlist_new] == [5]
    assert dict(preview.ignored) == {"about another show or a film": 2}
    page = response.content.decode()
    assert "Check your import" in page
    assert "8/10 becomes 4 stars" in page
    assert "4 stars" in page and "½ star" in page
    assert "2 rows left aside: about another show or a film" in page
    assert data_of(odette) == {"ratings": [], "watches": [], "watchlist": []}

    response = client_of.post(CONFIRM, {"plan": token_of(response)})

    # Applied by a job (here at once: tests/conftest.py); the import's own page follows it.
    assert response.status_code == 302
    run = MemberImport.objects.get(member=odette)
    assert response["Location"] == f"/me/import/{run.pk}/"
    assert data_of(odette) == {
        "ratings": [(episode(1).pk, 8), (episode(2).pk, 1)],
        "watches": [
            (episode(1).pk, datetime.date(2025, 5, 1)),
            (episode(2).pk, datetime.date(2025, 5, 2)),
        ],
        "watchlist": [episode(5).pk],
    }
    # Through the services: the episode's counters know of the new rating.
    assert EpisodeScores.objects.get(episode=episode(1)).count_8 == 1
    assert "Imported: 2 ratings, 2 viewings and 1 watchlist entry." in (
        client_of.get(response["Location"]).content.decode()
    )


def test_the_trakt_export_zip_is_read_whole(client_of, odette):
    content = as_zip(
        {
            "watched-history.json": as_json([history(3)]),
            "ratings-episodes.json": as_json([rating(3, 9)]),
            "watchlist.json": as_json([listed(4)]),
            "ratings-movies.json": as_json([]),
            "lists/README.txt": b"not ours",
        }
    )
    response = upload(client_of, content, "trakt-export.zip")
    assert response.status_code == 200
    client_of.post(CONFIRM, {"plan": token_of(response)})
    assert data_of(odette) == {
        "ratings": [(episode(3).pk, 9)],
        "watches": [(episode(3).pk, datetime.date(2025, 5, 1))],
        "watchlist": [episode(4).pk],
    }


def test_episodes_are_found_by_their_ids_first_then_by_the_shows_id(client_of, odette):
    Show.objects.update(trakt_id=900001, imdb_id="tt9000001")
    Episode.objects.filter(pk=episode(6).pk).update(tmdb_id=900106)
    by_episode_id = history(99, season=99, ids={"tmdb": 900106})
    by_episode_id["show"] = {"title": "Etoile (FR)", "ids": {}}
    by_show_id = history(7)
    by_show_id["show"] = {"title": "Another title", "ids": {"trakt": 900001}}
    same_title_other_id = history(8)
    same_title_other_id["show"] = {"title": "Étoile", "year": 2025, "ids": {"trakt": 900002}}

    response = upload(client_of, as_json([by_episode_id, by_show_id, same_title_other_id]))

    preview = response.context["preview"]
    assert [w.episode.number for w in preview.watches_new] == [6, 7]
    assert dict(preview.ignored) == {"about another show or a film": 1}


def test_a_title_matches_without_accents_or_case_but_not_in_another_year(client_of):
    plain = history(1)
    plain["show"] = {"title": "ETOILE", "year": 2025}
    older = history(2)
    older["show"] = {"title": "Étoile", "year": 1989}
    preview = upload(client_of, as_json([plain, older])).context["preview"]
    assert [w.episode.number for w in preview.watches_new] == [1]
    assert preview.ignored == [("about another show or a film", 1)]


def test_rows_that_cannot_be_imported_are_skipped_with_a_reason(client_of, odette):
    content = as_json(
        [
            rating(1, 11),
            rating(2, 0),
            rating(3, "eight"),
            rating(4, 7.5),
            history(9),
            history(1, "last spring"),
            history(2, "2025-04-01T12:00:00Z"),  # before the premiere
            history(3, "2999-01-01T12:00:00Z"),
            rating(5, 6),
        ]
    )
    preview = upload(client_of, content).context["preview"]
    reasons = [reason for _where, reason in preview.skipped]
    assert reasons == [
        "the rating 11 is not a whole number from 1 to 10",
        "the rating 0 is not a whole number from 1 to 10",
        "the rating eight is not a whole number from 1 to 10",
        "the rating 7.5 is not a whole number from 1 to 10",
        "there is no episode 1×9 here",
        "the viewing date last spring is not a date",
        "the viewing date April 1, 2025 is before the show was first shown, on April 22, 2025",
        "the viewing date January 1, 2999 is in the future",
    ]
    assert preview.skipped[0][0] == "watched-history.json, item 1"
    assert [c.episode.number for c in preview.ratings_new] == [5]


def test_a_whole_show_on_the_watchlist_means_its_episodes_not_yet_watched(client_of, odette):
    services.watch_add(member=odette, episode=episode(1), watched_on=PREMIERE)
    show_item = {"listed_at": "2025-05-03T10:00:00Z", "type": "show", "show": SHOW}
    preview = upload(client_of, as_json([show_item, history(2)])).context["preview"]
    assert [e.number for e in preview.watchlist_new] == [3, 4, 5, 6, 7, 8]


def test_a_changed_rating_is_shown_with_before_and_after_and_an_equal_one_left(client_of, odette):
    services.rating_set(member=odette, episode=episode(1), score=4)
    services.rating_set(member=odette, episode=episode(2), score=6)
    response = upload(client_of, as_json([rating(1, 10), rating(2, 6)]))
    preview = response.context["preview"]
    assert [(c.episode.number, c.before, c.score) for c in preview.ratings_changed] == [(1, 4, 10)]
    assert preview.ratings_unchanged == 1
    assert "2 stars" in response.content.decode() and "5 stars" in response.content.decode()

    client_of.post(CONFIRM, {"plan": token_of(response)})
    assert data_of(odette)["ratings"] == [(episode(1).pk, 10), (episode(2).pk, 6)]
    scores = EpisodeScores.objects.get(episode=episode(1))
    assert (scores.count_4, scores.count_10) == (0, 1)


# Idempotency -----------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(client_of, odette):
    content = as_json(
        [history(1), history(1), history(1, "2025-06-01T12:00:00Z"), rating(1, 7), listed(8)]
    )
    client_of.post(CONFIRM, {"plan": token_of(upload(client_of, content))})
    after_first = data_of(odette)
    assert len(after_first["watches"]) == 3  # two viewings on one day are two viewings
    scores = counters()

    response = upload(client_of, content)

    preview = response.context["preview"]
    assert not preview.has_changes
    assert (preview.watches_known, preview.ratings_unchanged, preview.watchlist_known) == (3, 1, 1)
    assert "Nothing to import" in response.content.decode()
    assert data_of(odette) == after_first
    assert counters() == scores


def test_confirming_the_same_preview_twice_imports_once(client_of, odette):
    token = token_of(upload(client_of, as_json([history(1), history(1), rating(2, 3)])))
    client_of.post(CONFIRM, {"plan": token})
    first = data_of(odette)
    scores = counters()

    response = client_of.post(CONFIRM, {"plan": token})

    assert response.status_code == 302
    assert data_of(odette) == first
    assert counters() == scores


# CSV and TV Time -------------------------------------------------------------------------------

HEADER = ["Date", "Name", "Year", "Season", "Episode", "Rating", "Watched Date", "Watchlist"]


def test_a_letterboxd_style_csv_is_read_in_half_stars(client_of, odette):
    content = as_csv(
        [
            HEADER + ["Review"],
            ["2025-05-01", "Étoile", "2025", "1", "1", "4.5", "2025-05-01", "", "Loved it"],
            ["2025-05-01", "Étoile", "", "1", "2", "0.5", "", "", ""],
            ["2025-05-01", "Étoile", "", "1", "3", "", "", "Yes", ""],
            ["2025-05-01", "Étoile", "", "1", "4", "6", "", "", ""],
            ["2025-05-01", "Étoile", "", "1", "5", "3.25", "", "", ""],
            ["2025-05-01", "Étoile", "", "1", "6", "0", "", "", ""],
            ["2025-05-01", "Étoile", "", "1", "7", "", "01/05/2025", "", ""],
            ["2025-05-01", "Étoile", "", "one", "8", "3", "", "", ""],
            ["2025-05-01", "Étoile", "", "1", "8", "", "", "", ""],
            ["2025-05-01", "Swan Lake", "", "1", "1", "5", "", "", ""],
        ]
    )
    response = upload(client_of, content, "diary.csv")
    preview = response.context["preview"]
    assert [(c.episode.number, c.score) for c in preview.ratings_new] == [(1, 9), (2, 1)]
    assert [w.episode.number for w in preview.watches_new] == [1]
    assert [e.number for e in preview.watchlist_new] == [3]
    assert [(where, reason) for where, reason in preview.skipped] == [
        ("diary.csv, line 5", "the rating 6 is not from 0.5 to 5 stars"),
        ("diary.csv, line 6", "the rating 3.25 is not in half stars"),
        ("diary.csv, line 7", "the rating 0 is not from 0.5 to 5 stars"),
        ("diary.csv, line 8", "Watched Date 01/05/2025 is not a date (YYYY-MM-DD)"),
        ("diary.csv, line 9", "Season and Episode must be whole numbers from 1"),
        ("diary.csv, line 10", "nothing to import: no Rating, Watched Date or Watchlist"),
    ]
    assert preview.ignored == [("about another show or a film", 1)]
    page = response.content.decode()
    assert "4.5 stays 4½ stars" in page
    assert "1 review in the file is not imported" in page


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (
            ["episode_id", "tv_show_name", "episode_season_number", "episode_number", "created_at"],
            ["123", "Étoile", "1", "2", "2025-05-10 21:30:00"],
        ),
        (
            ["key", "s_id", "series_name", "season_number", "episode_number", "created_at"],
            ["watch-episode-1", "1", "Étoile", "1", "2", "2025-05-10 21:30:00"],
        ),
    ],
    ids=["seen_episode", "tracking-prod-records-v2"],
)
def test_tv_time_viewings_are_read(client_of, odette, header, row):
    other = list(row)
    other[header.index("episode_number")] = ""  # a film
    rows = [header, row, other]
    if "key" in header:
        rows.append(["follow-show-1", "1", "Étoile", "", "", "2025-05-10 21:30:00"])
    response = upload(client_of, as_csv(rows), "tracking.csv")
    preview = response.context["preview"]
    assert [(w.episode.number, w.watched_on) for w in preview.watches_new] == [
        (2, datetime.date(2025, 5, 10))
    ]
    assert sum(count for _reason, count in preview.ignored) == len(rows) - 2
    assert "TV Time" in response.content.decode()
    client_of.post(CONFIRM, {"plan": token_of(response)})
    assert data_of(odette)["watches"] == [(episode(2).pk, datetime.date(2025, 5, 10))]


# Export and the round trip ---------------------------------------------------------------------


@pytest.fixture
def odettes_data(odette) -> dict:
    services.rating_set(member=odette, episode=episode(1), score=9)
    services.rating_set(member=odette, episode=episode(2), score=1)
    services.rating_set(member=odette, episode=episode(5), score=10)
    # A rewatch on the same day, one on another day, and two other episodes.
    for number, day in [
        (1, "2025-05-01"),
        (1, "2025-05-01"),
        (1, "2025-06-20"),
        (2, "2025-05-02"),
        (3, "2025-05-03"),
    ]:
        watched_on = datetime.date.fromisoformat(day)
        services.watch_add(member=odette, episode=episode(number), watched_on=watched_on)
    services.watchlist_add(member=odette, episodes=[episode(7), episode(8)])
    # Another member's data must stay out of the export.
    odile = make_member("odile@example.com", "odile")
    services.rating_set(member=odile, episode=episode(1), score=2)
    services.watch_add(member=odile, episode=episode(4), watched_on=PREMIERE)
    return data_of(odette)


def wipe(member: User) -> None:
    for rated in Rating.objects.filter(member=member).select_related("episode"):
        services.rating_remove(member=member, episode=rated.episode)
    Watch.objects.filter(member=member).delete()
    WatchlistEntry.objects.filter(member=member).delete()


@pytest.mark.parametrize(
    ("export_url", "name"),
    [("/me/export/trakt/", "export.zip"), ("/me/export/csv/", "export.csv")],
    ids=["trakt zip", "csv"],
)
def test_an_export_imported_after_a_wipe_gives_back_the_same_data(
    client_of, odette, odettes_data, export_url, name
):
    scores = counters()
    response = client_of.get(export_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert "attachment" in response["Content-Disposition"]
    exported = response.content

    wipe(odette)
    assert data_of(odette) == {"ratings": [], "watches": [], "watchlist": []}
    response = upload(client_of, exported, name)
    assert response.status_code == 200
    assert not response.context["preview"].skipped
    client_of.post(CONFIRM, {"plan": token_of(response)})

    assert data_of(odette) == odettes_data
    assert counters() == scores
    # And once more: the member's own export, imported over their data, changes nothing.
    assert not upload(client_of, exported, name).context["preview"].has_changes


def test_the_trakt_export_has_trakts_files_and_shape(client_of, odettes_data):
    Show.objects.update(tmdb_id=900001)
    archive = zipfile.ZipFile(io.BytesIO(client_of.get("/me/export/trakt/").content))
    # The folders Trakt's own importer reads (trakt/trakt-web, TraktJsonParser.ts).
    assert sorted(archive.namelist()) == [
        "lists/watchlist.json",
        "ratings/ratings-episodes.json",
        "watched/history.json",
    ]
    history_items = json.loads(archive.read("watched/history.json"))
    assert len(history_items) == 5
    first = history_items[0]
    assert first["action"] == "watch" and first["type"] == "episode"
    assert first["watched_at"].endswith("Z")
    assert first["episode"]["season"] == 1 and first["episode"]["number"] == 1
    assert first["show"]["title"] == "Étoile" and first["show"]["year"] == 2025
    assert first["show"]["ids"]["tmdb"] == 900001
    ratings = json.loads(archive.read("ratings/ratings-episodes.json"))
    assert [(r["episode"]["number"], r["rating"]) for r in ratings] == [(1, 9), (2, 1), (5, 10)]
    assert all("rated_at" in r for r in ratings)
    watchlist = json.loads(archive.read("lists/watchlist.json"))
    assert [(w["rank"], w["episode"]["number"]) for w in watchlist] == [(1, 7), (2, 8)]


def test_the_csv_export_has_the_documented_columns(client_of, odettes_data):
    rows = list(csv.reader(io.StringIO(client_of.get("/me/export/csv/").content.decode())))
    assert rows[0] == [
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
        # For Trakt's CSV reader (TraktCsvParser.ts): a row is an episode, on its day.
        "type",
        "watched_at",
        "listed_at",
        "trakt",
        "imdb",
        "tmdb",
    ]
    assert [row[6] for row in rows[1:] if row[6]] == ["4.5", "0.5", "5"]
    assert [row[8] for row in rows[1:] if row[7]].count("Yes") == 2  # two rewatches of episode 1


def test_the_full_data_export_still_answers(client_of, odettes_data):
    response = client_of.get("/me/export/")
    assert response.status_code == 200
    assert "ratings.csv" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


# Bad files -------------------------------------------------------------------------------------


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def deep_json() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def traversal_zip() -> bytes:
    return as_zip({"../../etc/watched-history.json": as_json([history(1)])})


def absolute_zip() -> bytes:
    return as_zip({"/srv/watched-history.json": as_json([history(1)])})


def bomb_zip() -> bytes:
    return as_zip({"watched-history.json": b"[" + b" " * (21 * 1024 * 1024) + b"]"})


def lying_bomb_zip() -> bytes:
    """A member that claims to be small: reading stops at the claimed size, where the
    checksum fails, so it never unpacks to more than the limit."""
    content = bomb_zip()
    archive = zipfile.ZipFile(io.BytesIO(content))
    info = archive.infolist()[0]
    patched = bytearray(content)
    real = info.file_size.to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    # The size appears in the local header and the central directory: lie in both.
    return bytes(patched).replace(real, small)


def many_files_zip() -> bytes:
    return as_zip({f"file{n}.txt": b"" for n in range(201)})


BAD_FILES = [
    ("picture.png", png(), "This is not a zip, JSON or CSV file"),
    ("history.json", "[é]".encode("latin-1"), "is not UTF-8 text"),
    ("diary.csv", "Name,Season,Episode\nÉtoile,1,1".encode("utf-16"), "is not UTF-8 text"),
    ("diary.csv", b"Title,Stars\nEtoile,5\n", "The columns of diary.csv are not ones we know"),
    ("history.json", b'[{"watched_at": ', "history.json is not valid JSON"),
    ("history.json", deep_json(), "history.json is not valid JSON"),
    ("history.json", b'{"history": []}', "is not a Trakt export"),
    ("history.json", b'[{"title": "Etoile"}]', "is not a Trakt history, ratings or watchlist"),
    ("history.json", b"", "is empty"),
    ("export.zip", traversal_zip(), "names files outside its own folder"),
    ("export.zip", absolute_zip(), "names files outside its own folder"),
    ("export.zip", bomb_zip(), "too large once unpacked"),
    ("export.zip", lying_bomb_zip(), "is damaged"),
    ("export.zip", many_files_zip(), "more than 200 files"),
    ("export.zip", b"PK\x03\x04" + b"\x00" * 200, "is damaged"),
    ("export.zip", as_zip({"notes.txt": b"hello"}), "holds no JSON or CSV files"),
    ("huge.csv", b"Name,Season,Episode\n" + b"x" * (5 * 1024 * 1024), "too large"),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), BAD_FILES, ids=[f"{n}: {m}" for n, _c, m in BAD_FILES]
)
def test_a_bad_file_gets_a_clear_error_on_the_form_and_nothing_is_written(
    client_of, odette, name, content, message
):
    response = upload(client_of, content, name)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    form = response.context["form"]
    assert message in " ".join(form.errors["file"])
    # The error is tied to the field, for screen readers.
    assert 'id="id_file_error"' in page
    assert 'aria-invalid="true" aria-describedby="id_file_helptext id_file_error"' in page
    assert data_of(odette) == {"ratings": [], "watches": [], "watchlist": []}


def test_no_file_at_all_is_asked_for(client_of):
    response = client_of.post(IMPORT, {})
    assert response.status_code == 400
    assert "Choose the file to import." in response.content.decode()


def test_a_file_with_too_many_rows_is_refused(client_of, settings, monkeypatch):
    monkeypatch.setattr("reviews.interchange.MAX_ROWS", 10)
    response = upload(client_of, as_json([history(1)] * 11))
    assert response.status_code == 400
    assert "more than 10 rows" in response.content.decode()


def test_imports_are_rate_limited_per_member(client_of, odette):
    content = as_json([history(1)])
    for _ in range(5):
        assert upload(client_of, content).status_code == 200
    response = upload(client_of, content)
    assert response.status_code == 429
    assert "You are importing faster than we allow" in response.content.decode()
    # Another member is not held back.
    other = Client()
    other.force_login(make_member("odile@example.com", "odile"))
    assert upload(other, content).status_code == 200


# Ownership, visitors, CSRF ---------------------------------------------------------------------


def test_another_members_signed_plan_cannot_be_applied(client_of, odette):
    odile = make_member("odile@example.com", "odile")
    odiles_client = Client()
    odiles_client.force_login(odile)
    token = token_of(upload(odiles_client, as_json([rating(1, 2)])))

    response = client_of.post(CONFIRM, {"plan": token})

    assert response.status_code == 400
    assert "This preview is not one we made for you" in response.content.decode()
    assert Rating.objects.count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "",
        lambda token: signing.dumps({"v": 1, "m": 1, "r": [], "w": [], "l": []}),
    ],
    ids=["edited", "missing", "signed without the salt"],
)
def test_a_tampered_plan_is_refused(client_of, odette, tamper):
    token = token_of(upload(client_of, as_json([rating(1, 2)])))
    response = client_of.post(CONFIRM, {"plan": tamper(token)})
    assert response.status_code == 400
    assert Rating.objects.count() == 0


def test_a_plan_signed_with_the_members_salt_for_someone_else_is_refused(client_of, odette):
    forged = signing.dumps(
        {"v": 1, "m": odette.pk + 1, "r": [[episode(1).pk, 2]], "w": [], "l": []},
        salt=f"{imports.PLAN_SALT}:{odette.pk}",
        compress=True,
    )
    assert client_of.post(CONFIRM, {"plan": forged}).status_code == 400
    assert Rating.objects.count() == 0


def test_an_old_preview_is_refused(client_of, odette, monkeypatch):
    token = token_of(upload(client_of, as_json([rating(1, 2)])))
    monkeypatch.setattr(imports, "PLAN_MAX_AGE", -1)
    response = client_of.post(CONFIRM, {"plan": token})
    assert response.status_code == 400
    assert "more than an hour old" in response.content.decode()
    assert Rating.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", IMPORT),
        ("post", IMPORT),
        ("post", CONFIRM),
        ("get", "/me/export/trakt/"),
        ("get", "/me/export/csv/"),
    ],
)
def test_a_visitor_is_sent_to_sign_in(catalog, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_confirming_needs_a_post_with_the_csrf_token(odette):
    client = Client(enforce_csrf_checks=True)
    client.force_login(odette)
    token = imports.plan_sign(
        member=odette, ratings=[[episode(1).pk, 4, None]], watches=[], watchlist=[]
    )

    assert client.get(CONFIRM, {"plan": token}).status_code == 405
    assert client.post(CONFIRM, {"plan": token}).status_code == 403
    assert client.post(IMPORT, {"file": io.BytesIO(b"[]")}).status_code == 403
    assert Rating.objects.count() == 0


# Pages and queries -----------------------------------------------------------------------------


def test_the_import_page_documents_the_formats_and_links_the_exports(client_of):
    response = client_of.get(IMPORT)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_file">Export file</label>' in page
    assert 'enctype="multipart/form-data"' in page
    assert "Date, Name, Year, Season, Episode, Episode Title, Rating" in page
    assert 'href="/me/export/trakt/"' in page and 'href="/me/export/csv/"' in page
    assert 'aria-current="page"' in page


def test_the_settings_page_links_to_import(client_of):
    assert 'href="/me/import/"' in client_of.get("/me/settings/").content.decode()


def big_trakt_file(rows: int) -> bytes:
    items = []
    for n in range(rows):
        number = n % 8 + 1
        items.append(history(number, f"2025-{5 + n % 6:02d}-{n % 28 + 1:02d}T12:00:00Z"))
        if n % 50 == 0:
            items.append(rating(number, n % 10 + 1))
            items.append(history(number, show=OTHER_SHOW))
    return as_json(items)


def test_the_preview_costs_the_same_queries_for_a_big_file(
    client_of, odette, django_assert_max_num_queries
):
    services.rating_set(member=odette, episode=episode(1), score=4)
    services.watch_add(member=odette, episode=episode(2), watched_on=PREMIERE)
    # Most of the bound is the rate limit's bookkeeping in the database cache of the tests.
    with CaptureQueriesContext(connection) as small_queries:
        small = upload(client_of, big_trakt_file(3))
    with django_assert_max_num_queries(35), CaptureQueriesContext(connection) as big_queries:
        big = upload(client_of, big_trakt_file(4000))
    assert small.status_code == big.status_code == 200
    # Thousands of viewings in the file, every episode filled up to the per-member limit.
    limit = services.WATCHES_PER_EPISODE_MAX
    assert big.context["preview"].watches_new_total == Episode.objects.count() * limit - 1
    assert len(big_queries) == len(small_queries)


# Any file at all: an error for the form, never a crash --------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
TRAKT_KEYS = ["watched_at", "rated_at", "listed_at", "rating", "type", "episode", "show", "ids"]
TRAKT_LIKE = st.lists(
    st.dictionaries(st.sampled_from(TRAKT_KEYS), JSON_VALUES, max_size=6), max_size=5
)
CSV_CELLS = st.text(max_size=12) | st.sampled_from(["Étoile", "1", "4.5", "2025-05-01", "Yes", ""])


def read_and_plan(member: User, name: str, content: bytes) -> str | None:
    """What the import makes of a file: None when it is read and previewed, or the message the
    form shows when the file is refused."""
    try:
        read = interchange.read_upload(SimpleUploadedFile(name, content))
    except interchange.ImportFileError as refusal:
        assert_is_a_message_for_the_form(str(refusal), name)
        return str(refusal)
    preview = imports.plan_import(member=member, upload=read)
    assert preview is not None
    return None


def assert_is_a_message_for_the_form(message: str, name: str) -> None:
    """One sentence for a person, about their file: never Python's own words."""
    base = name.rsplit("/", 1)[-1]
    assert message.startswith(("This ", "The columns of ", base)), message
    assert message.endswith("."), message
    assert "\n" not in message and "Error" not in message and "Traceback" not in message, message


@fuzz(max_examples=150)
@given(items=TRAKT_LIKE)
def test_any_json_is_read_or_refused_with_a_message(odette, items):
    read_and_plan(odette, "history.json", json.dumps(items).encode())


@fuzz(max_examples=150)
@given(
    header=st.lists(
        st.sampled_from([*interchange.CSV_COLUMNS, "tv_show_name", "episode_number", "x"]),
        max_size=8,
    ),
    rows=st.lists(st.lists(CSV_CELLS, max_size=9), max_size=5),
)
def test_any_csv_is_read_or_refused_with_a_message(odette, header, rows):
    read_and_plan(odette, "diary.csv", as_csv([header, *rows]))


@fuzz(max_examples=100)
@given(content=st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_a_message(odette, content):
    for name in ("export.zip", "history.json", "diary.csv", "file"):
        read_and_plan(odette, name, content)
        # Bytes after a zip's signature are no zip we can import, whatever the file's name.
        refusal = read_and_plan(odette, name, b"PK\x03\x04" + content)
        assert refusal is not None, f"{name}: a zip signature and {content!r} were imported"
        assert "zip" in refusal, refusal


def damaged_lzma_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("watched-history.json", as_json([history(1)] * 50))
    content = bytearray(buffer.getvalue())
    start = content.index(b"watched-history.json") + len("watched-history.json") + 20
    content[start : start + 40] = b"\xff" * 40  # the compressed data, not the headers
    return bytes(content)


def test_a_damaged_lzma_zip_is_a_clear_error_not_a_crash(client_of, odette):
    response = upload(client_of, damaged_lzma_zip(), "export.zip")

    assert response.status_code == 400
    assert "is damaged" in response.content.decode()
    assert data_of(odette) == {"ratings": [], "watches": [], "watchlist": []}


def test_thousands_of_digits_in_a_number_or_an_id_are_skipped_not_a_crash(client_of, odette):
    digits = "9" * 5000
    rows = [["Name", "Season", "Episode", "Rating"], ["Étoile", digits, "1", "4"]]
    response = upload(client_of, as_csv(rows), "diary.csv")
    assert response.status_code == 200
    assert "0 rows skipped" not in response.content.decode()

    item = history(2)
    item["episode"]["ids"] = {"tmdb": digits, "trakt": digits}
    response = upload(client_of, as_json([item]))
    assert response.status_code == 200
    client_of.post(CONFIRM, {"plan": token_of(response)})
    assert data_of(odette)["watches"], "the episode was still found by its numbers"


def test_an_episode_watched_in_the_file_does_not_go_back_on_the_watchlist(client_of, odette):
    response = upload(
        client_of,
        as_zip(
            {
                "watched-history.json": as_json([history(2)]),
                "watchlist.json": as_json([listed(2), listed(5)]),
            }
        ),
        "export.zip",
    )
    client_of.post(CONFIRM, {"plan": token_of(response)})

    assert data_of(odette)["watchlist"] == [episode(5).pk]
