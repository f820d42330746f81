"""Every list the API returns comes a page at a time, with a page size written into the
schema: a request's work and its body never grow with a member's data (issue 18: one import
gave a member 44,800 watches, and `/me/watches` answered 3.1 MB in 4.7 s).

The operations come from the OpenAPI schema, so a new operation that returns a bare list,
or a page without a bound, fails here without anyone remembering to add it."""

import datetime

import pytest

from catalog.models import Episode
from etoile_app.api import api
from kernel.api import PAGE_SIZE_MAX
from members.models import AccessToken
from reviews.models import Watch
from tests.factories import make_member

API = "/api/v1"
PAGE_KEYS = {"count", "page", "pages", "results"}
# Lists inside an answer that editors write, not members, and that a page of the catalog
# holds whole: a show's seasons, a season's episodes, a person's or character's credits.
# A new unbounded list inside an answer fails the test until it is bounded or named here.
EDITORS_LISTS = {
    ("ShowOut", "seasons"),
    ("SeasonDetail", "episodes"),
    ("PersonOut", "credits"),
    ("CharacterOut", "credits"),
    # The community ranking's pairwise counts: one per ordered pair of the season's
    # episodes, which editors write (56 for eight), whatever the number of members.
    ("CommunityRankingOut", "pairs"),
    # A record's citations and edited facts: as many as the seed's data file cites.
    *(
        (record, prop)
        for record in ["ShowOut", "SeasonOut", "SeasonDetail", "PersonOut", "CharacterOut"]
        for prop in ["citations", "edited"]
    ),
}


def schema():
    return api.get_openapi_schema(path_prefix=API)


def resolve(spec: dict, node: dict) -> tuple[str | None, dict]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return name, spec["components"]["schemas"][name]
    return None, node


def arrays_inside(spec: dict, name: str | None, node: dict, seen: set):
    """(schema name, property, array schema) for every array under a response schema."""
    if name in seen:
        return
    seen.add(name)
    for prop, value in node.get("properties", {}).items():
        if value.get("type") == "array":
            yield name, prop, value
            inner = value["items"]
        else:
            inner = value
        for option in [inner, *inner.get("anyOf", [])]:
            inner_name, inner_node = resolve(spec, option)
            if inner_name:
                yield from arrays_inside(spec, inner_name, inner_node, seen)


def list_operations():
    spec = schema()
    for path, methods in spec["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        content = operation["responses"][200]["content"]["application/json"]["schema"]
        yield path, operation, content


def test_no_api_operation_returns_a_bare_list():
    bare = [path for path, _op, content in list_operations() if content.get("type") == "array"]
    assert bare == []
    assert len(list(list_operations())) > 10  # the schema was read


def test_every_page_of_the_api_is_bounded_and_every_other_list_is_the_editors():
    spec = schema()
    pages = []
    unbounded = set()
    for path, operation, content in list_operations():
        name, node = resolve(spec, content)
        if set(node.get("properties", {})) >= PAGE_KEYS:
            results = node["properties"]["results"]
            assert 0 < results.get("maxItems", PAGE_SIZE_MAX + 1) <= PAGE_SIZE_MAX, path
            page = [p for p in operation.get("parameters", []) if p["name"] == "page"]
            assert page and page[0]["in"] == "query" and page[0]["schema"]["minimum"] == 1, path
            pages.append(path)
            node = spec["components"]["schemas"][results["items"]["$ref"].rsplit("/", 1)[-1]]
            name = results["items"]["$ref"].rsplit("/", 1)[-1]
        for owner, prop, array in arrays_inside(spec, name, node, set()):
            if "maxItems" not in array:
                unbounded.add((owner, prop))
    assert unbounded <= EDITORS_LISTS, unbounded - EDITORS_LISTS
    assert {
        f"{API}/episodes",
        f"{API}/seasons",
        f"{API}/people",
        f"{API}/characters",
        f"{API}/sources",
        f"{API}/reviews",
        f"{API}/members/{{handle}}/ratings",
        f"{API}/me/ratings",
        f"{API}/me/watchlist",
        f"{API}/me/watches",
    } <= set(pages)


@pytest.mark.django_db
def test_my_watches_come_a_hundred_a_page_newest_first(client, seeded):
    member = make_member("odette@example.com", "odette")
    _token, secret = AccessToken.objects.create_for(member, "pages")
    episodes = list(Episode.objects.order_by("season__number", "number"))
    first_day = datetime.date(2025, 5, 1)
    Watch.objects.bulk_create(
        Watch(
            member=member,
            episode=episodes[n % len(episodes)],
            watched_on=first_day + datetime.timedelta(days=n % 200),
        )
        for n in range(250)
    )
    headers = {"Authorization": f"Bearer {secret}"}

    first = client.get(f"{API}/me/watches", headers=headers).json()
    last = client.get(f"{API}/me/watches?page=3", headers=headers).json()
    past = client.get(f"{API}/me/watches?page=4", headers=headers)

    assert (first["count"], first["page"], first["pages"]) == (250, 1, 3)
    assert len(first["results"]) == 100 and len(last["results"]) == 50
    dates = [w["watched_on"] for w in first["results"] + last["results"]]
    assert dates == sorted(dates, reverse=True)
    assert past.status_code == 404
    assert past.json() == {"detail": "There are 3 pages."}
