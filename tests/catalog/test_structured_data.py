"""The episode page's JSON-LD holds to schema.org and to the search engines' rules for
reviews and ratings (issue 17, point 25): every property is one schema.org defines for its
type, and what the rules require is there (a review's rating, an aggregate's count, the
reviewed item's name), so that nothing is emitted that a validator refuses."""

import json
import re

import pytest
from django.test import Client

from reviews import services
from tests.factories import make_member, signed_in

# schema.org properties (of the type or the types it inherits from) that we may emit.
ALLOWED = {
    "TVEpisode": {
        "@context",
        "@type",
        "episodeNumber",
        "name",
        "description",
        "inLanguage",
        "url",
        "datePublished",
        "timeRequired",
        "image",
        "partOfSeason",
        "partOfSeries",
        "aggregateRating",
        "review",
    },
    "TVSeason": {"@type", "seasonNumber", "name", "url"},
    "TVSeries": {"@type", "name", "url"},
    "AggregateRating": {
        "@type",
        "ratingValue",
        "ratingCount",
        "reviewCount",
        "bestRating",
        "worstRating",
    },
    "Review": {
        "@type",
        "url",
        "author",
        "datePublished",
        "reviewBody",
        "reviewRating",
        "inLanguage",
    },
    "Rating": {"@type", "ratingValue", "bestRating", "worstRating"},
    "Person": {"@type", "name", "url"},
}
# What Google's review-snippet rules require (an aggregate needs a count of either kind).
REQUIRED = {
    "AggregateRating": {"ratingValue"},
    "Review": {"author", "reviewRating"},
    "Rating": {"ratingValue"},
    "Person": {"name"},
}


def problems_in(node, path="$") -> list[str]:
    found = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found += problems_in(item, f"{path}[{index}]")
        return found
    if not isinstance(node, dict):
        return found
    kind = node.get("@type")
    if kind not in ALLOWED:
        return [f"{path}: unexpected type {kind!r}"]
    found += [f"{path}.{key}: not a {kind} property" for key in node.keys() - ALLOWED[kind]]
    found += [f"{path}: {kind} without {key}" for key in REQUIRED.get(kind, set()) - node.keys()]
    found += [f"{path}.{key}: empty" for key, value in node.items() if value in ("", None, [])]
    if kind == "AggregateRating" and not (node.get("ratingCount") or node.get("reviewCount")):
        found.append(f"{path}: AggregateRating without a positive ratingCount or reviewCount")
    low, high = node.get("worstRating", 1), node.get("bestRating", 5)
    if kind in {"AggregateRating", "Rating"} and not low <= node["ratingValue"] <= high:
        found.append(f"{path}: ratingValue outside worstRating–bestRating")
    reviewed = "review" in node or "aggregateRating" in node
    if kind == "TVEpisode" and reviewed and not node.get("name"):
        found.append(f"{path}: a reviewed item without a name")
    for key, value in node.items():
        found += problems_in(value, f"{path}.{key}")
    return found


def json_ld(response) -> dict:
    assert response.status_code == 200
    (block,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(block)


@pytest.fixture
def reviewed(episode):
    """Episode 3, awaiting curation, rated and reviewed: one reviewer rated it, one did not."""
    rater = make_member("rater@example.com", "rater", display_name="Odette Swan")
    silent = make_member("silent@example.com", "silent", display_name="Odile Black")
    services.rating_set(member=rater, episode=episode, score=7)
    services.review_post(member=rater, episode=episode, body="A luminous hour.")
    services.review_post(member=silent, episode=episode, body="No stars from me.")
    return episode


@pytest.mark.parametrize("language", ["", "/fr"])
@pytest.mark.parametrize("reader", ["visitor", "member"])
def test_the_episode_data_holds_to_schema_org_and_the_review_rules(reviewed, language, reader):
    client = (
        signed_in(make_member("reader@example.com", "reader")) if reader == "member" else Client()
    )
    data = json_ld(client.get(f"{language}/season/1/episode/3/"))

    assert problems_in(data) == []
    assert data["aggregateRating"]["ratingCount"] == 1
    assert [review["reviewBody"] for review in data["review"]] == ["A luminous hour."]


def test_an_episode_awaiting_curation_is_named_as_its_page_names_it(reviewed):
    assert reviewed.awaiting_curation
    english = json_ld(Client().get("/season/1/episode/3/"))
    french = json_ld(Client().get("/fr/season/1/episode/3/"))

    assert english["name"] == "Episode 3" and "inLanguage" not in english
    assert french["name"] == "Épisode 3" and french["inLanguage"] == "fr"
    # The placeholder synopsis is still nobody's description.
    assert "description" not in english and "description" not in french


def test_a_review_by_a_member_who_has_not_rated_is_left_out(reviewed):
    data = json_ld(Client().get("/season/1/episode/3/"))

    assert all("reviewRating" in review for review in data["review"])
    assert "Odile Black" not in {review["author"]["name"] for review in data["review"]}
