"""A visitor on a phone types into the header's search box, presses Enter and follows a
result; on a laptop the box opens from its magnifier, and a review found shows its words
marked while a spoiler found shows none. The browser refuses nothing under the policy."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Episode
from reviews import services
from tests.browser import csp_refusals
from tests.factories import make_member

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]


def test_a_visitor_searches_from_the_header_and_follows_a_result(page: Page, seeded_live_server):
    critic = make_member("critic@example.com", "critic", display_name="The Critic")
    third = Episode.objects.get(season__number=1, number=3)
    services.review_post(member=critic, episode=third, body="The répétition générale, at last.")
    services.review_post(
        member=critic, episode=third, body="The répétition ends in tears.", is_spoiler=True
    )
    refused = csp_refusals(page)

    # A phone: the box is in the header, under the links.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(seeded_live_server.url + "/season/1/")
    box = page.get_by_role("banner").get_by_role("searchbox", name="Search the site")
    box.fill("cheyenne")
    box.press("Enter")

    expect(page).to_have_url(seeded_live_server.url + "/search/?q=cheyenne")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    characters = page.get_by_role("region", name="Characters (1)")
    characters.get_by_role("link", name="Cheyenne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cheyenne")

    # A laptop: the magnifier opens the box over the sections; typed words, then Enter.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("banner").get_by_role("searchbox", name="Search the site").click()
    page.keyboard.type("repetitions")
    page.keyboard.press("Enter")

    reviews = page.get_by_role("region", name="Reviews (2)")
    expect(reviews.locator("mark")).to_have_text(["répétition"])
    expect(reviews.get_by_text("générale, at last")).to_be_visible()
    expect(
        reviews.get_by_text("It contains spoilers, so its words are not shown here")
    ).to_be_visible()
    expect(page.get_by_text("ends in tears")).to_have_count(0)

    assert not refused, "Refused by the Content-Security-Policy:\n" + "\n".join(refused)
