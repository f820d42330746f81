"""Two members meet on an episode page: one rates it with the keyboard and writes a spoiler
review, the other opens it, replies and likes it. Then a member without JavaScript rates.

Everyone acts by roles and labels only, as a person using assistive technology would.
"""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from catalog.models import Episode
from reviews import services
from tests.browser import sign_in as shared_sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "fouette turns in the rain 32"
EPISODE = "/season/1/episode/3/"
REVIEW = "Cheyenne's solo in the second act left the whole theatre silent.\nWatch it twice."
REPLY = "Agreed, and the lighting in that scene is perfect."


def sign_in(context: BrowserContext, base_url: str, email: str) -> Page:
    return shared_sign_in(context, base_url, email, PASSWORD)


def test_two_members_rate_review_reply_and_like_an_episode(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")

    # Odette rates with the keyboard: into the star group, an arrow press per half star, and
    # Enter to save her choice.
    odette = sign_in(new_context(), base_url, "odette@example.com")
    odette.goto(base_url + EPISODE)
    ratings = odette.get_by_role("region", name="Ratings")
    expect(ratings.get_by_text("No ratings yet.")).to_be_visible()
    expect(ratings.get_by_role("status")).to_have_text("You have not rated this episode.")
    ratings.get_by_role("radio", name="3 stars", exact=True).focus()
    odette.keyboard.press("ArrowRight")
    odette.keyboard.press("Enter")

    expect(ratings.get_by_role("status")).to_have_text("Your rating: 3½ stars")
    expect(ratings.get_by_role("radio", name="3½ stars")).to_be_checked()
    expect(ratings.get_by_text("from 1 rating", exact=True)).to_be_visible()
    expect(ratings.get_by_role("radio", name="3½ stars")).to_be_focused()

    odette.keyboard.press("ArrowRight")
    odette.keyboard.press("Enter")

    expect(ratings.get_by_role("status")).to_have_text("Your rating: 4 stars")
    expect(ratings.get_by_role("radio", name="4 stars", exact=True)).to_be_checked()
    expect(ratings.get_by_role("radio", name="4 stars", exact=True)).to_be_focused()
    expect(ratings.get_by_text("from 1 rating", exact=True)).to_be_visible()
    odette.reload()
    expect(ratings.get_by_role("radio", name="4 stars", exact=True)).to_be_checked()
    expect(ratings.get_by_text("from 1 rating", exact=True)).to_be_visible()

    # Odette writes a review with a spoiler in it.
    odette.get_by_label("Your review").fill(REVIEW)
    odette.get_by_label("This review contains spoilers").check()
    odette.get_by_role("button", name="Publish review").click()

    expect(odette.get_by_text("Your review is published.")).to_be_visible()
    odettes_review = odette.get_by_role("article", name=re.compile(r"^Odette Swan"))
    expect(odettes_review.get_by_role("img", name="rated it 4 stars")).to_be_visible()
    # Her own spoiler stays open for her, marked as one.
    expect(odettes_review.get_by_text("Spoilers", exact=True)).to_be_visible()
    expect(odettes_review.get_by_text("Cheyenne's solo", exact=False)).to_be_visible()
    expect(odettes_review.get_by_role("button", name="Like")).to_have_count(0)

    # Odile, in another browser, opens the spoiler, replies and likes the review.
    odile = sign_in(new_context(), base_url, "odile@example.com")
    odile.goto(base_url + EPISODE)
    review = odile.get_by_role("article", name=re.compile(r"^Odette Swan"))
    expect(review.get_by_text("Cheyenne's solo", exact=False)).to_be_hidden()
    review.get_by_text("Show spoiler", exact=True).click()
    expect(review.get_by_text("Cheyenne's solo", exact=False)).to_be_visible()
    expect(review.get_by_role("link", name="Odette Swan", exact=True)).to_be_visible()

    expect(review.get_by_label("Your reply")).to_be_hidden()
    review.get_by_text("Reply", exact=True).click()
    review.get_by_label("Your reply").fill(REPLY)
    review.get_by_role("button", name="Publish reply").click()

    expect(odile.get_by_text("Your reply is published.")).to_be_visible()
    replies = review.get_by_role("list", name="Replies to Odette Swan")
    reply = replies.get_by_role("article", name=re.compile(r"^Odile Black"))
    expect(reply.get_by_text(REPLY)).to_be_visible()

    like = review.get_by_role("button", name="Like").first
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(review.get_by_text("0 likes", exact=True).first).to_be_visible()
    like.click()

    pressed = review.get_by_role("button", name="Like", pressed=True)
    expect(pressed).to_be_visible()
    expect(pressed).to_have_attribute("aria-pressed", "true")
    expect(review.get_by_text("1 like", exact=True)).to_be_visible()
    odile.reload()
    expect(review.get_by_role("button", name="Like", pressed=True)).to_be_visible()
    expect(review.get_by_text("1 like", exact=True)).to_be_visible()

    # Back in her browser Odette sees the reply and the like.
    odette.reload()
    expect(odettes_review.get_by_text("1 like", exact=True)).to_be_visible()
    expect(
        odettes_review.get_by_role("article", name=re.compile(r"^Odile Black")).get_by_text(REPLY)
    ).to_be_visible()


def test_without_javascript_a_member_rates_by_clicking_a_star_and_saving(
    new_context, seeded_live_server
):
    base_url = seeded_live_server.url
    make_member("giselle@example.com", "giselle", password=PASSWORD, display_name="Giselle Willis")
    page = sign_in(new_context(java_script_enabled=False), base_url, "giselle@example.com")
    page.goto(base_url + EPISODE)
    ratings = page.get_by_role("region", name="Ratings")

    stars = ratings.get_by_role("group", name="Your rating")
    # A click on the half star that is drawn: the label of the visually hidden radio.
    stars.get_by_text("2½ stars", exact=True).locator("..").click()
    expect(ratings.get_by_role("radio", name="2½ stars")).to_be_checked()
    ratings.get_by_role("button", name="Save rating").click()

    expect(page).to_have_url(re.compile(r"/season/1/episode/3/#rating$"))
    expect(page.get_by_text("Your rating has been saved.")).to_be_visible()
    ratings = page.get_by_role("region", name="Ratings")
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 2½ stars")
    expect(ratings.get_by_role("radio", name="2½ stars")).to_be_checked()
    expect(ratings.get_by_text("from 1 rating", exact=True)).to_be_visible()

    stars.get_by_text("5 stars", exact=True).locator("..").click()
    expect(ratings.get_by_role("radio", name="5 stars")).to_be_checked()
    ratings.get_by_role("button", name="Save rating").click()

    expect(ratings.get_by_role("status")).to_have_text("Your rating: 5 stars")
    expect(ratings.get_by_text("from 1 rating", exact=True)).to_be_visible()


def test_a_keyboard_user_keeps_their_place_after_liking(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    odette = make_member(
        "odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan"
    )
    make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")
    episode = Episode.objects.get(season__number=1, number=3)
    services.review_post(member=odette, episode=episode, body="The finale is a triumph.")
    page = sign_in(new_context(), base_url, "odile@example.com")
    page.goto(base_url + EPISODE)
    review = page.get_by_role("article", name=re.compile(r"^Odette Swan"))

    review.get_by_role("button", name="Like").focus()
    page.keyboard.press("Enter")

    pressed = review.get_by_role("button", name="Like", pressed=True)
    expect(review.get_by_text("1 like", exact=True)).to_be_visible()
    expect(pressed).to_be_focused()
