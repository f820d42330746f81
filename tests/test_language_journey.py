"""A reader switches the site to French and back, as a person would: by the header's link."""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_a_reader_switches_to_french_and_the_site_remembers(seeded_live_server, browser):
    context = browser.new_context(base_url=seeded_live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/season/1/episode/3/")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()

        expect(page).to_have_url(f"{seeded_live_server.url}/fr/season/1/episode/3/")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Épisode 3")
        # Links lead on in French, and an English address typed in comes back in French.
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Sources"
        ).click()
        expect(page).to_have_url(f"{seeded_live_server.url}/fr/sources/")
        page.goto("/season/1/")
        expect(page).to_have_url(f"{seeded_live_server.url}/fr/season/1/")

        page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()

        expect(page).to_have_url(f"{seeded_live_server.url}/season/1/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto("/season/1/episode/3/")
        expect(page).to_have_url(f"{seeded_live_server.url}/season/1/episode/3/")
    finally:
        context.close()


@pytest.mark.browser
def test_a_browser_set_to_french_opens_the_site_in_french(seeded_live_server, browser):
    context = browser.new_context(base_url=seeded_live_server.url, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(f"{seeded_live_server.url}/fr/")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    finally:
        context.close()
