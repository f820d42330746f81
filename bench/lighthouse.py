"""`make lighthouse`: Lighthouse (npm, Debian's chromium) on the site served as in production.

Serves the development database (migrated and seeded by make) with gunicorn, DEBUG off, on
127.0.0.1, and audits the home page, an episode, a member's profile and the sign-in page
with Lighthouse's mobile profile (its default: a phone's screen and a throttled network and
CPU). Prints each category's score, writes the reports to bench/results/lighthouse/, and
exits 1 when a score is under the target.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOOLS = ROOT / ".lighthouse"  # git-ignored; its own npm prefix, apart from the test tools
LIGHTHOUSE_VERSION = "12.8.2"
PORT = 8767
TARGET = 0.98
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PAGES = {
    "home": "/",
    "episode": "/season/1/episode/1/",
    "profile": "/u/lighthouse-demo/",
    "sign in": "/accounts/login/",
}
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)
# The profile page needs a member with something to show; fake and clearly named.
DEMO_MEMBER = """
from catalog.models import Episode
from members.models import User
from reviews import services
member, created = User.objects.get_or_create(
    email="lighthouse-demo@example.invalid",
    defaults={"handle": "lighthouse-demo", "display_name": "Demo member (Lighthouse)"},
)
if created:
    for episode in Episode.objects.filter(season__number=1).order_by("number")[:3]:
        services.rating_set(member=member, episode=episode, score=8)
    services.review_post(
        member=member,
        episode=Episode.objects.get(season__number=1, number=1),
        body="A demo review, written by make lighthouse so the profile has something to show.",
    )
"""


def lighthouse_binary() -> Path:
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        npm = shutil.which("npm")
        if not npm:
            raise SystemExit("npm is missing: apt-get install -y npm")
        subprocess.run(  # noqa: S603 (npm installing a pinned package)
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(TOOLS),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
        )
    return binary


def serve_env(static_root: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",
        "DJANGO_SERVE_MEDIA": "1",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "ETOILE_SITE_URL": f"http://127.0.0.1:{PORT}",
    }
    secret = ROOT / ".django-secret-key"
    if "DJANGO_SECRET_KEY" not in env and secret.exists():
        env["DJANGO_SECRET_KEY"] = secret.read_text().strip()
    return env


def main() -> None:
    binary = lighthouse_binary()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    static_root = tempfile.mkdtemp(prefix="etoile-lighthouse-static-")
    env = serve_env(static_root)
    manage = [PYTHON, "manage.py"]
    subprocess.run(  # noqa: S603 (our own manage.py)
        [*manage, "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    demo = [*manage, "shell", "-v", "0", "-c", DEMO_MEMBER]
    subprocess.run(demo, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own manage.py)
    server = subprocess.Popen(  # noqa: S603 (gunicorn from our virtualenv)
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "etoile_app.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    reports = ROOT / "bench" / "results" / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)
    scores: dict[str, dict[str, float]] = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not answer within 30 s") from None
                time.sleep(0.3)
        for name, path in PAGES.items():
            output = reports / f"{name.replace(' ', '-')}.json"
            subprocess.run(  # noqa: S603 (lighthouse on 127.0.0.1)
                [
                    str(binary),
                    f"http://127.0.0.1:{PORT}{path}",
                    "--quiet",
                    "--output=json",
                    f"--output-path={output}",
                    f"--only-categories={','.join(CATEGORIES)}",
                    f"--chrome-flags={CHROME_FLAGS}",
                ],
                env={**os.environ, "CHROME_PATH": chromium},
                check=True,
                timeout=180,
            )
            report = json.loads(output.read_text())
            scores[name] = {c: report["categories"][c]["score"] for c in CATEGORIES}
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(static_root, ignore_errors=True)

    print(f"\n{'page':<10}" + "".join(f"{c:>16}" for c in CATEGORIES))
    for name, values in scores.items():
        print(f"{name:<10}" + "".join(f"{values[c]:>16.2f}" for c in CATEGORIES))
    (reports / "summary.json").write_text(json.dumps(scores, indent=2) + "\n")
    missed = [(n, c, v) for n, values in scores.items() for c, v in values.items() if v < TARGET]
    if missed:
        print(f"\nUnder {TARGET}: " + ", ".join(f"{n} {c} {v:.2f}" for n, c, v in missed))
        sys.exit(1)
    print(f"\nEvery category of every page at {TARGET} or more.")


if __name__ == "__main__":
    main()
