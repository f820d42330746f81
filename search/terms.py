"""What a reader typed, as words to look for, and the marks that show where a text matches.

Both databases look for the same words: letters and digits, accents and case folded, so
nothing a reader types (quotes, `&|!:*`, SQL) ever reaches a query as an operator. Each word
matches the start of a word in the text ("chey" finds "Cheyenne"); PostgreSQL stems both
sides in English and in French, SQLite trims a plural or an "-ing" from the typed word
(`stem`), enough for "répétitions" to find "répétition" and "dancing" to find "dance".

Marks are computed in Python from those stems and the text shown, on both databases, as a
list of parts that the template escapes one by one: no HTML is ever built here.
"""

import re
import unicodedata
from dataclasses import dataclass

from kernel.search import fold_accents

MAX_QUERY_LENGTH = 100  # characters a reader may type
MAX_TERMS = 6  # words looked for; more make a query slower, not better
WORD = re.compile(r"[^\W_]+")
WORDS_AND_GAPS = re.compile(r"([^\W_]+)")  # re.split keeps the words, between the gaps
# A crude stemmer for SQLite and for the marks: a typed word loses one of these endings when
# at least MIN_STEM characters are left ("dancing" → "danc", "répétitions" → "repetition").
# "-e" and "-es" are kept: French "danse(s)" would shrink to "dans", a word of its own.
ENDINGS = ("ing", "ed", "s", "x")
MIN_STEM = 4
SNIPPET_LENGTH = 220


def fold(text: str) -> str:
    """Text as both databases compare it: composed, accents removed, case folded."""
    return fold_accents(unicodedata.normalize("NFC", text)).casefold()


def words_of(text: str) -> list[str]:
    return WORD.findall(fold(text))


def stem(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


@dataclass(frozen=True)
class Query:
    text: str  # as typed, for the page to show back
    terms: tuple[str, ...]  # folded words, each once, at most MAX_TERMS

    @classmethod
    def parse(cls, text: str) -> "Query":
        terms = tuple(dict.fromkeys(words_of(text)))[:MAX_TERMS]
        return cls(text=text, terms=terms)

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(stem(term) for term in self.terms))

    def __bool__(self) -> bool:
        return bool(self.terms)


@dataclass(frozen=True)
class Span:
    """A run of text, marked where it matched. Plain text: the template escapes it."""

    text: str
    marked: bool = False


def marked(text: str, stems: tuple[str, ...]) -> list[Span]:
    """The text in parts, each word that starts with one of the stems marked."""
    parts: list[Span] = []
    pieces = WORDS_AND_GAPS.split(unicodedata.normalize("NFC", text))
    # Gaps at even places, words at odd ones.
    for index, piece in enumerate(pieces):
        if not piece:
            continue
        is_match = index % 2 == 1 and fold(piece).startswith(stems)
        if parts and parts[-1].marked == is_match:
            parts[-1] = Span(parts[-1].text + piece, is_match)
        else:
            parts.append(Span(piece, is_match))
    return parts


def snippet(text: str, stems: tuple[str, ...], length: int = SNIPPET_LENGTH) -> list[Span]:
    """About `length` characters of the text around its first match (its start when none
    shows), cut between words, with an ellipsis where it is cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return marked(text, stems)
    first = next(
        (found.start() for found in WORD.finditer(text) if fold(found.group()).startswith(stems)),
        0,
    )
    start = max(0, first - length // 3)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else first
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    parts = marked(text[start:end], stems)
    if start:
        parts.insert(0, Span("…"))
    if end < len(text):
        parts.append(Span("…"))
    return parts
