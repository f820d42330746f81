"""Reviews, replies and likes on an episode page, as members and visitors meet them.

Every test reads the page a person would see (or the answer their browser gets) and checks
what they would notice, then checks the database only to prove that nothing else was written.
"""

import json
import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import escape

from catalog.models import Episode
from etoile_app.accounts import member_delete
from members.models import User
from reviews import services
from reviews.models import EpisodeScores, Like, Rating, Review
from reviews.services import ReviewError
from tests.factories import make_member, many_reviews, signed_in, snapshot, write
from tests.pages import (
    EPISODE_URL,
    Node,
    body_of,
    count_queries,
    create_url,
    page_of,
    publish,
    reply_to,
    review_article,
    sign_in_next,
    top_level_ids,
)

pytestmark = pytest.mark.django_db

TOO_FAST = "You are posting faster than we allow (5 a minute, 50 a day)."
EMPTY = "Write something first: a review cannot be empty."


# Reading pages ------------------------------------------------------------------------------


DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


def assert_inert(page: Node) -> None:
    """Nothing members wrote can run: no inline script, no handler, no script URL."""
    for node in page.iter():
        if node.tag == "script" and node.attrs == {"type": "application/ld+json"}:
            # Data for search engines, never run: whole JSON, no character that ends it.
            assert not re.search("[<>&]", node.text), node.text[:200]
            json.loads(node.text)
            continue
        if node.tag == "script":
            assert (node.attrs.get("src") or "").startswith("/static/"), node.attrs
            assert not node.text.strip()
        for name, value in node.attrs.items():
            assert not name.startswith("on"), f"<{node.tag} {name}={value!r}>"
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                assert not squashed.startswith(DANGEROUS_SCHEMES), f"<{node.tag} {name}={value!r}>"


# Members and their writing -------------------------------------------------------------------


# Publishing a review ------------------------------------------------------------------------


def test_a_published_review_is_shown_on_the_episode_page_with_its_line_breaks_and_links(
    client, odette, episode
):
    body = (
        "The second act is breathtaking.\nCheyenne steals it.\n\n"
        "Backstage photos: https://example.com/etoile/backstage"
    )

    response = publish(client, body)

    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#review-{review.pk}"
    page_response = client.get(response["Location"])
    page = page_of(page_response)
    assert "Your review is published." in page.find("main").words
    article = review_article(page, review)
    assert "Odette Swan" in article.find("p", id=f"review-{review.pk}-by").words
    text = body_of(article)
    first, second = text.find_all("p")
    assert first.find_all("br"), "a single line break is kept as <br>"
    assert first.words == "The second act is breathtaking. Cheyenne steals it."
    link = second.find("a")
    assert link.attrs["href"] == "https://example.com/etoile/backstage"
    assert link.attrs["rel"] == "nofollow"
    assert link.text == "https://example.com/etoile/backstage"


def test_the_authors_own_rating_is_shown_beside_their_review(client, odette, odile, episode):
    services.rating_set(member=odette, episode=episode, score=7)
    rated = write(odette, episode, "Rated and reviewed.")
    unrated = write(odile, episode, "Reviewed without rating.")

    page = page_of(client.get(EPISODE_URL))

    stars = review_article(page, rated).find(role="img")
    assert stars.attrs["aria-label"] == "rated it 3½ stars"
    assert stars.text == "★★★½"
    assert not review_article(page, unrated).find_all(role="img")


def test_a_spoiler_review_stays_collapsed_behind_a_show_spoiler_summary(client, odette, episode):
    response = publish(client, "Cheyenne leaves the company at the end.", is_spoiler=True)

    assert response.status_code == 302
    review = Review.objects.get()
    assert review.is_spoiler
    # Its author sees it open; a visitor sees it collapsed.
    own = review_article(page_of(client.get(EPISODE_URL)), review)
    assert own.find_all("details", **{"class": "spoiler"}) == []
    assert "Cheyenne leaves the company" in body_of(own).words
    article = review_article(page_of(Client().get(EPISODE_URL)), review)
    details = article.find("details", **{"class": "spoiler"})
    assert "open" not in details.attrs
    assert details.find("summary").words == "Show spoiler"
    assert body_of(article) in list(details.iter())
    assert "Cheyenne leaves the company" in body_of(article).words


# Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", " \r\n\t \r\n "], ids=["empty", "spaces", "blank"])
def test_an_empty_review_is_refused_with_a_message_on_the_field(client, odette, episode, body):
    response = publish(client, body)

    assert response.status_code == 400
    page = page_of(response)
    textarea = page.find("textarea", name="body")
    assert textarea.attrs["aria-invalid"] == "true"
    error_id = "id_body_error"
    assert error_id in textarea.attrs["aria-describedby"].split()
    assert page.find(id=error_id).words == EMPTY
    assert page.find(role="alert").words.startswith("Please correct the problem below.")
    assert not Review.objects.exists()


def test_a_review_over_5000_characters_is_refused_and_the_text_is_kept(client, odette, episode):
    body = "Pas de bourrée. " * 313  # 5,008 characters

    response = publish(client, body.strip() + " the end")

    assert response.status_code == 400
    page = page_of(response)
    textarea = page.find("textarea", name="body")
    assert textarea.text.strip() == body.strip() + " the end"
    assert "id_body_error" in textarea.attrs["aria-describedby"].split()
    assert "at most 5000 characters" in page.find(id="id_body_error").words
    assert not Review.objects.exists()


def test_a_review_of_exactly_5000_characters_is_published(client, odette, episode):
    response = publish(client, "é" * 5000)

    assert response.status_code == 302
    assert len(Review.objects.get().body) == 5000


def test_line_breaks_sent_by_a_browser_count_as_one_character_each(client, odette, episode):
    # The textarea's maxlength counts a line break as one character, but browsers submit it
    # as CR LF: a review the browser let through must not be refused as too long.
    lines = ["x" * 99] * 50  # 50 lines of 99 characters and 49 line breaks: 4,999
    assert len("\n".join(lines)) == 4999

    response = publish(client, "\r\n".join(lines))

    assert response.status_code == 302
    assert Review.objects.get().body == "\n".join(lines)


def test_nul_characters_are_removed_rather_than_refused_or_crashing(client, odette, episode):
    response = publish(client, "Pas\x00 de deux\x00")

    assert response.status_code == 302
    review = Review.objects.get()
    assert review.body == "Pas de deux"
    assert body_of(review_article(page_of(client.get(EPISODE_URL)), review)).words == (
        "Pas de deux"
    )


def test_a_review_that_is_only_nul_characters_counts_as_empty(client, odette, episode):
    response = publish(client, "\x00\x00 \x00")

    assert response.status_code == 400
    assert page_of(response).find(id="id_body_error").words == EMPTY
    assert not Review.objects.exists()


# Markup and scripts in what members write ---------------------------------------------------

XSS_CORPUS = [
    pytest.param("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", id="script"),
    pytest.param("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;", id="img"),
    pytest.param(
        '<a href="javascript:alert(1)">a gift</a>',
        "&lt;a href=&quot;javascript:alert(1)&quot;&gt;a gift&lt;/a&gt;",
        id="javascript-anchor",
    ),
    pytest.param('"><svg onload=alert(1)>', "&quot;&gt;&lt;svg onload=alert(1)&gt;", id="svg"),
    pytest.param(
        "bold <b onmouseover=alert(1) and never closed",
        "bold &lt;b onmouseover=alert(1) and never closed",
        id="broken-markup",
    ),
    pytest.param("<scr<script>ipt>alert(1)</script>", "&lt;scr&lt;script&gt;ipt&gt;", id="nested"),
    pytest.param(
        "</textarea><script>alert(1)</script>",
        "&lt;/textarea&gt;&lt;script&gt;",
        id="textarea-breakout",
    ),
    pytest.param(
        "\u202e<script>alert(1)</script> txt.exe",
        "\u202e&lt;script&gt;alert(1)&lt;/script&gt; txt.exe",
        id="right-to-left-override",
    ),
    pytest.param(
        "zero\u200bwidth <scr\u200bipt>alert(1)</scr\u200bipt>\ufeff<img src=x onerror=alert(1)>",
        "&lt;scr\u200bipt&gt;",
        id="zero-width",
    ),
    pytest.param(
        "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", "\uff1cscript\uff1e", id="fullwidth"
    ),
    pytest.param(
        "javascript:alert(document.cookie)", "javascript:alert(document.cookie)", id="js-url"
    ),
    pytest.param(
        "JaVaScRiPt:alert(1) and javascript://example.com/%0Aalert(1)",
        "JaVaScRiPt:alert(1)",
        id="js-url-tricks",
    ),
    pytest.param(
        'https://example.com/"onmouseover="alert(1)',
        "&quot;onmouseover=&quot;alert(1)",
        id="url-attribute-breakout",
    ),
    pytest.param("&lt;script&gt; is how you write it", "&amp;lt;script&amp;gt;", id="entities"),
    pytest.param(
        "{{ request.user.password }} {% debug %}", "{{ request.user.password }}", id="tpl"
    ),
]


def assert_shown_as_text(page: Node, body: Node, payload: str) -> None:
    assert_inert(page)
    # Exactly what the member typed, character for character, as text (spaces folded).
    assert body.text.split() == payload.split()


@pytest.mark.parametrize(("payload", "escaped"), XSS_CORPUS)
def test_markup_in_a_review_is_shown_as_text_on_the_episode_and_profile_pages(
    client, odette, episode, payload, escaped
):
    assert publish(client, payload).status_code == 302
    review = Review.objects.get()
    assert review.body == payload

    for viewer in (Client(), client):
        episode_response = viewer.get(EPISODE_URL)
        assert escaped in episode_response.content.decode()
        page = page_of(episode_response)
        assert_shown_as_text(page, body_of(review_article(page, review)), payload)

        profile_response = viewer.get(odette.get_absolute_url())
        assert escaped in profile_response.content.decode()
        page = page_of(profile_response)
        article = page.find("article", aria_labelledby=f"member-review-{review.pk}")
        assert_shown_as_text(page, body_of(article), payload)

    edit = client.get(reverse("reviews:review-edit", args=[review.pk]))
    assert_inert(page_of(edit))
    assert escape(payload) in edit.content.decode()


@pytest.mark.parametrize(("payload", "escaped"), XSS_CORPUS)
def test_markup_in_a_reply_is_shown_as_text_on_the_episode_and_profile_pages(
    client, odette, odile_client, odile, episode, payload, escaped
):
    review = write(odette, episode)

    assert reply_to(odile_client, review, payload).status_code == 302
    reply = Review.objects.get(parent=review)
    assert reply.body == payload

    episode_response = client.get(EPISODE_URL)
    assert escaped in episode_response.content.decode()
    page = page_of(episode_response)
    assert_shown_as_text(page, body_of(review_article(page, reply)), payload)

    profile_response = client.get(odile.get_absolute_url())
    assert escaped in profile_response.content.decode()
    page = page_of(profile_response)
    article = page.find("article", aria_labelledby=f"member-review-{reply.pk}")
    assert_shown_as_text(page, body_of(article), payload)


@pytest.mark.parametrize(("payload", "escaped"), XSS_CORPUS)
def test_markup_typed_into_a_refused_review_comes_back_escaped_in_the_textarea(
    client, odette, episode, payload, escaped
):
    response = publish(client, payload + " " + "x" * 5000)

    assert response.status_code == 400
    assert escape(payload) in response.content.decode()
    page = page_of(response)
    assert_inert(page)
    assert page.find("textarea", name="body").text.split() == (payload + " " + "x" * 5000).split()
    assert not Review.objects.exists()


def test_markup_in_a_display_name_is_shown_as_text_beside_reviews_and_replies(
    client, odette, episode
):
    mallory = make_member(
        "mallory@example.com", "mallory", display_name='"><img src=x onerror=alert(1)>'
    )
    review = write(mallory, episode)
    write(odette, episode, "A reply.", parent=review)

    page = page_of(client.get(EPISODE_URL))

    assert_inert(page)
    article = review_article(page, review)
    assert article.find("p", id=f"review-{review.pk}-by").words == mallory.display_name
    replies = article.find("ol", **{"class": "reply-list"})
    assert replies.attrs["aria-label"] == f"Replies to {mallory.display_name}"
    profile = page_of(client.get(odette.get_absolute_url()))
    assert_inert(profile)
    assert f"Reply to {mallory.display_name} on Episode 3" in profile.find("main").words


# Replies ------------------------------------------------------------------------------------


def test_a_reply_is_shown_under_the_review_and_counted(client, odette, odile_client, episode):
    review = write(odette, episode, "The finale is a triumph.")

    response = reply_to(odile_client, review, "Agreed.\nEspecially the pas de deux.")

    reply = Review.objects.get(parent=review)
    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#review-{reply.pk}"
    review.refresh_from_db()
    assert review.reply_count == 1
    assert not reply.is_spoiler
    page = page_of(client.get(EPISODE_URL))
    replies = review_article(page, review).find("ol", **{"class": "reply-list"})
    assert replies.attrs["aria-label"] == "Replies to Odette Swan"
    reply_article = review_article(replies, reply)
    assert "Odile Black" in reply_article.find("p", id=f"review-{reply.pk}-by").words
    assert body_of(reply_article).find("br") is not None
    assert body_of(reply_article).words == "Agreed. Especially the pas de deux."
    assert top_level_ids(page) == [review.pk], "a reply is not listed as a review of its own"
    assert not reply_article.find_all("details", **{"class": "reply-compose"})


def test_a_reply_to_a_review_deleted_as_it_is_sent_is_a_404(
    odette, odile, odile_client, episode, monkeypatch
):
    """The page read the review; by the time the reply's transaction locks it, its author
    has deleted it (counters.lock_review finds no row). The race itself runs for real on
    PostgreSQL in tests/reviews/test_like_concurrency.py."""
    review = write(odette, episode, "The finale is a triumph.")
    monkeypatch.setattr(services.counters, "lock_review", lambda review_id: False)

    response = reply_to(odile_client, review, "Agreed.")

    assert response.status_code == 404
    assert not Review.objects.filter(member=odile).exists()


def test_the_reply_form_is_a_closed_disclosure_labelled_your_reply(client, odette, episode):
    review = write(odette, episode)

    article = review_article(page_of(client.get(EPISODE_URL)), review)

    disclosure = article.find("details", **{"class": "reply-compose"})
    assert "open" not in disclosure.attrs
    assert disclosure.find("summary").words == "Reply"
    textarea = disclosure.find("textarea")
    assert textarea.attrs["name"] == f"reply-{review.pk}-body"
    assert disclosure.find("label", for_=textarea.attrs["id"]).words == "Your reply"
    assert not disclosure.find_all("input", type="checkbox"), "a reply has no spoiler box"


def test_an_empty_reply_opens_its_form_again_with_the_message(
    client, odette, odile_client, episode
):
    review = write(odette, episode)

    response = reply_to(odile_client, review, "  ")

    assert response.status_code == 400
    article = review_article(page_of(response), review)
    disclosure = article.find("details", **{"class": "reply-compose"})
    assert "open" in disclosure.attrs
    textarea = disclosure.find("textarea")
    error_id = f"id_reply-{review.pk}-body_error"
    assert error_id in textarea.attrs["aria-describedby"].split()
    assert article.find(id=error_id).words == EMPTY
    review.refresh_from_db()
    assert review.reply_count == 0
    assert Review.objects.count() == 1


def test_replying_to_a_reply_is_not_found_and_writes_nothing(client, odette, odile, episode):
    review = write(odette, episode)
    reply = write(odile, episode, "A reply.", parent=review)
    before = snapshot()

    response = reply_to(client, reply, "A reply to the reply.")

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("status", ["held", "hidden", "removed"])
def test_replying_to_a_review_that_is_not_visible_is_not_found(
    odette, odile_client, episode, status
):
    review = write(odette, episode)
    Review.objects.filter(pk=review.pk).update(status=status)
    before = snapshot()

    assert reply_to(odile_client, review, "Hello?").status_code == 404
    assert snapshot() == before


def test_the_rules_refuse_a_reply_to_a_reply(odette, odile, episode):
    review = write(odette, episode)
    reply = write(odile, episode, "A reply.", parent=review)
    before = snapshot()

    with pytest.raises(ReviewError, match="one level deep"):
        write(odette, episode, "Deeper.", parent=reply)

    assert snapshot() == before


def test_the_rules_refuse_a_reply_on_another_episode_than_its_review(
    odette, odile, episode, other_episode
):
    review = write(odette, episode)
    before = snapshot()

    with pytest.raises(ReviewError, match="same episode"):
        write(odile, other_episode, "Wrong page.", parent=review)

    assert snapshot() == before


# Editing and deleting one's own words -------------------------------------------------------


def test_the_edit_page_shows_the_review_in_its_form(client, odette, episode):
    review = write(odette, episode, "First thoughts.\nMore later.", is_spoiler=True)

    response = client.get(reverse("reviews:review-edit", args=[review.pk]))

    assert response.status_code == 200
    page = page_of(response)
    assert page.find("h1").words == "Edit your review"
    assert page.find("textarea", name="body").text.strip() == "First thoughts.\nMore later."
    assert "checked" in page.find("input", name="is_spoiler").attrs
    assert page.find("a", href=f"{EPISODE_URL}#review-{review.pk}").words == "Cancel"


def test_an_edited_review_shows_the_new_text_and_when_it_was_edited(client, odette, episode):
    review = write(odette, episode, "First thoughts.")

    response = client.post(
        reverse("reviews:review-edit", args=[review.pk]), {"body": "Second thoughts."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#review-{review.pk}"
    review.refresh_from_db()
    assert review.edited_at is not None
    page = page_of(client.get(EPISODE_URL))
    assert "Your changes are saved." in page.find("main").words
    article = review_article(page, review)
    assert body_of(article).words == "Second thoughts."
    when = article.find("p", **{"class": "review__when"})
    assert "· edited" in when.words
    edited = when.find_all("time")[1]
    assert datetime.fromisoformat(edited.attrs["datetime"]) == review.edited_at.replace(
        microsecond=0
    )
    assert edited.words, "the time is written out for readers too"
    assert "First thoughts" not in page.find("main").words


def test_saving_a_review_unchanged_does_not_mark_it_edited(client, odette, episode):
    review = write(odette, episode, "Line one.\nLine two.")

    # As a browser sends it: line breaks as CR LF, and the spoiler box unticked.
    response = client.post(
        reverse("reviews:review-edit", args=[review.pk]), {"body": "Line one.\r\nLine two.\r\n"}
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.edited_at is None
    assert review.body == "Line one.\nLine two."
    when = review_article(page_of(client.get(EPISODE_URL)), review).find(
        "p", **{"class": "review__when"}
    )
    assert "edited" not in when.words
    assert len(when.find_all("time")) == 1


def test_an_edit_that_empties_the_review_is_refused_and_keeps_the_old_text(client, odette, episode):
    review = write(odette, episode, "Keep me.")

    response = client.post(reverse("reviews:review-edit", args=[review.pk]), {"body": " "})

    assert response.status_code == 400
    assert page_of(response).find(id="id_body_error").words == EMPTY
    review.refresh_from_db()
    assert (review.body, review.edited_at) == ("Keep me.", None)


def test_a_reply_is_edited_with_a_reply_form_without_spoiler_box(client, odette, odile, episode):
    review = write(odile, episode)
    reply = write(odette, episode, "Old reply.", parent=review)
    url = reverse("reviews:review-edit", args=[reply.pk])

    page = page_of(client.get(url))
    assert page.find("h1").words == "Edit your reply"
    assert page.find("label", for_="id_body").words == "Your reply"
    assert not page.find_all("input", name="is_spoiler")

    response = client.post(url, {"body": "New reply.", "is_spoiler": "on"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.body, reply.is_spoiler) == ("New reply.", False)
    assert reply.edited_at is not None


def test_the_delete_page_asks_first_and_says_the_replies_go_too(client, odette, odile, episode):
    review = write(odette, episode, "Short-lived.")
    write(odile, episode, "One.", parent=review)
    write(odile, episode, "Two.", parent=review)
    before = snapshot()

    response = client.get(reverse("reviews:review-delete", args=[review.pk]))

    assert response.status_code == 200
    page = page_of(response)
    assert page.find("h1").words == "Delete your review?"
    assert "Short-lived." in page.find("blockquote").words
    assert "Its 2 replies will be deleted with it." in page.find("main").words
    form = page.find("form", action=reverse("reviews:review-delete", args=[review.pk]))
    assert form.attrs["method"] == "post"
    assert form.find("button").words == "Delete"
    assert page.find("a", href=f"{EPISODE_URL}#review-{review.pk}").words == "Keep it"
    assert snapshot() == before


def test_deleting_a_review_deletes_its_replies_and_their_likes(
    client, odette, odile, odile_client, episode
):
    review = write(odette, episode, "Short-lived.")
    reply = write(odile, episode, "A reply that goes too.", parent=review)
    services.like_toggle(member=odile, review=review)
    services.like_toggle(member=odette, review=reply)
    kept = write(odile, episode, "Still here.")

    response = client.post(reverse("reviews:review-delete", args=[review.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#reviews"
    assert list(Review.objects.all()) == [kept]
    assert not Like.objects.exists()
    page = page_of(client.get(EPISODE_URL))
    assert "Deleted." in page.find("main").words
    assert top_level_ids(page) == [kept.pk]
    assert "Short-lived." not in page.find("main").words
    assert "A reply that goes too." not in page.find("main").words


def test_deleting_a_reply_keeps_the_review_and_counts_one_reply_fewer(
    client, odette, odile, episode
):
    review = write(odile, episode, "Stays.")
    reply = write(odette, episode, "Goes.", parent=review)
    other_reply = write(odile, episode, "Stays too.", parent=review)
    review.refresh_from_db()
    assert review.reply_count == 2

    page = page_of(client.get(reverse("reviews:review-delete", args=[reply.pk])))
    assert page.find("h1").words == "Delete your reply?"
    response = client.post(reverse("reviews:review-delete", args=[reply.pk]))

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.reply_count == 1
    assert set(Review.objects.values_list("pk", flat=True)) == {review.pk, other_reply.pk}
    article = review_article(page_of(client.get(EPISODE_URL)), review)
    assert "Goes." not in article.words
    assert "Stays too." in article.words


def test_a_double_click_on_delete_takes_a_reply_off_the_count_once(client, odette, odile, episode):
    review = write(odile, episode, "Stays.")
    reply = write(odette, episode, "Goes.", parent=review)
    write(odile, episode, "Stays too.", parent=review)
    # The second request read the reply before the first one deleted it.
    second_click = Review.objects.get(pk=reply.pk)

    services.review_delete(review=reply)
    services.review_delete(review=second_click)

    review.refresh_from_db()
    assert review.reply_count == 1 == Review.objects.filter(parent=review).count()


# Who may do what ----------------------------------------------------------------------------

MUTATIONS = [
    ("reviews:review-edit", "get"),
    ("reviews:review-edit", "post"),
    ("reviews:review-delete", "get"),
    ("reviews:review-delete", "post"),
]


@pytest.mark.parametrize("kind", ["review", "reply"])
@pytest.mark.parametrize(("url_name", "method"), MUTATIONS)
def test_another_member_cannot_edit_or_delete_a_review_or_reply(
    odette, odile, odile_client, episode, url_name, method, kind
):
    target = write(odette, episode, "Mine.")
    if kind == "reply":
        target = write(odette, episode, "Mine too.", parent=write(odile, episode))
    before = snapshot()

    response = getattr(odile_client, method)(
        reverse(url_name, args=[target.pk]), {"body": "Theirs now."} if method == "post" else {}
    )

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("url_name", "method"), MUTATIONS)
def test_a_visitor_who_tries_to_edit_or_delete_is_asked_to_sign_in(
    odette, episode, url_name, method
):
    review = write(odette, episode, "Mine.")
    before = snapshot()
    url = reverse(url_name, args=[review.pk])

    response = getattr(Client(), method)(url, {"body": "Vandal."} if method == "post" else {})

    assert response.status_code == 302
    assert sign_in_next(response) == url
    assert snapshot() == before


def visitor_post(action: str, review: Review, **headers):
    visitor = Client()
    if action == "review":
        return publish(visitor, "Anonymous.", **headers), f"{EPISODE_URL}#write-review"
    if action == "reply":
        return reply_to(visitor, review, "Anonymous.", **headers), (
            f"{EPISODE_URL}#review-{review.pk}"
        )
    url = reverse("reviews:like-toggle", args=[review.pk])
    return visitor.post(url, headers=headers), f"{EPISODE_URL}#review-{review.pk}"


@pytest.mark.parametrize("action", ["review", "reply", "like"])
def test_a_visitor_who_posts_is_sent_to_sign_in_and_back_to_the_same_place(odette, episode, action):
    review = write(odette, episode)
    before = snapshot()

    response, back_to = visitor_post(action, review)

    assert response.status_code == 302
    assert sign_in_next(response) == back_to
    assert snapshot() == before


@pytest.mark.parametrize("action", ["review", "reply", "like"])
def test_a_visitor_who_posts_through_htmx_is_sent_to_sign_in_and_back_to_the_same_place(
    odette, episode, action
):
    review = write(odette, episode)
    before = snapshot()

    response, back_to = visitor_post(action, review, **{"HX-Request": "true"})

    assert response.status_code == 200
    assert sign_in_next(response) == back_to
    assert snapshot() == before


@pytest.mark.parametrize("signed_in_as", ["visitor", "member"])
@pytest.mark.parametrize("url_name", ["review-create", "reply-create", "like-toggle"])
def test_post_only_addresses_refuse_a_get(client, odette, episode, url_name, signed_in_as):
    review = write(odette, episode)
    args = [1, 3] if url_name == "review-create" else [review.pk]
    viewer = client if signed_in_as == "member" else Client()

    response = viewer.get(reverse(f"reviews:{url_name}", args=args))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "action", ["review-create", "reply-create", "review-edit", "review-delete", "like-toggle"]
)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    odette, odile, episode, action
):
    theirs = write(odile, episode, "Theirs.")
    mine = write(odette, episode, "Mine.")
    member = signed_in(odette, enforce_csrf_checks=True)
    url, data = {
        "review-create": (create_url(), {"body": "Forged."}),
        "reply-create": (
            reverse("reviews:reply-create", args=[theirs.pk]),
            {f"reply-{theirs.pk}-body": "Forged."},
        ),
        "review-edit": (reverse("reviews:review-edit", args=[mine.pk]), {"body": "Forged."}),
        "review-delete": (reverse("reviews:review-delete", args=[mine.pk]), {}),
        "like-toggle": (reverse("reviews:like-toggle", args=[theirs.pk]), {}),
    }[action]
    before = snapshot()

    response = member.post(url, data)

    assert response.status_code == 403
    assert snapshot() == before


# Likes --------------------------------------------------------------------------------------


def like(client: Client, review: Review, **headers):
    return client.post(reverse("reviews:like-toggle", args=[review.pk]), headers=headers)


def test_liking_twice_takes_the_like_back(client, odette, odile, episode):
    review = write(odile, episode)

    first = like(client, review)
    review.refresh_from_db()
    assert (first.status_code, first["Location"]) == (302, f"{EPISODE_URL}#review-{review.pk}")
    assert review.like_count == 1
    button = review_article(page_of(client.get(EPISODE_URL)), review).find("footer").find("button")
    assert button.attrs["aria-pressed"] == "true"

    like(client, review)

    review.refresh_from_db()
    assert review.like_count == 0
    assert not Like.objects.exists()
    footer = review_article(page_of(client.get(EPISODE_URL)), review).find("footer")
    assert footer.find("button").attrs["aria-pressed"] == "false"
    assert "0 likes" in footer.words


def test_the_like_count_is_the_number_of_members_who_like_the_review(odette, odile, episode):
    review = write(odette, episode)
    likers = [odile] + [make_member(f"corps{n}@example.com", f"corps-{n}") for n in range(4)]
    clients = [signed_in(member) for member in likers]
    # Everyone likes it, two change their minds, one of those comes back.
    for client in clients + clients[1:3] + clients[2:3]:
        assert like(client, review).status_code == 302

    review.refresh_from_db()
    assert review.like_count == Like.objects.filter(review=review).count() == 4
    assert "4 likes" in review_article(page_of(Client().get(EPISODE_URL)), review).words


def test_a_member_cannot_like_their_own_review(client, odette, episode):
    review = write(odette, episode)

    article = review_article(page_of(client.get(EPISODE_URL)), review)
    assert not article.find_all("form", action=reverse("reviews:like-toggle", args=[review.pk]))
    assert not article.find_all("button", **{"aria-pressed": "true"})
    assert not article.find_all("button", **{"aria-pressed": "false"})
    assert "0 likes" in article.find("footer").words

    response = like(client, review)

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.like_count == 0
    assert not Like.objects.exists()


def test_liking_with_htmx_answers_with_the_pressed_button_and_the_new_count(
    client, odette, odile, episode
):
    review = write(odile, episode)

    response = like(client, review, **{"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<main" not in html, "only the like form is swapped"
    page = page_of(response)
    form = page.find("form")
    assert form.attrs["action"] == reverse("reviews:like-toggle", args=[review.pk])
    assert form.find("button").attrs["aria-pressed"] == "true"
    assert form.find("button").words == "♥ Like"
    assert form.find("span", **{"class": "like-count"}).words == "1 like"
    assert form.find("input", name="csrfmiddlewaretoken").attrs["value"]

    unliked = page_of(like(client, review, **{"HX-Request": "true"})).find("form")
    assert unliked.find("button").attrs["aria-pressed"] == "false"
    assert unliked.find("span", **{"class": "like-count"}).words == "0 likes"


@pytest.mark.parametrize("status", ["held", "hidden", "removed"])
def test_a_review_that_is_not_visible_cannot_be_liked(client, odile, episode, status, odette):
    review = write(odile, episode)
    Review.objects.filter(pk=review.pk).update(status=status)
    before = snapshot()

    assert like(client, review).status_code == 404
    assert snapshot() == before


# Sorting and pages --------------------------------------------------------------------------


def test_reviews_are_listed_newest_first_by_default(client, odette, episode):
    reviews = many_reviews(odette, episode, 4)

    page = page_of(client.get(EPISODE_URL))

    assert top_level_ids(page) == [r.pk for r in reversed(reviews)]
    assert page.find("a", aria_current="true").words == "Newest"


def test_most_liked_lists_reviews_by_their_likes(client, odette, episode):
    oldest, middle, newest, unloved = many_reviews(odette, episode, 4)
    for review, likes in [(oldest, 3), (middle, 7), (newest, 3), (unloved, 0)]:
        Review.objects.filter(pk=review.pk).update(like_count=likes)

    page = page_of(client.get(EPISODE_URL, {"sort": "liked"}))

    # Equal likes: the newer first.
    assert top_level_ids(page) == [middle.pk, newest.pk, oldest.pk, unloved.pk]
    sort_nav = page.find("nav", aria_label="Sort reviews")
    assert sort_nav.find("a", aria_current="true").words == "Most liked"


@pytest.mark.parametrize("sort", ["oldest", "", "-like_count", "liked'--", "LIKED"])
def test_an_unknown_sort_falls_back_to_newest_first(client, odette, episode, sort):
    reviews = many_reviews(odette, episode, 3)
    Review.objects.filter(pk=reviews[0].pk).update(like_count=5)

    response = client.get(EPISODE_URL, {"sort": sort})

    assert response.status_code == 200
    page = page_of(response)
    assert top_level_ids(page) == [r.pk for r in reversed(reviews)]
    assert page.find("nav", aria_label="Sort reviews").find("a", aria_current="true").words == (
        "Newest"
    )


def pager_links(page: Node) -> dict[str, str]:
    pagers = page.find_all("nav", aria_label="More reviews")
    if not pagers:
        return {}
    return {link.attrs["rel"]: link.attrs["href"] for link in pagers[0].find_all("a")}


def test_reviews_come_twenty_to_a_page_with_a_link_to_the_next(client, odette, episode):
    reviews = many_reviews(odette, episode, 45)
    newest_first = [r.pk for r in reversed(reviews)]

    first = page_of(client.get(EPISODE_URL))
    assert top_level_ids(first) == newest_first[:20]
    nav = first.find("nav", aria_label="More reviews")
    assert nav.find("a", rel="next").words == "Older Next page"
    assert pager_links(first) == {"next": "?sort=newest&page=2#reviews"}

    second = page_of(client.get(EPISODE_URL, {"sort": "newest", "page": "2"}))
    assert top_level_ids(second) == newest_first[20:40]
    assert pager_links(second) == {
        "prev": "?sort=newest&page=1#reviews",
        "next": "?sort=newest&page=3#reviews",
    }

    third = page_of(client.get(EPISODE_URL, {"sort": "newest", "page": "3"}))
    assert top_level_ids(third) == newest_first[40:]
    assert len(top_level_ids(third)) == 5
    assert pager_links(third) == {"prev": "?sort=newest&page=2#reviews"}
    assert "Next page" not in third.find("main").words


def test_the_next_page_link_keeps_the_chosen_sort(client, odette, episode):
    many_reviews(odette, episode, 21)

    page = page_of(client.get(EPISODE_URL, {"sort": "liked"}))

    assert pager_links(page) == {"next": "?sort=liked&page=2#reviews"}


def test_twenty_reviews_fit_one_page_without_a_next_link(client, odette, episode):
    many_reviews(odette, episode, 20)

    page = page_of(client.get(EPISODE_URL))

    assert len(top_level_ids(page)) == 20
    assert pager_links(page) == {}


@pytest.mark.parametrize("number", ["abc", "", "0", "-3", "1.5"])
def test_a_page_number_that_is_not_a_page_shows_the_first_page(client, odette, episode, number):
    reviews = many_reviews(odette, episode, 25)

    response = client.get(EPISODE_URL, {"page": number})

    assert response.status_code == 200
    assert top_level_ids(page_of(response)) == [r.pk for r in reversed(reviews)][:20]


@pytest.mark.parametrize("number", ["999", "99999999999999999999"])
def test_a_page_past_the_last_says_there_are_no_more_reviews(client, odette, episode, number):
    many_reviews(odette, episode, 25)

    response = client.get(EPISODE_URL, {"page": number})

    assert response.status_code == 200
    page = page_of(response)
    assert top_level_ids(page) == []
    assert "No more reviews." in page.find("section", id="reviews").words
    assert "next" not in pager_links(page)
    assert "prev" in pager_links(page), "a way back to the reviews"


def test_an_episode_without_reviews_invites_the_first_one(client, odette, episode):
    page = page_of(client.get(EPISODE_URL))

    assert "No reviews yet. Be the first to write one." in page.find("section", id="reviews").words
    assert pager_links(page) == {}


# Posting too fast ---------------------------------------------------------------------------


def test_the_sixth_review_within_a_minute_is_refused_and_the_text_is_kept(
    client, odette, odile_client, episode
):
    for n in range(5):
        assert publish(client, f"Review {n}.").status_code == 302

    response = publish(client, "The sixth, typed with care.")

    assert response.status_code == 429  # Too Many Requests
    page = page_of(response)
    alert = page.find(role="alert")
    assert TOO_FAST in alert.words
    assert "Your text is still here: try again in a moment." in alert.words
    assert page.find("textarea", name="body").text.strip() == "The sixth, typed with care."
    assert Review.objects.filter(member=odette).count() == 5
    assert not Review.objects.filter(body__contains="sixth").exists()

    assert publish(odile_client, "Someone else is not held back.").status_code == 302


def test_replies_count_towards_the_same_limit_and_the_refused_reply_is_kept(
    client, odette, odile, episode
):
    review = write(odile, episode)
    for n in range(3):
        assert publish(client, f"Review {n}.").status_code == 302
    for n in range(2):
        assert reply_to(client, review, f"Reply {n}.").status_code == 302

    response = reply_to(client, review, "The sixth, a reply.")

    assert response.status_code == 429  # Too Many Requests
    article = review_article(page_of(response), review)
    disclosure = article.find("details", **{"class": "reply-compose"})
    assert "open" in disclosure.attrs
    assert TOO_FAST in disclosure.find(role="alert").words
    assert disclosure.find("textarea").text.strip() == "The sixth, a reply."
    assert Review.objects.filter(member=odette).count() == 5
    review.refresh_from_db()
    assert review.reply_count == 2


def test_the_day_limit_holds_across_minutes_and_a_new_day_lets_the_member_post(
    client, odette, episode, settings, monkeypatch
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "review_post": "2/m/user,3/d/user",
    }
    now = [1_000_000_020.0]  # 20 s into a minute, far from the day's end
    # The limiter's clock alone: the cache's own expiry times stay real.
    monkeypatch.setattr("kernel.ratelimits.time", SimpleNamespace(time=lambda: now[0]))

    assert publish(client, "One.").status_code == 302
    assert publish(client, "Two.").status_code == 302
    assert publish(client, "Three, too fast.").status_code == 429
    now[0] += 60  # the next minute
    assert publish(client, "Three.").status_code == 302
    assert (
        publish(client, "Four, past the day's.", HTTP_X_FORWARDED_FOR="10.0.0.9").status_code == 429
    )
    now[0] += 60
    assert publish(client, "Four, still the same day.").status_code == 429
    now[0] += 86_400  # the next day
    assert publish(client, "Four.").status_code == 302
    assert list(
        Review.objects.filter(member=odette).values_list("body", flat=True).order_by("pk")
    ) == ["One.", "Two.", "Three.", "Four."]


def test_refused_drafts_do_not_count_towards_the_limit(client, odette, episode):
    for _ in range(6):
        assert publish(client, " ").status_code == 400

    assert publish(client, "Finally written.").status_code == 302


# Profiles -----------------------------------------------------------------------------------


def test_a_profile_lists_the_members_ratings_and_reviews_with_links_to_the_episodes(
    client, odette, odile, episode, other_episode
):
    services.rating_set(member=odette, episode=episode, score=9)
    services.rating_set(member=odette, episode=other_episode, score=4)
    review = write(odette, episode, "Glorious.\nSimply glorious.")
    spoiler = write(odette, other_episode, "The ending!", is_spoiler=True)
    theirs = write(odile, other_episode, "Theirs.")
    reply = write(odette, other_episode, "I disagree.", parent=theirs)

    page = page_of(Client().get(f"/u/{odette.handle}/"))

    ratings = page.find("section", aria_labelledby="ratings-heading").find("ul")
    rows = [(li.find("a").attrs["href"], li.find("a").words) for li in ratings.find_all("li")]
    assert rows == [(EPISODE_URL, "Episode 3"), ("/season/1/episode/4/", "Episode 4")]
    assert [s.attrs["aria-label"] for s in ratings.find_all(role="img")] == [
        "4½ stars",
        "2 stars",
    ]
    section = page.find("section", aria_labelledby="member-reviews-heading")
    articles = section.find_all("article")
    assert [a.attrs["aria-labelledby"] for a in articles] == [
        f"member-review-{pk}" for pk in (reply.pk, spoiler.pk, review.pk)
    ]
    reply_by, spoiler_by, review_by = (a.find("p", **{"class": "review__by"}) for a in articles)
    assert reply_by.words == "Reply to Odile Black on Episode 4"
    assert reply_by.find("a").attrs["href"] == "/season/1/episode/4/"
    assert review_by.find("a").attrs["href"] == f"{EPISODE_URL}#review-{review.pk}"
    assert review_by.find(role="img").attrs["aria-label"] == "4½ stars"
    assert spoiler_by.find("a").attrs["href"] == f"/season/1/episode/4/#review-{spoiler.pk}"
    assert articles[1].find("details").find("summary").words == "Show spoiler"
    assert body_of(articles[2]).find("br") is not None
    assert "Theirs." not in section.words


MODERATION_NOTES = {
    "held": "Hidden pending review.",
    "hidden": "Hidden by a moderator.",
    "removed": "Removed by a moderator.",
}


@pytest.mark.parametrize("status", ["held", "hidden", "removed"])
def test_a_profile_lists_reviews_moderators_hold_back_only_to_their_author(
    odette, odile, episode, status
):
    shown = write(odette, episode, "Shown to all.")
    hidden = write(odette, episode, "Not for everyone.")
    hidden_reply = write(odette, episode, "Nor this reply.", parent=shown)
    Review.objects.filter(pk__in=[hidden.pk, hidden_reply.pk]).update(status=status)

    for viewer in (Client(), signed_in(odile)):
        page = page_of(viewer.get(f"/u/{odette.handle}/"))
        section = page.find("section", aria_labelledby="member-reviews-heading")
        assert [a.attrs["aria-labelledby"] for a in section.find_all("article")] == [
            f"member-review-{shown.pk}"
        ]
        assert "Not for everyone." not in section.words
        assert "Nor this reply." not in section.words

    page = page_of(signed_in(odette).get(f"/u/{odette.handle}/"))
    section = page.find("section", aria_labelledby="member-reviews-heading")
    articles = {a.attrs["aria-labelledby"]: a for a in section.find_all("article")}
    assert set(articles) == {f"member-review-{pk}" for pk in (shown.pk, hidden.pk, hidden_reply.pk)}
    assert MODERATION_NOTES[status] in articles[f"member-review-{hidden.pk}"].words
    assert MODERATION_NOTES[status] not in articles[f"member-review-{shown.pk}"].words


def test_reviews_that_are_not_visible_are_not_on_the_episode_page(client, odette, episode):
    shown = write(odette, episode, "Shown to all.")
    held = write(odette, episode, "Held.")
    hidden_reply = write(odette, episode, "Hidden reply.", parent=shown)
    Review.objects.filter(pk=held.pk).update(status="held")
    Review.objects.filter(pk=hidden_reply.pk).update(status="hidden")

    page = page_of(Client().get(EPISODE_URL))

    assert top_level_ids(page) == [shown.pk]
    assert not page.find_all("article", id=f"review-{hidden_reply.pk}")
    assert not page.find_all("ol", **{"class": "reply-list"})


def test_a_profile_without_ratings_or_reviews_says_so(odette):
    page = page_of(Client().get(f"/u/{odette.handle}/"))

    assert "No ratings yet." in page.find("section", aria_labelledby="ratings-heading").words
    assert "No reviews yet." in page.find("section", aria_labelledby="member-reviews-heading").words


# Query counts -------------------------------------------------------------------------------


def add_reviews(episode: Episode, count: int, viewer: User) -> None:
    """`count` reviews by ten members, each with two replies, some liked by the viewer."""
    authors = [make_member(f"dancer{n}@example.com", f"dancer-{n}") for n in range(10)]
    reviews = Review.objects.bulk_create(
        Review(member=authors[n % 10], episode=episode, body=f"Review {n}.", like_count=2)
        for n in range(count)
    )
    replies = Review.objects.bulk_create(
        Review(member=authors[(n + k) % 10], episode=episode, parent=r, body=f"Reply {k}.")
        for n, r in enumerate(reviews)
        for k in (1, 2)
    )
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(reply_count=2)
    Like.objects.bulk_create(
        Like(member=liker, review=r)
        for n, r in enumerate(reviews)
        for liker in (authors[(n + 3) % 10], viewer)
    )
    Like.objects.bulk_create(Like(member=viewer, review=r) for r in replies[::3])
    Review.objects.filter(pk__in=[r.pk for r in replies[::3]]).update(like_count=1)
    Rating.objects.bulk_create(Rating(member=a, episode=episode, score=6) for a in authors)
    EpisodeScores.objects.update_or_create(episode=episode, defaults={"count_6": 10})


# Measured, then pinned. A visitor: the episode with its season, show and counters; the
# season's other episodes; a page of reviews; their replies. A member adds their session,
# their user row, their rating and which reviews on the page they like.
# A member's own rating and likes come with the episode and the reviews; their watches
# (spoilers, the watch panel, progress), watchlist entry and menu progress add three. The
# episode's citations are one more.
# The header's unread-notifications counter comes with the member's user row.
EPISODE_QUERIES = {"visitor": 5, "member": 10}
# The member shown, their ratings, their latest reviews, their watch statistics, their
# favourite and ranked episodes, their favourite characters, their follower and following
# counts; a signed-in viewer adds the session, their own user row, the two queries of their
# menu progress and their relations with the member (the follow, block and mute forms); the
# header's unread counter comes with their user row.
PROFILE_QUERIES = {"visitor": 7, "member": 12}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_the_episode_page_costs_the_same_queries_with_one_review_or_five_hundred(
    client, odette, episode, viewer
):
    assert EPISODE_QUERIES["visitor"] <= 6 and EPISODE_QUERIES["member"] <= 10
    reader = client if viewer == "member" else Client()
    services.rating_set(member=odette, episode=episode, score=8)
    first = write(make_member("first@example.com", "first"), episode, "The first review.")
    services.like_toggle(member=odette, review=first)

    with_one, page = count_queries(reader, EPISODE_URL)
    assert top_level_ids(page) == [first.pk]

    add_reviews(episode, 500, odette)
    with_many, page = count_queries(reader, EPISODE_URL)
    assert len(top_level_ids(page)) == 20
    reviews_section = page.find("section", id="reviews")
    assert len(reviews_section.find_all("article")) == 60, "twenty reviews, two replies each"
    if viewer == "member":
        assert len(page.find_all("button", **{"aria-pressed": "true"})) > 20

    assert with_one == with_many == EPISODE_QUERIES[viewer]


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_the_profile_page_costs_the_same_queries_with_one_review_or_three_hundred(
    client, odette, odile, episode, viewer
):
    reader = client if viewer == "member" else Client()
    services.rating_set(member=odile, episode=episode, score=8)
    write(odile, episode, "The first review.")
    url = f"/u/{odile.handle}/"

    with_one, page = count_queries(reader, url)
    assert (
        len(page.find("section", aria_labelledby="member-reviews-heading").find_all("article")) == 1
    )

    parents = Review.objects.bulk_create(
        Review(member=odette, episode=episode, body=f"Theirs {n}.") for n in range(150)
    )
    Review.objects.bulk_create(
        Review(member=odile, episode=episode, body=f"Review {n}.", is_spoiler=n % 2 == 0)
        for n in range(149)
    )
    Review.objects.bulk_create(
        Review(member=odile, episode=episode, parent=p, body="A reply.") for p in parents
    )
    with_many, page = count_queries(reader, url)
    section = page.find("section", aria_labelledby="member-reviews-heading")
    assert len(section.find_all("article")) == 20
    assert "Reply to Odette Swan on Episode 3" in section.words

    assert with_one == with_many == PROFILE_QUERIES[viewer]


# Members who leave --------------------------------------------------------------------------


def request_from(member: User):
    request = RequestFactory().post("/me/delete/")
    request.session = SessionStore()
    request.user = member
    return request


def test_deleting_a_member_takes_their_likes_and_replies_out_of_other_members_counts(
    odette, odile, episode
):
    giselle = make_member("giselle@example.com", "giselle", display_name="Giselle Willis")
    odettes = write(odette, episode, "Odette's review.")
    odiles = write(odile, episode, "Odile's review.")
    odettes_reply = write(odette, episode, "Odette's reply.", parent=odiles)
    for review in (odettes, odiles, odettes_reply):
        services.like_toggle(member=giselle, review=review)
    services.like_toggle(member=odile, review=odettes)
    write(giselle, episode, "Giselle's reply.", parent=odettes)
    write(giselle, episode, "Another from Giselle.", parent=odettes)
    giselles = write(giselle, episode, "Giselle's own review.")
    services.like_toggle(member=odette, review=giselles)
    services.rating_set(member=giselle, episode=episode, score=3)
    services.rating_set(member=odette, episode=episode, score=9)

    member_delete(request=request_from(giselle), member=giselle)

    assert not User.objects.filter(pk=giselle.pk).exists()
    for review in (odettes, odiles, odettes_reply):
        review.refresh_from_db()
        assert review.like_count == Like.objects.filter(review=review).count()
    assert (odettes.like_count, odiles.like_count, odettes_reply.like_count) == (1, 0, 0)
    assert (odettes.reply_count, odiles.reply_count) == (0, 1)
    scores = EpisodeScores.objects.get(episode=episode)
    assert (scores.count, scores.count_3, scores.count_9) == (1, 0, 1)

    page = page_of(Client().get(EPISODE_URL))
    assert top_level_ids(page) == [odiles.pk, odettes.pk]
    assert "1 like" in review_article(page, odettes).find("footer").words
    assert "0 likes" in review_article(page, odiles).find("footer").words
    assert "Giselle" not in page.find("section", id="reviews").words
    assert "from 1 rating" in page.find("section", id="rating-panel").words
