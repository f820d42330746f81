"""Form errors are announced and tied to their fields, in English and in French.

Each form is posted with mistakes through the test client, and the page it answers with is
read in chromium: a role=alert summary is announced, every field in error is aria-invalid and
its accessible description (aria-describedby) carries the error text.
"""

import re

import pytest
from django.core.validators import EmailValidator
from django.utils import translation
from playwright.sync_api import Page, expect

from catalog.models import Episode
from members.forms import MemberSignupForm, ProfileForm
from reviews import services
from reviews.forms import ReportForm, ReviewForm
from reviews.models import Review
from tests.factories import make_member

pytestmark = pytest.mark.browser

EMAIL = "form.errors@example.com"
PASSWORD = "pas de bourree 1870"


def show(page: Page, response) -> None:
    assert response.status_code in (200, 400), response.status_code
    page.set_content(response.content.decode())


def expect_announced_error(page: Page, field, message: str) -> None:
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    # The description is the error shown on the page, not a copy only screen readers get.
    expect(page.get_by_text(message, exact=True)).to_be_visible()


def in_language(language: str, text) -> str:
    """A label or message as the page in that language shows it."""
    with translation.override(language):
        return str(text)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_form_errors_are_announced_and_tied_to_their_fields(page: Page, client, seeded, language):
    prefix = "" if language == "en" else f"/{language}"
    with translation.override(language):  # allauth words its labels as the form is made
        email_label = str(MemberSignupForm().fields["email"].label)
    response = client.post(
        f"{prefix}/accounts/signup/",
        {"email": "not-an-email", "password1": "a", "password2": "b"},
    )
    show(page, response)
    expect_announced_error(
        page,
        page.get_by_label(email_label, exact=True),
        in_language(language, EmailValidator.message),
    )

    member = make_member(EMAIL, "form-errors", password=PASSWORD)
    critic = make_member("critic@example.com", "critic", password=PASSWORD)
    episode = Episode.objects.get(season__number=1, number=3)
    review = services.review_post(member=critic, episode=episode, body="Bravo.")
    client.force_login(member)

    # Only spaces: the browser's `required` lets it through, the server does not.
    body = ReviewForm.base_fields["body"]
    response = client.post(f"{prefix}/season/1/episode/3/reviews/", {"body": "   "})
    show(page, response)
    expect_announced_error(
        page,
        page.get_by_label(in_language(language, body.label)),
        in_language(language, body.error_messages["required"]),
    )

    reason = ReportForm.base_fields["reason"]
    response = client.post(f"{prefix}/reviews/{review.pk}/report/", {})
    show(page, response)
    message = in_language(language, reason.error_messages["required"])
    reasons = page.get_by_role("group", name=in_language(language, reason.label))
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(reasons).to_have_accessible_description(re.compile(re.escape(message)))
    expect(page.get_by_text(message, exact=True)).to_be_visible()
    for radio in reasons.get_by_role("radio").all():
        expect(radio).to_have_attribute("aria-invalid", "true")

    data = {"display_name": "x", "handle": "Not Valid!", "bio": "y" * 600}
    with translation.override(language):
        form = ProfileForm(data=data, instance=member)
        label, [message] = str(form.fields["handle"].label), form.errors["handle"]
    response = client.post(f"{prefix}/me/settings/", data)
    show(page, response)
    expect_announced_error(page, page.get_by_label(label, exact=True), message)
    assert Review.objects.count() == 1
