"""A moderator suspends a member for ten days; the member, on a phone, is told why and until
when at sign-in, in English and then in French, and appeals; the moderator, in the admin at
laptop width, finds the appeal, reads the member's history (never their email) and reinstates
them. The author of a hidden review, who reads the site in French, appeals it from a phone.
By roles and labels, as people do; the member's pages pass axe as they are drawn."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Episode
from reviews import moderation
from reviews.services import review_post
from tests.browser import add_axe, axe_violations, describe_violations, require, sign_in
from tests.factories import make_member, staff_group

pytestmark = pytest.mark.browser

PASSWORD = "grand jete across the stage 7"
REASON = "Insulted three members in one evening"
APPEAL = "I was quoting Rothbart's lines from the libretto, not insulting anyone."
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_member_suspended_for_ten_days_appeals_and_a_moderator_reinstates_them(
    new_context, seeded_live_server
):
    require(axe=True)
    base_url = seeded_live_server.url
    make_member("rothbart@example.com", "rothbart", password=PASSWORD)
    moderator = make_member("mod@example.com", "mod", password=PASSWORD, is_staff=True)
    moderator.groups.add(staff_group("Moderators"))
    end = timezone.localdate() + datetime.timedelta(days=10)
    end_words = f"{end:%B} {end.day}, {end.year}"
    problems = []

    # The moderator suspends the member until a day, from the members list.
    admin = sign_in(new_context(viewport=LAPTOP), base_url, "mod@example.com", PASSWORD)
    admin.goto(base_url + "/admin/etoile_app/user/")
    admin.get_by_role("row").filter(has_text="rothbart").get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(
        label="Suspend: cannot sign in, everything they wrote hidden"
    )
    admin.get_by_label("Reason (recorded):").fill(REASON)
    admin.get_by_label("Suspended until (empty: no end):").fill(end.isoformat())
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("Members suspended: 1.")).to_be_visible()

    # The member signs in on a phone and is told why and until when; they appeal.
    context = new_context(viewport=PHONE, bypass_csp=True)  # axe is an inline script
    add_axe(context)
    page = context.new_page()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill("rothbart@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Your account is suspended")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text(f"Your suspension ends on {end_words}.", exact=False)).to_be_visible()
    assert fits(page)
    problems += describe_violations(axe_violations(page), "inactive page [en, 390px]")
    page.get_by_label("Why should moderators look again?").fill(APPEAL)
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_text("Your appeal is sent.", exact=False)).to_be_visible()

    # The same page in French, from the header's language link.
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", name="Votre compte est suspendu")).to_be_visible()
    expect(page.get_by_text("Votre suspension prend fin le", exact=False)).to_be_visible()
    expect(page.get_by_text("Vous avez fait un recours le", exact=False)).to_be_visible()
    assert fits(page)
    problems += describe_violations(axe_violations(page), "inactive page [fr, 390px]")

    # The moderator finds it from the admin's first page.
    admin.goto(base_url + "/admin/")
    admin.get_by_role("region", name="At a glance").get_by_role(
        "link", name="Appeals waiting"
    ).click()
    row = admin.get_by_role("row").filter(has_text=APPEAL)
    expect(row.get_by_text(REASON, exact=False)).to_be_visible()

    # The member's page: handle, history with the suspension's end, no email address.
    row.get_by_role("link", name="@rothbart").click()
    expect(
        admin.get_by_text(f"Member suspended until {end_words} · @mod · {REASON}")
    ).to_be_visible()
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
    assert not problems, "\n".join(problems)


def test_the_author_of_a_hidden_review_appeals_it_in_french_from_a_phone(
    new_context, seeded_live_server
):
    require(axe=True)
    base_url = seeded_live_server.url
    author = make_member("odile@example.com", "odile", password=PASSWORD, language="fr")
    moderator = make_member("mod@example.com", "mod", password=PASSWORD, is_staff=True)
    review = review_post(
        member=author,
        episode=Episode.objects.get(season__number=1, number=2),
        body="Les cygnes étaient en retard toute la soirée.",
    )
    moderation.review_hide(review=review, moderator=moderator, reason="Mocks the corps de ballet")

    context = new_context(viewport=PHONE, bypass_csp=True)
    add_axe(context)
    page = context.new_page()
    page.goto(base_url + "/fr/accounts/login/")
    page.get_by_label("Courriel").fill("odile@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    page.goto(base_url + "/fr/season/1/episode/2/")
    page.get_by_role("link", name="Contester cette décision").click()
    expect(page.get_by_role("heading", name="Contester une décision de modération")).to_be_visible()
    expect(page.get_by_text("Mocks the corps de ballet")).to_be_visible()
    assert fits(page)
    problems = describe_violations(axe_violations(page), "appeal page [fr, 390px]")
    page.get_by_label("Pourquoi les modérateurs devraient-ils y revenir ?").fill(
        "Je décrivais la scène, sans me moquer de personne."
    )
    page.get_by_role("button", name="Envoyer le recours").click()
    expect(page.get_by_text("Votre recours est envoyé.", exact=False)).to_be_visible()
    expect(page.get_by_text("Vous avez fait un recours", exact=False)).to_be_visible()
    assert not problems, "\n".join(problems)
