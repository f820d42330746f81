"""`make serve`'s configuration, end to end: collectstatic and gunicorn with DEBUG off."""

import fcntl
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

pytestmark = pytest.mark.single_database

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, *, headers=None, data=None, opener=None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {}, data=data)  # noqa: S310
    try:
        with (opener or NO_REDIRECTS).open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer: its headers are what we look at


NO_REDIRECTS = urllib.request.build_opener(KeepRedirects)


def production_env(folder: Path, **extra_env) -> dict:
    """`make serve`'s environment: production settings, with its files in `folder`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DATABASE_URL": f"sqlite:///{folder / 'serve.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "ETOILE_SITE_URL": "http://127.0.0.1",  # required; no test here follows an emailed link
        **extra_env,
    }


def prepare(folder: Path) -> None:
    """What `make serve` runs before gunicorn: migrate, seed and collectstatic, then a member.
    The same commands, in one Django process: a manage.py each started Django five times, 0.7
    to 1.5 s of CPU apiece here, while the other worker waited on the lock below."""
    env = production_env(folder)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", PREPARE],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )


@contextmanager
def serving(folder: Path, **extra_env):
    """gunicorn on a free port, on the database and static files `prepare` made."""
    port = free_port()
    # The site prints its address from ETOILE_SITE_URL: here, where this gunicorn listens.
    env = production_env(folder, **{"ETOILE_SITE_URL": f"http://127.0.0.1:{port}", **extra_env})
    server = subprocess.Popen(
        [BIN / "gunicorn", "etoile_app.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--config", "gunicorn.conf.py", "--no-control-socket"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(base + "/healthz", headers=PROXIED_HTTPS)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + server.stderr.read1().decode())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


MEMBER_EMAIL, MEMBER_PASSWORD = "odette@example.com", "a long and careful password"
# With a confirmed address, so that signing in opens a session (not the confirmation step).
MAKE_MEMBER = (
    "from allauth.account.models import EmailAddress\n"
    "from members.models import User\n"
    f"member = User.objects.create_user(email={MEMBER_EMAIL!r}, password={MEMBER_PASSWORD!r})\n"
    "EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)"
)
PREPARE = (
    "from django.core.management import call_command\n"
    "call_command('migrate', verbosity=0)\n"
    "call_command('createcachetable')\n"
    "call_command('seed_etoile', verbosity=0)\n"
    "call_command('collectstatic', interactive=False, verbosity=0)\n" + MAKE_MEMBER
)
# What a TLS-terminating proxy in front of gunicorn adds (docs/DEPLOY.md).
PROXIED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


# Migrating, seeding and collecting static files once for the run: the tests only read, and
# sign in, which no other test here looks at. Under pytest-xdist the first worker to get here
# prepares the copy and the other waits for it, then each starts its own servers.
@pytest.fixture(scope="module")
def prepared(tmp_path_factory, worker_id) -> Path:
    run_folder = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        run_folder = run_folder.parent  # shared by the workers of this run
    folder = run_folder / "production-serving"
    with open(run_folder / "production-serving.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "prepared").exists():
            folder.mkdir(exist_ok=True)
            prepare(folder)
            (folder / "prepared").touch()
    return folder


@pytest.fixture(scope="module")
def production_server(prepared):
    with serving(prepared) as base:
        yield base


@pytest.fixture(scope="module")
def https_production_server(prepared):
    """Production as deployed: HTTPS on, behind a proxy that terminates TLS."""
    with serving(prepared, DJANGO_HTTPS="1", DJANGO_BEHIND_PROXY="1") as base:
        yield base


def test_pages_static_files_and_errors_under_production_settings(production_server):
    status, headers, html = fetch(production_server + "/")
    assert status == 200
    assert "Streaming on Prime Video" in html
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"

    # Static files come fingerprinted from the manifest, cached for good.
    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/css/site.") and stylesheet != "/static/css/site.css"
    status, headers, css = fetch(production_server + stylesheet)
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert "cormorant-garamond-latin-600-normal." in css  # font URLs rewritten too

    status, _, html = fetch(production_server + "/season/1/episode/99/")
    assert status == 404 and "A missed step" in html
    assert "Traceback" not in html and "DEBUG" not in html


def permissions_header(permissions: dict[str, str]) -> str:
    return ", ".join(f"{feature}={allowed}" for feature, allowed in permissions.items())


def cookie_attributes(headers, name: str) -> str:
    found = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith(name + "=")]
    assert found, f"no {name} cookie in {headers.get_all('Set-Cookie')}"
    return found[0]


def test_every_security_header_on_https_behind_a_proxy(https_production_server):
    """The headers docs/SECURITY.md promises, as gunicorn sends them in production."""
    base = https_production_server
    status, headers, html = fetch(base + "/season/1/episode/1/", headers=PROXIED_HTTPS)
    assert status == 200
    policy = {
        part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "<script>" not in html and " style=" not in html  # nothing the policy would block
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    permissions = dict(part.split("=", 1) for part in headers["Permissions-Policy"].split(", "))
    assert permissions["camera"] == permissions["geolocation"] == permissions["payment"] == "()"
    assert permissions["publickey-credentials-get"] == "(self)"  # passkeys
    assert permissions["publickey-credentials-create"] == "(self)"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "no-store" not in headers.get("Cache-Control", "")  # a visitor may keep it
    # Static files, which WhiteNoise answers before the rest of Django.
    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    status, headers, _ = fetch(base + stylesheet, headers=PROXIED_HTTPS)
    assert status == 200
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == permissions_header(permissions)

    # Cookies: the CSRF cookie from the sign-in form, the session cookie from signing in.
    status, headers, html = fetch(base + "/accounts/login/", headers=PROXIED_HTTPS)
    assert status == 200
    csrf = cookie_attributes(headers, "csrftoken")
    assert "secure" in csrf.lower() and "samesite=lax" in csrf.lower()
    # Sent by hand: a cookie jar keeps Secure cookies away from this plain-http loopback.
    cookie = csrf.split(";", 1)[0]
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    form = {"login": MEMBER_EMAIL, "password": MEMBER_PASSWORD, "csrfmiddlewaretoken": token}
    status, headers, _ = fetch(
        base + "/accounts/login/",
        headers={
            **PROXIED_HTTPS,
            "Cookie": cookie,
            "Referer": f"https://{base.removeprefix('http://')}/accounts/login/",
        },
        data=urlencode(form).encode(),
    )
    assert status == 302, "signing in failed"
    session = cookie_attributes(headers, "sessionid")
    assert "secure" in session.lower() and "httponly" in session.lower()
    assert "samesite=lax" in session.lower()

    # A member's own page is kept by no cache, shared or the browser's.
    status, headers, html = fetch(
        base + "/me/settings/", headers={**PROXIED_HTTPS, "Cookie": session.split(";", 1)[0]}
    )
    assert status == 200 and 'name="display_name"' in html  # their settings form
    directives = {part.strip() for part in headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def addresses_on(html: str) -> set[str]:
    """Where the page says it lives: its canonical link and Open Graph address."""
    canonical = html.split('<link rel="canonical" href="', 1)[1].split('"', 1)[0]
    og_url = html.split('<meta property="og:url" content="', 1)[1].split('"', 1)[0]
    return {canonical, og_url}


def test_forged_forwarding_headers_from_the_machine_change_no_address_on_a_page(
    production_server,
):
    """Not behind a proxy, X-Forwarded-Proto and SCRIPT_NAME are anyone's to send, from
    127.0.0.1 too, which gunicorn trusted by default. The page rendered for them was kept for
    every visitor: with https:// in its canonical and og:url, or, with "SCRIPT_NAME: /sources",
    the home page kept as /sources/."""
    page = production_server + "/sources/"
    forged = [
        {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"},
        {"SCRIPT_NAME": "/sources"},
        {},  # the next visitor, from the cache
    ]
    for headers in forged:
        status, _, html = fetch(page, headers=headers)
        assert status == 200, headers
        assert addresses_on(html) == {page}, headers
        assert '<h1 class="display">Sources</h1>' in html, headers
        assert "https://" + production_server.removeprefix("http://") not in html, headers


def test_plain_http_is_sent_to_https_in_production(https_production_server):
    status, headers, _ = fetch(https_production_server + "/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_error_pages_reveal_nothing(https_production_server):
    base = https_production_server
    status, _, html = fetch(base + "/season/1/episode/99/", headers=PROXIED_HTTPS)
    assert status == 404 and "A missed step" in html
    status, _, html = fetch(base + "/", headers={**PROXIED_HTTPS, "Host": "evil.example"})
    assert status == 400 and "Out of step" in html
    assert "evil.example" not in html and "ALLOWED_HOSTS" not in html
    status, _, html = fetch(
        base + "/accounts/login/", headers=PROXIED_HTTPS, data=b"login=x&password=y"
    )
    assert status == 403 and "This form has expired" in html
    assert "CSRF" not in html and "Referer" not in html
    for page in (html,):
        assert "Traceback" not in page and "settings" not in page.lower()
