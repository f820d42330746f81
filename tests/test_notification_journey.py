"""Odile mentions Odette in a spoiler about an episode Odette has not watched: Odette's header
says she has a notification, the notification says who and which episode and keeps the words
out until she marks the episode watched; "Mark all as read" clears the counter.

Everyone acts by roles and labels only, as a person using assistive technology would.
"""

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "fouette turns in the rain 32"
EPISODE = "/season/1/episode/5/"
SPOILER = "The understudy dances the gala"


def test_a_mention_in_a_spoiler_waits_until_the_episode_is_watched(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    make_member("odile@example.com", "odile", password=PASSWORD, display_name="Odile Black")

    odile = sign_in(new_context(), base_url, "odile@example.com", PASSWORD)
    odile.goto(base_url + EPISODE)
    odile.get_by_label("Your review").fill(f"{SPOILER}, @odette!")
    odile.get_by_label("This review contains spoilers").check()
    odile.get_by_role("button", name="Publish review").click()
    expect(odile.get_by_role("link", name="@odette")).to_be_visible()

    odette = sign_in(new_context(), base_url, "odette@example.com", PASSWORD)
    menu = odette.get_by_role("navigation", name="Your account")
    menu.get_by_role("link", name="Notifications, 1 unread").click()
    main = odette.get_by_role("main")
    expect(main.get_by_text("Odile Black mentioned you in a review of episode 5")).to_be_visible()
    expect(main.get_by_text("may spoil episode 5, which you have not watched")).to_be_visible()
    expect(main.get_by_text(SPOILER)).to_have_count(0)

    odette.goto(base_url + EPISODE)
    odette.get_by_role("region", name="Watching").get_by_role("button", name="Mark watched").click()
    expect(odette.get_by_text("Marked as watched.")).to_be_visible()
    menu.get_by_role("link", name="Notifications, 1 unread").click()
    expect(main.get_by_text(SPOILER)).to_be_visible()

    main.get_by_role("button", name="Mark all as read").click()
    expect(menu.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(odette.get_by_text("All your notifications are marked read.")).to_be_visible()
