"""Accounts as a member meets them: django-allauth behind the site's own pages.

Every sign-in here goes through the real form, because the behaviour under test (rate
limits, verification, reauthentication, two-factor) lives in that flow.
"""

import re
import time
from urllib.parse import quote

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import make_member

pytestmark = pytest.mark.django_db

PASSWORD = "arabesque en pointe 42"
NEW_PASSWORD = "grand jete across 77"

# allauth's own wording (allauth/account/adapter.py, mfa forms), as the member reads it.
WRONG_PASSWORD = "The email address and/or password you specified are not correct."
TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."
INCORRECT_CODE = "Incorrect code."

LINK = re.compile(r"https?://testserver(/\S+)")


def sign_in(client, email, password, *, next_url=None, **extra):
    url = reverse("account_login")
    if next_url is not None:
        url = f"{url}?next={next_url}"
    return client.post(url, {"login": email, "password": password, **extra})


def signed_in_member(client):
    """Who the site greets on its home page: a member, or None for a visitor."""
    user = client.get(reverse("home")).context["user"]
    return user if user.is_authenticated else None


def template_names(response):
    return [template.name for template in response.templates]


def links_in(message):
    return LINK.findall(message.body)


def reauthenticate(client, password=PASSWORD, next_url=None):
    url = reverse("account_reauthenticate")
    if next_url:
        url = f"{url}?next={next_url}"
    return client.post(url, {"password": password})


def age_authentication(client, seconds):
    """Move every sign-in and reauthentication this session remembers into the past,
    as if the member had walked away from the browser."""
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def totp_now(secret):
    # A code computed in the last moment of its 30-second period could expire before the
    # site checks it; wait for the next period instead of flaking.
    if 30 - time.time() % 30 < 2:
        time.sleep(2.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- 1. Sign-up and email verification -------------------------------------------------


def test_signing_up_sends_a_verification_link_and_sign_in_waits_for_it(client, django_user_model):
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Odette",
            "email": "Odette@Example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["odette@example.com"]
    assert message.subject.startswith("[Étoile] ")
    [link] = [path for path in links_in(message) if "/confirm-email/" in path]

    member = django_user_model.objects.get(email="odette@example.com")
    # The handle comes from the name the member gave, never from the email address.
    assert member.handle == "odette" and member.display_name == "Odette"
    member.full_clean()  # the generated handle passes the handle rules

    # Before following the link, the password alone does not open a session.
    response = sign_in(client, "odette@example.com", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    page = client.get(response.url)
    assert "account/verification_sent.html" in template_names(page)
    assert signed_in_member(client) is None

    # The link shows a confirmation page; nothing is confirmed by merely opening it.
    page = client.get(link)
    assert page.status_code == 200
    assert "account/email_confirm.html" in template_names(page)
    assert not EmailAddress.objects.get(user=member).verified

    # Confirming in the browser that signed up signs the member in.
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert EmailAddress.objects.get(user=member).verified
    assert signed_in_member(client) == member


# --- 2. No account enumeration at sign-up ----------------------------------------------


def test_signing_up_with_a_registered_email_looks_the_same_and_mails_the_owner(
    django_user_model,
):
    owner = make_member("odile@example.com", password=PASSWORD)
    mail.outbox.clear()

    def sign_up(email):
        return Client().post(
            reverse("account_signup"),
            {"name": "Giselle", "email": email, "password1": PASSWORD, "password2": PASSWORD},
            follow=True,
        )

    fresh = sign_up("giselle@example.com")
    taken = sign_up("Odile@Example.COM")

    assert taken.status_code == fresh.status_code == 200
    assert taken.redirect_chain == fresh.redirect_chain
    assert template_names(taken) == template_names(fresh)
    assert "already" not in taken.content.decode().lower()

    assert django_user_model.objects.filter(email__iexact="odile@example.com").count() == 1
    assert django_user_model.objects.count() == 2  # the owner and Giselle, nobody else

    owner_mail = [m for m in mail.outbox if m.to[0].lower() == owner.email]
    assert len(owner_mail) == 1
    assert "Account already exists" in owner_mail[0].subject
    assert reverse("account_reset_password") in owner_mail[0].body


# --- 3. Password reset -------------------------------------------------------------------


def test_password_reset_answers_the_same_for_unknown_and_known_emails(django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    mail.outbox.clear()
    url = reverse("account_reset_password")

    unknown = Client().post(url, {"email": "nobody@example.com"})
    known = Client().post(url, {"email": "odette@example.com"})
    assert unknown.status_code == known.status_code == 302
    assert unknown.url == known.url == reverse("account_reset_password_done")

    unknown_page = Client().post(url, {"email": "nobody-else@example.com"}, follow=True)
    known_page = Client().post(url, {"email": "Odette@example.com"}, follow=True)
    assert template_names(unknown_page) == template_names(known_page)

    reset_mail_to = [
        m.to[0].lower()
        for m in mail.outbox
        if any("/password/reset/key/" in path for path in links_in(m))
    ]
    # Only the account's owner gets a reset link, once per request; the unknown
    # addresses get none (allauth may tell them no account exists, with no link in).
    assert reset_mail_to == ["odette@example.com", "odette@example.com"]


def test_following_the_reset_link_sets_a_new_password_to_sign_in_with(client, django_user_model):
    member = make_member("odette@example.com", password=PASSWORD)
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "odette@example.com"})
    [message] = mail.outbox
    [link] = [p for p in links_in(message) if "/password/reset/key/" in p]

    # The link trades its key for a form at an address without it.
    response = client.get(link)
    assert response.status_code == 302
    form_page = client.get(response.url)
    assert form_page.status_code == 200
    assert "account/password_reset_from_key.html" in template_names(form_page)

    response = client.post(response.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")

    assert sign_in(Client(), "odette@example.com", PASSWORD).status_code == 200  # refused
    fresh = Client()
    response = sign_in(fresh, "odette@example.com", NEW_PASSWORD)
    assert response.status_code == 302
    assert signed_in_member(fresh) == member


# --- 4. Wrong password -------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_a_clear_message_and_the_email_kept(
    client, django_user_model
):
    make_member("odette@example.com", password=PASSWORD)
    response = sign_in(client, "odette@example.com", "not my password")
    assert response.status_code == 200
    html = response.content.decode()
    assert WRONG_PASSWORD in html
    assert 'value="odette@example.com"' in html
    assert signed_in_member(client) is None


# --- 5. Rate limit on failed sign-ins --------------------------------------------------


def test_the_sixth_failed_sign_in_is_refused_even_with_the_right_password(
    client, django_user_model
):
    member = make_member("odette@example.com", password=PASSWORD)
    for _ in range(5):
        response = sign_in(client, "odette@example.com", "not my password")
        assert WRONG_PASSWORD in response.content.decode()

    response = sign_in(client, "odette@example.com", PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert signed_in_member(client) is None

    cache.clear()  # the five minutes pass
    response = sign_in(client, "odette@example.com", PASSWORD)
    assert response.status_code == 302
    assert signed_in_member(client) == member


# --- 6. Remember me ----------------------------------------------------------------------


def test_without_remember_me_the_session_ends_when_the_browser_closes(client, django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    response = sign_in(client, "odette@example.com", PASSWORD)
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert not response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]


def test_with_remember_me_the_session_outlives_the_browser(client, django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    response = sign_in(client, "odette@example.com", PASSWORD, remember="on")
    assert response.status_code == 302
    assert not client.session.get_expire_at_browser_close()
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


# --- 7. Where sign-in leads ----------------------------------------------------------------


def test_after_sign_in_the_member_returns_to_the_page_they_came_from(client, django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    response = sign_in(client, "odette@example.com", PASSWORD, next_url="/me/settings/")
    assert response.status_code == 302
    assert response.url == "/me/settings/"
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/"])
def test_sign_in_ignores_a_next_address_on_another_site(client, django_user_model, elsewhere):
    make_member("odette@example.com", password=PASSWORD)
    response = sign_in(client, "odette@example.com", PASSWORD, next_url=elsewhere)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "evil.example" not in response.url


# --- 8. Sign out ------------------------------------------------------------------------------


def test_signing_out_needs_a_post_a_plain_visit_only_asks(client, django_user_model):
    member = make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)

    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert "account/logout.html" in template_names(page)
    assert signed_in_member(client) == member

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_member(client) is None


# --- 9. Changing the password ------------------------------------------------------------------


def test_changing_the_password_keeps_this_browser_signed_in_and_ends_the_others(
    client, django_user_model
):
    member = make_member("odette@example.com", password=PASSWORD)
    other_browser = Client()
    sign_in(other_browser, "odette@example.com", PASSWORD)
    assert signed_in_member(other_browser) == member

    sign_in(client, "odette@example.com", PASSWORD)
    # allauth's password form asks for the current password itself, so it does not
    # send the member to reauthenticate first (see the stale-session test below).
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert signed_in_member(client) == member
    assert signed_in_member(other_browser) is None
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


# --- 10. Reauthentication before sensitive changes -----------------------------------------


def test_reauthenticating_opens_the_delete_page_until_the_timeout_passes(client, django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)
    url = reverse("member-delete")
    response = reauthenticate(client, next_url=url)
    assert response.status_code == 302
    assert response.url == url
    assert client.get(url).status_code == 200

    age_authentication(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def make_stale(client):
    """Sign in, reauthenticate, then let the reauthentication timeout pass."""
    sign_in(client, "odette@example.com", PASSWORD)
    reauthenticate(client)
    age_authentication(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)


def assert_sent_to_reauthenticate(response, path):
    assert response.status_code == 302
    assert response.url == f"{reverse('account_reauthenticate')}?next={quote(path, safe='')}"


@pytest.mark.parametrize("url_name", ["mfa_activate_totp", "member-delete"])
def test_a_member_signed_in_long_ago_must_reauthenticate_before_sensitive_pages(
    client, django_user_model, url_name
):
    make_member("odette@example.com", password=PASSWORD)
    make_stale(client)
    path = reverse(url_name)
    assert_sent_to_reauthenticate(client.get(path), path)

    response = reauthenticate(client, next_url=path)
    assert response.status_code == 302
    assert response.url == path
    assert client.get(path).status_code == 200


def test_a_stale_member_adding_an_email_reauthenticates_and_the_addition_resumes(
    client, django_user_model
):
    member = make_member("odette@example.com", password=PASSWORD)
    make_stale(client)
    path = reverse("account_email")
    response = client.post(path, {"email": "odette.new@example.com", "action_add": ""})
    assert_sent_to_reauthenticate(response, path)
    assert not EmailAddress.objects.filter(email="odette.new@example.com").exists()

    # allauth kept the request aside; once the password is given again it goes through.
    reauthenticate(client, next_url=path)
    added = EmailAddress.objects.get(email="odette.new@example.com")
    assert added.user == member
    assert not added.verified
    assert any(m.to == ["odette.new@example.com"] for m in mail.outbox)


def test_a_stale_member_cannot_change_the_password_without_the_current_one(
    client, django_user_model
):
    # allauth does not redirect /accounts/password/change/ to reauthenticate: its form
    # asks for the current password, which is the same proof. A stale session that
    # does not know it changes nothing.
    member = make_member("odette@example.com", password=PASSWORD)
    make_stale(client)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "a guess", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# --- 11. Two-factor authentication -----------------------------------------------------------


def activate_totp(client):
    """Turn on the authenticator app as the member does: reauthenticate, read the secret
    off the page, type the current code. Returns the secret and the recovery codes shown."""
    activate = reverse("mfa_activate_totp")
    reauthenticate(client, next_url=activate)
    page = client.get(activate)
    assert page.status_code == 200
    secret = re.search(
        r'id="authenticator_secret" value="([A-Z2-7=]+)"', page.content.decode()
    ).group(1)

    response = client.post(activate, {"code": totp_now(secret)})
    assert response.status_code == 302
    assert response.url == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response.url).content.decode()
    shown = re.search(r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page, re.S)
    return secret, shown.group(1).split()


def sign_out_and_in_again(client):
    client.post(reverse("account_logout"))
    return sign_in(client, "odette@example.com", PASSWORD)


def test_with_totp_on_sign_in_asks_for_a_code_refuses_a_wrong_one_and_takes_the_right_one(
    client, django_user_model
):
    member = make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)
    secret, recovery_codes = activate_totp(client)
    assert len(recovery_codes) == 10  # shown once activation succeeds

    # The password alone now leads to a second step, not into the account.
    response = sign_out_and_in_again(client)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert signed_in_member(client) is None

    right = totp_now(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert INCORRECT_CODE in response.content.decode()
    assert signed_in_member(client) is None

    response = client.post(reverse("mfa_authenticate"), {"code": right})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_member(client) == member


def test_a_recovery_code_signs_in_once_and_is_refused_the_second_time(client, django_user_model):
    member = make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)
    _, recovery_codes = activate_totp(client)

    sign_out_and_in_again(client)
    response = client.post(reverse("mfa_authenticate"), {"code": recovery_codes[0]})
    assert response.status_code == 302
    assert signed_in_member(client) == member

    sign_out_and_in_again(client)
    response = client.post(reverse("mfa_authenticate"), {"code": recovery_codes[0]})
    assert response.status_code == 200
    assert INCORRECT_CODE in response.content.decode()
    assert signed_in_member(client) is None

    # The other codes still work.
    response = client.post(reverse("mfa_authenticate"), {"code": recovery_codes[1]})
    assert response.status_code == 302
    assert signed_in_member(client) == member


# --- 12. The admin signs in through allauth ------------------------------------------------------


def test_the_admin_login_page_hands_over_to_the_site_sign_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2Flogin%2F"

    page = client.get("/admin/", follow=True)
    assert page.redirect_chain[-1] == (f"{reverse('account_login')}?next=%2Fadmin%2F", 302)
    assert "account/login.html" in template_names(page)


def test_a_member_without_staff_status_is_refused_at_the_admin(client, django_user_model):
    make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)
    # Not a loop back to the sign-in form: a plain refusal.
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]


def test_staff_with_a_verified_email_sign_in_and_reach_the_admin(client, django_user_model):
    make_member("editor@example.com", password=PASSWORD, is_staff=True)
    response = sign_in(client, "editor@example.com", PASSWORD, next_url="/admin/")
    assert response.status_code == 302
    assert response.url == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Étoile administration" in page.content.decode()


def test_createsuperuser_makes_an_admin_who_can_sign_in_at_once(
    client, django_user_model, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--no-input", "--email", "boss@example.com", verbosity=0)
    boss = django_user_model.objects.get(email="boss@example.com")
    assert boss.is_superuser
    assert EmailAddress.objects.get(user=boss).verified

    response = sign_in(client, "boss@example.com", PASSWORD, next_url="/admin/")
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert mail.outbox == []  # no verification email needed


# --- 13. allauth's pages wear the site's layout -----------------------------------------------------


def assert_in_site_layout(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="skip-link"') == 1
    assert len(re.findall(r"<main\b", html)) == 1
    # allauth's bare default base template would show these headings.
    assert "Menu:" not in html
    assert "Messages:" not in html


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_entrance_pages_render_in_the_site_layout(client, url_name):
    assert_in_site_layout(client.get(reverse(url_name)))


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
        "account_reauthenticate",
        "account_logout",
        "mfa_activate_totp",
    ],
)
def test_account_pages_render_in_the_site_layout(client, django_user_model, url_name):
    make_member("odette@example.com", password=PASSWORD)
    sign_in(client, "odette@example.com", PASSWORD)
    reauthenticate(client)
    assert_in_site_layout(client.get(reverse(url_name)))
