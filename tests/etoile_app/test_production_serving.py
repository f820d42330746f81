"""`make serve`'s configuration, end to end: collectstatic and gunicorn with DEBUG off."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def production_server(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["createcachetable"], ["seed_etoile", "-v0"]):
        subprocess.run([*manage, *command], env=env, cwd=settings.BASE_DIR, check=True)
    subprocess.run(
        [*manage, "collectstatic", "--no-input", "-v0"], env=env, cwd=settings.BASE_DIR, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "etoile_app.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--no-control-socket"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + server.stderr.read1().decode())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


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
