"""A newcomer joins, confirms their email, signs in, makes a profile and signs out."""

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

EMAIL = "giselle@example.com"
PASSWORD = "grand jete across the stage 42"


@pytest.fixture
def portrait(tmp_path):
    path = tmp_path / "giselle.png"
    Image.new("RGB", (300, 300), (180, 40, 90)).save(path)
    return path


def test_newcomer_joins_confirms_signs_in_makes_a_profile_and_signs_out(
    page: Page, seeded_live_server, settings, portrait
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()

    page.goto(seeded_live_server.url)
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Name").fill("Giselle")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Verify", re.I))

    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert message.body.startswith("Hello from Étoile companion!"), message.body[:60]
    assert "user Giselle has given" in message.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    page.goto(link[0])
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(f"You have confirmed {EMAIL}.")).to_be_visible()

    # Confirming signed her in, and the header greets her by the name she gave.
    account_menu = page.get_by_role("navigation", name="Your account")
    expect(account_menu.get_by_role("button", name="Sign out")).to_be_visible()
    expect(account_menu.get_by_role("link", name="Giselle")).to_be_visible()

    account_menu.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
    page.get_by_label("Display name").fill("Giselle Willis")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()

    page.get_by_label("New avatar").set_input_files(portrait)
    page.get_by_role("button", name="Upload avatar").click()
    expect(page.get_by_text("Your new avatar is in place.")).to_be_visible()

    page.get_by_role("link", name="See your public profile").click()
    expect(page.get_by_role("heading", level=1, name="Giselle Willis")).to_be_visible()
    avatar = page.get_by_role("article").get_by_role("presentation")
    expect(avatar).to_be_visible()
    expect(avatar).to_have_js_property("complete", True)
    assert avatar.evaluate("image => image.naturalWidth") > 0, "the picture must load"

    account_menu.get_by_role("button", name="Sign out").click()
    expect(account_menu.get_by_role("link", name="Sign in")).to_be_visible()
    expect(account_menu.get_by_role("button", name="Sign out")).to_have_count(0)
