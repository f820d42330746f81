"""A newcomer who uses only the keyboard joins, rates an episode, reviews it and marks it
watched. Nothing is clicked or filled: Tab, Shift+Tab, Enter, Space, arrows and typing into the
focused field. Locators only say which element should have the focus, and at every stop the
focused element must show a visible focus indicator (WCAG 2.4.7).

The only jump is following the link in the confirmation email, as a person opens it from
their mail program.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from catalog.models import Episode

pytestmark = pytest.mark.browser

EMAIL = "clavier@example.com"
PASSWORD = "entrechat quatre 1832"
REVIEW = "Every scene reached by keyboard alone, and the finale still lands."
# Enough for the longest walk (the season page's episode grid), short enough to fail fast.
MOST_TABS = 150

# The focused element, or the label that draws it (the star radios are transparent inputs
# inside their label): does it show an outline or a box-shadow? Returns what is wrong, or null.
FOCUS_INDICATOR_JS = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return "nothing has the focus";
  const shown = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const style = getComputedStyle(n);
      if (style.opacity === "0" || style.visibility === "hidden" || style.display === "none")
        return false;
    }
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const indicated = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== "none";
  };
  // Past a date's last part the focus is on the calendar button inside the field, which the
  // page cannot style or measure; Chromium rings it itself (seen by hand, docs/ACCESSIBILITY.md).
  if (element.type === "date" && !element.matches(":focus")) return null;
  const candidates = [element, ...(element.labels || [])];
  if (candidates.some((node) => shown(node) && indicated(node))) return null;
  const name = element.getAttribute("aria-label") || element.textContent.trim().slice(0, 40);
  return `<${element.tagName.toLowerCase()}> "${name}" has the focus but shows no indicator`;
}
"""


def expect_visible_focus(page: Page) -> None:
    problem = page.evaluate(FOCUS_INDICATOR_JS)
    assert problem is None, f"{page.url}: {problem}"


def tab_to(page: Page, target: Locator, *, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until the target has the focus, checking every stop on the way."""
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        expect_visible_focus(page)
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{page.url}: {MOST_TABS} × {key} never reached {target}")


def type_into(page: Page, field: Locator, text: str) -> None:
    expect(field).to_be_focused()
    page.keyboard.type(text)


def test_a_keyboard_user_joins_rates_reviews_and_marks_an_episode_watched(
    page: Page, seeded_live_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    page.goto(seeded_live_server.url)

    # The skip link comes first, and shows itself when focused.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    expect_visible_focus(page)

    # Join.
    tab_to(page, page.get_by_role("link", name="Join"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Sign Up")).to_be_visible()
    tab_to(page, page.get_by_label("Name"))
    type_into(page, page.get_by_label("Name"), "Giselle")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    type_into(page, page.get_by_label("Email"), EMAIL)
    page.keyboard.press("Tab")
    type_into(page, page.get_by_label("Password", exact=True), PASSWORD)
    page.keyboard.press("Tab")
    type_into(page, page.get_by_label("Password (again)"), PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign Up")).to_be_focused()
    expect_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Verify", re.I))

    # Confirm the address from the email, which signs her in.
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    page.goto(link[0])
    tab_to(page, page.get_by_role("button", name="Confirm"))
    page.keyboard.press("Space")
    expect(page.get_by_text(f"You have confirmed {EMAIL}.")).to_be_visible()
    account_menu = page.get_by_role("navigation", name="Your account")
    expect(account_menu.get_by_role("button", name="Sign out")).to_be_visible()

    # To the third episode through the main navigation and the season's episode list.
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Episodes"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=re.compile("Season 1"))).to_be_visible()
    title = Episode.objects.get(season__number=1, number=3).title
    tab_to(page, page.get_by_role("main").get_by_role("link", name=title, exact=True).first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/season/1/episode/3/"))

    # Rate it: into the star group, Space on the first half star (saved), then one arrow per
    # half star, which only moves the choice, and Enter to save it.
    ratings = page.get_by_role("region", name="Ratings")
    tab_to(page, ratings.get_by_role("radio", name="½ star", exact=True))
    page.keyboard.press("Space")
    expect(ratings.get_by_role("status")).to_have_text("Your rating: ½ star")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    four = ratings.get_by_role("radio", name="4 stars", exact=True)
    expect(four).to_be_checked()
    expect(ratings.get_by_role("status")).to_have_text("Your rating: ½ star")
    page.keyboard.press("Enter")
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 4 stars")
    expect(four).to_be_focused()
    expect_visible_focus(page)
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 4 stars")
    expect(four).to_be_checked()

    # Review it.
    tab_to(page, page.get_by_label("Your review"))
    type_into(page, page.get_by_label("Your review"), REVIEW)
    tab_to(page, page.get_by_role("button", name="Publish review"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your review is published.")).to_be_visible()
    review = page.get_by_role("article", name=re.compile("rated it 4 stars"))
    expect(review.filter(has_text=REVIEW)).to_be_visible()

    # Mark it watched: the watching panel is above the reviews, so back up with Shift+Tab.
    mark = page.get_by_role("button", name="Mark watched")
    tab_to(page, mark, key="Shift+Tab")
    page.keyboard.press("Enter")
    watching = page.get_by_role("region", name="Watching")
    expect(watching.get_by_text(re.compile(r"^You watched it on "))).to_be_visible()
    expect(page.get_by_role("region", name="Ratings").get_by_role("status")).to_have_text(
        "Your rating: 4 stars"
    )
