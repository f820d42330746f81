"""Sharing a recap: a member with watches, ratings and a favourite opens their profile, follows
the link to their season recap, reads their figures (in the chart's table too), and finds the
address to share and its picture; a visitor opens that address and reads the recap without a
word of the spoiler, and the page's og:image answers a 1200 × 630 PNG.

Everyone acts by roles and labels only, as a person using assistive technology would.
"""

import datetime
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from catalog.models import Episode
from picks import services as picks
from reviews import services
from tests.browser import csp_refusals, sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "grand jete over the orchestra 9"
PREMIERE = datetime.date(2025, 4, 24)
SPOILER = "Cheyenne walks out of the gala before the last bow."
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def odette(seeded_live_server):
    member = make_member(
        "odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan"
    )
    other = make_member("odile@example.com", "odile")
    one, two = Episode.objects.filter(season__number=1).order_by("number")[:2]
    for episode, when in (
        (one, PREMIERE),
        (one, PREMIERE + datetime.timedelta(days=7)),
        (two, PREMIERE),
    ):
        services.watch_add(member=member, episode=episode, watched_on=when)
    services.rating_set(member=member, episode=one, score=9)
    services.rating_set(member=member, episode=two, score=4)
    services.rating_set(member=other, episode=one, score=8)
    services.rating_set(member=other, episode=two, score=8)
    picks.favourite_add(member=member, item=two)
    services.review_post(member=member, episode=two, body=SPOILER, is_spoiler=True)
    return member


def test_a_member_shares_their_recap_and_a_visitor_reads_it_without_spoilers(
    new_context, seeded_live_server, odette
):
    context = new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    page = sign_in(context, seeded_live_server.url, odette.email, PASSWORD)
    refused = csp_refusals(page)
    page.goto(f"{seeded_live_server.url}/u/odette/")
    page.get_by_role("link", name="Odette Swan’s season 1 recap").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Odette Swan")
    numbers = page.get_by_role("region", name="The season in numbers")
    terms = numbers.get_by_role("term").all_text_contents()
    values = numbers.get_by_role("definition").all_text_contents()
    figures = dict(zip(terms, values, strict=True))
    assert figures["Episodes watched"] == "2 of 8"
    assert figures["Watches, with rewatches"] == "3"
    assert figures["Episodes rewatched"] == "1"
    assert figures["Ratings given"] == "2"
    assert figures["Their average"] == "3.3 stars"
    assert figures["Everyone else’s, for the same episodes"] == "4.0 stars"
    favourites = page.get_by_role("region", name="Favourites and ranking")
    expect(favourites.get_by_role("link", name="Episode 2")).to_be_visible()

    ratings = page.get_by_role("region", name="Their ratings beside everyone else’s")
    ratings.get_by_text("Show the numbers").first.click()  # the first chart: theirs beside the rest
    table = ratings.get_by_role(
        "table", name="Their rating of each episode beside everyone else’s average"
    )
    first = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Episode 1"))
    assert first.get_by_role("cell").all_inner_texts() == ["4½ stars", "4.0 stars", "1", "+0.5"]
    second = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Episode 2"))
    assert second.get_by_role("cell").all_inner_texts() == ["2 stars", "4.0 stars", "1", "−2.0"]

    share = page.get_by_role("region", name="Share")
    address = share.get_by_label("The address of this recap")
    expect(address).to_have_value(f"{seeded_live_server.url}/u/odette/season/1/")
    share.get_by_role("button", name="Copy the address").click()
    expect(share.get_by_role("status")).to_have_text("Copied")
    image_link = share.get_by_role("link", name="The picture a shared link shows (PNG, 1200 × 630)")
    expect(image_link).to_have_attribute(
        "href", page.locator('meta[property="og:image"]').get_attribute("content")
    )
    shared = address.input_value()
    assert not refused

    visitor = new_context(viewport=PHONE).new_page()
    visitor.goto(shared)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Odette Swan")
    expect(visitor.get_by_text("Show spoiler")).to_be_visible()
    expect(visitor.get_by_text(SPOILER)).to_be_hidden()
    assert SPOILER not in visitor.get_by_role("main").inner_text()
    image = visitor.request.get(
        visitor.locator('meta[property="og:image"]').get_attribute("content")
    )
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(image.body())) as picture:
        assert picture.size == (1200, 630)
