import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def procfile() -> str:
    return (ROOT / "Procfile").read_text()


def test_quick_start_keeps_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", quick_start(), re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_quick_start_says_how_to_serve_on_another_port():
    text = quick_start()
    assert "`make run PORT=8001`" in text
    # The Makefile really takes the variable the README names, and hands it to the web
    # server that honcho starts beside the worker (Procfile).
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^PORT \?= 8000$", makefile, re.M)
    assert 'ETOILE_BIND="$(HOST):$(PORT)" $(BIN)/honcho start web worker' in makefile
    assert re.search(r'^web: .* runserver "\$ETOILE_BIND"$', procfile(), re.M)


# Documents that deploy behind the proxy. README.md's "Running in production" block joins them
# once it binds gunicorn as docs/DEPLOY.md does (issue 18, point 13).
BEHIND_THE_PROXY = ["docs/DEPLOY.md", "README.md"]
EVERY_INTERFACE = {"0.0.0.0", "::", "[::]", ""}  # noqa: S104 (what the test refuses)


def gunicorn_binds(text: str) -> list[tuple[str, str]]:
    return [
        (line.strip(), match.group(1))
        for line in text.splitlines()
        if "gunicorn " in line
        for match in re.finditer(r"(?:--bind[= ]|-b )\s*(\S+)", line)
    ]


def test_no_documented_gunicorn_listens_on_every_interface_behind_the_proxy():
    """Behind the proxy the site takes the client's address from X-Forwarded-For: a gunicorn
    listening on every interface lets a client past the proxy name any address it likes to
    the rate limits."""
    for name in BEHIND_THE_PROXY:
        text = (ROOT / name).read_text()
        assert "DJANGO_BEHIND_PROXY=1" in text, name
        binds = gunicorn_binds(text)
        assert binds, name
        for line, bind in binds:
            if not bind.startswith("unix:"):
                assert bind.rpartition(":")[0] not in EVERY_INTERFACE, (name, line)

    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.M)
    assert 'ETOILE_BIND="$(HOST):$(PORT)" $(BIN)/honcho start serve worker' in makefile
    assert re.search(r'^serve: .*gunicorn .*--bind "\$ETOILE_BIND"', procfile(), re.M)
    refused = subprocess.run(
        ["make", "--no-print-directory", "check-bind", "HOST=0.0.0.0"],
        env={**os.environ, "DJANGO_BEHIND_PROXY": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "bind HOST to the proxy's side only" in refused.stdout
    assert re.search(r"^serve: check-bind ", makefile, re.M)
