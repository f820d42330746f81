"""The Host header is the client's to write: any spelling Django accepts for a host the site
answers to (a port, capitals, a trailing dot, the proxy's :443) must change nothing that
counts or links. The sign-in lockout counts per account, and every link in an email goes to
the one configured site address (ETOILE_SITE_URL), as a penetration test found neither did.
"""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "The email address and/or password you specified are not correct."
TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."
URL = re.compile(r"https?://[^\s\"'<>]+")


def sign_in(host: str, password: str, *, ip: str, headers: dict | None = None):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(
        reverse("account_login"),
        {"login": "odette@example.com", "password": password},
        headers={"Host": host, **(headers or {})},
    )
    return client, response


# 1. The lockout is the account's, whatever the host ---------------------------------------------

DEVELOPMENT = {
    "allowed_hosts": ["127.0.0.1", "localhost", "[::1]"],
    "first": "127.0.0.1:8000",
    "variants": ["127.0.0.1:1", "127.0.0.1:2", "LOCALHOST", "localhost.", "Localhost.:8000"],
    "through_proxy": False,
}
BEHIND_THE_PROXY = {
    "allowed_hosts": ["etoile.example"],
    "first": "etoile.example",
    "variants": [
        "etoile.example:443",
        "etoile.example:1",
        "ETOILE.EXAMPLE",
        "etoile.example.",
        "Etoile.Example.:443",
    ],
    "through_proxy": True,
}


@pytest.mark.parametrize("site", [DEVELOPMENT, BEHIND_THE_PROXY], ids=["direct", "behind-proxy"])
def test_after_five_wrong_passwords_no_spelling_of_the_host_gets_more_tries(settings, site):
    settings.ALLOWED_HOSTS = site["allowed_hosts"]
    if site["through_proxy"]:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_member("odette@example.com", "odette")

    def attempt(host: str, password: str, n: int):
        # A new client address each time: the per-address limit must not be what refuses.
        ip = f"198.51.100.{n}"
        if site["through_proxy"]:
            proxied = {"X-Forwarded-For": ip, "X-Forwarded-Proto": "https"}
            return sign_in(host, password, ip="10.0.0.1", headers=proxied)
        return sign_in(host, password, ip=ip)

    for n in range(5):
        _client, response = attempt(site["first"], f"guess {n}", n)
        assert response.status_code == 200
        assert WRONG_PASSWORD in response.content.decode()

    for n, host in enumerate(site["variants"], start=10):
        client, response = attempt(host, PASSWORD, n)
        assert response.status_code == 200, (host, response.status_code)
        assert TOO_MANY_ATTEMPTS in response.content.decode(), host
        assert not client.session.get(SESSION_KEY), host


def test_the_password_reset_limit_per_address_holds_whatever_the_host(settings):
    """allauth's other per-address limits (reset_password 5/m/key) never included the host;
    this keeps it so."""
    settings.ALLOWED_HOSTS = DEVELOPMENT["allowed_hosts"]
    make_member("odette@example.com", "odette")
    hosts = ["127.0.0.1:8000", "127.0.0.1:1", "LOCALHOST", "localhost.", "127.0.0.1:2"]
    for n, host in enumerate(hosts):
        response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(
            reverse("account_reset_password"),
            {"email": "odette@example.com"},
            headers={"Host": host},
        )
        assert response.status_code == 302, host

    response = Client(REMOTE_ADDR="198.51.100.99").post(
        reverse("account_reset_password"),
        {"email": "odette@example.com"},
        headers={"Host": "127.0.0.1:3"},
    )
    assert response.status_code == 429
    assert len(mail.outbox) == 5


# 9. Links in emails go to the configured address ------------------------------------------------

SITE_URL = "https://etoile.example"
FORGED_HOST = "127.0.0.1:9999"


@pytest.fixture
def site_address(settings):
    settings.ETOILE_SITE_URL = SITE_URL
    settings.ALLOWED_HOSTS = ["127.0.0.1", "etoile.example"]


def post_with_forged_host(name: str, data: dict):
    return Client().post(reverse(name), data, headers={"Host": FORGED_HOST})


def assert_links_go_to_the_site(message) -> None:
    links = URL.findall(message.body)
    assert links, message.body
    for link in links:
        assert link.startswith(f"{SITE_URL}/"), (message.subject, link)
    assert "9999" not in message.body
    assert "127.0.0.1" not in message.body


def test_a_reset_link_goes_to_the_site_address_not_the_host_asked_for(site_address):
    make_member("odette@example.com", "odette")

    response = post_with_forged_host("account_reset_password", {"email": "odette@example.com"})

    assert response.status_code == 302
    [message] = mail.outbox
    assert f"{SITE_URL}/accounts/password/reset/key/" in message.body
    assert_links_go_to_the_site(message)


def test_the_unknown_address_email_links_to_the_site_address(site_address):
    response = post_with_forged_host("account_reset_password", {"email": "nobody@example.com"})

    assert response.status_code == 302
    [message] = mail.outbox
    assert f"{SITE_URL}/accounts/signup/" in message.body
    assert_links_go_to_the_site(message)


def test_confirmation_and_already_registered_emails_link_to_the_site_address(site_address):
    make_member("odile@example.com", "odile")
    sign_up = {"name": "Giselle", "password1": PASSWORD, "password2": PASSWORD}

    post_with_forged_host("account_signup", {**sign_up, "email": "giselle@example.com"})
    post_with_forged_host("account_signup", {**sign_up, "email": "odile@example.com"})

    confirmation, already_registered = mail.outbox
    assert f"{SITE_URL}/accounts/confirm-email/" in confirmation.body
    assert_links_go_to_the_site(confirmation)
    assert confirmation.body.rstrip().endswith("etoile.example")
    assert "Account already exists" in already_registered.subject
    assert f"{SITE_URL}/accounts/password/reset/" in already_registered.body
    assert_links_go_to_the_site(already_registered)
