"""Sessions that end, error pages that say nothing, and the security log (kernel/security.py)."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from kernel.security import SEEN, SEEN_PRECISION_SECONDS, STARTED
from tests.factories import make_member

PASSWORD = "a long and careful password"
SECURITY_LOG = "etoile.security"


@pytest.fixture
def member(db):
    return make_member("odette@example.com", "odette", password=PASSWORD)


@pytest.fixture
def signed_in(member) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def security_lines(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == SECURITY_LOG)


def backdate(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"started": STARTED, "seen": SEEN}[key]] = now - ago
    session.save()


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_signing_in_starts_both_clocks(signed_in):
    session = signed_in.session
    assert abs(session[STARTED] - time.time()) < 5
    assert session[SEEN] == session[STARTED]


def test_a_member_away_longer_than_the_idle_limit_is_signed_out(signed_in, settings, caplog):
    backdate(signed_in, seen=settings.SESSION_IDLE_SECONDS + 1)

    with caplog.at_level("INFO", logger=SECURITY_LOG):
        response = signed_in.get("/me/settings/", follow=True)

    assert not is_signed_in(signed_in)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "You were signed out after a while away" in response.content.decode()
    assert "session expired member=" in caplog.text


def test_an_active_member_is_signed_out_at_the_absolute_limit(signed_in, settings):
    backdate(signed_in, started=settings.SESSION_MAX_SECONDS + 1, seen=5)
    signed_in.get("/")
    assert not is_signed_in(signed_in)


def test_a_member_within_both_limits_stays_signed_in(signed_in, settings):
    backdate(
        signed_in,
        started=settings.SESSION_MAX_SECONDS - 60,
        seen=settings.SESSION_IDLE_SECONDS - 60,
    )
    response = signed_in.get("/me/settings/")
    assert response.status_code == 200
    assert is_signed_in(signed_in)
    assert abs(signed_in.session[SEEN] - time.time()) < 5, "the visit counts as activity"


def test_activity_is_written_at_most_once_a_minute(signed_in):
    """Each request writing the session would be a database write per page view."""
    backdate(signed_in, seen=SEEN_PRECISION_SECONDS - 10)
    before = signed_in.session[SEEN]
    signed_in.get("/")
    assert signed_in.session[SEEN] == before


def test_the_session_cookie_lasts_no_longer_than_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_SECONDS
    assert settings.SESSION_IDLE_SECONDS < settings.SESSION_MAX_SECONDS


# The log ----------------------------------------------------------------------------------------


def test_a_failed_sign_in_is_logged_with_member_and_address_not_what_was_typed(member, caplog):
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        Client().post(
            "/accounts/login/",
            {"login": member.email, "password": "Wrong-Secret-42"},
            REMOTE_ADDR="198.51.100.23",
        )
        Client().post(
            "/accounts/login/",
            {"login": "nobody@example.com", "password": "Other-Secret-43"},
            REMOTE_ADDR="198.51.100.24",
        )

    assert f"sign-in failed member={member.pk} ip=198.51.100.23" in caplog.text
    assert "sign-in failed member=- ip=198.51.100.24" in caplog.text
    for secret in ("Wrong-Secret-42", "Other-Secret-43", member.email, "nobody@example.com"):
        assert secret not in caplog.text


def test_refusals_are_logged(member, caplog):
    client = Client()
    client.force_login(member)
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert f"refused member={member.pk} ip=127.0.0.1 view=admin:login" in caplog.text


def test_rate_limit_hits_are_logged(member, caplog, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        for _ in range(2):
            response = Client().post("/accounts/login/", {"login": member.email, "password": "x"})
    assert response.status_code == 429
    assert "rate limited member=- ip=127.0.0.1 view=account_login" in caplog.text


def test_failed_sign_ins_over_the_limit_are_logged(member, caplog, settings):
    """allauth answers these with a form error rather than a 429: logged all the same."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/key"}
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        for _ in range(3):
            Client().post("/accounts/login/", {"login": member.email, "password": "wrong"})
    assert "rate limited member=- ip=127.0.0.1 view=account_login" in caplog.text


def test_paths_with_tokens_are_logged_by_view_name_only(member, caplog):
    """A password-reset link carries its key in the path: the log names the view instead."""
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        response = client.post("/accounts/password/reset/key/1-set-password-secret-key/")
    assert response.status_code == 403
    assert "secret-key" not in security_lines(caplog)
    assert "refused member=- ip=127.0.0.1 view=account_reset_password_from_key" in caplog.text


def test_sign_in_and_out_are_logged(member, caplog):
    client = Client()
    with caplog.at_level("INFO", logger=SECURITY_LOG):
        client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
        client.post("/accounts/logout/")
    assert f"signed in member={member.pk}" in caplog.text
    assert f"signed out member={member.pk}" in caplog.text
    assert PASSWORD not in caplog.text


def test_django_s_own_log_lines_do_not_carry_reset_keys_either(db, caplog):
    with caplog.at_level("INFO"):
        Client(enforce_csrf_checks=True).post("/accounts/password/reset/key/1-set-password-k3y/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Forbidden (CSRF cookie not set.): /accounts/password/reset/key/[redacted]" in logged
    assert "k3y" not in logged


# Error pages ------------------------------------------------------------------------------------


def test_a_forbidden_page_says_so_and_nothing_more(member):
    client = Client()
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    html = response.content.decode()
    assert response.status_code == 403
    # Under /admin/ the refusal is in the admin's design (tests/etoile_app/test_admin_refusals.py).
    assert "You may not open this page with your account." in html
    assert "PermissionDenied" not in html and "Traceback" not in html


def test_a_forged_host_gets_the_bad_request_page(db, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = Client().get("/", HTTP_HOST="evil.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Out of step" in html
    assert "evil.example" not in html and "ALLOWED_HOSTS" not in html


def test_a_form_without_its_token_gets_the_expired_form_page(member):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": member.email, "password": PASSWORD}
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in html
    assert "CSRF" not in html and "Referer" not in html and "reason" not in html.lower()


def test_the_server_error_page_stands_alone(client, settings):
    """templates/500.html renders without a request, a database or a context processor."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert '<html lang="en">' in html


def test_too_many_requests_get_the_site_s_own_page(member, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    for _ in range(2):
        response = Client().post("/accounts/login/", {"login": member.email, "password": "x"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many requests" in html and "Please wait a minute" in html
    assert 'id="main"' in html, "the site's layout, with its navigation back"
