"""Share images: the picture a link shows where it is shared (Open Graph's og:image, the
Twitter card), drawn on the server with Pillow.

A page describes its card (`Card`: its words and its chart, already in the page's language
and with numbers as that language writes them); this module draws it at 1200 × 630 in the
site's dark colours with the vendored Cormorant Garamond, and serves it. It knows no app:
reviews/shareimages.py describes the episode's and a review's cards, and any other page (a
member's recap) can describe its own and serve it through `image_response`.

An image's address ends in its card's digest: a hash of everything drawn and of the
drawing's version. So a card is drawn once and kept in the page cache under its digest, a
browser or a proxy may keep it, and when what a page shows changes the page names a new
address. An old address (a link preview read before a new rating) is sent to the current
one, never served the old picture under it.
"""

import hashlib
import io
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from functools import cache as remembered
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from kernel.pagecache import cache as page_cache

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
CONTENT_TYPE = "image/png"
# Part of every digest: change it when the drawing changes, so that every address changes.
DRAWING_VERSION = "1"
# A browser or a proxy keeps an image an hour, then revalidates (a 304 costs one query and
# no drawing). Not longer: a review deleted, or marked a spoiler after it was shared, must
# leave the caches soon. The drawing itself is kept a week in the page cache.
MAX_AGE_SECONDS = 3600
STORED_SECONDS = 7 * 24 * 3600
# An old address is sent to the current one; the redirect may be kept a few minutes.
REDIRECT_MAX_AGE_SECONDS = 300

FONTS = Path(__file__).resolve().parent / "fonts" / "cormorant-garamond-4.001"
MEDIUM = FONTS / "CormorantGaramond-Medium.ttf"
SEMIBOLD = FONTS / "CormorantGaramond-SemiBold.ttf"

# The site's dark colours (static/css/site.css), as the favicon draws its mark.
PAPER = "#15131a"
RAISED = "#1e1b25"
INK = "#eee8df"
INK_SOFT = "#b9b0a6"
GOLD = "#d6b47a"
ACCENT = "#f0a9b6"
LINE = "#34303d"

# Lines break at spaces, never at a no-break space (French puts them inside « » and before :).
BREAKS = re.compile(r"[^\S\u00a0\u202f]+")

MARGIN = 64
CHART_WIDTH = 400
GUTTER = 56
FOOTER_TOP = HEIGHT - 104  # where the words of the left column must end
# Lining figures: Cormorant's default old-style "1" reads as a small capital I. Font features
# need libraqm, which Pillow's wheels bring; without it the default figures are drawn.
FEATURES = ["lnum"] if features.check_feature("raqm") else None


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    marked: bool = False  # drawn in the accent colour: the reviewer's own score, say


@dataclass(frozen=True)
class Chart:
    heading: str  # "4.2 stars from 12 ratings", "No ratings yet."
    bars: tuple[Bar, ...]
    legend: str = ""  # what the marked bar is


@dataclass(frozen=True)
class Card:
    """What a share image shows, every word as it is to be drawn."""

    site_name: str
    eyebrow: str
    title: str
    byline: str = ""
    quote: str = ""
    quote_marks: tuple[str, str] = ("“", "”")
    note: str = ""
    chart: Chart | None = None
    footer: str = ""

    def digest(self) -> str:
        data = json.dumps([DRAWING_VERSION, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class ShareImage:
    """What a page says of its share image (templates/base.html prints it)."""

    url: str
    alt: str
    width: int = field(default=WIDTH, init=False)
    height: int = field(default=HEIGHT, init=False)
    content_type: str = field(default=CONTENT_TYPE, init=False)


# Fonts ------------------------------------------------------------------------------------------


@remembered
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


@remembered
def _covered() -> frozenset[int]:
    """The characters both weights draw: anything else would come out as an empty box."""
    covered = None
    for path in (MEDIUM, SEMIBOLD):
        with TTFont(path, lazy=True) as font:
            points = frozenset(font.getBestCmap())
        covered = points if covered is None else covered & points
    return covered


def drawable(text: str) -> bool:
    """Whether the face draws every character of `text` (a name in Cormorant's Latin, Greek
    or Cyrillic; not one in Japanese or with an emoji)."""
    covered = _covered()
    return all(ord(char) in covered or char.isspace() for char in text)


def printable(text: str) -> str:
    """The text without the characters the face cannot draw (emoji, other scripts), its
    whitespace folded: for a quotation, where a gap is better than a box."""
    covered = _covered()
    kept = "".join(c for c in text if ord(c) in covered or c.isspace())
    return " ".join(word for word in BREAKS.split(kept) if word)


# Drawing ----------------------------------------------------------------------------------------


def _fits(font: ImageFont.FreeTypeFont, text: str, width: int) -> bool:
    return font.getlength(text, features=FEATURES) <= width


def _split_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """A word wider than the line (a long address), cut where it must be."""
    pieces = []
    while word and not _fits(font, word, width):
        cut = max(1, next(n for n in range(len(word), 0, -1) if _fits(font, word[:n], width)))
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word] if word else pieces


def _wrap(
    text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int, closing: str = ""
) -> tuple[list[str], bool]:
    """The text in lines no wider than `width`, at most `max_lines` of them; when it does not
    fit, the last line ends with an ellipsis (and `closing`, a closing quotation mark).
    Returns the lines and whether the text was cut."""
    lines: list[str] = []
    current = ""
    for word in BREAKS.split(text.strip()):
        candidate = f"{current} {word}" if current else word
        if _fits(font, candidate, width):
            current = candidate
            continue
        if current:
            lines.append(current)
        *whole, current = _split_word(word, font, width) or [""]
        lines.extend(whole)
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines, False
    kept = lines[:max_lines]
    last = kept[-1]
    while last and not _fits(font, f"{last}…{closing}", width):
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    kept[-1] = f"{last.rstrip(' ,;:.-–—')}…{closing}"
    return kept, True


def _line_height(size: int) -> int:
    return round(size * 1.18)


def _draw_lines(draw, lines, *, x: int, y: int, font, size: int, fill: str) -> int:
    """Draws lines from `y` (the top of the first); returns the y below the last."""
    for line in lines:
        draw.text(
            (x, y + round(size * 0.92)), line, font=font, fill=fill, anchor="ls", features=FEATURES
        )
        y += _line_height(size)
    return y


def mark_points(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    """The site's mark, the four-pointed star of static/img/favicon.svg, about a centre."""
    # The favicon's star in its 32-unit box, centred: points 13 units out, waist 2.6.
    unit = radius / 13
    outline = [(0, -13), (2.6, -2.6), (13, 0), (2.6, 2.6), (0, 13), (-2.6, 2.6), (-13, 0)]
    outline.append((-2.6, -2.6))
    return [(cx + x * unit, cy + y * unit) for x, y in outline]


def draw_mark(image: Image.Image, *, cx: float, cy: float, radius: float, fill: str) -> None:
    """The star drawn four times larger and scaled down, for smooth edges."""
    scale = 4
    size = round(radius * 2) + 4
    layer = Image.new("L", (size * scale, size * scale), 0)
    ImageDraw.Draw(layer).polygon(
        mark_points(size * scale / 2, size * scale / 2, radius * scale), fill=255
    )
    mask = layer.resize((size, size), Image.Resampling.LANCZOS)
    image.paste(fill, (round(cx - size / 2), round(cy - size / 2)), mask)


def _draw_chart(image: Image.Image, draw: ImageDraw.ImageDraw, chart: Chart) -> None:
    left, right = WIDTH - MARGIN - CHART_WIDTH, WIDTH - MARGIN
    top, bottom = 132, HEIGHT - MARGIN
    padding = 28
    draw.rounded_rectangle((left, top, right, bottom), radius=14, fill=RAISED)
    inner_left, inner_right = left + padding, right - padding
    heading_size = 30
    lines, _cut = _wrap(
        chart.heading, _font(SEMIBOLD, heading_size), inner_right - inner_left, max_lines=3
    )
    y = _draw_lines(
        draw,
        lines,
        x=inner_left,
        y=top + padding,
        font=_font(SEMIBOLD, heading_size),
        size=heading_size,
        fill=INK,
    )
    label_size, legend_size = 22, 22
    legend_height = _line_height(legend_size) + 12 if chart.legend else 0
    base = bottom - padding - legend_height - _line_height(label_size) - 6
    bars_top = y + 24
    slot = (inner_right - inner_left) / max(len(chart.bars), 1)
    bar_width = round(slot * 0.72)
    tallest = max((bar.count for bar in chart.bars), default=0) or 1
    label_font = _font(MEDIUM, label_size)
    for index, bar in enumerate(chart.bars):
        x = inner_left + index * slot + (slot - bar_width) / 2
        height = (base - bars_top) * bar.count / tallest
        if bar.count:
            # As the page's chart, in proportion; a count too small to see still shows.
            height = max(height, 3)
            draw.rectangle(
                (round(x), round(base - height), round(x) + bar_width - 1, base - 1),
                fill=ACCENT if bar.marked else GOLD,
            )
        draw.text(
            (x + bar_width / 2, base + 8 + label_size),
            bar.label,
            font=label_font,
            fill=ACCENT if bar.marked else INK_SOFT,
            anchor="ms",
            features=FEATURES,
        )
    draw.line((inner_left, base, inner_right, base), fill=LINE, width=2)
    if chart.legend:
        legend_top = bottom - padding - _line_height(legend_size)
        draw.rectangle((inner_left, legend_top + 6, inner_left + 15, legend_top + 21), fill=ACCENT)
        legend_font = _font(MEDIUM, legend_size)
        legend, _cut = _wrap(chart.legend, legend_font, inner_right - inner_left - 26, 1)
        _draw_lines(
            draw,
            legend,
            x=inner_left + 26,
            y=legend_top,
            font=legend_font,
            size=legend_size,
            fill=INK_SOFT,
        )


def _title_lines(text: str, width: int, max_lines: int) -> tuple[list[str], int]:
    """The largest size at which the title fits in `max_lines`, cut at the smallest."""
    sizes = (76, 68, 60, 54)
    for size in sizes:
        lines, cut = _wrap(text, _font(SEMIBOLD, size), width, max_lines)
        if not cut:
            return lines, size
    return lines, sizes[-1]


def render(card: Card) -> bytes:
    """The card as a PNG of WIDTH × HEIGHT."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 6), fill=GOLD)
    draw_mark(image, cx=MARGIN + 15, cy=70, radius=15, fill=GOLD)
    draw.text(
        (MARGIN + 44, 70 + 11),
        card.site_name,
        font=_font(SEMIBOLD, 32),
        fill=GOLD,
        anchor="ls",
        features=FEATURES,
    )
    column = WIDTH - 2 * MARGIN - (CHART_WIDTH + GUTTER if card.chart else 0)
    x, y = MARGIN, 132
    eyebrow, _cut = _wrap(card.eyebrow, _font(MEDIUM, 30), column, 1)
    y = _draw_lines(draw, eyebrow, x=x, y=y, font=_font(MEDIUM, 30), size=30, fill=INK_SOFT)
    y += 10
    has_more = bool(card.byline or card.quote or card.note)
    lines, size = _title_lines(card.title, column, max_lines=2 if has_more else 3)
    y = _draw_lines(draw, lines, x=x, y=y, font=_font(SEMIBOLD, size), size=size, fill=INK)
    if card.byline:
        y += 18
        lines, _cut = _wrap(card.byline, _font(SEMIBOLD, 32), column, 2)
        y = _draw_lines(draw, lines, x=x, y=y, font=_font(SEMIBOLD, 32), size=32, fill=GOLD)
    for text, fill, closing in (
        (
            card.quote and "".join((card.quote_marks[0], card.quote, card.quote_marks[1])),
            INK,
            card.quote_marks[1],
        ),
        (card.note, ACCENT, ""),
    ):
        if not text:
            continue
        y += 16
        size = 32
        room = max((FOOTER_TOP - y) // _line_height(size), 1)
        lines, _cut = _wrap(text, _font(MEDIUM, size), column, room, closing)
        y = _draw_lines(draw, lines, x=x, y=y, font=_font(MEDIUM, size), size=size, fill=fill)
    if card.footer:
        footer, _cut = _wrap(card.footer, _font(MEDIUM, 26), column, 1)
        _draw_lines(
            draw,
            footer,
            x=x,
            y=HEIGHT - MARGIN - 30,
            font=_font(MEDIUM, 26),
            size=26,
            fill=INK_SOFT,
        )
    if card.chart:
        _draw_chart(image, draw, card.chart)
    output = io.BytesIO()
    image.save(output, "PNG", optimize=True)
    return output.getvalue()


# Serving ----------------------------------------------------------------------------------------


def _stored_or_drawn(card: Card, digest: str) -> bytes:
    key = f"shareimage:{digest}"
    try:
        png = page_cache.get(key)
    except Exception:  # noqa: BLE001 (a cache that does not answer must not stop the image)
        logger.warning("page cache unavailable; drawing share image %s", digest)
        return render(card)
    if png is None:
        png = render(card)
        try:
            page_cache.set(key, png, STORED_SECONDS)
        except Exception:  # noqa: BLE001 (the image is served all the same)
            logger.warning("page cache unavailable; share image %s not stored", digest)
    return png


def image_response(request: HttpRequest, card: Card, *, asked: str, url: str) -> HttpResponse:
    """The card's PNG when the address names its digest (`asked`); any other digest is sent
    to `url`, the current address. Drawn as for anyone: a view gives only cards a visitor
    may see, so the answer is public and the same for everyone."""
    digest = card.digest()
    if asked != digest:
        response = HttpResponseRedirect(url)
        patch_cache_control(response, public=True, max_age=REDIRECT_MAX_AGE_SECONDS)
        return response
    response = HttpResponse(content_type=CONTENT_TYPE)
    # Weak: the same card drawn by another Pillow may differ in its bytes, not in what it shows.
    response["ETag"] = f'W/"{digest}"'
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    conditional = get_conditional_response(request, etag=response["ETag"], response=response)
    if conditional is not response:
        return conditional  # 304 Not Modified, with the same ETag and Cache-Control
    # The language is the address's; LocaleMiddleware would name the reader's.
    response["Content-Language"] = get_language()
    response.content = _stored_or_drawn(card, digest)
    response["Content-Length"] = str(len(response.content))
    return response
