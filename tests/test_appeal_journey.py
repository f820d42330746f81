"""A suspended member is told why at sign-in and appeals; a moderator, in the admin at laptop
width, finds the appeal, reads the member's history (never their email) and reinstates them.
By roles and labels, as people do."""

import re

import pytest
from playwright.sync_api import expect

from reviews import moderation
from tests.browser import sign_in
from tests.factories import make_member, staff_group

pytestmark = pytest.mark.browser

PASSWORD = "grand jete across the stage 7"
REASON = "Insulted three members in one evening"
APPEAL = "I was quoting Rothbart's lines from the libretto, not insulting anyone."


def test_a_suspended_member_appeals_and_a_moderator_reinstates_them(
    new_context, seeded_live_server
):
    base_url = seeded_live_server.url
    member = make_member("rothbart@example.com", "rothbart", password=PASSWORD)
    moderator = make_member("mod@example.com", "mod", password=PASSWORD, is_staff=True)
    moderator.groups.add(staff_group("Moderators"))
    moderation.member_suspend(member=member, moderator=moderator, reason=REASON)

    # The member signs in and is told why, and that it has no end date; they appeal.
    page = new_context().new_page()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill("rothbart@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Your account is suspended")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text("no end date", exact=False)).to_be_visible()
    page.get_by_label("Why should moderators look again?").fill(APPEAL)
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_text("Your appeal is sent.", exact=False)).to_be_visible()

    # The moderator, on a laptop, finds it from the admin's first page.
    admin = sign_in(
        new_context(viewport={"width": 1366, "height": 900}), base_url, "mod@example.com", PASSWORD
    )
    admin.goto(base_url + "/admin/")
    admin.get_by_role("region", name="At a glance").get_by_role(
        "link", name="Appeals waiting"
    ).click()
    row = admin.get_by_role("row").filter(has_text=APPEAL)
    expect(row.get_by_text(REASON, exact=False)).to_be_visible()

    # The member's page: handle, history, no email address.
    row.get_by_role("link", name="@rothbart").click()
    expect(admin.get_by_text("Member suspended · @mod · " + REASON)).to_be_visible()
    expect(admin.get_by_text("rothbart@example.com")).to_have_count(0)
    expect(admin.get_by_role("link", name=re.compile("Reset password"))).to_have_count(0)
    admin.go_back()

    # Accepting the appeal reinstates the member, with a recorded reason.
    admin.get_by_role("row").filter(has_text=APPEAL).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(
        label="Accept: reverse the decision (approve the item, reinstate the member)"
    )
    admin.get_by_label("Reason (recorded):").fill("Fair: it is a quotation.")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("1 appeal accepted.")).to_be_visible()

    # The member can sign in again.
    sign_in(new_context(), base_url, "rothbart@example.com", PASSWORD)
