"""The search page, `/search/` and `/fr/search/`, as a reader uses it: one box, results of every
kind with their counts, marked matches, pages of one kind, and clear answers to odd input.

This module runs on SQLite and on PostgreSQL (CI runs both): each database has its own way of
matching (search/backends.py), and the page must answer the same on both.
"""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from catalog.models import Episode, Person
from members.models import User
from reviews import services
from reviews.models import Review
from search.results import MATCHES_RANKED, PER_PAGE
from tests.factories import fuzz, make_member, signed_in
from tests.pages import page_of

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def search(client: Client, q: str, path: str = SEARCH, **params):
    return client.get(path, {"q": q, **params})


def counts(response) -> dict[str, str]:
    """The count beside each kind in the kinds' navigation, as a reader reads it."""
    nav = page_of(response).find("nav", **{"aria-label": "Kinds of results"})
    found = {}
    for link in nav.find_all("a")[1:]:
        label, count = link.words.rsplit(" ", 1)
        found[label] = count
    return found


def hits(response, kind: str) -> list[str]:
    """The hits of a kind, each as its words."""
    sections = page_of(response).find_all("section", **{"aria-labelledby": f"results-{kind}"})
    if not sections:
        return []
    return [article.words for article in sections[0].find_all("article")]


def marks(response) -> list[str]:
    return [mark.words for mark in page_of(response).find("main").find_all("mark")]


@pytest.fixture
def odette(seeded) -> User:
    return make_member("odette@example.com", "odette", display_name="Odette Dupré")


def episode(number: int) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=number)


def write_synopsis(number: int, text: str, *, french: str = "") -> Episode:
    found = episode(number)
    found.synopsis = text
    found.synopsis_fr = french
    found.save()
    return found


# Finding each kind ----------------------------------------------------------------------------


def test_an_empty_search_shows_the_box_and_nothing_else(client, seeded):
    response = client.get(SEARCH)

    assert response.status_code == 200
    page = page_of(response)
    assert page.find("h1").words == "Search"
    assert page.find("input", id="id_q").attrs["type"] == "search"
    assert not page.find_all("nav", **{"aria-label": "Kinds of results"})
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_every_kind_is_found_and_counted(client, odette):
    write_synopsis(2, "Cheyenne joins the company for the gala.")
    services.review_post(member=odette, episode=episode(3), body="Cheyenne at the barre.")

    response = search(client, "cheyenne")

    assert response.status_code == 200
    assert counts(response) == {
        "Episodes": "1",
        "People": "0",
        "Characters": "1",
        "Members": "0",
        "Reviews": "1",
    }
    assert hits(response, "characters")[0].startswith("Cheyenne Played by Lou de Laâge")
    assert "Cheyenne joins the company for the gala." in hits(response, "episodes")[0]
    assert "Review by Odette Dupré" in hits(response, "reviews")[0]
    assert not hits(response, "people")  # a kind without a match has no section


def test_people_by_name_and_members_by_handle_or_display_name(client, odette):
    make_member("jack@example.com", "jack-fan", display_name="Someone else")

    assert hits(search(client, "kirby"), "people")[0].startswith("Luke Kirby")
    # Each member: their avatar's initials, their name and their handle.
    assert hits(search(client, "odette"), "members") == ["OD Odette Dupré @odette"]
    assert hits(search(client, "jack-fan"), "members") == ["SE Someone else @jack-fan"]
    # The character Jack and the member whose handle starts with it.
    response = search(client, "jack")
    assert counts(response)["Characters"] == "1"
    assert counts(response)["Members"] == "1"


def test_a_word_finds_the_words_it_begins(client, seeded):
    assert hits(search(client, "chey"), "characters")[0].startswith("Cheyenne")
    assert marks(search(client, "chey")) == ["Cheyenne"]


def test_accents_and_case_are_folded_both_ways(client, odette):
    services.review_post(member=odette, episode=episode(3), body="La Répétition générale.")

    for q in ["repetition", "RÉPÉTITION", "répétition", "Repetition Generale"]:
        assert len(hits(search(client, q), "reviews")) == 1, q
    assert len(hits(search(client, "dupre"), "members")) == 1


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("répétitions", "Les danseuses préparent la répétition de ce soir."),
        ("dancing", "She will dance the lead at the gala."),
        ("rehearsals", "The rehearsal runs late."),
    ],
    ids=["french-plural", "english-ing", "english-plural"],
)
def test_each_language_is_stemmed(client, odette, typed, written):
    services.review_post(member=odette, episode=episode(3), body=written)

    found = hits(search(client, typed), "reviews")

    assert len(found) == 1 and written in found[0]


def test_french_catalog_text_is_found_and_shown_on_french_pages(client, seeded):
    write_synopsis(4, "The company tours Europe.", french="La compagnie part en tournée en Europe.")

    english = search(client, "tournée")
    french = search(client, "tournée", path="/fr/search/")

    assert counts(english)["Episodes"] == "1"
    assert "The company tours Europe." in hits(english, "episodes")[0]
    assert "La compagnie part en tournée en Europe." in hits(french, "episodes")[0]
    assert "Saison 1 · Épisode 4" in hits(french, "episodes")[0]
    assert page_of(french).find("h1").words == "Recherche"


def test_names_and_titles_rank_above_prose(client, seeded):
    person = Person.objects.create(name="Mira Kirbyson", slug="mira-kirbyson")
    Person.objects.create(name="Anne Smith", slug="anne-smith", about="Kirbyson taught her.")

    found = hits(search(client, "kirbyson"), "people")

    assert found[0].startswith(person.name)
    assert found[1].startswith("Anne Smith")


# Marks, and what they never carry ---------------------------------------------------------------


def test_matches_are_marked_in_titles_and_snippets(client, odette):
    services.review_post(
        member=odette, episode=episode(3), body="Before the gala, the GALAS of old; a megagala."
    )

    assert marks(search(client, "gala")) == ["gala", "GALAS"]


def test_a_members_markup_is_shown_as_text_and_never_run(client, odette):
    payload = '<script>alert("gala")</script><img src=x onerror=alert(1)> gala <b>bold</b>'
    services.review_post(member=odette, episode=episode(3), body=payload)
    User.objects.filter(pk=odette.pk).update(display_name='Gala <img src=x onerror="alert(2)">')

    html = search(client, "gala").content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;<mark>gala</mark>&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>gala</mark> &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Review by Gala &lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    # The member found by that name: marked, and escaped.
    assert "<mark>Gala</mark> &lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_a_spoiler_found_by_its_text_says_whose_and_which_episode_but_not_a_word(client, odette):
    secret = "Cheyenne leaves the company at the gala."
    services.review_post(member=odette, episode=episode(7), body=secret, is_spoiler=True)

    response = search(client, "leaves gala")
    (hit,) = hits(response, "reviews")

    assert hit.startswith("Review by Odette Dupré Season 1 · Episode 7")
    assert "It contains spoilers, so its words are not shown here" in hit
    assert "the company at the" not in response.content.decode()
    assert marks(response) == []
    # Once the reader has watched episode 7, the review is theirs to read, marked.
    reader = make_member("reader@example.com", "reader")
    services.watch_add(member=reader, episode=episode(7), watched_on=datetime.date(2025, 5, 1))
    (hit,) = hits(search(signed_in(reader), "leaves gala"), "reviews")
    assert secret in hit


def test_a_review_found_names_its_episode_by_title_once_it_has_one(client, odette):
    services.review_post(member=odette, episode=episode(3), body="The gala at last.")
    assert "Season 1 · Episode 3 ·" in hits(search(client, "gala"), "reviews")[0]

    Episode.objects.filter(season__number=1, number=3).update(title="Opening Night")

    assert "Season 1 · Episode 3: Opening Night ·" in hits(search(client, "gala"), "reviews")[0]
    french = page_of(search(client, "gala", path="/fr/search/"))
    assert "Saison 1 · Épisode 3 : Opening Night" in french.find("article").words
    assert french.find("span", lang="en").words == "Opening Night"  # not yet in French


# What is never found ---------------------------------------------------------------------------


def test_only_public_reviews_of_members_in_good_standing_are_found(client, odette):
    review = services.review_post(member=odette, episode=episode(3), body="Visible gala text.")
    held = services.review_post(member=odette, episode=episode(3), body="Held gala text.")
    Review.objects.filter(pk=held.pk).update(status=Review.Status.HELD)
    other = make_member("gone@example.com", "gone", display_name="Gone Gala")
    services.review_post(member=other, episode=episode(4), body="Suspended gala text.")
    replier = make_member("replier@example.com", "replier")
    hidden = services.review_post(member=replier, episode=episode(5), body="Hidden gala text.")
    services.review_post(member=odette, episode=episode(5), body="Reply gala text.", parent=hidden)
    Review.objects.filter(pk=hidden.pk).update(status=Review.Status.HIDDEN)
    User.objects.filter(pk=other.pk).update(is_active=False)

    response = search(client, "gala")

    assert [h.split(" Season")[0] for h in hits(response, "reviews")] == ["Review by Odette Dupré"]
    # Each hit leads to the review's own page.
    assert f'href="/season/1/episode/3/reviews/{review.pk}/"' in response.content.decode()
    assert counts(response)["Members"] == "0"  # the suspended member is not listed either
    # Not even its author finds a held review here: search lists what anyone may read.
    assert len(hits(search(signed_in(odette), "gala"), "reviews")) == 1


# Pages of one kind --------------------------------------------------------------------------


def add_reviews(author: User, count: int, body: str = "A rehearsal note") -> None:
    episodes = list(Episode.objects.order_by("number"))
    Review.objects.bulk_create(
        Review(member=author, episode=episodes[n % len(episodes)], body=f"{body} {n}.")
        for n in range(count)
    )


def test_one_kind_comes_a_page_at_a_time(client, odette):
    add_reviews(odette, 2 * PER_PAGE + 5)

    first = search(client, "rehearsal", kind="reviews")
    third = search(client, "rehearsal", kind="reviews", page=3)
    past_the_end = search(client, "rehearsal", kind="reviews", page=99)

    assert len(hits(first, "reviews")) == PER_PAGE
    assert len(hits(third, "reviews")) == 5
    assert hits(past_the_end, "reviews") == hits(third, "reviews")
    pager = page_of(first).find("nav", **{"aria-label": "More results"})
    assert "Page 1 of 3" in pager.words
    assert pager.find("a", rel="next").attrs["href"] == "?q=rehearsal&kind=reviews&page=2"
    seen = {
        h
        for page in (1, 2, 3)
        for h in hits(search(client, "rehearsal", kind="reviews", page=page), "reviews")
    }
    assert len(seen) == 2 * PER_PAGE + 5  # every hit once, on one page


def test_the_overview_shows_a_few_of_each_kind_and_links_to_the_rest(client, odette):
    add_reviews(odette, 7)

    response = search(client, "rehearsal")

    assert len(hits(response, "reviews")) == 3
    more = page_of(response).find("p", **{"class": "search-results__more"}).find("a")
    assert more.words == "See all 7 reviews"
    assert more.attrs["href"] == "?q=rehearsal&kind=reviews"


@pytest.mark.parametrize("page", ["abc", "-3", "0", "1e9", "99999999999999999999999"])
def test_an_odd_page_number_shows_a_page(client, odette, page):
    add_reviews(odette, 3)

    response = search(client, "rehearsal", kind="reviews", page=page)

    assert response.status_code == 200
    assert len(hits(response, "reviews")) == 3


def test_an_unknown_kind_shows_every_kind(client, seeded):
    response = search(client, "cheyenne", kind="nonsense")

    assert response.status_code == 200
    assert "Characters" in counts(response)


def test_past_the_matches_ranked_the_count_says_more(client, odette, settings, monkeypatch):
    monkeypatch.setattr("search.results.MATCHES_RANKED", 10)
    add_reviews(odette, 12)

    response = search(client, "rehearsal", kind="reviews")

    assert counts(response)["Reviews"] == "10+"
    assert "(more than 10)" in page_of(response).find("h2").words
    assert len(hits(response, "reviews")) == 10


# Odd input: results or a clear message, never a 500 -----------------------------------------


@pytest.mark.parametrize(
    "q",
    ["&|!:*", "'", "\\", "((", "a:*", "!!x", "' OR 1=1 --", "x & y | !z", "🩰", "\u202e", "%", "_"],
)
def test_operators_and_signs_are_plain_text(client, seeded, q):
    response = search(client, q)

    assert response.status_code == 200


ODD_TEXT = st.one_of(
    st.text(max_size=120),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["\x00", "a\x00b", "' OR 1=1 --", "&|!:*()", "'a':* & !b", "\\", "%_"]),
)


@fuzz(40)
@given(q=ODD_TEXT, kind=st.sampled_from(["", "reviews", "members", "x"]), page=ODD_TEXT)
@example(q="\x00", kind="", page="1")
@example(q="é" * 101, kind="reviews", page="9" * 30)
def test_any_search_answers_a_page_or_a_refusal_never_a_500(seeded, q, kind, page):
    caches["default"].clear()  # the rate limit counts every example otherwise

    response = Client().get(SEARCH, {"q": q, "kind": kind, "page": page})

    if "\x00" in q + page:
        assert response.status_code == 400  # kernel/querystring.py refuses NUL
    elif len(q.strip()) > 100:
        assert response.status_code == 400
        assert "characters at most" in page_of(response).find("main").words
    else:
        assert response.status_code == 200


def test_signs_alone_get_a_clear_message(client, seeded):
    response = search(client, "&|!:*")

    assert "Search for a word: letters or digits." in page_of(response).find("main").words


def test_a_nul_byte_is_refused_with_the_bad_request_page(client, seeded):
    response = client.get(f"{SEARCH}?q=gala%00")

    assert response.status_code == 400
    assert "Out of step" in response.content.decode()


def test_a_very_long_search_is_refused_with_a_message_and_kept_in_the_box(client, seeded):
    typed = "gala " * 40

    response = search(client, typed)

    assert response.status_code == 400
    page = page_of(response)
    assert "Search for 100 characters at most (this is 199)" in page.find("main").words
    assert page.find("input", id="id_q").attrs["value"] == typed


def test_many_words_are_looked_for_a_few_at_a_time(client, odette):
    services.review_post(member=odette, episode=episode(3), body="one two three four five six")

    response = search(client, "one two three four five six seven eight")

    assert response.status_code == 200
    assert len(hits(response, "reviews")) == 1  # the first six words


def test_a_reader_searching_too_fast_is_asked_to_wait(client, seeded):
    for _ in range(60):
        assert search(client, "gala").status_code == 200

    response = search(client, "gala")

    assert response.status_code == 429
    assert "You are searching faster than we allow" in page_of(response).find("main").words


def test_search_is_read_only(client, seeded):
    assert client.post(SEARCH, {"q": "gala"}).status_code == 405


# Query counts ------------------------------------------------------------------------------


def fill(count: int) -> None:
    """`count` members, each with a review and a reply that match, and a spoiler."""
    members = User.objects.bulk_create(
        User(email=f"dancer{n}@example.com", handle=f"dancer-{n}", display_name=f"Gala {n}")
        for n in range(count)
    )
    episodes = list(Episode.objects.order_by("number"))
    reviews = Review.objects.bulk_create(
        Review(
            member=member,
            episode=episodes[n % 8],
            body=f"The gala, seen by dancer {n}.",
            is_spoiler=n % 3 == 0,
        )
        for n, member in enumerate(members)
    )
    Review.objects.bulk_create(
        Review(member=members[-1 - n], episode=review.episode, parent=review, body="Gala, yes.")
        for n, review in enumerate(reviews)
    )


# Measured, then pinned. A visitor: the rate limit (a dozen on the database cache of tests
# and development; none with Redis), then one query a kind, its hits and their count
# together, and the cast of the characters found; a page past the last, one more to count
# and one to show the last instead. A member adds the session, their row,
# their watches and the menu's progress. PostgreSQL adds the bounds of the time limit
# (a savepoint, SET LOCAL, its reset, the release).
QUERIES = {"visitor": 19, "member": 24}  # a member: the header's unread counter too


def budget(viewer: str) -> int:
    return QUERIES[viewer] + (4 if connection.vendor == "postgresql" else 0)


@pytest.mark.parametrize("viewer", ["visitor", "member"])
@pytest.mark.parametrize("size", [0, 1_000])
def test_the_search_costs_the_same_few_queries_however_many_members_and_reviews(
    seeded, django_assert_max_num_queries, viewer, size
):
    fill(size)
    assert Review.objects.count() == 2 * size
    client = Client()
    if viewer == "member":
        client = signed_in(make_member("reader@example.com", "reader"))

    with django_assert_max_num_queries(budget(viewer)):
        response = search(client, "gala")
    with django_assert_max_num_queries(budget(viewer)):
        one_kind = search(client, "gala", kind="reviews", page=2)

    assert response.status_code == one_kind.status_code == 200
    if size:
        assert counts(response)["Reviews"] == f"{MATCHES_RANKED}+"
        assert len(hits(one_kind, "reviews")) == PER_PAGE
