"""The style sheets as merges leave them. A block left open is no syntax error in CSS (the end of
the file closes it), so a closing brace lost in a merge silently moves every rule after it
inside a media query: on main it once left the header's search box unstyled on phones."""

import re
from pathlib import Path

import pytest
from django.conf import settings

SHEETS = sorted((Path(settings.BASE_DIR) / "static" / "css").glob("*.css"))
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda sheet: sheet.name)
def test_every_block_is_closed_and_every_rule_at_the_top_starts_a_line(sheet):
    # Comments keep their lines, so that a line number names the line in the file.
    text = COMMENT.sub(lambda m: "\n" * m[0].count("\n"), sheet.read_text())
    text = STRING.sub('""', text)
    depth = 0
    nested_at_the_margin = []
    for number, line in enumerate(text.splitlines(), 1):
        # The house style indents what is inside a block: a rule at the margin while a block
        # is open is a rule that its author meant at the top.
        if depth and line[:1] not in ("", " ", "}"):
            nested_at_the_margin.append(f"{sheet.name}:{number}: {line.strip()}")
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet.name}:{number}: a brace closes what was never opened"
    assert not nested_at_the_margin, "inside an open block:\n" + "\n".join(nested_at_the_margin)
    assert depth == 0, f"{sheet.name}: {depth} block(s) left open at the end"
