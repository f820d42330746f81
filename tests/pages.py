"""Reading pages as a person would, and sending the forms they would send.

Parsers for the HTML the site answers with (elements, text, tables), the addresses and
messages tests look for, and small helpers that post a form as a browser does.
"""

import dataclasses
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from reviews.models import Review


def text_of(page) -> str:
    """The page (a response, or HTML) as a reader sees it: tags removed, whitespace folded."""
    html = page if isinstance(page, str) else page.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# Reading pages --------------------------------------------------------------------------------


VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass(eq=False)
class Node:
    """An element of a parsed page; text nodes are plain strings among its children."""

    tag: str
    attrs: dict[str, str | None]
    children: list = dataclasses.field(default_factory=list)

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list["Node"]:
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [
            node
            for node in self.iter()
            if node is not self
            and (tag is None or node.tag == tag)
            and all(node.attrs.get(name) == value for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs) -> "Node":
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> in the page"
        return found[0]

    def with_class(self, name: str) -> list["Node"]:
        return [n for n in self.iter() if name in (n.attrs.get("class") or "").split()]

    @property
    def text(self) -> str:
        if self.tag == "br":
            return "\n"
        return "".join(c.text if isinstance(c, Node) else c for c in self.children)

    @property
    def words(self) -> str:
        """The text as a reader sees it: whitespace folded."""
        return " ".join(self.text.split())


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID_ELEMENTS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def page_of(response) -> Node:
    builder = TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def review_article(page: Node, review: Review | int) -> Node:
    pk = review if isinstance(review, int) else review.pk
    return page.find("article", id=f"review-{pk}")


def body_of(article: Node) -> Node:
    """The review's own text, not that of the replies nested in the same article."""
    return next(
        node
        for node in article.with_class("review__body")
        if not any(
            node in reply.iter() for reply in article.find_all("article") if reply is not article
        )
    )


def top_level_ids(page: Node) -> list[int]:
    listing = page.with_class("review-list")
    if not listing:
        return []
    return [
        int(item.find("article").attrs["id"].removeprefix("review-"))
        for item in listing[0].children
        if isinstance(item, Node) and item.tag == "li"
    ]


def message_text(page: Node) -> str:
    boxes = page.with_class("messages")
    return boxes[0].words if boxes else ""


class _Elements(HTMLParser):
    """Each element's attributes, and the text inside elements that have an id."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        self.elements.append((tag, attributes))
        if tag not in {"input", "img", "source", "br", "meta", "link"}:
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text_by_id[attributes["id"]] = ""

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _tag, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def elements(response) -> _Elements:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser


def field_named(response, name: str) -> dict:
    found = [
        attrs for tag, attrs in elements(response).elements if attrs.get("name") == name and tag
    ]
    assert len(found) == 1, f"expected one field named {name!r}, found {len(found)}"
    return found[0]


def error_announced_for(response, name: str) -> str:
    """The error text a screen reader reads with the field: aria-describedby → the error list."""
    page = elements(response)
    field = field_named(response, name)
    assert field.get("aria-invalid") == "true"
    described_by = field.get("aria-describedby", "").split()
    return " ".join(page.text_by_id[ref].strip() for ref in described_by if ref.endswith("_error"))


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append({"class": dict(attrs).get("class"), "cells": []})
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in {"td", "th"} and self._cell is not None:
            self.tables[-1]["rows"][-1]["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.tables[-1]["caption"] += data


def tables_in(html: str, caption: str) -> list[list[dict]]:
    """Every table whose caption is `caption`, as its rows (header row first)."""
    parser = _TableParser()
    parser.feed(html)
    return [t["rows"] for t in parser.tables if " ".join(t["caption"].split()) == caption]


def table_in(html: str, caption: str) -> list[dict]:
    (rows,) = tables_in(html, caption)
    return rows


SEASON_CAPTION = "Average rating of each episode of Season 1"


def season_rows(html: str) -> list[list[str]]:
    header, *rows = table_in(html, SEASON_CAPTION)
    return [header["cells"]] + [row["cells"] for row in rows]


def count_queries(client: Client, url: str) -> tuple[int, Node]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), page_of(response)


def sign_in_next(response) -> str:
    """Where the sign-in page will send the visitor back to."""
    location = response.headers.get("HX-Redirect") or response["Location"]
    parts = urlsplit(location)
    assert parts.path == reverse("account_login"), location
    return parse_qs(parts.query)["next"][0]


# Episode pages and reviews --------------------------------------------------------------------


EPISODE_URL = "/season/1/episode/3/"


def create_url(season: int = 1, number: int = 3) -> str:
    return reverse("reviews:review-create", args=[season, number])


def publish(client: Client, body: str, *, is_spoiler: bool = False, **headers):
    data = {"body": body}
    if is_spoiler:
        data["is_spoiler"] = "on"
    return client.post(create_url(), data, headers=headers)


def reply_to(client: Client, review: Review, body: str, **headers):
    return client.post(
        reverse("reviews:reply-create", args=[review.pk]),
        {f"reply-{review.pk}-body": body},
        headers=headers,
    )


def scores_shown(client: Client, url: str) -> str:
    """The rating summary as a reader sees it on the episode page."""
    return page_of(client.get(url)).find(id="rating-summary").find("p").words


def review_url(review: Review, language: str = "en") -> str:
    """A review's own page, its address to share."""
    episode = review.episode
    path = reverse("reviews:review", args=[episode.season.number, episode.number, review.pk])
    return path if language == "en" else f"/{language}{path}"


def share_image_of(response) -> dict[str, str]:
    """The page's share image as link previews read it: Open Graph's and Twitter's tags."""
    head = page_of(response).find("head")
    tags = {}
    for meta in head.find_all("meta"):
        key = meta.attrs.get("property") or meta.attrs.get("name") or ""
        if key.startswith(("og:image", "twitter:")):
            assert key not in tags, f"{key} twice"
            tags[key] = meta.attrs["content"]
    return tags


# The home and episode pages each read their citations in one query.
QUERY_BUDGETS = {
    # With the show's citations, and the community: the latest reviews, the most discussed.
    "/": 7,
    "/season/1/": 4,
    "/season/1/episode/4/": 4,
    "/people/luke-kirby/": 3,
    "/characters/jack/": 3,
    # One query per kind of record cited (show, season, person, character, credit).
    "/sources/": 8,
    # The season, its episodes, the pairwise counters and the number of rankings.
    "/season/1/ranking/": 4,
}


# Reports --------------------------------------------------------------------------------------


THANKS = "Thank you for telling us. Moderators will look at it."

NO_REPORT_REASON = "Choose a reason."

ALREADY_REPORTED = "Moderators look at every report; there is nothing more to do."

CANNOT_EDIT = "A moderator is looking at this, or has taken it down: it cannot be edited."

HONEYPOT_LABEL = "Leave this field empty"


def report_url(review: Review) -> str:
    return reverse("reviews:review-report", args=[review.pk])


def report(client: Client, review: Review, reason: str = "spam", note: str = ""):
    return client.post(report_url(review), {"reason": reason, "note": note})


# Members' own pages ---------------------------------------------------------------------------


def post_avatar(client, name: str, data: bytes, content_type="image/jpeg"):
    return client.post(
        reverse("avatar-upload"), {"avatar": SimpleUploadedFile(name, data, content_type)}
    )


def download_export(client) -> tuple[object, dict[str, bytes]]:
    response = client.get(reverse("member-export"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    return response, files


# The admin ------------------------------------------------------------------------------------


def admin_url(app_label: str, model_name: str, view: str, *args) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def form_post_data(response) -> dict:
    """What a browser sends back for the admin form in `response` when nothing is touched:
    every field of the main form and of each inline, with the inline management forms."""
    all_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        all_forms.append(inline.formset.management_form)
        all_forms.extend(inline.formset.forms)
    data = {"_save": "Save"}
    for form in all_forms:
        for name, field in form.fields.items():
            if field.disabled or isinstance(field, forms.FileField):
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = str(value)
    return data


QUEUE = "/admin/reviews/moderationqueueitem/"

REVIEWS = "/admin/reviews/review/"

ACTIONS = "/admin/reviews/moderationaction/"

MEMBERS = "/admin/etoile_app/user/"

REASON = "Checked against the house rules"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response) -> list[int]:
    return [item.pk for item in response.context["cl"].result_list]


def result_rows(response) -> list[str]:
    """The HTML of each row of the changelist's table, in order."""
    content = response.content.decode()
    body = content.split('<table id="result_list">', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in re.split(r"<tr\b", body) if row.strip()]


def action_names(response) -> list[str]:
    """The actions offered above the list (none at all: no action bar)."""
    action_form = response.context["action_form"]
    if action_form is None:
        return []
    return [name for name, _ in action_form.fields["action"].choices if name]


def act(client, url, action, items, reason=REASON):
    return client.post(
        url,
        {
            "action": action,
            "_selected_action": [item.pk for item in items],
            "reason": reason,
            "index": 0,
        },
        follow=True,
    )


def glance(response) -> dict[str, dict]:
    """The "At a glance" entries of the admin index: label → count, link, parts."""
    content = response.content.decode()
    section = content.split('<ul class="glance">', 1)[1].split("</section>", 1)[0]
    entries = {}
    pieces = re.split(r'<span class="glance__count">', section)[1:]
    for piece in pieces:
        match = re.match(
            r'([\d,]+)</span>\s*(?:<a href="([^"]*)">([^<]*)</a>|([^<]*?)\s*(?:<|$))', piece
        )
        count, href, linked_label, plain_label = match.groups()
        parts = {
            label: {"count": int(n), "url": part_href or None}
            for part_href, label, n in re.findall(
                r'<small>(?:<a href="([^"]*)">)?([^<:]+): (\d+)(?:</a>)?</small>', piece
            )
        }
        label = (linked_label or plain_label).strip()
        entries[label] = {
            "count": int(count.replace(",", "")),
            "url": href or None,
            "parts": parts,
            "text": piece,
        }
    return entries


def project_routes() -> dict[str, str]:
    """Every address the site answers: its name (namespaced) or, unnamed, its pattern."""

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                route = prefix + str(pattern.pattern)
                yield (f"{namespace}{pattern.name}" if pattern.name else route), route

    return dict(walk(get_resolver().url_patterns, "", ""))
