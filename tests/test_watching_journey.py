"""A member builds a watchlist, marks episodes watched and follows their progress; a spoiler
review by another member stays collapsed until the episode is watched.

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

PASSWORD = "grand jete over the puddles 9"
SPOILER = "Episode 2 ends with the company's doors closing for good."


def sign_in(context: BrowserContext, base_url: str, email: str) -> Page:
    return shared_sign_in(context, base_url, email, PASSWORD)


def test_a_member_tracks_episodes_and_a_spoiler_opens_once_watched(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    odile = make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")
    services.review_post(
        member=odile,
        episode=Episode.objects.get(season__number=1, number=2),
        body=SPOILER,
        is_spoiler=True,
    )
    page = sign_in(new_context(), base_url, "odette@example.com")
    watching = page.get_by_role("region", name="Watching")

    # Two episodes onto the watchlist, each from its own page.
    for number in (1, 2):
        page.goto(f"{base_url}/season/1/episode/{number}/")
        watching.get_by_role("button", name="Add to watchlist").click()
        expect(page.get_by_text("Added to your watchlist.")).to_be_visible()
        expect(watching.get_by_role("button", name="Remove from watchlist")).to_be_visible()

    page.get_by_role("navigation", name="Your account").get_by_role(
        "link", name=re.compile("Watchlist")
    ).click()
    expect(page.get_by_role("heading", name="Your watchlist")).to_be_visible()
    entries = page.get_by_role("main").get_by_role("listitem")
    expect(entries).to_have_count(2)
    expect(entries.nth(0).get_by_role("link", name="Episode 1", exact=True)).to_be_visible()
    expect(entries.nth(1).get_by_role("link", name="Episode 2", exact=True)).to_be_visible()

    # Episode 1 watched, from its page; the season shows the progress.
    entries.nth(0).get_by_role("link", name="Episode 1", exact=True).click()
    watching.get_by_role("button", name="Mark watched").click()
    expect(page.get_by_text("Marked as watched.")).to_be_visible()
    expect(watching.get_by_text(re.compile(r"^You watched it on "))).to_be_visible()

    page.goto(base_url + "/season/1/")
    main = page.get_by_role("main")
    expect(main.get_by_text("1 of 8 watched", exact=True)).to_be_visible()
    expect(main.get_by_text("Up next: Episode 2")).to_be_visible()

    # Episode 2 has Odile's spoiler: collapsed until Odette has watched it.
    main.get_by_role("link", name="Episode 2", exact=True).first.click()
    review = page.get_by_role("article", name=re.compile(r"^Odile Black"))
    expect(review.get_by_text("Show spoiler", exact=True)).to_be_visible()
    expect(review.get_by_text(SPOILER)).to_be_hidden()

    watching.get_by_role("button", name="Mark watched").click()

    expect(page.get_by_text("Marked as watched.")).to_be_visible()
    expect(review.get_by_text(SPOILER)).to_be_visible()
    expect(review.get_by_text("Show spoiler", exact=True)).to_have_count(0)
    page.goto(base_url + "/season/1/")
    expect(page.get_by_role("main").get_by_text("2 of 8 watched", exact=True)).to_be_visible()
