"""Least privilege in the member admin: moderators judge what members write, so they see a
member's handle, join date and moderation history, never their email address or anything of
their password; administrators (superusers) see both."""

import pytest

from reviews import moderation
from reviews.services import review_post
from tests.factories import make_member
from tests.pages import MEMBERS, REVIEWS, listed, text_of

pytestmark = pytest.mark.django_db

ODILE_EMAIL = "odile.black@example.com"


@pytest.fixture
def odile(episode, moderator):
    odile = make_member(ODILE_EMAIL, "odile", display_name="Odile Black")
    review = review_post(member=odile, episode=episode, body="The swans were off the beat")
    moderation.review_hide(review=review, moderator=moderator, reason="Insults the corps")
    moderation.member_suspend(member=odile, moderator=moderator, reason="Repeated insults")
    return odile


def change_page(odile) -> str:
    return f"{MEMBERS}{odile.pk}/change/"


def test_moderators_member_list_shows_handles_not_emails(odile, moderator_client):
    response = moderator_client.get(MEMBERS)

    assert response.status_code == 200
    assert odile.pk in listed(response)
    content = response.content.decode()
    assert "@example.com" not in content
    assert "odile" in content
    assert "Member since" in content


def test_moderators_cannot_find_a_member_by_email(odile, moderator_client):
    assert odile.pk in listed(moderator_client.get(MEMBERS, {"q": "odile"}))
    assert odile.pk not in listed(moderator_client.get(MEMBERS, {"q": ODILE_EMAIL}))
    assert odile.pk not in listed(moderator_client.get(MEMBERS, {"q": "black@example"}))
    # The reviews list does not search authors by email for them either.
    assert not listed(moderator_client.get(REVIEWS, {"q": ODILE_EMAIL}))


def test_moderators_cannot_probe_an_email_through_the_list_filters(odile, moderator_client):
    # Filtering on the address, one letter at a time, would spell it out.
    for lookup in ("email__startswith", "email", "email__contains"):
        response = moderator_client.get(MEMBERS, {lookup: "odile"})
        assert response.status_code == 400 or odile.pk not in listed(response), lookup
    response = moderator_client.get(REVIEWS, {"member__email__startswith": "odile"})
    assert response.status_code == 400 or not listed(response)


def test_moderators_member_page_has_history_but_no_email_or_password(odile, moderator_client):
    response = moderator_client.get(change_page(odile))

    assert response.status_code == 200
    content = response.content.decode()
    page = text_of(response)
    assert "@example.com" not in content
    # Nothing of the password: no hash summary, no salt, no reset link.
    for word in ("algorithm", "salt", "hash", "Reset password", "../password/"):
        assert word.lower() not in content.lower(), word
    assert "odile" in page and "Member since" in page
    # The history: what they wrote, what stands taken down, each decision with its reason.
    assert "1 review or reply, 1 taken down" in page
    assert "Hidden · @mod-ada · Insults the corps" in page
    assert "Member suspended · @mod-ada · Repeated insults" in page


def test_moderators_password_page_stays_refused(odile, moderator_client):
    assert moderator_client.get(f"{MEMBERS}{odile.pk}/password/").status_code == 403


def test_administrators_see_and_search_emails_and_the_password(odile, admin_client):
    listing = admin_client.get(MEMBERS)
    assert ODILE_EMAIL in listing.content.decode()
    assert listed(admin_client.get(MEMBERS, {"q": ODILE_EMAIL})) == [odile.pk]
    assert listed(admin_client.get(REVIEWS, {"q": ODILE_EMAIL}))

    content = admin_client.get(change_page(odile)).content.decode()
    assert ODILE_EMAIL in content
    assert "../password/" in content
    assert "1 review or reply, 1 taken down" in text_of(content)
