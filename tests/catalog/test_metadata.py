"""What pages tell search engines and link previews: canonical address, Open Graph, schema.org
data; and the sitemap and robots.txt that lead crawlers to them."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import Review
from tests.factories import make_member, signed_in
from tests.pages import page_of

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ORIGIN = "http://testserver"
PUBLIC_PAGES = [
    "/",
    "/season/1/",
    "/season/1/episode/3/",
    "/people/luke-kirby/",
    "/characters/jack/",
    "/sources/",
    "/u/odette/",
    "/u/odette/diary/",
    "/u/odette/season/1/",
]


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=3)


@pytest.fixture
def odette(db) -> User:
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


def head_of(response):
    assert response.status_code == 200, response.status_code
    return page_of(response).find("head")


def meta(head, **attrs) -> str | None:
    found = head.find_all("meta", **attrs)
    assert len(found) <= 1, found
    return found[0].attrs["content"] if found else None


def canonical(head) -> str | None:
    found = head.find_all("link", rel="canonical")
    assert len(found) <= 1, found
    return found[0].attrs["href"] if found else None


def json_ld(response) -> list[dict]:
    html = response.content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def one_json_ld(response) -> dict:
    (data,) = json_ld(response)
    assert data["@context"] == "https://schema.org"
    return data


# Canonical address and Open Graph ------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_has_its_canonical_address_and_open_graph_tags(
    client, seeded, odette, url
):
    head = head_of(client.get(url + "?utm_source=x&sort=liked"))

    assert canonical(head) == ORIGIN + url
    assert meta(head, property="og:url") == ORIGIN + url
    title = "".join(head.find("title").children)
    assert title.endswith(" · Étoile companion")
    assert meta(head, property="og:title") == title.removesuffix(" · Étoile companion")
    assert meta(head, property="og:description") == meta(head, name="description")
    assert meta(head, property="og:description")
    assert meta(head, property="og:site_name") == "Étoile companion"
    assert meta(head, property="og:type")
    # Pages with a share image of their own (tests/reviews/test_share_images.py) show it large.
    large = {"/season/1/episode/3/", "/u/odette/season/1/"}
    card = "summary_large_image" if url in large else "summary"
    assert meta(head, name="twitter:card") == card


def test_open_graph_types_say_what_the_page_is(client, seeded, odette):
    for url, kind in [
        ("/", "video.tv_show"),
        ("/season/1/episode/3/", "video.episode"),
        ("/u/odette/", "profile"),
        ("/sources/", "website"),
    ]:
        assert meta(head_of(client.get(url)), property="og:type") == kind, url


def test_pages_of_reviews_keep_their_page_number_in_the_canonical_address(client, episode, odette):
    for n in range(25):
        services.review_post(member=odette, episode=episode, body=f"Review {n}")

    head = head_of(client.get("/season/1/episode/3/?sort=liked&page=2"))
    assert canonical(head) == ORIGIN + "/season/1/episode/3/?page=2"
    head = head_of(client.get("/season/1/episode/3/?page=1"))
    assert canonical(head) == ORIGIN + "/season/1/episode/3/"


def test_private_and_missing_pages_have_no_canonical_address(client, seeded, odette):
    assert canonical(page_of(client.get("/u/nobody/"))) is None
    assert canonical(page_of(client.get("/no-such-page/"))) is None
    assert canonical(head_of(signed_in(odette).get("/me/settings/"))) is None
    assert canonical(head_of(client.get("/accounts/login/"))) is None


def test_a_catalog_image_goes_into_the_structured_data_beside_the_share_image(client, episode):
    Episode.objects.filter(pk=episode.pk).update(
        still_renditions={
            "jpg": {"480": "stills/a-480.jpg", "960": "stills/a-960.jpg"},
            "webp": {"480": "stills/a-480.webp", "960": "stills/a-960.webp"},
        }
    )
    response = client.get("/season/1/episode/3/")
    assert one_json_ld(response)["image"] == ORIGIN + "/media/stills/a-960.jpg"
    # The preview image is the episode's share image, which names it and its ratings.
    head = head_of(response)
    assert meta(head, property="og:image").startswith(ORIGIN + "/share/en/season/1/episode/3/")
    # Without a poster, the home page has no preview image rather than a made-up one.
    assert meta(head_of(client.get("/")), property="og:image") is None


def test_pages_link_their_feeds(client, episode, odette):
    for url, feed in [
        ("/", "/feeds/reviews/"),
        ("/season/1/episode/3/", "/feeds/season/1/episode/3/reviews/"),
        ("/u/odette/", "/feeds/u/odette/reviews/"),
    ]:
        page = page_of(client.get(url))
        alternate = page.find("link", rel="alternate", type="application/atom+xml")
        assert alternate.attrs["href"] == feed, url
        assert client.get(feed).status_code == 200
        visible = [a for a in page.find_all("a") if a.attrs.get("href") == feed]
        assert visible, f"{url}: no link to {feed} a person can follow"


# schema.org data -----------------------------------------------------------------------------


def test_home_describes_the_series_from_the_catalog(client, seeded):
    data = one_json_ld(client.get("/"))

    assert data["@type"] == "TVSeries"
    assert data["name"] == "Étoile"
    assert data["url"] == ORIGIN + "/"
    assert data["description"] == seeded.premise
    assert data["startDate"] == "2025-04-24"
    assert data["numberOfSeasons"] == 1
    assert {"@type": "Person", "name": "Luke Kirby", "url": ORIGIN + "/people/luke-kirby/"} in (
        data["actor"]
    )
    assert "image" not in data  # no poster uploaded


def test_season_page_describes_the_season_and_its_episodes(client, seeded):
    data = one_json_ld(client.get("/season/1/"))

    assert data["@type"] == "TVSeason"
    assert data["seasonNumber"] == 1
    assert data["numberOfEpisodes"] == 8
    assert data["partOfSeries"]["name"] == "Étoile"
    assert [episode["episodeNumber"] for episode in data["episode"]] == list(range(1, 9))
    # "Episode 3" is a placeholder awaiting curation, not the episode's name.
    assert all("name" not in episode for episode in data["episode"])


def test_an_episode_awaiting_curation_gets_its_neutral_name_and_no_description(client, episode):
    data = one_json_ld(client.get("/season/1/episode/3/"))

    assert data["@type"] == "TVEpisode"
    assert data["episodeNumber"] == 3
    # The name the page shows, which a reviewed item needs; no placeholder description.
    assert data["name"] == "Episode 3" and "description" not in data
    assert data["partOfSeason"] == {
        "@type": "TVSeason",
        "seasonNumber": 1,
        "url": ORIGIN + "/season/1/",
    }


def test_a_curated_episode_gets_its_name_synopsis_date_and_runtime(client, episode):
    Episode.objects.filter(pk=episode.pk).update(
        awaiting_curation=False,
        title="The Swap",
        synopsis="Two companies trade stars.",
        release_date="2025-04-24",
        runtime_minutes=52,
    )
    data = one_json_ld(client.get("/season/1/episode/3/"))

    assert data["name"] == "The Swap"
    assert data["description"] == "Two companies trade stars."
    assert data["datePublished"] == "2025-04-24"
    assert data["timeRequired"] == "PT52M"


def test_no_aggregate_rating_without_ratings(client, episode):
    assert "aggregateRating" not in one_json_ld(client.get("/season/1/episode/3/"))


def test_the_aggregate_rating_is_the_one_the_page_shows(client, episode):
    for n, score in enumerate([7, 8, 10, 3]):
        services.rating_set(
            member=make_member(f"m{n}@example.com", f"m{n}"), episode=episode, score=score
        )
    response = client.get("/season/1/episode/3/")
    page = page_of(response)
    shown_value = "".join(page.with_class("score__value")[0].children).strip()
    shown_count = "".join(page.with_class("score__count")[0].children).strip()

    rating = one_json_ld(response)["aggregateRating"]

    assert rating == {
        "@type": "AggregateRating",
        "ratingValue": 3.5,
        "ratingCount": 4,
        "bestRating": 5,
        "worstRating": 0.5,
    }
    assert shown_value == "3.5" and shown_count == "from 4 ratings"


def test_reviews_in_the_data_are_the_pages_public_ones_without_spoilers(client, episode, odette):
    odile = make_member("odile@example.com", "odile", display_name="Odile Black")
    services.rating_set(member=odette, episode=episode, score=9)
    plain = services.review_post(member=odette, episode=episode, body="A luminous hour.")
    services.review_post(member=odette, episode=episode, body="Finale!", is_spoiler=True)
    services.review_post(member=odette, episode=episode, body="Up to 5.", spoils_up_to=5)
    hidden = services.review_post(member=odette, episode=episode, body="Hidden.")
    Review.objects.filter(pk=hidden.pk).update(status="hidden")
    services.review_post(member=odile, episode=episode, body="A reply.", parent=plain)

    (review,) = one_json_ld(client.get("/season/1/episode/3/"))["review"]

    assert review == {
        "@type": "Review",
        "url": f"{ORIGIN}/season/1/episode/3/#review-{plain.pk}",
        "author": {"@type": "Person", "name": "Odette Swan", "url": ORIGIN + "/u/odette/"},
        "datePublished": review["datePublished"],
        "reviewBody": "A luminous hour.",
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 4.5,
            "bestRating": 5,
            "worstRating": 0.5,
        },
    }
    assert review["datePublished"].startswith(plain.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    # The author sees their hidden review on the page; the data still leaves it out.
    (review,) = one_json_ld(signed_in(odette).get("/season/1/episode/3/"))["review"]
    assert review["reviewBody"] == "A luminous hour."


def test_a_member_who_hides_unwatched_scores_gets_none_in_the_data_either(client, episode, odette):
    critic = make_member("critic@example.com", "critic")
    services.rating_set(member=critic, episode=episode, score=8)
    services.review_post(member=critic, episode=episode, body="Superb.")
    User.objects.filter(pk=odette.pk).update(hide_unwatched=True)

    data = one_json_ld(signed_in(odette).get("/season/1/episode/3/"))

    assert "aggregateRating" not in data and "review" not in data


def test_a_review_cannot_break_out_of_the_data_block(client, episode, odette):
    body = "</script><script>alert(1)</script> <!-- & \u2028 -->"
    User.objects.filter(pk=odette.pk).update(display_name="</SCRIPT><b>")
    services.rating_set(member=odette, episode=episode, score=6)
    services.review_post(member=odette, episode=episode, body=body)

    response = client.get("/season/1/episode/3/")
    html = response.content.decode()
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]

    assert "<" not in block and ">" not in block and "&" not in block
    (review,) = one_json_ld(response)["review"]
    assert review["reviewBody"] == body
    assert review["author"]["name"] == "</SCRIPT><b>"


# Query budgets and the page cache ------------------------------------------------------------

# As the pages' own tests (the episode's reviews and their replies are one query each): the
# tags add none. The show's and the episode's citations are one query each; the home page's
# community section two (the latest reviews, the most discussed), the profile's follow counts
# one.
VISITOR_BUDGETS = {"/": 7, "/season/1/": 4, "/season/1/episode/3/": 5, "/u/odette/": 7}


@pytest.mark.parametrize("url", VISITOR_BUDGETS)
def test_metadata_adds_no_query_however_many_reviews(
    client, episode, odette, django_assert_max_num_queries, url
):
    for n in range(30):
        member = make_member(f"m{n}@example.com", f"m{n}")
        services.rating_set(member=member, episode=episode, score=1 + n % 10)
        services.review_post(member=member, episode=episode, body=f"Review {n}")
        services.review_post(member=odette, episode=episode, body=f"Mine {n}")

    with django_assert_max_num_queries(VISITOR_BUDGETS[url]):
        response = client.get(url)
    assert response.status_code == 200
    assert json_ld(response) or url == "/u/odette/"


def test_cached_pages_carry_the_same_tags_for_every_visitor(client, episode, settings):
    settings.VISITOR_PAGE_CACHE_SECONDS = 60
    first = client.get("/season/1/episode/3/")
    again = client.get("/season/1/episode/3/", headers={"Accept-Encoding": "identity"})

    assert first.content == again.content
    assert canonical(head_of(again)) == ORIGIN + "/season/1/episode/3/"


# Sitemap and robots.txt ----------------------------------------------------------------------


def sitemap_urls(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's answer, in a test)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_lists_every_public_page(client, episode, odette):
    services.review_post(member=odette, episode=episode, body="Listed.")
    silent = make_member("silent@example.com", "silent")
    hidden_only = make_member("hidden@example.com", "hidden-only")
    hidden = services.review_post(member=hidden_only, episode=episode, body="Hidden.")
    Review.objects.filter(pk=hidden.pk).update(status="hidden")
    suspended = make_member("suspended@example.com", "suspended")
    services.review_post(member=suspended, episode=episode, body="Gone.")
    User.objects.filter(pk=suspended.pk).update(is_active=False, suspended_at=timezone.now())

    urls = sitemap_urls(client)

    expected = (
        ["/", "/sources/", "/season/1/"]
        + [f"/season/1/episode/{n}/" for n in range(1, 9)]
        + ["/people/luke-kirby/", "/characters/jack/", "/characters/the-matriarch/", "/u/odette/"]
        + ["/u/odette/season/1/", "/fr/u/odette/season/1/"]
    )
    for url in expected:
        assert ORIGIN + url in urls, url
    for member in (silent, hidden_only, suspended):
        assert f"{ORIGIN}/u/{member.handle}/" not in urls
        assert f"{ORIGIN}/u/{member.handle}/season/1/" not in urls
    assert len(urls) == len(set(urls))
    for url in urls:
        assert client.get(url.removeprefix(ORIGIN)).status_code == 200, url


@pytest.mark.parametrize("members", [1, 40])
def test_sitemap_queries_do_not_grow_with_members(
    client, episode, django_assert_max_num_queries, members
):
    for n in range(members):
        services.review_post(
            member=make_member(f"m{n}@example.com", f"m{n}"), episode=episode, body="Hi."
        )
    with django_assert_max_num_queries(14):  # a count and a page for each of seven sections
        urls = sitemap_urls(client)
    assert f"{ORIGIN}/u/m{members - 1}/" in urls


def test_robots_txt_keeps_crawlers_to_public_pages_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/admin/", "/accounts/", "/me/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
