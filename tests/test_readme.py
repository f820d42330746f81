import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_quick_start_keeps_the_two_commands():
    block = re.search(r"```sh\n(.*?)```", quick_start(), re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_quick_start_says_how_to_serve_on_another_port():
    text = quick_start()
    assert "`make run PORT=8001`" in text
    # The Makefile really takes the variable the README names.
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^PORT \?= 8000$", makefile, re.M)
    assert "runserver $(HOST):$(PORT)" in makefile
