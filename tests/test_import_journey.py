"""A member brings their Trakt ratings: uploads the file by its label, reads the preview,
confirms, and finds the rating on the episode's page.

Everyone acts by roles and labels only, as a person using assistive technology would.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser import (
    AXE_JS,
    PHONE_WIDTH,
    axe_violations,
    describe_violations,
    require,
    sign_in,
)
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "fouette turns counted to thirty-two"
TRAKT_RATINGS = [
    {
        "rated_at": "2025-05-02T10:00:00.000Z",
        "rating": 7,
        "type": "episode",
        "episode": {"season": 1, "number": 2, "title": "Episode 2", "ids": {}},
        "show": {"title": "Étoile", "year": 2025, "ids": {}},
    },
    {
        "rated_at": "2025-05-02T10:00:00.000Z",
        "rating": 10,
        "type": "episode",
        "episode": {"season": 1, "number": 1, "title": "Pilot", "ids": {}},
        "show": {"title": "Another Show", "year": 2019, "ids": {}},
    },
]


def test_a_member_imports_trakt_ratings_after_a_preview(new_context, seeded_live_server, tmp_path):
    base_url = seeded_live_server.url
    make_member("odette@example.com", "odette", password=PASSWORD)
    export = tmp_path / "ratings-episodes.json"
    export.write_text(json.dumps(TRAKT_RATINGS), encoding="utf-8")
    # axe is added as an inline script, which the site's policy refuses (checked elsewhere).
    context = new_context(bypass_csp=True)
    page = sign_in(context, base_url, "odette@example.com", PASSWORD)

    page.goto(base_url + "/me/settings/")
    page.get_by_role("link", name="Import your ratings, viewings and watchlist").click()
    expect(page.get_by_role("heading", name="Import and export", level=1)).to_be_visible()

    page.get_by_label("Export file").set_input_files(export)
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Check your import")).to_be_visible()
    new_ratings = page.get_by_role("region", name="New ratings")
    row = new_ratings.get_by_role("row", name=re.compile("Episode 2"))
    expect(row.get_by_role("cell", name="7/10")).to_be_visible()
    expect(row.get_by_role("cell", name="3½ stars")).to_be_visible()
    expect(page.get_by_text("1 row left aside: about another show or a film")).to_be_visible()
    # The preview is the answer to a post, so tests/test_page_quality.py cannot visit it:
    # check it here, on a phone's width too.
    require(axe=True)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 900})
    page.add_script_tag(path=str(AXE_JS))
    assert not describe_violations(axe_violations(page), "import preview")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Import these changes").click()

    expect(
        page.get_by_text("Imported: 1 rating, 0 viewings and 0 watchlist entries.")
    ).to_be_visible()
    page.goto(base_url + "/season/1/episode/2/")
    ratings = page.get_by_role("region", name="Ratings")
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 3½ stars")
