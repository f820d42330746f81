import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_visitor_walks_from_home_to_a_season_an_episode_and_a_person(
    page: Page, seeded_live_server
):
    page.goto(seeded_live_server.url)
    expect(page).to_have_title(re.compile("Étoile"))
    expect(page.get_by_role("heading", level=1, name="Étoile")).to_be_visible()
    # The premise, and again in its citation among the sources further down.
    expect(page.get_by_text("swap their most talented stars").first).to_be_visible()

    page.get_by_role("link", name="Season 1").click()
    expect(page).to_have_url(re.compile(r"/season/1/$"))
    expect(page.get_by_role("heading", level=1, name="Season 1")).to_be_visible()
    expect(page.get_by_role("region", name="Episodes").get_by_role("listitem")).to_have_count(8)

    page.get_by_role("link", name="Episode 3", exact=True).click()
    expect(page).to_have_url(re.compile(r"/season/1/episode/3/$"))
    expect(page.get_by_role("heading", level=1, name="Episode 3")).to_be_visible()
    # The episode awaits curation: a visitor reads a calm page, not the editors' workflow.
    expect(page.get_by_text("Our editors will add them")).to_have_count(0)
    expect(page.get_by_text("awaiting curation")).to_have_count(0)

    page.get_by_role("link", name=re.compile("Next episode")).click()
    expect(page.get_by_role("heading", level=1, name="Episode 4")).to_be_visible()

    page.get_by_role("link", name="Étoile", exact=True).first.click()
    page.get_by_role("link", name="Lou de Laâge").click()
    expect(page).to_have_url(re.compile(r"/people/lou-de-laage/$"))
    expect(page.get_by_role("heading", level=1, name="Lou de Laâge")).to_be_visible()
    expect(page.get_by_text("first project in English").first).to_be_visible()

    page.get_by_role("link", name="Cheyenne").click()
    expect(page.get_by_role("heading", level=1, name="Cheyenne")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    expect(page.get_by_role("heading", level=1, name="Sources")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()


def test_keyboard_user_can_skip_to_the_content(page: Page, seeded_live_server):
    page.goto(seeded_live_server.url + "/season/1/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_mistyped_address_shows_a_way_back(page: Page, seeded_live_server):
    response = page.goto(seeded_live_server.url + "/season/1/episode/99/")
    assert response.status == 404
    page.get_by_role("link", name="Back to the show").click()
    expect(page.get_by_role("heading", level=1, name="Étoile")).to_be_visible()
