"""Markup, scripts and tricks in everything a member can write stay text wherever they show.

A member types the same payload into every field they have, through the site's own forms:
display name, bio, review, reply, and (as other members) a report's note; handle, watch date
and email address, which the site validates, and an avatar's file name, which it replaces.
Then every page that shows those fields is read: the episode page (by a visitor, the author,
who also sees her held review, and another member), profile, diary, watchlist, settings, the
report, edit and delete pages, forms that refuse the text and show it back, and the admin as
a superuser (reviews and their search, the moderation queue, reports, the audit trail,
members, ratings); then the data export.

Each page is compared with the same page for harmless text written the same way: the payload
must add no script, no event handler, no htmx attribute, no script URL and no kind of element
the harmless page does not have, and the page's text must show the payload as it was kept.
Nothing here relies on the Content-Security-Policy, which is a second line of defence.

The Atom feeds (the site's, the episode's, the member's) are read as a feed reader would: each
must parse as XML, have only Atom's elements, and carry the review as escaped HTML that renders
to the review's text and nothing more. The schema.org data in the pages' heads (JSON-LD) must
parse as JSON and hold the review's text as it was kept, with no "<" that could end its block.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.template.defaultfilters import truncatewords
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import ModerationAction, Report, Review, Watch
from tests.factories import PASSWORD, make_member, signed_in
from tests.images import camera_jpeg
from tests.pages import (
    EPISODE_URL,
    Node,
    TreeBuilder,
    body_of,
    page_of,
    post_avatar,
    publish,
    reply_to,
    review_article,
)

pytestmark = pytest.mark.django_db

# The corpus ---------------------------------------------------------------------------------

LONG_WORD = "entrechat" * 26 + "<script>alert(1)</script>"  # 259 characters, no space

CORPUS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('"><img src=x onerror=alert(1)>', id="img-onerror"),
    pytest.param("'><svg onload=alert(1)>", id="svg-onload"),
    pytest.param("javascript:alert(1) JaVaScRiPt:alert(1) vbscript:msgbox(1) java\tscript:x", id="script-urls"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="javascript-anchor"),
    pytest.param("</textarea></title><script>alert(1)</script>", id="textarea-title-breakout"),
    pytest.param("<b><i>never closed", id="unclosed-markup"),
    pytest.param("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &#60;b&#62;", id="entities"),
    pytest.param("\u202e<script>alert(1)</script>gnp.exe", id="right-to-left-override"),
    pytest.param("\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", id="fullwidth"),
    pytest.param(
        "<scr\u200dipt>alert(1)</scr\u200dipt>\u200b<img src=x\u200c onerror=alert(1)>",
        id="zero-width",
    ),
    pytest.param("one\u2028<script>alert(1)</script>\u2029two", id="line-separators"),
    pytest.param(LONG_WORD, id="long-word"),
    pytest.param("{{ 7*7 }} {{ request.user.email }} {% debug %} ${7*7}", id="template"),
    pytest.param("<style>body{display:none}</style>", id="style"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", id="data-url"),
    pytest.param('http://x.example/"onmouseover="alert(1)', id="url-double-quote"),
    pytest.param(
        "https://x.example/'onmouseover='alert(1)' www.x.example/\"><b> a@b.example\"onclick=\"x",
        id="url-single-quote-and-email",
    ),
    pytest.param('<div hx-get="/me/delete/" hx-trigger="load" hx-on:click="alert(1)">x</div>', id="htmx"),
    pytest.param("line one\r\n<script>alert(1)</script>\r\n\r\n<img src=x onerror=alert(1)>", id="lines"),
]  # fmt: skip

# Written the same way to make the pages without a payload: a link, a line break and a
# paragraph, so that those pages have every element a member's text legitimately produces.
BENIGN = "Benign words\nline\n\nhttps://example.com/b a@example.com"

DISPLAY_NAME_MAX, BIO_MAX, NOTE_MAX = 60, 500, 300


def as_review(typed: str) -> str:
    """What the review and reply forms keep of typed text."""
    return typed.replace("\r\n", "\n").replace("\x00", "").strip()


def folded(text: str) -> str:
    """What the display name and report note forms keep: whitespace folded."""
    return " ".join(text.split())


# Reading pages ------------------------------------------------------------------------------

NOT_SHOWN = {"script", "style", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
LOADING = URL_ATTRIBUTES | {"http-equiv", "rel", "type", "srcdoc", "as"}
ACTIVE_TAGS = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "template",
    "meta",
    "link",
}


def visible(node: Node) -> str:
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append("\n")
        elif child.tag not in NOT_SHOWN:
            parts.append(visible(child))
    return "".join(parts)


def words(node: Node) -> str:
    return folded(visible(node))


def _normal(value: str | None) -> str:
    # Ids, counts, tokens and submission keys change from one page to the next.
    return re.sub(r"[0-9a-f]{8,}|\d+", "0", value or "")


def dangers(page: Node) -> set[str]:
    """Everything on a page that can run or load something."""
    found = set()
    for node in page.iter():
        attrs = {name: value for name, value in node.attrs.items() if name != "nonce"}
        if node.tag == "script" and attrs == {"type": "application/ld+json"}:
            # Data, never run: its text is the member's, checked by json_ld_of() instead.
            found.add("<script type=application/ld+json>")
            continue
        if node.tag in ACTIVE_TAGS:
            # What it loads or runs; a description's words are not (it holds the name).
            shown = sorted(
                (name, _normal(value) if name in LOADING else "") for name, value in attrs.items()
            )
            found.add(f"<{node.tag} {shown}>{_normal(node.text.strip())[:200]}")
        for name, value in attrs.items():
            if name.startswith("on") or "hx-" in name or name == "srcdoc":
                found.add(f"<{node.tag} {name}={_normal(value)!r}>")
            if name in URL_ATTRIBUTES:
                squashed = re.sub(r"[\s\x00-\x20]", "", value or "").lower()
                if squashed.startswith(DANGEROUS_SCHEMES):
                    found.add(f"<{node.tag} {name}={value!r}>")
    return found


def shapes(page: Node) -> set[tuple]:
    """Each kind of element on the page: its tag and the names of its attributes."""
    return {
        (node.tag, frozenset(name for name in node.attrs if name != "nonce"))
        for node in page.iter()
        if node is not page
    }


def read(client: Client, url: str) -> Node:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html"), url
    page = page_of(response)
    json_ld_of(page)
    return page


def json_ld_of(page: Node) -> list[dict]:
    """The page's schema.org data blocks: each whole (a "</script>" in a member's text would
    cut it short and fail to parse) and without markup characters left unescaped."""
    blocks = []
    for node in page.find_all("script", type="application/ld+json"):
        raw = node.text
        assert not re.search("[<>&]", raw), raw[:200]
        blocks.append(json.loads(raw))
    return blocks


def assert_no_more_than(page: Node, baseline: Node, where: str) -> None:
    """The page with the payload runs and loads nothing the page without it did not."""
    new_dangers = dangers(page) - dangers(baseline)
    assert not new_dangers, f"{where}: live markup from the payload: {new_dangers}"
    new_shapes = shapes(page) - shapes(baseline)
    assert not new_shapes, f"{where}: elements made from the payload: {new_shapes}"


def assert_safe_links(body: Node) -> None:
    """`urlize` links only web and mail addresses, and a quote ends the address."""
    for link in body.find_all("a"):
        href = link.attrs.get("href") or ""
        scheme = urlsplit(href).scheme
        assert scheme in {"http", "https", "mailto"}, href
        assert not re.search(r"[\s\"'<>]", href), href
        if scheme != "mailto":
            assert link.attrs.get("rel") == "nofollow", link.attrs


def shows(page: Node, expected: str, where: str) -> None:
    assert folded(expected) in words(page), f"{where}: {expected!r} is not shown as text"


def member_menu_name(page: Node) -> str:
    me = page.with_class("member-menu__me")[0]
    return words(next(span for span in me.find_all("span") if "class" not in span.attrs))


def one(nodes: list[Node]) -> Node:
    assert len(nodes) == 1, nodes
    return nodes[0]


def admin_link(page: Node, url: str) -> Node:
    return one([a for a in page.find_all("a") if (a.attrs.get("href") or "").startswith(url)])


# The scene: a member who writes, members who report, a superuser who moderates ----------------


@dataclass
class Scene:
    episode: Episode
    mallory: User
    mallory_client: Client
    odile: User
    odile_client: Client
    reporters: list[Client]
    other_review: Review
    admin: Client
    visitor: Client


@dataclass
class Written:
    """What one round of writing left: the stored texts and the items that show them."""

    name: str
    bio: str
    visible: Review
    held: Review
    reply: Review
    report: Report
    hold: ModerationAction


@pytest.fixture
def scene(seeded, settings) -> Scene:
    settings.REVIEW_REPORTS_TO_HOLD = 3
    # Two rounds of writing per test: above the members' limit of five posts a minute.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "review_post": "100/m/user",
        "review_report": "100/m/user",
    }
    episode = Episode.objects.select_related("season").get(season__number=1, number=3)
    mallory = make_member("mallory@example.com", "mallory", display_name="Mallory")
    odile = make_member("odile@example.com", "odile", display_name="Odile Black")
    others = [make_member(f"r{n}@example.com", f"reporter-{n}") for n in range(2)]
    mallory_client = signed_in(mallory)
    # Mallory rates, watches and keeps a watchlist (none of it text): her name shows in the
    # diary and the admin's lists of them.
    services.rating_set(member=mallory, episode=episode, score=7)
    services.watch_add(member=mallory, episode=episode, watched_on=timezone.localdate())
    services.watchlist_add(member=mallory, episodes=[episode])
    admin = Client()
    admin.force_login(User.objects.create_superuser(email="admin@example.com", password=None))
    odile_client = signed_in(odile)
    return Scene(
        episode=episode,
        mallory=mallory,
        mallory_client=mallory_client,
        odile=odile,
        odile_client=odile_client,
        reporters=[odile_client] + [signed_in(member) for member in others],
        other_review=services.review_post(member=odile, episode=episode, body="Odile's review."),
        admin=admin,
        visitor=Client(),
    )


SETTINGS_URL = "/me/settings/"


def profile_post(client: Client, member: User, **changes):
    member.refresh_from_db()
    data = {"display_name": member.display_name, "handle": member.handle, "bio": member.bio}
    return client.post(SETTINGS_URL, {**data, **changes})


def posted_review(response) -> Review:
    assert response.status_code == 302, response.status_code
    pk = int(response["Location"].rsplit("#review-", 1)[1])
    return Review.objects.get(pk=pk)


def report(client: Client, review: Review, note: str):
    return client.post(
        reverse("reviews:review-report", args=[review.pk]), {"reason": "other", "note": note}
    )


def write_everything(scene: Scene, typed: str) -> Written:
    """Mallory writes `typed` into every field she has, through the site's forms; other
    members report what she wrote with `typed` as their note."""
    mallory, client = scene.mallory, scene.mallory_client
    name_before = User.objects.get(pk=mallory.pk).display_name
    response = profile_post(client, mallory, display_name=typed)
    if len(folded(typed)) <= DISPLAY_NAME_MAX:
        assert response.status_code == 302
        assert User.objects.get(pk=mallory.pk).display_name == folded(typed)
    else:  # refused, clearly, and nothing saved
        assert response.status_code == 400
        assert "at most 60 characters" in words(page_of(response).find(id="id_display_name_error"))
        assert User.objects.get(pk=mallory.pk).display_name == name_before
    assert len(typed.strip()) <= BIO_MAX
    assert profile_post(client, mallory, bio=typed).status_code == 302
    mallory.refresh_from_db()
    assert mallory.bio == typed.strip()

    visible_review = posted_review(publish(client, typed))
    held = posted_review(publish(client, typed))
    reply = posted_review(reply_to(client, scene.other_review, typed))
    for item in (visible_review, held, reply):
        assert item.body == as_review(typed)

    assert len(folded(typed)) <= NOTE_MAX
    for reporter in scene.reporters:
        assert report(reporter, held, typed).status_code == 302
    assert report(scene.reporters[0], visible_review, typed).status_code == 302
    held.refresh_from_db()
    assert held.status == Review.Status.HELD
    the_report = Report.objects.get(review=visible_review)
    assert the_report.note == folded(typed)
    return Written(
        name=mallory.public_name,
        bio=mallory.bio,
        visible=visible_review,
        held=held,
        reply=reply,
        report=the_report,
        hold=ModerationAction.objects.get(review=held, kind=ModerationAction.Kind.HOLD),
    )


# Where it shows: each place reads a page and checks what it must show ------------------------


def check_review(page: Node, review: Review, name: str | None, where: str) -> None:
    article = review_article(page, review)
    body = body_of(article)
    assert words(body) == folded(review.body), where
    assert_safe_links(body)
    if name is not None:
        by = article.find("p", id=f"review-{review.pk}-by")
        assert words(by.find("a")) == folded(name), where


def episode_page(page, w):
    check_review(page, w.visible, w.name, "episode")
    check_review(page, w.reply, w.name, "episode reply")


def episode_for_visitor(page, w):
    episode_page(page, w)
    assert not page.find_all("article", id=f"review-{w.held.pk}"), "held: only its author sees it"
    (data,) = json_ld_of(page)
    (review,) = [r for r in data["review"] if r["url"].endswith(f"#review-{w.visible.pk}")]
    assert review["reviewBody"] == w.visible.body
    assert review["author"]["name"] == w.name
    assert not [r for r in data["review"] if r["url"].endswith(f"#review-{w.held.pk}")]


def episode_for_author(page, w):
    episode_page(page, w)
    check_review(page, w.held, w.name, "own held review")
    note = one(review_article(page, w.held).with_class("moderation-note"))
    assert words(note).startswith("Hidden pending review."), words(note)
    assert member_menu_name(page) == folded(w.name)


def episode_for_member(page, w):
    episode_for_visitor(page, w)
    for item, kind in ((w.visible, "review"), (w.reply, "reply")):
        link = one(review_article(page, item).with_class("review__report"))
        assert link.attrs["aria-label"] == f"Report the {kind} by {w.name}"


def profile_page(page, w, *, own=False):
    assert words(page.find("h1")) == folded(w.name)
    assert words(page.find("title")) == folded(f"{w.name} · Étoile companion")
    description = page.find("meta", name="description").attrs["content"]
    assert description == f"{w.name} on the Étoile companion."
    assert words(one(page.with_class("prose"))) == folded(w.bio)
    shows(page, f"{w.name}’s diary", "profile")
    items = [w.visible, w.reply] + ([w.held] if own else [])
    for item in items:
        body = body_of(page.find("article", aria_labelledby=f"member-review-{item.pk}"))
        assert words(body) == folded(item.body)
        assert_safe_links(body)
    if not own:
        assert not page.find_all("article", aria_labelledby=f"member-review-{w.held.pk}")


def own_profile_page(page, w):
    profile_page(page, w, own=True)
    assert member_menu_name(page) == folded(w.name)


def diary_page(page, w):
    assert words(one(page.with_class("eyebrow"))) == folded(w.name)
    assert words(page.find("title")) == folded(f"{w.name}’s diary · Étoile companion")


def menu_only(page, w):
    assert member_menu_name(page) == folded(w.name)


def settings_page(page, w):
    assert page.find("input", name="display_name").attrs["value"] == w.name
    assert words(page.find("textarea", name="bio")) == folded(w.bio)
    menu_only(page, w)


def report_page(page, w):
    """The report page quotes the item (here the reply) and names its author."""
    shows(page, f"By {w.name} on", "report page")
    body = one(page.with_class("review__body"))
    assert words(body) == folded(w.reply.body)
    assert_safe_links(body)


def edit_page(page, w):
    assert words(page.find("textarea", name="body")) == folded(w.visible.body)


def delete_page(page, w):
    quoted = page.find("blockquote")
    assert words(quoted) == folded(truncatewords(w.visible.body, 40))


def admin_reviews(page, w):
    for item in (w.visible, w.held, w.reply):
        link = admin_link(page, f"/admin/reviews/review/{item.pk}/change/")
        assert words(link) == folded(item.excerpt)


def admin_search(page, w):
    assert page.find("input", id="searchbar").attrs["value"] == w.visible.body


def admin_review(page, w):
    shows(page, w.visible.body, "admin review")
    shows(page, w.name, "admin review: author")
    shows(page, w.report.note, "admin review: report inline")


def admin_queue(page, w):
    for item in (w.visible, w.held):
        link = admin_link(page, f"/admin/reviews/moderationqueueitem/{item.pk}/change/")
        assert words(link) == folded(item.excerpt)
    shows(page, f"“{w.report.note}”", "queue reasons")


def admin_queue_item(page, w):
    shows(page, w.held.body, "queue item")
    shows(page, w.report.note, "queue item: reports")


def admin_reports(page, w):
    shows(page, w.report.note, "reports list")
    shows(page, str(w.visible), "reports list: review")


def admin_report(page, w):
    shows(page, w.report.note, "report")


def admin_audit_entry(page, w):
    shows(page, w.held.body, "audit trail: text at the time")
    shows(page, w.name, "audit trail: member concerned")


def shows_name(page, w):
    shows(page, w.name, "list of members' rows")


def admin_user(page, w):
    assert page.find("input", name="display_name").attrs["value"] == w.name
    assert words(page.find("textarea", name="bio")) == folded(w.bio)


def admin_user_delete(page, w):
    for item in (w.visible, w.held, w.reply):
        shows(page, str(item), "member deletion summary")


def admin_audit_trail(page, w):
    admin_link(page, f"/admin/reviews/moderationaction/{w.hold.pk}/change/")


def places(scene: Scene, w: Written) -> list[tuple[str, Client, str, object]]:
    mallory, admin = scene.mallory, "/admin/reviews"
    return [
        ("episode, visitor", scene.visitor, EPISODE_URL, episode_for_visitor),
        ("episode, author", scene.mallory_client, EPISODE_URL, episode_for_author),
        ("episode, member", scene.odile_client, EPISODE_URL, episode_for_member),
        ("profile, visitor", scene.visitor, "/u/mallory/", profile_page),
        ("profile, author", scene.mallory_client, "/u/mallory/", own_profile_page),
        ("diary", scene.visitor, "/u/mallory/diary/", diary_page),
        ("watchlist", scene.mallory_client, "/me/watchlist/", menu_only),
        ("settings", scene.mallory_client, SETTINGS_URL, settings_page),
        ("report", scene.odile_client, f"/reviews/{w.reply.pk}/report/", report_page),
        ("edit", scene.mallory_client, f"/reviews/{w.visible.pk}/edit/", edit_page),
        ("delete", scene.mallory_client, f"/reviews/{w.visible.pk}/delete/", delete_page),
        ("admin reviews", scene.admin, f"{admin}/review/", admin_reviews),
        ("admin search", scene.admin, f"{admin}/review/?{urlencode({'q': w.visible.body})}", admin_search),
        ("admin review", scene.admin, f"{admin}/review/{w.visible.pk}/change/", admin_review),
        ("admin queue", scene.admin, f"{admin}/moderationqueueitem/", admin_queue),
        ("admin queue item", scene.admin, f"{admin}/moderationqueueitem/{w.held.pk}/change/", admin_queue_item),
        ("admin reports", scene.admin, f"{admin}/report/", admin_reports),
        ("admin report", scene.admin, f"{admin}/report/{w.report.pk}/change/", admin_report),
        ("admin audit trail", scene.admin, f"{admin}/moderationaction/", admin_audit_trail),
        ("admin audit entry", scene.admin, f"{admin}/moderationaction/{w.hold.pk}/change/", admin_audit_entry),
        ("admin members", scene.admin, "/admin/etoile_app/user/", shows_name),
        ("admin member", scene.admin, f"/admin/etoile_app/user/{mallory.pk}/change/", admin_user),
        ("admin member deletion", scene.admin, f"/admin/etoile_app/user/{mallory.pk}/delete/", admin_user_delete),
        ("admin ratings", scene.admin, f"{admin}/rating/", shows_name),
    ]  # fmt: skip


ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_ELEMENTS = {
    f"{ATOM}{name}"
    for name in (
        "feed", "title", "link", "id", "updated", "subtitle", "entry", "published",
        "author", "name", "uri", "summary",
    )
}  # fmt: skip


def feeds(scene: Scene) -> list[tuple[str, str]]:
    return [
        ("site feed", "/feeds/reviews/"),
        ("episode feed", f"/feeds{EPISODE_URL}reviews/"),
        ("member feed", f"/feeds/u/{scene.mallory.handle}/reviews/"),
    ]


def read_feed(client: Client, url: str, w: Written) -> Node:
    """The feed as a reader takes it: well-formed Atom, the visible review in it (not the held
    one, nor the reply), its title and author as plain text, and its summary as HTML that
    renders to the review's text. Returns that HTML, parsed, to compare with the baseline."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8", url
    feed = ET.fromstring(response.content)  # noqa: S314 (our own server's answer, in a test)
    unknown = {element.tag for element in feed.iter()} - ATOM_ELEMENTS
    assert not unknown, f"{url}: elements made from the payload: {unknown}"
    by_link = {
        entry.find(f"{ATOM}link").attrib["href"].rsplit("#review-", 1)[1]: entry
        for entry in feed.iter(f"{ATOM}entry")
    }
    assert str(w.held.pk) not in by_link and str(w.reply.pk) not in by_link, url
    entry = by_link[str(w.visible.pk)]
    assert entry.find(f"{ATOM}author/{ATOM}name").text == w.name, url
    assert w.name in entry.find(f"{ATOM}title").text, url
    builder = TreeBuilder()
    builder.feed(entry.find(f"{ATOM}summary").text)
    builder.close()
    shows(builder.root, w.visible.body, url)
    assert_safe_links(builder.root)
    return builder.root


def read_everywhere(scene: Scene, w: Written) -> dict[str, Node]:
    pages = {}
    for where, client, url, check in places(scene, w):
        page = read(client, url)
        check(page, w)
        pages[where] = page
    for where, url in feeds(scene):
        pages[where] = read_feed(scene.visitor, url, w)
    return pages


def export_of(client: Client) -> tuple[dict, dict[str, list[dict]]]:
    response = client.get(reverse("member-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        document = json.loads(archive.read("etoile-export.json").decode("utf-8"))
        tables = {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode()))
            )
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    return document, tables


# The pages without a payload are the same in every test: made once, by the first test that
# needs them (in its own database), and kept for the others. They only list what can run or
# load on those pages, which the payload's text must not change.
_WITHOUT_PAYLOAD: dict[str, dict[str, Node]] = {}


def without_payload(kind: str, make) -> dict[str, Node]:
    if kind not in _WITHOUT_PAYLOAD:
        _WITHOUT_PAYLOAD[kind] = make()
    return _WITHOUT_PAYLOAD[kind]


# The tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", CORPUS)
def test_a_payload_in_every_field_a_member_writes_stays_text_on_every_page_and_export(
    scene, payload
):
    baseline = without_payload(
        "site", lambda: read_everywhere(scene, write_everything(scene, BENIGN))
    )

    written = write_everything(scene, payload)
    pages = read_everywhere(scene, written)

    assert pages.keys() == baseline.keys()
    for where, page in pages.items():
        assert_no_more_than(page, baseline[where], where)

    # The export holds exactly what was kept, character for character, in JSON and in CSV.
    document, tables = export_of(scene.mallory_client)
    for profile in (document["profile"][0], tables["profile"][0]):
        assert profile["display_name"] == scene.mallory.display_name
        assert profile["bio"] == payload.strip()
    bodies = {row["id"]: row["body"] for row in document["reviews"]}
    csv_bodies = {int(row["id"]): row["body"] for row in tables["reviews"]}
    for item in (written.visible, written.held, written.reply):
        assert bodies[item.pk] == csv_bodies[item.pk] == as_review(payload)

    # Forms that refuse it show it back as typed, as text, and keep nothing; so do pages
    # that read it from their address.
    refused = without_payload("refusals", lambda: refusals(scene, "Benign words " + "x" * 40))
    stored = everything_stored()
    pages = refusals(scene, payload)
    assert everything_stored() == stored
    assert pages.keys() == refused.keys()
    for where, page in pages.items():
        assert_no_more_than(page, refused[where], f"refused {where}")


def refusals(scene: Scene, typed: str) -> dict[str, Node]:
    """Each form that refuses what was typed, and the page it answers with."""
    mallory, client = scene.mallory, scene.mallory_client
    pages = {}

    response = profile_post(client, mallory, handle=typed)
    assert response.status_code == 400, "a handle is letters, digits and hyphens only"
    page = pages["handle"] = page_of(response)
    field = page.find("input", name="handle")
    assert field.attrs["value"] == typed
    assert field.attrs["aria-invalid"] == "true"
    error = words(page.find(id="id_handle_error"))
    assert error.startswith(
        ("Use lowercase letters, digits", "Ensure this value has at most 30")
    ), error
    assert member_menu_name(page) == folded(User.objects.get(pk=mallory.pk).public_name)

    too_long = typed + " " + "x" * DISPLAY_NAME_MAX
    response = profile_post(client, mallory, display_name=too_long)
    assert response.status_code == 400
    page = pages["display name"] = page_of(response)
    assert page.find("input", name="display_name").attrs["value"] == too_long
    assert member_menu_name(page) == folded(User.objects.get(pk=mallory.pk).public_name)

    too_long = typed + " " + "x" * BIO_MAX
    response = profile_post(client, mallory, bio=too_long)
    assert response.status_code == 400
    page = pages["bio"] = page_of(response)
    assert words(page.find("textarea", name="bio")) == folded(too_long)

    too_long = typed + " " + "x" * 5000
    response = publish(client, too_long)
    assert response.status_code == 400
    page = pages["review"] = page_of(response)
    assert words(page.find("textarea", name="body")) == folded(too_long)

    response = reply_to(client, scene.other_review, too_long)
    assert response.status_code == 400
    page = pages["reply"] = page_of(response)
    field = f"reply-{scene.other_review.pk}-body"
    assert words(page.find("textarea", name=field)) == folded(too_long)

    response = report(scene.reporters[1], scene.other_review, too_long)
    assert response.status_code == 400
    page = pages["report note"] = page_of(response)
    assert words(page.find("textarea", name="note")) == folded(too_long)

    response = client.post(f"{EPISODE_URL}watched/", {"watched_on": typed})
    assert response.status_code == 400, "a watch date is a date"
    page = pages["watch date"] = page_of(response)
    assert page.find("input", name="watched_on").attrs["value"] == typed

    # What a link can carry: a sort order, a page number, a member's handle.
    for where, url, status in [
        ("sort and page", f"{EPISODE_URL}?{urlencode({'sort': typed, 'page': typed})}", 200),
        ("diary page", f"/u/mallory/diary/?{urlencode({'page': typed})}", 200),
        ("handle in the address", f"/u/{quote(typed, safe='')}/", 404),
    ]:
        response = scene.visitor.get(url)
        assert response.status_code == status, url
        pages[where] = page_of(response)
    return pages


def everything_stored() -> tuple:
    return (
        list(Review.objects.values_list("pk", "body").order_by("pk")),
        list(Report.objects.values_list("pk", "note").order_by("pk")),
        list(Watch.objects.values_list("pk", "watched_on").order_by("pk")),
        list(User.objects.values_list("handle", "display_name", "bio").order_by("pk")),
    )


# Addresses with a quoted local part may hold almost anything, and Django accepts them.
EMAILS = [
    pytest.param('"<script>alert(1)</script>"@example.com', id="script"),
    pytest.param('"><img/src=x/onerror=alert(1)>"@example.com', id="img-onerror"),
    pytest.param('"{{7*7}}<svg/onload=alert(1)>"@example.com', id="svg-template"),
]


@pytest.mark.parametrize("email", EMAILS)
def test_an_email_address_with_markup_stays_text_in_account_pages_admin_and_export(scene, email):
    def sign_up(address: str) -> tuple[User, dict[str, Node]]:
        visitor = Client()
        response = visitor.post(
            "/accounts/signup/",
            {"name": "Odette", "email": address, "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302, response.status_code
        pages = {"check your email": read(visitor, response["Location"])}
        member = User.objects.get(email__iexact=address)
        member_client = signed_in(member)
        pages["email addresses"] = read(member_client, "/accounts/email/")
        pages["admin members"] = read(scene.admin, "/admin/etoile_app/user/")
        pages["admin member"] = read(scene.admin, f"/admin/etoile_app/user/{member.pk}/change/")
        document, tables = export_of(member_client)
        assert document["profile"][0]["email"] == member.email == tables["profile"][0]["email"]
        assert [row["email"] for row in document["email_addresses"]] == [member.email]
        return member, pages

    def refused(address: str) -> Node:
        response = Client().post(
            "/accounts/signup/", {"email": address, "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 200, "the sign-up form again, with its error"
        page = page_of(response)
        assert page.find("input", name="email").attrs["value"] == address
        return page

    _harmless, baseline = sign_up("benign.words@example.com")
    baseline["refused"] = refused("benign words@example.com")
    member, pages = sign_up(email)
    pages["refused"] = refused(email + " <b>")

    assert member.email == email.lower()
    for where, page in pages.items():
        assert_no_more_than(page, baseline[where], where)
    shows(pages["email addresses"], member.email, "email addresses")
    shows(pages["admin members"], member.email, "admin members")
    assert pages["admin member"].find("input", name="email").attrs["value"] == member.email


@pytest.mark.parametrize("payload", ['"><img src=x onerror=alert(1)>', LONG_WORD])
def test_an_avatars_file_name_never_reaches_a_page_or_the_export(
    scene, payload, media_root, django_capture_on_commit_callbacks
):
    client = scene.mallory_client
    urls = (SETTINGS_URL, "/u/mallory/", EPISODE_URL)
    baseline = {url: read(client, url) for url in urls}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, f"{payload}.jpg", camera_jpeg())
    assert response.status_code == 302
    scene.mallory.refresh_from_db()
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.jpg", scene.mallory.avatar.name)
    stored = [path.name for path in media_root.rglob("*")]
    assert stored and not [name for name in stored if "onerror" in name or "entrechat" in name]

    for url in urls:
        response = client.get(url)
        html = response.content.decode()
        assert "onerror" not in html and "entrechat" not in html, url
        assert not dangers(page_of(response)) - dangers(baseline[url]), url

    refused = post_avatar(client, f"{payload}.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "onerror" not in html and "onload" not in html and "entrechat" not in html

    with zipfile.ZipFile(io.BytesIO(client.get(reverse("member-export")).content)) as archive:
        names = archive.namelist()
    assert "avatar.jpg" in names
    assert not [name for name in names if "onerror" in name or "<" in name]
