"""Two members follow each other from their profiles; one reviews episode 5 with a spoiler;
the other, who has not watched it, reads on their activity page that there is a review and
who wrote it, but not its words, until they mark the episode watched.

By roles and labels only, as a person using assistive technology would."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Episode
from tests.browser import sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "grand jete over the puddle 5"
REVIEW = "The fall in the last scene changes everything."


def test_two_members_follow_each_other_and_a_spoiler_waits_until_watched(
    new_context, seeded_live_server
):
    base_url = seeded_live_server.url
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")
    title = Episode.objects.get(season__number=1, number=5).title
    odette = sign_in(new_context(), base_url, "odette@example.com", PASSWORD)
    odile = sign_in(new_context(), base_url, "odile@example.com", PASSWORD)

    # Each follows the other from their profile (htmx swaps the button in place).
    for page, other in ((odette, "odile"), (odile, "odette")):
        page.goto(f"{base_url}/u/{other}/")
        name = "Odile Black" if other == "odile" else "Odette Swan"
        page.get_by_role("button", name=f"Follow {name}").click()
        expect(page.get_by_role("button", name=f"Following {name}")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(page.get_by_role("status")).to_have_text(f"You follow {name}.")

    # Odette reviews episode 5, marked as a spoiler.
    odette.goto(base_url + "/season/1/episode/5/")
    odette.get_by_label("Your review").fill(REVIEW)
    odette.get_by_label("This review contains spoilers").check()
    odette.get_by_role("button", name="Publish review").click()
    expect(odette.get_by_text("Your review is published.")).to_be_visible()

    # Odile, who has not watched episode 5, opens her activity from her menu.
    odile.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Activity"
    ).click()
    expect(odile.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    item = odile.get_by_role("listitem").filter(has_text="Odette Swan reviewed")
    expect(item.get_by_role("link", name=title)).to_have_attribute(
        "href", re.compile(r"/season/1/episode/5/#review-\d+$")
    )
    expect(item.get_by_text("Show spoiler")).to_be_visible()
    expect(item.get_by_text(REVIEW)).to_be_hidden()

    # She watches it; now the activity page shows the words.
    odile.goto(base_url + "/season/1/episode/5/")
    odile.get_by_role("button", name="Mark watched").click()
    expect(odile.get_by_text("You watched it on", exact=False)).to_be_visible()
    odile.goto(base_url + "/me/activity/")
    item = odile.get_by_role("listitem").filter(has_text="Odette Swan reviewed")
    expect(item.get_by_text(REVIEW)).to_be_visible()
    expect(item.get_by_text("Show spoiler")).to_have_count(0)
