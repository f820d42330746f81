"""Share images (issue 22): the picture an episode's or a review's link shows where it is
shared, drawn on the server in the page's language, served once per version of what it
shows, and never carrying a spoiler's words."""

import io
from dataclasses import asdict
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from kernel import shareimages
from kernel.shareimages import Card, render
from members.models import User
from reviews import moderation, services
from reviews.context import scores_of
from reviews.models import Review
from reviews.shareimages import episode_card, review_card
from tests.factories import make_member, make_staff
from tests.pages import EPISODE_URL, page_of, review_url, share_image_of

ORIGIN = "http://testserver"
SPOILER = "Odile is the one who takes the role in the end."


@pytest.fixture
def odile(db) -> User:
    return make_member("odile@example.com", "odile", display_name="Odile Black")


@pytest.fixture
def review(episode, odile) -> Review:
    services.rating_set(member=odile, episode=episode, score=7)
    return services.review_post(member=odile, episode=episode, body="The rehearsal scene!")


def rate(episode, scores: list[int]) -> None:
    for n, score in enumerate(scores):
        member = make_member(f"rater{n}@example.com", f"rater-{n}")
        services.rating_set(member=member, episode=episode, score=score)


def png_of(response) -> Image.Image:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    return image


def image_path(tags: dict) -> str:
    assert tags["og:image"].startswith(ORIGIN + "/share/"), tags["og:image"]
    return tags["og:image"].removeprefix(ORIGIN)


def drawn_cards(client: Client, path: str) -> list[Card]:
    """The cards the site draws to answer `path`."""
    with mock.patch("kernel.shareimages.render", wraps=render) as drawing:
        response = client.get(path)
    assert response.status_code == 200
    return [call.args[0] for call in drawing.call_args_list]


# The tags link previews read ------------------------------------------------------------------


def test_the_episode_page_names_its_share_image_with_size_type_and_words(client, episode):
    rate(episode, [7, 8, 8])
    tags = share_image_of(client.get(EPISODE_URL))

    assert tags["og:image:type"] == "image/png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == "Season 1 · Episode 3. 3.8 stars from 3 ratings."
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["twitter:image:alt"] == tags["og:image:alt"]
    image = png_of(client.get(image_path(tags)))
    assert image.size == (1200, 630)


def test_a_french_page_names_the_french_image_with_numbers_as_french_writes_them(client, episode):
    rate(episode, [7, 8, 8])
    tags = share_image_of(client.get("/fr" + EPISODE_URL))

    assert image_path(tags).startswith("/share/fr/season/1/episode/3/")
    assert (
        tags["og:image:alt"]
        == "Saison 1 · Épisode 3. 3,8\N{NO-BREAK SPACE}étoiles d’après 3 notes."
    )
    (card,) = drawn_cards(client, image_path(tags))
    assert card.site_name == "Étoile, le site compagnon"
    assert card.title == "Épisode 3"
    assert [bar.label for bar in card.chart.bars][:3] == ["0,5", "1", "1,5"]
    response = client.get(image_path(tags))
    assert response["Content-Language"] == "fr"


def test_a_thousand_ratings_are_grouped_as_each_language_groups_them(episode):
    scores = scores_of(episode)
    scores.count_8 = 1234
    with translation.override("en"):
        assert episode_card(episode, scores).chart.heading == "4.0 stars from 1,234 ratings"
    with translation.override("fr"):
        heading = episode_card(episode, scores).chart.heading
    assert heading == "4,0\N{NO-BREAK SPACE}étoiles d’après 1\N{NO-BREAK SPACE}234 notes"


def test_a_review_page_names_its_own_image_with_the_reviewer(client, review):
    tags = share_image_of(client.get(review_url(review)))

    assert image_path(tags).startswith(f"/share/en/reviews/{review.pk}/")
    assert tags["og:image:alt"] == (
        "Season 1 · Episode 3. A review by Odile Black, who rated it 3½ stars."
        " “The rehearsal scene!” 3.5 stars from 1 rating."
    )
    (card,) = drawn_cards(client, image_path(tags))
    assert card.byline == "A review by Odile Black, who rated it 3½ stars"
    assert card.quote == "The rehearsal scene!"
    marked = [bar.label for bar in card.chart.bars if bar.marked]
    assert marked == ["3½"]
    assert card.chart.legend == "Odile Black’s rating"


# Never a spoiler ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags", [{"is_spoiler": True}, {"spoils_up_to": 8}], ids=["spoiler", "spoils-up-to"]
)
def test_a_spoilers_words_reach_neither_its_image_nor_its_preview_tags(client, episode, flags):
    odile = make_member("odile@example.com", "odile", display_name="Odile Black")
    spoiler = services.review_post(member=odile, episode=episode, body=SPOILER, **flags)
    for language in ("en", "fr"):
        response = client.get(review_url(spoiler, language))
        head = page_of(response).find("head")
        assert "Odile is the one" not in str(head.words) + str(
            [meta.attrs for meta in head.find_all("meta")]
        )
        tags = share_image_of(response)
        (card,) = drawn_cards(client, image_path(tags))
        assert "Odile is the one" not in str(asdict(card))
        assert card.quote == ""
        assert "Odile Black" in card.byline
    assert card.note.startswith("Cet avis contient des révélations")
    # Visitors see it collapsed on its page, as on the episode page.
    article = page_of(client.get(review_url(spoiler))).find("article", id=f"review-{spoiler.pk}")
    assert article.find("details", class_="spoiler")


def test_a_review_no_visitor_may_read_has_no_image(client, review, episode, odile):
    moderator = make_staff("mod-ada", "Moderators")
    path = image_path(share_image_of(client.get(review_url(review))))
    assert client.get(path).status_code == 200

    moderation.review_hide(review=review, moderator=moderator, reason="Insults.")
    assert client.get(path).status_code == 404
    assert client.get(review_url(review)).status_code == 404


def test_a_suspended_members_review_and_a_reply_have_no_image(client, review, odile):
    replier = make_member("odette@example.com", "odette")
    reply = services.review_post(member=replier, episode=review.episode, body="Yes!", parent=review)
    assert client.get(f"/share/en/reviews/{reply.pk}/0.png").status_code == 404

    moderator = make_staff("mod-ada", "Moderators")
    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")
    assert client.get(f"/share/en/reviews/{review.pk}/0.png").status_code == 404


# Drawn once, served with its version ----------------------------------------------------------


def test_an_image_is_drawn_once_and_revalidated_without_drawing(client, episode):
    path = image_path(share_image_of(client.get(EPISODE_URL)))

    with mock.patch("kernel.shareimages.render", wraps=render) as drawing:
        first = client.get(path)
        second = client.get(path)
        again = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert drawing.call_count == 1
    assert first.content == second.content
    assert first["Cache-Control"] == "public, max-age=3600"
    assert first["ETag"].startswith('W/"')
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=3600"


def test_a_new_rating_gives_a_new_address_and_the_old_one_leads_there(client, episode, odile):
    old = image_path(share_image_of(client.get(EPISODE_URL)))
    services.rating_set(member=odile, episode=episode, score=10)
    new = image_path(share_image_of(client.get(EPISODE_URL)))

    assert new != old
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == new
    assert response["Cache-Control"] == "public, max-age=300"
    png_of(client.get(new))


def test_a_signed_in_member_gets_the_same_public_image(client, episode, odile):
    path = image_path(share_image_of(Client().get(EPISODE_URL)))
    client.force_login(odile)

    assert share_image_of(client.get(EPISODE_URL))["og:image"] == ORIGIN + path
    response = client.get(path)
    assert response["Cache-Control"] == "public, max-age=3600"
    png_of(response)


@pytest.mark.parametrize(
    "path",
    [
        "/share/de/season/1/episode/3/abc.png",
        "/share/en/season/1/episode/99/abc.png",
        "/share/en/season/9/episode/1/abc.png",
        "/share/en/reviews/999999/abc.png",
        "/share/en/reviews/1/../../x.png",
        "/share/en/season/1/episode/3/abc.jpg",
        "/share/fr/season/1/episode/3/%00.png",
    ],
)
def test_a_bad_address_is_a_404_never_a_500(client, seeded, path):
    assert client.get(path).status_code == 404


def test_a_made_up_digest_leads_to_the_current_image(client, episode):
    current = image_path(share_image_of(client.get(EPISODE_URL)))
    for digest in ("0", "x" * 200, "--__--"):
        response = client.get(f"/share/en/season/1/episode/3/{digest}.png")
        assert (response.status_code, response["Location"]) == (302, current)


def test_an_image_is_only_read(client, episode):
    path = image_path(share_image_of(client.get(EPISODE_URL)))
    assert client.post(path).status_code == 405
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("ratings", [0, 60])
def test_an_image_costs_one_query_and_the_cache(
    client, episode, django_assert_max_num_queries, ratings
):
    rate(episode, [(n % 10) + 1 for n in range(ratings)])
    path = image_path(share_image_of(client.get(EPISODE_URL)))
    client.get(path)  # drawn and kept
    # The episode with its counters, and the drawing from the page cache (a table in tests).
    with django_assert_max_num_queries(2):
        png_of(client.get(path))


@pytest.mark.parametrize("reviews", [1, 30])
def test_a_review_image_costs_one_query_and_the_cache(
    client, review, django_assert_max_num_queries, reviews
):
    for n in range(reviews - 1):
        services.review_post(member=review.member, episode=review.episode, body=f"More {n}.")
    path = image_path(share_image_of(client.get(review_url(review))))
    client.get(path)
    with django_assert_max_num_queries(2):
        png_of(client.get(path))


# What the drawing shows -----------------------------------------------------------------------


def test_long_titles_many_ratings_and_no_ratings_are_all_drawn_to_size(episode, odile):
    episode.title = "A title that goes on " * 12
    scores = scores_of(episode)
    for card in (
        episode_card(episode, scores),
        Card(site_name="Étoile companion", eyebrow="x", title="y" * 400, quote="z " * 900),
    ):
        image = Image.open(io.BytesIO(render(card)))
        assert image.size == (1200, 630)
    scores.count_10 = 10**6
    assert Image.open(io.BytesIO(render(episode_card(episode, scores)))).size == (1200, 630)


def test_a_name_the_face_cannot_draw_is_given_as_the_handle(episode):
    member = make_member("hanako@example.com", "hanako", display_name="山田花子")
    review = services.review_post(member=member, episode=episode, body="美しい 🩰 Beautiful.")
    review.author_score = None
    card = review_card(review, scores_of(episode))
    assert card.byline == "A review by @hanako"
    # Characters the face lacks are left out rather than drawn as empty boxes.
    assert card.quote == "Beautiful."
    assert shareimages.drawable("Élodie Ø Привет") and not shareimages.drawable("🩰")


# A review's own page --------------------------------------------------------------------------


def test_a_reviews_page_shows_it_with_its_replies_and_leads_back(client, review):
    replier = make_member("odette@example.com", "odette", display_name="Odette Swan")
    services.review_post(member=replier, episode=review.episode, body="So true.", parent=review)
    response = client.get(review_url(review))
    page = page_of(response)

    assert response.status_code == 200
    assert page.find("h1").words == "A review by Odile Black"
    article = page.find("article", id=f"review-{review.pk}")
    assert "The rehearsal scene!" in article.words
    assert "So true." in article.words
    assert page.find("a", href="/season/1/episode/3/#reviews").words == (
        "Every review of this episode"
    )
    assert page.find("link", rel="canonical").attrs["href"] == ORIGIN + review_url(review)
    french = page_of(client.get(review_url(review, "fr")))
    assert french.find("h1").words == "Un avis signé Odile Black"


def test_the_episode_page_links_each_review_and_reply_to_its_own_page(client, review):
    reply = services.review_post(
        member=make_member("odette@example.com", "odette"),
        episode=review.episode,
        body="So true.",
        parent=review,
    )
    page = page_of(client.get(EPISODE_URL))
    links = {a.attrs["href"] for a in page.find_all("a")}
    assert review_url(review) in links
    assert f"{review_url(review)}#review-{reply.pk}" in links
    # A reply's address is its review's, at the reply.
    response = client.get(review_url(reply))
    assert response["Location"] == f"{review_url(review)}#review-{reply.pk}"


def test_another_episodes_numbers_lead_to_the_reviews_own(client, review):
    response = client.get(f"/season/1/episode/4/reviews/{review.pk}/")
    assert (response.status_code, response["Location"]) == (301, review_url(review))
    assert client.get("/season/1/episode/3/reviews/999999/").status_code == 404


def test_a_member_waiting_to_watch_sees_the_review_withheld(client, review, odile):
    reader = make_member("odette@example.com", "odette", hide_unwatched=True)
    client.force_login(reader)
    page = page_of(client.get(review_url(review)))
    assert "The rehearsal scene!" not in page.words
    assert "hidden until you have watched" in page.words


@pytest.mark.parametrize("replies", [0, 40])
def test_a_reviews_page_costs_few_queries_however_many_replies(
    client, review, django_assert_max_num_queries, replies
):
    for n in range(replies):
        member = make_member(f"replier{n}@example.com", f"replier-{n}")
        services.review_post(
            member=member, episode=review.episode, body=f"Reply {n}", parent=review
        )
    # The review with its episode, counters and author's score; its replies.
    with django_assert_max_num_queries(2):
        assert Client().get(review_url(review)).status_code == 200
    member = make_member("reader@example.com", "reader")
    reader = Client()
    reader.force_login(member)
    # The session and member, their watches (for spoilers), the same two, and the header's
    # count of their unread notifications.
    with django_assert_max_num_queries(7):
        assert reader.get(review_url(review)).status_code == 200
    assert reverse("reviews:review", args=[1, 3, review.pk]) == review_url(review)
