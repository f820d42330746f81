"""Sign-up asks for the name members are shown by, the emails speak as the site, and
confirming the address in the browser that signed up signs the member in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "arabesque en pointe 42"
LINK = re.compile(r"https?://testserver(/\S+/confirm-email/\S+)")


def sign_up(client: Client, name: str, email: str, *, prefix: str = ""):
    return client.post(
        f"{prefix}/accounts/signup/",
        {"name": name, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_the_sign_up_form_asks_for_a_name_first(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert re.search(r'<label[^>]*for="id_name"[^>]*>\s*Name', page)
    assert page.index('name="name"') < page.index('name="email"')
    assert re.search(r'<input[^>]*name="name"[^>]*required', page)


def test_a_sign_up_without_a_name_is_refused_with_a_message(client):
    response = sign_up(client, "   ", "odette@example.com")
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert not get_user_model().objects.exists()


def test_the_new_member_is_shown_by_their_name_and_gets_a_handle_from_it(client):
    get_user_model().objects.create_user(email="other@example.com", handle="odette-dupre")
    sign_up(client, "  Odette   Dupré ", "odette@example.com")
    member = get_user_model().objects.get(email="odette@example.com")
    assert member.display_name == "Odette Dupré"
    assert member.public_name == "Odette Dupré"
    assert re.fullmatch(r"odette-dupre-[0-9a-f]{4}", member.handle), member.handle
    member.full_clean()


def test_a_name_without_latin_letters_gets_a_neutral_handle(client):
    sign_up(client, "バレリーナ", "ballerina@example.com")
    member = get_user_model().objects.get(email="ballerina@example.com")
    assert member.display_name == "バレリーナ"
    assert member.handle.startswith("member-")


def test_the_confirmation_email_opens_with_the_site_name_and_the_member_name(client, settings):
    settings.ETOILE_SITE_URL = "https://etoile.example"
    sign_up(client, "Odette", "odette@example.com")
    [message] = mail.outbox
    assert message.body.startswith("Hello from Étoile companion!"), message.body[:80]
    assert "user Odette has given" in message.body
    assert "member-" not in message.body
    assert "testserver!" not in message.body
    assert message.body.rstrip().endswith("etoile.example")


def test_the_french_confirmation_email_names_the_site_in_french(client):
    sign_up(client, "Odette", "odette@example.com", prefix="/fr")
    [message] = mail.outbox
    assert message.body.startswith("Bonjour, c'est Étoile, le site compagnon !"), message.body[:80]
    assert "Odette" in message.body


def test_confirming_in_the_browser_that_signed_up_signs_the_member_in(client):
    sign_up(client, "Odette", "odette@example.com")
    [link] = LINK.findall(mail.outbox[0].body)
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "Odette" in home and "Sign out" in home


def test_confirming_from_another_browser_confirms_but_opens_no_session(client):
    sign_up(client, "Odette", "odette@example.com")
    [link] = LINK.findall(mail.outbox[0].body)
    elsewhere = Client()
    response = elsewhere.post(link)
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert "_auth_user_id" not in elsewhere.session
