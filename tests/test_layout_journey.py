"""The header and the episode page as a member with a long handle sees them, measured in the
browser at a phone's width (390 px), a small laptop's (1024 px) and a desktop's (1440 px), in
English and French: the header keeps to one row from 1024 px (the search box opens from its
magnifier) and, on a phone, to two rows of links and the search box under them; the episode
page uses a desktop's width, and an empty chart takes only the room of its words."""

import os

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Episode
from reviews import services
from tests.factories import make_member

pytestmark = [pytest.mark.browser, pytest.mark.single_database]

EMAIL = "marguerite@example.com"
PASSWORD = "sissonne ouverte en avant 9"
HANDLE = "marguerite-delacroix-fontaine"  # 29 of the 30 characters a handle may have
SHOTS = os.environ.get("LAYOUT_SCREENSHOTS")  # a folder: save what was measured, to look at

ROW_TOPS_JS = """banner => {
  const tops = [];
  for (const el of banner.querySelectorAll('a, button, progress')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    const middle = box.top + box.height / 2;
    if (!tops.some(t => Math.abs(t - middle) < 16)) tops.push(middle);
  }
  return tops.length;
}"""


def sign_in(page: Page, prefix: str = "") -> None:
    page.goto(f"{prefix}/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


@pytest.fixture
def member_page(seeded_live_server, browser):
    member = make_member(EMAIL, HANDLE, password=PASSWORD)
    # Something on the watchlist puts the progress link in the header too.
    services.watchlist_add(member=member, episodes=list(Episode.objects.all()))
    context = browser.new_context(base_url=seeded_live_server.url)
    page = context.new_page()
    sign_in(page)
    yield page
    context.close()


@pytest.mark.parametrize("prefix", ["", "/fr"], ids=["en", "fr"])
def test_the_header_keeps_to_one_row_on_a_laptop_and_three_on_a_phone(member_page, prefix):
    page = member_page
    page.goto(f"{prefix}/season/1/")
    banner = page.get_by_role("banner")
    account = page.get_by_role("navigation", name="Your account" if not prefix else "Votre compte")
    expect(account.get_by_role("link", name=HANDLE)).to_be_visible()
    for scheme in ["light", "dark"]:
        page.emulate_media(color_scheme=scheme)
        # On a phone: the account, the sections and the language, then the search box.
        for width, most_rows in [(1440, 1), (1024, 1), (390, 3)]:
            page.set_viewport_size({"width": width, "height": 900})
            rows = banner.evaluate(ROW_TOPS_JS)
            height = banner.bounding_box()["height"]
            shoot(page, f"header-{prefix.strip('/') or 'en'}-{width}-{scheme}")
            assert rows <= most_rows, f"{width}px: {rows} rows, {height:.0f}px high"
            assert height <= (90 if most_rows == 1 else 160), f"{width}px: {height:.0f}px high"
            # Nothing is cut off or pushes the page sideways.
            assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("prefix", ["", "/fr"], ids=["en", "fr"])
def test_the_episode_page_uses_a_desktops_width_and_an_empty_chart_stays_small(member_page, prefix):
    page = member_page
    page.goto(f"{prefix}/season/1/episode/5/")
    main = page.get_by_role("main")
    heading = page.get_by_role("heading", level=1)
    ratings = page.get_by_role("heading", name="Ratings" if not prefix else "Notes", exact=True)
    for scheme in ["light", "dark"]:
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size({"width": 1440, "height": 900})
        shoot(page, f"episode-{prefix.strip('/') or 'en'}-1440-{scheme}")
        main_box = main.bounding_box()
        # Two columns: the ratings stand beside the episode, not under it.
        assert ratings.bounding_box()["x"] > heading.bounding_box()["x"] + main_box["width"] / 3
        assert ratings.bounding_box()["y"] < 900
        page.set_viewport_size({"width": 1024, "height": 900})
        assert ratings.bounding_box()["x"] > heading.bounding_box()["x"] + 300
        page.set_viewport_size({"width": 390, "height": 900})
        shoot(page, f"episode-{prefix.strip('/') or 'en'}-390-{scheme}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # An unrated episode: the words say so, and no blank chart stands under them.
    empty = page.get_by_text("No ratings yet." if not prefix else "Aucune note pour l’instant.")
    expect(empty).to_be_visible()
    chart = page.get_by_role(
        "img",
        name="No ratings yet for this episode."
        if not prefix
        else "Cet épisode n’a encore reçu aucune note.",
    )
    expect(chart).to_be_hidden()
