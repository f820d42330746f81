"""Hypothesis drives every form with unicode, very long input, control characters and NUL:
never a 500, a refusal is a 4xx or the form shown again, and nothing is half-written.

Each example runs inside a savepoint that is rolled back, so examples never see each other's
rows or rate-limit counters (the cache is the database here, and is cleared too). Runs are
reproducible (derandomize) and keep no example database (database=None); Hypothesis' other
caches (Unicode tables, source constants) go to the temp folder, so no .hypothesis/ folder is
written into the repository. NUL matters most on PostgreSQL, which refuses it in any text
parameter.
"""

import datetime
import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, example, given
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from catalog.models import Episode
from kernel.querystring import query_string_is_clean
from members.forms import DeleteAccountForm
from members.models import User
from reviews import services
from reviews.models import (
    SCORES,
    EpisodeScores,
    Like,
    Rating,
    Report,
    Review,
    Watch,
    WatchlistEntry,
)
from tests.factories import PASSWORD, fuzz, make_member

pytestmark = pytest.mark.django_db

if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "etoile-hypothesis")

EMAIL = "odette@example.com"
OTHER_EMAIL = "odile@example.com"


# Strategies ---------------------------------------------------------------------------------

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\xa0"]
UNICODE_ODDITIES = [
    "\u200b",  # zero-width space
    "\u200d",
    "\u200e",
    "\u202e",  # right-to-left override
    "\u2028",
    "\u2029",
    "\u0301",  # combining accent, alone
    "\ufeff",
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "🩰",
    "Ω",
    "ﷺ",
    "İ",  # lower() makes it two characters
    "ß",
]
CHUNKS = ["a", " ", "\x00", "\r\n", "é", "🩰", "\u202e", "<b>", "' OR 1=1 --", "%00", "\\0"]

SURROGATE_FREE = st.characters(codec="utf-8")
ANY_CHAR = st.one_of(SURROGATE_FREE, st.sampled_from(CONTROL + UNICODE_ODDITIES))


def _repeat(chunk: str, length: int) -> str:
    return (chunk * (length // len(chunk) + 1))[:length]


LONG_TEXT = st.builds(
    _repeat,
    st.lists(st.sampled_from(CHUNKS), min_size=1, max_size=4).map("".join),
    st.sampled_from([300, 301, 500, 501, 4_999, 5_000, 5_001, 20_000]),
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.text(SURROGATE_FREE, max_size=40),
    LONG_TEXT,
    st.sampled_from(["", " ", "\x00", "\x00" * 8, "a\x00b", " \r\n\t ", "\u3000"]),
)
ODD_NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.sampled_from(
        ["", "0", "-1", "11", "1e3", "NaN", "inf", "5.5", "٣", "１０", "0x10", "7\x00", " 7 "]
        + ["9" * 5_000, "+3", "1_0", "None", "true", "[]", "{}"]
    ),
    TEXT,
)
ODD_DATE = st.one_of(
    # Around the premiere (April 2025): the dates the site accepts and those just before.
    st.dates(min_value=datetime.date(2025, 3, 1), max_value=datetime.date(2025, 12, 31)).map(str),
    st.dates().map(str),
    st.datetimes().map(str),
    st.sampled_from(
        ["", "0000-00-00", "2025-02-30", "2025-13-01", "0001-01-01", "9999-12-31", "10000-01-01"]
        + ["-2025-04-24", "2025-04-24\x00", "2025-4-24", "24/04/2025", "04/24/2025", "1e10"]
        + ["２０２５-０４-２４", "2025-04-24T25:61", "99999999999999999999-01-01", "today"]
    ),
    TEXT,
)
ODD_UUID = st.one_of(st.uuids().map(str), st.just(""), TEXT)
ODD_BOOLEAN = st.one_of(st.sampled_from(["", "on", "off", "true", "false", "0", "1"]), TEXT)
NEXT_URL = st.one_of(
    st.sampled_from(
        ["/me/watchlist/", "//evil.example/", "https://evil.example/", "javascript:alert(1)"]
        + ["/\x00", "/\\evil.example", "\x00//evil.example", "/%0d%0aSet-Cookie:x=1", "\r\n/"]
        + ["///evil.example", "http:/evil.example", " /me/watchlist/", "./", "..", "a.b"]
    ),
    # The site's own forms send a path; a value with no "/" or "." has a test of its own.
    TEXT.map("/{}".format),
)
NEXT_NOT_A_PATH = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=40),
    st.sampled_from(["0", "home", "watchlist", "evil", "\x00", "javascript:1"]),
).filter(lambda value: "/" not in value and "." not in value)


def choice(*valid: str):
    return st.one_of(st.sampled_from(valid), TEXT, ODD_NUMBER)


def form(required: dict | None = None, **fields) -> st.SearchStrategy[dict]:
    """POST data: a field may be missing, sent once, or sent several times; `required`
    fields are always sent once."""
    return st.fixed_dictionaries(
        required or {},
        optional={
            name: st.one_of(values, st.lists(values, min_size=2, max_size=3))
            for name, values in fields.items()
        },
    )


def as_querydict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


# Worst cases each test tries first (@example), whatever Hypothesis generates besides.
NUL_EVERYWHERE = "\x00"
NUL_INSIDE = "caf\x00é \x00"
TWENTY_THOUSAND = _repeat("é\x00🩰 ", 20_000)


# Isolation and what the database holds ------------------------------------------------------


@contextmanager
def rolled_back():
    """One example: its rows and rate-limit counters are undone when it ends."""
    with transaction.atomic():
        for alias in django_settings.CACHES:
            caches[alias].clear()
        yield
        transaction.set_rollback(True)


def snapshot() -> dict:
    """Every row a member's form can write."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "reviews": list(Review.objects.order_by("pk").values()),
        "ratings": list(Rating.objects.order_by("pk").values()),
        "scores": list(EpisodeScores.objects.order_by("pk").values()),
        "watches": list(Watch.objects.order_by("pk").values()),
        "watchlist": list(WatchlistEntry.objects.order_by("pk").values()),
        "reports": list(Report.objects.order_by("pk").values()),
        "likes": list(Like.objects.order_by("pk").values()),
    }


def changed(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def assert_no_nul_stored() -> None:
    """SQLite would store a NUL that PostgreSQL refuses: no text written may hold one."""
    texts = [
        *User.objects.values_list("email", "handle", "display_name", "bio"),
        *Review.objects.values_list("body"),
        *Report.objects.values_list("note"),
    ]
    assert not [value for row in texts for value in row if "\x00" in value]


def assert_counters_match_ratings() -> None:
    for scores in EpisodeScores.objects.all():
        for score in SCORES:
            counted = Rating.objects.filter(episode_id=scores.pk, score=score).count()
            assert getattr(scores, f"count_{score}") == counted


def assert_not_a_server_error(response) -> None:
    event(f"HTTP {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code < 500, response.status_code


def assert_form_shown_again(response, name: str) -> None:
    """A refusal shows the form again, with its errors, as a 4xx (or 200 where allauth and
    htmx panels answer that way)."""
    assert response.status_code in {200, 400, 429}, response.status_code
    assert response.context is not None, "a page must be rendered"
    shown = response.context[name]
    assert shown.errors, f"the {name} must say what is wrong"


def assert_local_redirect(response) -> None:
    """A redirect that a browser follows to this site: resolved against the page it was
    posted from, with backslashes read as slashes as browsers do."""
    assert response.status_code == 302
    location = response["Location"]
    posted_from = f"http://testserver{response.request['PATH_INFO']}"
    target = urlsplit(urljoin(posted_from, location.replace("\\", "/")))
    assert (target.scheme, target.netloc) == ("http", "testserver"), location


# People and things to write about -----------------------------------------------------------


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.select_related("season__show").get(season__number=1, number=3)


@pytest.fixture
def member(db, client) -> User:
    user = make_member(EMAIL, "odette", display_name="Odette Swan")
    client.force_login(user)
    return user


@pytest.fixture
def other_member(db) -> User:
    return make_member(OTHER_EMAIL, "odile", display_name="Odile Black")


@pytest.fixture
def others_review(episode, other_member) -> Review:
    return services.review_post(
        member=other_member, episode=episode, body="The second act drags.", is_spoiler=False
    )


@pytest.fixture
def own_review(episode, member) -> Review:
    return services.review_post(
        member=member, episode=episode, body="Thirty-two fouettés!", is_spoiler=False
    )


def today():
    return timezone.localdate()


def episode_path(episode: Episode, name: str) -> str:
    return reverse(f"reviews:{name}", args=[episode.season.number, episode.number])


def anonymous() -> Client:
    return Client()


# Accounts -----------------------------------------------------------------------------------

EMAILS = st.one_of(
    TEXT,
    st.emails().map(str),
    st.builds("{}@example.com".format, st.text(ANY_CHAR, min_size=1, max_size=20)),
    st.sampled_from([EMAIL, EMAIL.upper(), f" {EMAIL} ", f"{EMAIL}\x00", "new@example.com"]),
)
PASSWORDS = st.one_of(TEXT, st.sampled_from([PASSWORD, "correct horse battery staple"]))


@fuzz(40)
@given(
    data=form(
        name=st.one_of(TEXT, st.just("Odette")),
        email=EMAILS,
        password1=PASSWORDS,
        password2=PASSWORDS,
        website=st.sampled_from(["", "", "", "https://spam.example", "\x00"]),
    )
)
@example(data={"email": NUL_INSIDE, "password1": NUL_INSIDE, "password2": NUL_INSIDE})
@example(data={"email": f"new{NUL_EVERYWHERE}@example.com", "password1": PASSWORD})
@example(data={"email": "new@example.com", "password1": TWENTY_THOUSAND, "password2": ""})
@example(
    data={
        "name": "Odette",
        "email": "new@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
)
def test_sign_up(member, data):
    with rolled_back():
        before = snapshot()
        response = anonymous().post(reverse("account_signup"), data)

        assert_not_a_server_error(response)
        after = snapshot()
        new_users = [row for row in after["users"] if row not in before["users"]]
        if response.status_code != 302:
            assert_form_shown_again(response, "form")
            assert not changed(before, after)
        assert len(new_users) <= 1
        for user in new_users:  # a whole account: the member and their address
            sent = as_querydict(data).get("email", "")
            assert user["email"].lower() == sent.strip().lower()
            assert EmailAddress.objects.filter(user_id=user["id"], email=user["email"]).exists()
        assert_no_nul_stored()


@fuzz(30)
@given(
    data=form(
        login=EMAILS,
        password=PASSWORDS,
        remember=ODD_BOOLEAN,
    )
)
@example(data={"login": EMAIL, "password": f"{PASSWORD}\x00"})
@example(data={"login": f"{EMAIL}\x00", "password": PASSWORD})
@example(data={"login": TWENTY_THOUSAND, "password": TWENTY_THOUSAND})
def test_sign_in(member, data):
    with rolled_back():
        before = snapshot()
        browser = anonymous()
        response = browser.post(reverse("account_login"), data)

        assert_not_a_server_error(response)
        signed_in = "_auth_user_id" in browser.session
        sent = as_querydict(data)
        if signed_in:
            assert sent.get("password") == PASSWORD
            assert sent.get("login", "").strip().lower() == EMAIL
        else:
            assert_form_shown_again(response, "form")
        after = snapshot()
        # Signing in records last_login; nothing else is written.
        for row in before["users"] + after["users"]:
            row.pop("last_login")
        assert not changed(before, after)


@fuzz(30)
@given(data=form(email=EMAILS))
@example(data={"email": f"{EMAIL}\x00"})
@example(data={"email": TWENTY_THOUSAND})
def test_password_reset(member, data):
    with rolled_back():
        before = snapshot()
        response = anonymous().post(reverse("account_reset_password"), data)

        assert_not_a_server_error(response)
        if response.status_code != 302:
            assert_form_shown_again(response, "form")
        assert not changed(before, snapshot())


# Reviews, replies, edits and reports --------------------------------------------------------

REVIEW_FIELDS = {
    "body": TEXT,
    "is_spoiler": ODD_BOOLEAN,
    "spoils_up_to": choice("", "1", "3", "8"),
    "website": st.sampled_from(["", "", "", "https://spam.example", "\x00"]),
}


def expected_body(data: dict, key: str = "body") -> str:
    return as_querydict(data).get(key, "").replace("\r\n", "\n").replace("\x00", "").strip()


def assert_review_matches(review: Review, data: dict, key: str = "body") -> None:
    assert review.body == expected_body(data, key)
    assert 0 < len(review.body) <= 5_000
    assert review.spoils_up_to in {None, *range(1, 9)}


@fuzz(40)
@given(data=form(**REVIEW_FIELDS))
@example(data={"body": NUL_INSIDE, "spoils_up_to": "3\x00", "is_spoiler": "\x00"})
@example(data={"body": TWENTY_THOUSAND})
@example(data={"body": "\x00" * 5_001})
@example(data={"body": "Fine.", "website": "\x00"})
def test_review_create(client, member, episode, data):
    with rolled_back():
        before = snapshot()
        response = client.post(episode_path(episode, "review-create"), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            assert_local_redirect(response)
            new = Review.objects.exclude(pk__in=[row["id"] for row in before["reviews"]])
            if as_querydict(data).get("website"):
                assert not new.exists(), "a filled honeypot writes nothing"
            else:
                assert_review_matches(new.get(), data)
        else:
            assert_form_shown_again(response, "review_form")
            assert not changed(before, after)
        assert_no_nul_stored()


@fuzz(30)
@given(data=form(**{f"reply-PK-{name}": values for name, values in REVIEW_FIELDS.items()}))
@example(data={"reply-PK-body": NUL_INSIDE})
@example(data={"reply-PK-body": TWENTY_THOUSAND})
def test_reply(client, member, others_review, data):
    data = {name.replace("PK", str(others_review.pk)): value for name, value in data.items()}
    body_key = f"reply-{others_review.pk}-body"
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("reviews:reply-create", args=[others_review.pk]), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            new = Review.objects.exclude(pk__in=[row["id"] for row in before["reviews"]])
            if as_querydict(data).get(f"reply-{others_review.pk}-website"):
                assert not new.exists()
            else:
                reply = new.get()
                assert reply.parent_id == others_review.pk
                assert_review_matches(reply, data, body_key)
        else:
            assert response.status_code in {400, 429}
            assert response.context["review_page"] is not None
            assert not changed(before, after)
        assert_no_nul_stored()


@fuzz(30)
@given(data=form(**REVIEW_FIELDS))
@example(data={"body": NUL_INSIDE, "spoils_up_to": "\x00"})
@example(data={"body": TWENTY_THOUSAND, "is_spoiler": "on"})
def test_review_edit(client, member, own_review, data):
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("reviews:review-edit", args=[own_review.pk]), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            own_review.refresh_from_db()
            assert_review_matches(own_review, data)
            assert changed(before, after) <= {"reviews"}
        else:
            assert_form_shown_again(response, "form")
            assert not changed(before, after)
        assert_no_nul_stored()


@fuzz(30)
@given(data=form(reason=choice("spoiler", "harassment", "spam", "other"), note=TEXT))
@example(data={"reason": "other", "note": NUL_INSIDE})
@example(data={"reason": "other\x00", "note": "x"})
@example(data={"reason": "spam", "note": TWENTY_THOUSAND})
def test_report(client, member, others_review, data):
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("reviews:review-report", args=[others_review.pk]), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            report = Report.objects.get(reporter=member)
            assert report.reason in Report.Reason.values
            assert len(report.note) <= 300
            assert changed(before, after) == {"reports"}
        else:
            assert_form_shown_again(response, "form")
            assert not changed(before, after)
        assert_no_nul_stored()


# Ratings, watches and the watchlist ---------------------------------------------------------


@fuzz(40)
@given(
    data=form(score=choice(*map(str, SCORES)), remove=TEXT),
    htmx=st.booleans(),
)
@example(data={"score": "5\x00"}, htmx=False)
@example(data={"score": "9" * 5_000}, htmx=True)
@example(data={"score": ["3", "\x00"]}, htmx=False)
def test_rating(client, member, episode, data, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    with rolled_back():
        services.rating_set(member=member, episode=episode, score=6)
        before = snapshot()
        response = client.post(episode_path(episode, "rating-set"), data, headers=headers)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 400:
            assert_form_shown_again(response, "rating_form")
        refused = response.status_code == 400 or (htmx and response.context["rating_form"].errors)
        if refused:
            assert not changed(before, after)
        assert Rating.objects.filter(member=member).count() <= 1
        assert set(Rating.objects.values_list("score", flat=True)) <= set(SCORES)
        assert_counters_match_ratings()


@fuzz(40)
@given(data=form({"watched_on": ODD_DATE}, submission_key=ODD_UUID, next=NEXT_URL))
@example(data={"watched_on": "2025-05-01\x00", "submission_key": str(uuid.uuid4())})
@example(data={"watched_on": "2025-05-01", "submission_key": f"{uuid.uuid4()}\x00"})
@example(data={"watched_on": "2025-05-01", "next": "//evil.example/\x00"})
@example(data={"watched_on": TWENTY_THOUSAND})
def test_watch(client, member, episode, data):
    with rolled_back():
        before = snapshot()
        response = client.post(episode_path(episode, "watch-add"), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            assert_local_redirect(response)
            assert len(after["watches"]) == len(before["watches"]) + 1
            watch = Watch.objects.get(member=member)
            assert services.earliest_watch_date(episode) <= watch.watched_on <= today()
        else:
            assert_form_shown_again(response, "watch_form")
            assert not changed(before, after)


@fuzz(25)
@given(data=form(action=choice("add", "remove"), next=NEXT_URL))
@example(data={"action": "remove\x00", "next": "/\x00"})
@example(data={"action": TWENTY_THOUSAND, "next": f"/{TWENTY_THOUSAND}"})
def test_watchlist_toggle(client, member, episode, data):
    with rolled_back():
        before = snapshot()
        response = client.post(episode_path(episode, "watchlist-toggle"), data)

        assert_not_a_server_error(response)
        assert_local_redirect(response)
        assert changed(before, snapshot()) <= {"watchlist"}
        assert WatchlistEntry.objects.filter(member=member).count() <= 1


@fuzz(20)
@given(next_value=NEXT_NOT_A_PATH, view=st.sampled_from(["watch-add", "watchlist-toggle"]))
@example(next_value="0", view="watchlist-toggle")
@example(next_value="0", view="watch-add")
def test_next_that_is_not_a_path_is_ignored_not_a_500(client, member, episode, next_value, view):
    data = {"next": next_value, "watched_on": "2025-05-01", "action": "add"}
    with rolled_back():
        response = client.post(episode_path(episode, view), data)

        assert_not_a_server_error(response)
        assert_local_redirect(response)


@fuzz(25)
@given(data=form(action=choice("watchlist", "unwatchlist", "watched"), watched_on=ODD_DATE))
@example(data={"action": "watched", "watched_on": "2025-05-01\x00"})
@example(data={"action": "watchlist\x00"})
@example(data={"action": "watched", "watched_on": TWENTY_THOUSAND})
def test_season_track(client, member, episode, data):
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("reviews:season-track", args=[1]), data)

        assert_not_a_server_error(response)
        assert_local_redirect(response)
        assert changed(before, snapshot()) <= {"watchlist", "watches"}
        earliest = services.earliest_watch_date(episode)
        for watch in Watch.objects.filter(member=member):
            assert earliest <= watch.watched_on <= today()


# Settings and leaving -----------------------------------------------------------------------


@fuzz(40)
@given(
    data=form(
        display_name=TEXT,
        handle=st.one_of(TEXT, st.sampled_from(["odette", "ODETTE", "odile", "admin", "a-b"])),
        bio=TEXT,
        hide_unwatched=ODD_BOOLEAN,
    )
)
@example(data={"display_name": NUL_INSIDE, "handle": "odette", "bio": NUL_INSIDE})
@example(data={"display_name": "Odette", "handle": "odette\x00", "bio": ""})
@example(data={"display_name": TWENTY_THOUSAND, "handle": TWENTY_THOUSAND, "bio": TWENTY_THOUSAND})
@example(data={"display_name": "\u202eevil", "handle": "ＯＤＥＴＴＥ", "bio": "\x1b[31m"})
def test_settings_profile(client, member, other_member, data):
    with rolled_back():
        before = snapshot()
        response = client.post(reverse("member-settings"), data)

        assert_not_a_server_error(response)
        after = snapshot()
        if response.status_code == 302:
            assert changed(before, after) <= {"users"}
            member.refresh_from_db()
            assert member.handle == as_querydict(data).get("handle", "").strip().lower()
            assert len(member.bio) <= 500
            profile = client.get(member.get_absolute_url())
            assert profile.status_code == 200
        else:
            assert_form_shown_again(response, "profile_form")
            assert not changed(before, after)
        assert_no_nul_stored()


@fuzz(25)
@given(password=PASSWORDS, data=form(confirm=ODD_BOOLEAN))
@example(password=f"{PASSWORD}\x00", data={"confirm": "on"})
@example(password=PASSWORD, data={"confirm": "\x00"})
@example(password=PASSWORD, data={"confirm": ["", "on"]})
@example(password=PASSWORD, data={"confirm": TWENTY_THOUSAND})
@example(password=PASSWORD, data={})
def test_delete_account_confirmation(db, password, data):
    with rolled_back():
        leaving = make_member("leaving@example.com", "leaving")
        browser = anonymous()
        browser.force_login(leaving)
        reauthenticated = browser.post(reverse("account_reauthenticate"), {"password": password})
        assert_not_a_server_error(reauthenticated)
        response = browser.post(reverse("member-delete"), data)

        assert_not_a_server_error(response)
        gone = not User.objects.filter(pk=leaving.pk).exists()
        if reauthenticated.status_code != 302:
            assert_form_shown_again(reauthenticated, "form")
            assert not gone, "deleting needs the password typed again"
        elif DeleteAccountForm(as_querydict(data)).is_valid():
            assert response.status_code == 302
            assert gone
            assert not EmailAddress.objects.filter(user_id=leaving.pk).exists()
        else:
            assert_form_shown_again(response, "form")
            assert not gone


# Pages read with odd query strings and addresses --------------------------------------------

QUERY = st.one_of(
    st.dictionaries(
        st.sampled_from(["sort", "page", "q", "next", "sort[]", "page\x00", "é"]),
        st.one_of(
            ODD_NUMBER,
            st.sampled_from(["newest", "liked", "1", "2", "50", "51", "99", "100000", "100001"]),
        ),
        max_size=3,
    ).map(urlencode),
    st.text(ANY_CHAR, max_size=60).map(lambda raw: quote(raw, safe="=&%+")),
    st.sampled_from(["page=%00", "sort=%FF%FE", "page=1&page=2", "page=%", "%%%", "=&=&"]),
)


@fuzz(40)
@given(query=QUERY, signed_in=st.booleans(), cached=st.booleans())
@example(query="sort=%00&page=%00", signed_in=False, cached=True)
@example(query="page=" + "9" * 5_000, signed_in=True, cached=False)
def test_reading_pages_with_odd_query_strings(
    client, member, own_review, settings, query, signed_in, cached
):
    settings.VISITOR_PAGE_CACHE_SECONDS = 600 if cached else 0
    browser = client if signed_in else anonymous()
    with rolled_back():
        Watch.objects.create(member=member, episode=own_review.episode, watched_on="2025-05-01")
        for path in [
            "/",
            "/season/1/",
            "/season/1/episode/3/",
            "/u/odette/",
            "/u/odette/diary/",
            "/me/watchlist/",
        ]:
            response = browser.get(f"{path}?{query}")
            assert_not_a_server_error(response)
            if query_string_is_clean(query):
                assert response.status_code in {200, 302, 304}, (path, response.status_code)
            else:  # NUL or broken UTF-8: kernel/querystring.py refuses the whole request
                assert response.status_code == 400, (path, response.status_code)


HANDLES = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=40),
    LONG_TEXT,
    st.sampled_from(["odette", "ODETTE", "odette\x00", "\x00", "ＯＤＥＴＴＥ", "odettе"]),
).filter(lambda handle: handle not in {".", ".."})


@fuzz(30)
@given(handle=HANDLES)
@example(handle="odette\x00")
def test_profile_and_diary_addresses_with_odd_handles(client, member, handle):
    with rolled_back():
        for path in [f"/u/{quote(handle, safe='')}/", f"/u/{quote(handle, safe='')}/diary/"]:
            response = client.get(path)
            assert_not_a_server_error(response)
            assert response.status_code in {200, 301, 404}, (path, response.status_code)


# Bodies no browser sends --------------------------------------------------------------------


@pytest.fixture
def every_form_address(member, episode, others_review, own_review) -> list[str]:
    return [
        reverse("account_signup"),
        reverse("account_login"),
        reverse("account_reset_password"),
        episode_path(episode, "review-create"),
        reverse("reviews:reply-create", args=[others_review.pk]),
        reverse("reviews:review-edit", args=[own_review.pk]),
        reverse("reviews:review-report", args=[others_review.pk]),
        reverse("reviews:like-toggle", args=[others_review.pk]),
        episode_path(episode, "rating-set"),
        episode_path(episode, "watch-add"),
        episode_path(episode, "watchlist-toggle"),
        reverse("reviews:season-track", args=[1]),
        reverse("member-settings"),
        reverse("member-delete"),
    ]


CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=nonsense",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "text/plain",
        "application/json",
    ]
)
RAW_BODY = st.one_of(
    st.binary(max_size=300),
    form(body=TEXT, score=ODD_NUMBER, watched_on=ODD_DATE).map(
        lambda data: urlencode(data, doseq=True).encode()
    ),
    st.sampled_from([b"body=%00", b"body=%ff%fe%00", b"%", b"=", b"&&&", b"--xyz\r\n\r\n--xyz--"]),
)


@fuzz(40)
@given(index=st.integers(min_value=0, max_value=13), body=RAW_BODY, content_type=CONTENT_TYPES)
@example(index=3, body=b"body=caf%00%C3%A9", content_type="application/x-www-form-urlencoded")
@example(
    index=0,
    body=b"--xyz\r\nContent-Disposition: form-data",
    content_type=("multipart/form-data; boundary=xyz"),
)
def test_raw_bodies_to_every_form(client, every_form_address, index, body, content_type):
    with rolled_back():
        before = snapshot()
        response = client.generic("POST", every_form_address[index], body, content_type)

        assert_not_a_server_error(response)
        if response.status_code >= 400:
            assert not changed(before, snapshot())
        assert_no_nul_stored()
