"""A visitor who reads an episode's reviews finds the feed to follow them, and opens it; the
page's schema.org data block runs nothing and the browser refuses nothing under the policy."""

import json
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Episode
from reviews import services
from tests.browser import csp_refusals
from tests.factories import make_member

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"
EPISODE = "/season/1/episode/3/"


def test_a_visitor_finds_an_episodes_feed_and_opens_it(page: Page, seeded_live_server):
    episode = Episode.objects.get(season__number=1, number=3)
    critic = make_member(
        "critic@example.com", "critic", password="fouette turns 32", display_name="Critic"
    )
    services.rating_set(member=critic, episode=episode, score=8)
    services.review_post(member=critic, episode=episode, body="The pas de deux </script> soars.")
    services.review_post(
        member=critic, episode=episode, body="She leaves in the finale.", is_spoiler=True
    )
    refused = csp_refusals(page)

    page.goto(seeded_live_server.url + EPISODE)
    reviews = page.get_by_role("region", name="Reviews")
    feed_link = reviews.get_by_role("link", name="Follow this episode’s reviews in a feed reader")
    expect(feed_link).to_be_visible()
    # The same feed is announced to feed readers in the page's head.
    alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.get_attribute("href") == feed_link.get_attribute("href")
    # The data block is data: the browser parses it as JSON and shows nothing of it.
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["aggregateRating"]["ratingValue"] == 4.0
    expect(page.get_by_text("</script> soars")).to_have_count(1)  # only the review itself

    # A browser hands an Atom document to a feed reader (or downloads it): fetch what it gets.
    feed = page.request.get(seeded_live_server.url + feed_link.get_attribute("href"))
    assert feed.status == 200
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(feed.body())  # noqa: S314 (our own server's answer, in a test)
    titles = [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]
    assert titles == ["Critic on Season 1, episode 3: Episode 3"] * 2
    assert b"pas de deux" in feed.body()
    assert b"She leaves" not in feed.body(), "a spoiler's text stays on the site"

    assert not refused, "Refused by the Content-Security-Policy:\n" + "\n".join(refused)
