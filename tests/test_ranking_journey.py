"""A member ranks the season's episodes: by keyboard alone (Tab to "Move up", Enter, and the
status region says what moved while the focus stays on the button), with JavaScript and
without, on a phone; and by dragging an episode on a desktop. Then the community ranking shows
their order beside everyone's.

Everyone acts by roles and labels only, as a person using assistive technology would.
"""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Episode, Season
from picks import services
from tests.browser import sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "tour jete across the stage 12"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
MOST_TABS = 80


def ranked_titles(page: Page) -> list[str]:
    ranking = page.get_by_role("list").filter(has=page.get_by_role("button", name="Move up"))
    return ranking.get_by_role("listitem").get_by_role("link").all_inner_texts()


def tab_to(page: Page, target) -> None:
    """Tab until the target has the focus, as a keyboard user would."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{MOST_TABS} × Tab never reached {target}")


@pytest.fixture
def member_with_a_ranking(seeded_live_server):
    member = make_member("odette@example.com", "odette", password=PASSWORD)
    season = Season.objects.get(number=1)
    episodes = {e.number: e for e in Episode.objects.filter(season=season)}
    services.ranking_set(member=member, season=season, episodes=[episodes[n] for n in (1, 2, 3)])
    return member, season


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no JavaScript"])
def test_a_keyboard_user_moves_an_episode_up_and_hears_where_it_went(
    new_context, seeded_live_server, member_with_a_ranking, javascript
):
    member, season = member_with_a_ranking
    context = new_context(viewport=PHONE, java_script_enabled=javascript)
    page = sign_in(context, seeded_live_server.url, member.email, PASSWORD)
    page.goto(f"{seeded_live_server.url}/me/ranking/season/1/")
    move_up = page.get_by_role("button", name="Move up “Episode 3”")

    tab_to(page, move_up)
    page.keyboard.press("Enter")

    announced = page.locator("#ranking-status")
    expect(announced).to_have_text("“Episode 3” moved up to place 2 of 3.")
    expect(announced).to_have_attribute("role", "status")
    expect(move_up).to_be_focused()
    assert ranked_titles(page) == ["Episode 1", "Episode 3", "Episode 2"]

    # Enter again, from where the focus was left: to the top.
    page.keyboard.press("Enter")
    expect(announced).to_have_text("“Episode 3” moved up to place 1 of 3.")
    expect(move_up).to_be_focused()
    expect(move_up).to_have_attribute("aria-disabled", "true")
    assert ranked_titles(page) == ["Episode 3", "Episode 1", "Episode 2"]
    titles = [Episode.objects.get(pk=pk).title for pk in services.ranking_of(member, season)]
    assert titles == ["Episode 3", "Episode 1", "Episode 2"]


def test_a_member_drags_an_episode_on_a_desktop_then_sees_the_community_ranking(
    new_context, seeded_live_server, member_with_a_ranking
):
    member, season = member_with_a_ranking
    context = new_context(viewport=DESKTOP)
    page = sign_in(context, seeded_live_server.url, member.email, PASSWORD)
    page.goto(f"{seeded_live_server.url}/me/ranking/season/1/")
    items = page.locator("[data-ranking-list] > li")
    handle = items.nth(2).locator("[data-drag-handle]")
    expect(handle).to_be_visible()  # shown once the script has run

    handle.drag_to(items.nth(0), target_position={"x": 20, "y": 5})

    expect(page.locator("#ranking-status")).to_have_text("“Episode 3” moved to place 1 of 3.")
    assert ranked_titles(page) == ["Episode 3", "Episode 1", "Episode 2"]
    titles = [Episode.objects.get(pk=pk).title for pk in services.ranking_of(member, season)]
    assert titles == ["Episode 3", "Episode 1", "Episode 2"]

    page.get_by_role("link", name="community ranking").click()
    expect(page.get_by_role("heading", level=1, name="Community ranking")).to_be_visible()
    best = page.get_by_role("region", name="Best to worst").get_by_role("listitem")
    expect(best.first).to_contain_text("Episode 3")
    mine = page.get_by_role("region", name="Your ranking").get_by_role("listitem")
    expect(mine).to_have_text(["Episode 3", "Episode 1", "Episode 2"])
    expect(page.get_by_role("table")).to_be_visible()
