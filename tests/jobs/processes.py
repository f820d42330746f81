"""Real processes for the job tests: workers, app servers and one-off Django commands, each in
its own process group so that a test can kill it (and its work horses) outright."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

MANAGE = [sys.executable, "manage.py"]
# Settings the processes take from this environment only as the test gives them.
OWN_SETTINGS = ("DJANGO_", "DATABASE_URL", "ETOILE_", "REDIS_URL", "RATELIMIT_REDIS_URL")


def database_url() -> str:
    """The test database this process uses, as DATABASE_URL, for PostgreSQL."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


def environment(*, database: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings for a worker or an app server of the test's own: emails go to files
    in `mail_dir` (tests.jobs.backends.RecordingBackend), retries come at once, and a worker
    silent for two seconds is taken for dead."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(OWN_SETTINGS)},
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "ETOILE_SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": database,
        "DJANGO_EMAIL_BACKEND": "tests.jobs.backends.RecordingBackend",
        "ETOILE_TEST_MAIL_DIR": str(mail_dir),
        "ETOILE_JOBS_RETRY_DELAYS": "0,0",
        "ETOILE_JOBS_WORKER_TIMEOUT_SECONDS": "2",
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(env: dict, *command: str) -> str:
    result = subprocess.run(  # noqa: S603 (this project's manage.py)
        [*MANAGE, *command],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode:
        pytest.fail(f"manage.py {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def scenario(env: dict, call: str):
    """A function of tests/jobs/scenario.py, run in a Django process of its own on the
    workers' database; what it prints, read as JSON."""
    output = manage(env, "shell", "-v0", "-c", f"from tests.jobs import scenario; scenario.{call}")
    return json.loads(output) if output.strip() else None


def start(env: dict, command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (this project's commands)
        command,
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killpg reaches its work horses
    )


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    return start(
        env, [*MANAGE, "worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"], log
    )


def kill(process: subprocess.Popen) -> None:
    """As the kernel's OOM killer or a pulled plug would: SIGKILL, no chance to clean up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill(process)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        time.sleep(0.05)


def sent(mail_dir: Path) -> list[tuple[str, int]]:
    """(Message-ID, sender process) of each email the workers sent, once per copy."""
    copies = []
    for path in mail_dir.glob("*.eml"):
        message_id, pid, _random, _suffix = path.name.rsplit(".", 3)
        copies.append((message_id, int(pid)))
    return copies


def copies_per_email(mail_dir: Path) -> Counter:
    return Counter(message_id for message_id, _pid in sent(mail_dir))


# Talking to the app servers ----------------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a test server)
            return response.status == 200
    except OSError:
        return False


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is the answer


class Browser:
    """One person's browser: cookies, and forms posted with their page's CSRF token. Its
    cookies go to whichever server answers, as behind a load balancer (they do not depend on
    the port)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), KeepRedirects()
        )

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, page_url: str, action_url: str, fields: dict) -> int:
        status, page = self.get(page_url)
        assert status == 200, (page_url, status)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": TOKEN.search(page).group(1), **fields}
        ).encode()
        try:
            with self.opener.open(action_url, data=data, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
