"""Three members report a review; it disappears for everyone but its author; a moderator who
works in French approves it in the admin, at laptop width, and it is back. Everyone acts by
roles and labels, as people do."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Episode
from reviews import services
from tests.browser import sign_in
from tests.factories import make_member, staff_group

pytestmark = pytest.mark.browser

PASSWORD = "grand jete across the stage 7"
EPISODE = "/season/1/episode/2/"
LAPTOP = {"width": 1366, "height": 900}
TEXT = "Buy cheap tickets for every ballet at totally-real-tickets.example!"


def review_by_author(page):
    return page.get_by_role("article", name=re.compile(r"^Spam Artist"))


def test_three_reports_hide_a_review_until_a_moderator_approves_it(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    author = make_member(
        "author@example.com", "spam", password=PASSWORD, display_name="Spam Artist"
    )
    for n in range(1, 5):
        make_member(f"member{n}@example.com", f"member-{n}", password=PASSWORD)
    moderator = make_member(
        "mod@example.com", "mod", password=PASSWORD, is_staff=True, language="fr"
    )
    moderator.groups.add(staff_group("Moderators"))
    services.review_post(
        member=author, episode=Episode.objects.get(season__number=1, number=2), body=TEXT
    )

    # Three members each report it, from their own browser.
    for n, reason in [
        (1, "Spam or advertising"),
        (2, "Spam or advertising"),
        (3, "Something else"),
    ]:
        page = sign_in(new_context(), base_url, f"member{n}@example.com", PASSWORD)
        page.goto(base_url + EPISODE)
        review_by_author(page).get_by_role("link", name="Report the review by Spam Artist").click()
        expect(page.get_by_role("heading", name="Report a review")).to_be_visible()
        page.get_by_role("radio", name=reason).check()
        if reason == "Something else":
            page.get_by_label("Details").fill("The same advert on every episode.")
        page.get_by_role("button", name="Send the report").click()
        expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
        page.context.close()

    # Gone for another member and for visitors; the author is told why they still see it.
    other = sign_in(new_context(), base_url, "member4@example.com", PASSWORD)
    other.goto(base_url + EPISODE)
    expect(other.get_by_role("heading", name="Reviews")).to_be_visible()
    expect(review_by_author(other)).to_have_count(0)
    expect(other.get_by_text(TEXT)).to_have_count(0)
    visitor = new_context().new_page()
    visitor.goto(base_url + EPISODE)
    expect(visitor.get_by_text("No reviews yet.", exact=False)).to_be_visible()
    own = sign_in(new_context(), base_url, "author@example.com", PASSWORD)
    own.goto(base_url + EPISODE)
    expect(review_by_author(own).get_by_text("Hidden pending review.")).to_be_visible()
    expect(review_by_author(own).get_by_role("link", name="Edit")).to_have_count(0)

    # The moderator finds it from the admin's first page and approves it, with a reason, in
    # the language they chose (the admin follows it).
    admin = sign_in(new_context(viewport=LAPTOP), base_url, "mod@example.com", PASSWORD)
    admin.goto(base_url + "/admin/")
    glance = admin.get_by_role("region", name="En un coup d’œil")
    expect(glance.get_by_text("3", exact=True)).to_be_visible()
    glance.get_by_role("link", name="Signalements en cours").click()
    expect(admin.get_by_role("heading", name=re.compile("File de modération"))).to_be_visible()
    row = admin.get_by_role("row").filter(has_text=TEXT)
    expect(row.get_by_text("Spam ou publicité × 2")).to_be_visible()
    expect(row.get_by_text("Autre chose", exact=True)).to_be_visible()
    expect(row.get_by_text("The same advert on every episode.", exact=False)).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    row.get_by_role("checkbox").check()
    admin.get_by_label(re.compile(r"^Action\s*:")).select_option(
        label="Approuver : rendre visible à tous, clore les signalements"
    )
    admin.get_by_label(re.compile(r"^Motif \(consigné\)")).fill(
        "An enthusiastic fan, not an advert."
    )
    admin.get_by_role("button", name="Envoyer").click()
    expect(admin.get_by_text("Approbation effectuée pour 1 avis ou réponse.")).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=TEXT)).to_have_count(0)

    # The decision is in the audit trail, read-only, in French but for the moderator's words.
    admin.goto(base_url + "/admin/reviews/moderationaction/")
    decision = admin.get_by_role("row").filter(has_text="An enthusiastic fan, not an advert.")
    expect(decision.get_by_text("Approuvé")).to_be_visible()
    expect(decision.get_by_text("@mod")).to_be_visible()
    expect(decision.get_by_text(re.compile(r"^Avis \d+ de @spam sur S01E02"))).to_be_visible()
    held = admin.get_by_role("row").filter(has_text="Retenu après signalements")
    expect(held.get_by_text("Signalé par 3 membres.")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    # Back for everyone.
    other.reload()
    expect(review_by_author(other).get_by_text(TEXT)).to_be_visible()
    visitor.reload()
    expect(review_by_author(visitor).get_by_text(TEXT)).to_be_visible()
    own.reload()
    expect(review_by_author(own).get_by_text("Hidden pending review.")).to_have_count(0)
