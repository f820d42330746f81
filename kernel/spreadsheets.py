"""CSV files that are safe to open in a spreadsheet (CSV or formula injection).

Excel, LibreOffice Calc and Google Sheets run a cell that starts with `=`, `+`, `-` or `@`
as a formula, and one that starts with a tab or a carriage return can be read as one too:
a review beginning `=HYPERLINK(…)` would become a live link, or worse, in the member's
spreadsheet. As OWASP's CSV Injection page says (and ASVS 5.0 requirement 1.2.10, which also
names the NUL character), such a cell gets a single quote in front: the spreadsheet shows
the text as typed and keeps the quote as its "this is text" mark.

Only text is touched. A number the site writes (a score, a season, a count) is written as
the number it is: digits cannot carry a formula, and quoting one would turn a numeric column
into text that no longer sums or sorts. Our numbers are never negative, but a "-3" written
from an int would still be the number -3, not a formula.

The escape is made reversible so that the site reads its own exports back exactly: a value
that already starts with quotes followed by a formula character gets one more quote, and
`unquoted` takes exactly one away from such a value, and from nothing else.
"""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
QUOTE = "'"
_ESCAPED = re.compile("^'*[" + re.escape("".join(FORMULA_STARTS)) + "]")
_QUOTED = re.compile("^'+[" + re.escape("".join(FORMULA_STARTS)) + "]")


def neutralised(value):
    """The cell as it is safe to write: text that a spreadsheet would run gets a quote."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return QUOTE + value
    return value


def unquoted(value: str) -> str:
    """A cell read from a CSV, without the quote `neutralised` (or another exporter following
    OWASP) put in front of a formula character."""
    return value[1:] if _QUOTED.match(value) else value


class Writer:
    """`csv.writer` whose every text cell is `neutralised`."""

    def __init__(self, buffer, **options):
        self._writer = csv.writer(buffer, **options)

    def writerow(self, row) -> None:
        self._writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every text cell is `neutralised`; like it, it refuses a row
    with a key that is not a column."""

    def writerow(self, rowdict):
        return super().writerow({key: neutralised(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)
