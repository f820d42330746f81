"""An editor, in the admin at laptop width, tries to curate an episode that still holds the
seed's placeholders, is told what is missing, fills it in, curates it, cites a source for a
fact, and finds every step in the record's history. By roles and labels, as people do.
(Test values, not facts: this is a test database.)"""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Episode
from tests.browser import sign_in
from tests.factories import make_member, staff_group

pytestmark = pytest.mark.browser

PASSWORD = "entrechat quatre 1366"
TITLE = "Test title for the journey"
QUOTE = "A test sentence an editor quotes."


def test_an_editor_curates_an_episode_and_the_history_says_who_did_what(
    new_context, seeded_live_server
):
    base_url = seeded_live_server.url
    editor = make_member(
        "bea@example.com", "ed-bea", password=PASSWORD, is_staff=True, display_name="Béa Editor"
    )
    editor.groups.add(staff_group("Editors"))
    sixth = Episode.objects.get(season__number=1, number=6)

    admin = sign_in(
        new_context(viewport={"width": 1366, "height": 900}), base_url, "bea@example.com", PASSWORD
    )
    admin.goto(base_url + "/admin/catalog/episode/")

    # Curating the placeholder is refused, with the field that is missing.
    admin.get_by_role("row").filter(has_text="S01E06").get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(label="Mark selected as curated")
    admin.get_by_role("button", name="Go").click()
    expect(
        admin.get_by_text(re.compile("is not marked as curated: fill in its title"))
    ).to_be_visible()

    # The editor fills it in and cites a source for the title.
    admin.get_by_role("link", name="S01E06").click()
    admin.get_by_label("Title:", exact=True).fill(TITLE)
    admin.get_by_label("Release date:").fill("2025-04-24")
    admin.get_by_label("Synopsis:", exact=True).fill("A test synopsis.")
    admin.get_by_role("button", name=re.compile("Add another citation", re.I)).click()
    # The new row's fields are named by their columns (static/js/admin-a11y.js).
    row = admin.get_by_role("row").filter(has=admin.get_by_role("textbox", name="Quote")).last
    row.get_by_role("combobox", name="Source").select_option(index=1)  # the first source
    row.get_by_role("combobox", name="Fact").select_option(label="Title")
    row.get_by_role("textbox", name="Quote").fill(QUOTE)
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_text("was changed successfully", exact=False)).to_be_visible()

    admin.get_by_role("row").filter(has_text="S01E06").get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(label="Mark selected as curated")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("1 record marked as curated.")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= 1366

    # Readers see the new title with its quote.
    reader = new_context().new_page()
    reader.goto(base_url + sixth.get_absolute_url())
    expect(reader.get_by_role("heading", name=re.compile(TITLE))).to_be_visible()
    expect(reader.get_by_text(QUOTE)).to_be_visible()

    # The record's history: who, the title before and after, and the action.
    admin.get_by_role("link", name="S01E06").click()
    admin.get_by_role("link", name="History").click()
    history = admin.get_by_role("main")
    expect(history.get_by_text(f"Title: Episode 6 → {TITLE}", exact=False)).to_be_visible()
    expect(history.get_by_text("Mark selected as curated").first).to_be_visible()
    expect(history.get_by_text("Béa Editor (@ed-bea)").first).to_be_visible()
