"""A newcomer's findings (issue 17), walked through in a browser by roles and labels as a
person would: the season's one watchlist button (point 17), a review that takes the place
of the empty form once published (point 18), and rating with the keyboard that saves once
per decision (point 15)."""

import re

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Rating, WatchlistEntry
from tests.browser import sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "grand jete over the puddle 9"
EPISODE = "/season/1/episode/3/"


@pytest.fixture
def odette_page(new_context, seeded_live_server) -> Page:
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    page = sign_in(new_context(), seeded_live_server.url, "odette@example.com", PASSWORD)
    page.base_url = seeded_live_server.url
    return page


def test_the_season_has_one_watchlist_button_that_says_what_it_will_do(odette_page):
    page = odette_page
    page.goto(page.base_url + "/season/1/")
    main = page.get_by_role("main")
    add = main.get_by_role("button", name="Add the season to my watchlist")
    remove = main.get_by_role("button", name="Remove the season from my watchlist")
    expect(add).to_be_visible()
    expect(remove).to_have_count(0)

    add.click()

    expect(page.get_by_text("The season is on your watchlist.")).to_be_visible()
    expect(remove).to_be_visible()
    expect(add).to_have_count(0)
    assert WatchlistEntry.objects.count() == 8

    remove.click()

    expect(page.get_by_text("The season is off your watchlist.")).to_be_visible()
    expect(add).to_be_visible()
    expect(remove).to_have_count(0)
    assert WatchlistEntry.objects.count() == 0

    # With part of the season listed, the button adds the rest; the home page agrees.
    page.goto(page.base_url + EPISODE)
    page.get_by_role("region", name="Watching").get_by_role(
        "button", name="Add to watchlist"
    ).click()
    page.goto(page.base_url + "/")
    expect(page.get_by_role("button", name="Add the season to my watchlist")).to_be_visible()
    expect(page.get_by_role("button", name="Remove the season from my watchlist")).to_have_count(0)


def test_a_published_review_takes_the_place_of_the_empty_form(odette_page):
    page = odette_page
    page.goto(page.base_url + EPISODE)
    reviews = page.get_by_role("region", name="Reviews")
    reviews.get_by_label("Your review").fill("The swap in act two left me breathless.")
    reviews.get_by_role("button", name="Publish review").click()

    expect(page.get_by_text("Your review is published.")).to_be_visible()
    # No empty form above it any more: the member's review, and the way to change it.
    expect(reviews.get_by_role("heading", name="Your review")).to_be_visible()
    expect(reviews.get_by_label("Your review")).to_be_hidden()
    expect(reviews.get_by_role("button", name="Publish review")).to_be_hidden()
    mine = reviews.get_by_role("article", name=re.compile(r"^Odette Swan"))
    expect(mine.get_by_text("The swap in act two left me breathless.")).to_be_visible()
    expect(mine.get_by_role("link", name="Edit")).to_be_visible()

    reviews.get_by_role("link", name="Edit your review").click()
    expect(page.get_by_label("Your review")).to_have_value(
        "The swap in act two left me breathless."
    )

    # Another review is still possible, one click away.
    page.goto(page.base_url + EPISODE)
    reviews.get_by_text("Write another review").click()
    expect(reviews.get_by_label("Your review")).to_be_visible()
    expect(reviews.get_by_label("Your review")).to_have_value("")


def rating_saves(page: Page) -> list[str]:
    """Every rating the page posts from now on."""
    posts = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.post_data or "")
            if request.method == "POST" and "/rating/" in request.url
            else None
        ),
    )
    return posts


def test_rating_with_the_keyboard_saves_once_per_decision(odette_page):
    page = odette_page
    page.goto(page.base_url + EPISODE)
    ratings = page.get_by_role("region", name="Ratings")
    status = ratings.get_by_role("status")
    # The stars save themselves: no "Save rating" button beside them.
    expect(ratings.get_by_role("button", name="Save rating")).to_be_hidden()
    saves = rating_saves(page)

    # Arrowing from 3 stars to 3½ and on to 4 only moves the choice: nothing is sent.
    ratings.get_by_role("radio", name="3 stars", exact=True).focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    four = ratings.get_by_role("radio", name="4 stars", exact=True)
    expect(four).to_be_checked()
    page.wait_for_timeout(300)
    assert saves == []
    expect(status).to_have_text("You have not rated this episode.")

    # Enter is the decision: one save, announced, and the focus stays on the star.
    page.keyboard.press("Enter")
    expect(status).to_have_text("Your rating: 4 stars")
    expect(four).to_be_focused()
    assert len(saves) == 1 and "score=8" in saves[0]
    assert Rating.objects.get().score == 8

    # Leaving the stars after arrowing decides too: Tab away, one save more.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")
    expect(status).to_have_text("Your rating: 3½ stars")
    assert len(saves) == 2 and Rating.objects.get().score == 7

    # A click is a decision on its own.
    ratings.get_by_role("radio", name="5 stars", exact=True).click()
    expect(status).to_have_text("Your rating: 5 stars")
    assert len(saves) == 3


def test_without_javascript_the_save_button_is_there_and_works(new_context, seeded_live_server):
    make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")
    page = sign_in(
        new_context(java_script_enabled=False),
        seeded_live_server.url,
        "odile@example.com",
        PASSWORD,
    )
    page.goto(seeded_live_server.url + EPISODE)
    ratings = page.get_by_role("region", name="Ratings")

    ratings.get_by_role("radio", name="3½ stars", exact=True).click()
    ratings.get_by_role("button", name="Save rating").click()

    expect(page.get_by_text("Your rating has been saved.")).to_be_visible()
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 3½ stars")
