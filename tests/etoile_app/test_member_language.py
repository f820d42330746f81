"""Each member has a language: the one they signed up in, then the one they choose with the
header's link or in their settings. Every email the site sends them is written in it, whatever
page or staff member made us write; staff use the admin in it."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import User
from reviews import moderation
from reviews.notices import decision_email
from reviews.services import review_post
from tests.factories import make_member, make_staff, signed_in
from tests.pages import text_of

pytestmark = pytest.mark.django_db

PASSWORD = "arabesque en pointe 42"
COOKIE = settings.LANGUAGE_COOKIE_NAME


def sign_up(client: Client, email: str, *, prefix: str = ""):
    return client.post(
        f"{prefix}/accounts/signup/",
        {"name": "Odette", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def language_of(member: User) -> str:
    return User.objects.values_list("language", flat=True).get(pk=member.pk)


# Where the language comes from ----------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "language"), [("", "en"), ("/fr", "fr")])
def test_a_new_member_has_the_language_they_signed_up_in(client, prefix, language):
    sign_up(client, "odette@example.com", prefix=prefix)
    assert User.objects.get(email="odette@example.com").language == language


def test_the_language_link_keeps_a_signed_in_members_choice(odette, client):
    response = client.get(reverse("switch-language", args=["fr"]) + "?next=/season/1/")

    assert response.status_code == 302 and response["Location"] == "/fr/season/1/"
    assert response.cookies[COOKIE].value == "fr"
    assert language_of(odette) == "fr"
    client.get(reverse("switch-language", args=["en"]) + "?next=/fr/season/1/")
    assert language_of(odette) == "en"


def test_the_language_link_changes_no_member_for_a_visitor(odile):
    response = Client().get(reverse("switch-language", args=["fr"]) + "?next=/")
    assert response.cookies[COOKIE].value == "fr"
    assert language_of(odile) == "en"


def test_an_unknown_language_changes_nothing(odette, client):
    response = client.get(reverse("switch-language", args=["de"]) + "?next=/")
    assert response.status_code == 404
    assert language_of(odette) == "en"


def settings_data(member: User, **changes) -> dict:
    return {
        "display_name": member.display_name,
        "handle": member.handle,
        "bio": member.bio,
        "language": member.language,
        **changes,
    }


def test_the_settings_page_offers_the_language_and_switches_the_site_to_it(odette, client):
    page = text_of(client.get(reverse("member-settings")))
    assert "Language of our emails" in page and "Français" in page

    response = client.post(reverse("member-settings"), settings_data(odette, language="fr"))

    assert response.status_code == 302 and response["Location"] == "/fr/me/settings/"
    assert response.cookies[COOKIE].value == "fr"
    assert language_of(odette) == "fr"
    assert "Langue de nos e-mails" in text_of(client.get("/fr/me/settings/"))


def test_the_settings_page_refuses_a_language_we_do_not_write_in(odette, client):
    response = client.post(reverse("member-settings"), settings_data(odette, language="de"))
    assert response.status_code == 400
    assert "Select a valid choice." in text_of(response)
    assert language_of(odette) == "en"


def test_staff_are_told_the_language_is_the_admins_too(moderator_client):
    page = text_of(moderator_client.get(reverse("member-settings")))
    assert "Language of our emails and of the admin" in page


# Emails in the member's language --------------------------------------------------------------


def test_a_moderators_decision_reaches_a_french_member_in_french(
    episode, moderator, django_capture_on_commit_callbacks
):
    odile = make_member("odile@example.com", "odile", language="fr")
    review = review_post(member=odile, episode=episode, body="Les cygnes étaient en retard")

    # The moderator works in English; the email follows the member.
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_hide(review=review, moderator=moderator, reason="Moqueur")

    [email] = mail.outbox
    assert email.subject == "[Étoile] Un modérateur a masqué votre avis"
    assert email.body.startswith("Bonjour Odile,") or email.body.startswith("Bonjour odile,")
    assert "Moqueur" in email.body
    assert "The moderator" not in email.body


def test_the_decision_email_is_rendered_by_one_function_a_job_can_call(episode, moderator):
    odile = make_member("odile@example.com", "odile", language="fr")
    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam")
    action = odile.moderation_history.get()
    mail.outbox.clear()

    message = decision_email(action)

    assert message.to == ["odile@example.com"]
    assert message.subject == "[Étoile] Votre compte est suspendu"
    assert mail.outbox == []  # rendered, not sent


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("fr", "E-mail de réinitialisation de mot de passe"),
        ("en", "Password reset email"),
    ],
)
def test_a_password_reset_is_written_in_the_members_language_from_any_page(language, subject):
    make_member("odette@example.com", "odette", language=language)
    other = "en" if language == "fr" else "fr"
    prefix = "/fr" if other == "fr" else ""

    Client().post(f"{prefix}/accounts/password/reset/", {"email": "odette@example.com"})

    [email] = mail.outbox
    assert subject in email.subject


def test_an_address_nobody_signed_up_with_is_written_to_in_the_pages_language():
    Client().post("/fr/accounts/password/reset/", {"email": "nobody@example.com"})
    [email] = mail.outbox
    assert "Bonjour" in email.body


def test_confirming_a_new_address_is_written_in_the_members_language(db):
    member = make_member("odette@example.com", "odette", language="fr")
    client = signed_in(member)
    client.post("/accounts/reauthenticate/", {"password": "pas de deux under the rain 7"})

    client.post("/accounts/email/", {"action_add": "", "email": "odette.new@example.com"})

    [email] = [m for m in mail.outbox if m.to == ["odette.new@example.com"]]
    assert "Confirmez votre adresse e-mail" in email.subject


# The admin in the staff member's language ----------------------------------------------------


def test_the_admin_speaks_the_staff_members_language(moderator, moderator_client):
    assert "Curation and moderation" in text_of(moderator_client.get("/admin/"))
    User.objects.filter(pk=moderator.pk).update(language="fr")

    response = moderator_client.get("/admin/")

    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.content.decode()
    page = text_of(response)
    assert "Vérification et modération" in page
    assert "Administration d’Étoile" in page


def test_the_admin_offers_the_other_language_and_the_link_switches_it(moderator, moderator_client):
    page = moderator_client.get("/admin/reviews/review/").content.decode()
    link = reverse("switch-language", args=["fr"]) + "?next=%2Fadmin%2Freviews%2Freview%2F"
    assert f'href="{link}"' in page

    response = moderator_client.get(link)

    assert response["Location"] == "/admin/reviews/review/"
    assert language_of(moderator) == "fr"
    assert "Avis et réponses" in text_of(moderator_client.get("/admin/reviews/review/"))


def test_a_signed_out_visitor_gets_the_admins_sign_in_in_the_cookies_language(db):
    client = Client()
    client.cookies[COOKIE] = "fr"
    response = client.get("/admin/", follow=True)
    assert "Mot de passe" in text_of(response)


def test_the_staff_members_own_language_wins_over_a_cookie(db):
    editor = make_staff("ed-bea", "Editors")
    client = signed_in(editor)
    client.cookies[COOKIE] = "fr"
    assert "Curation and moderation" in text_of(client.get("/admin/"))
