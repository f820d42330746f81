"""Hostile values in every query and path parameter of the API, and in every admin list
filter: never a server error.

A fixed corpus (NUL, a lone surrogate, bytes that are not UTF-8, huge and negative numbers,
10,000 characters) crosses every parameter the site declares, found the way the site itself
knows them, so a new API operation or a new admin filter is covered without touching this
file: the operations and their parameters come from the API's OpenAPI schema, the admin's
lists and their filters from `admin.site._registry` and each list's own filter specs.
Schemathesis (tests/api/test_schema_fuzz.py) explores bodies and shapes at random; these are
the few values a penetration test tries first, every one of them every time.

What counts as an answer: NUL, a lone surrogate or broken UTF-8 anywhere in a query string is
a 400 (JSON under /api/, the site's 400 page elsewhere), before any view reads it. Other
values in the API are a 4xx, or a 200 when the value merely filters (a page past the end
is a 404). In the admin they are a 200 or Django's own answer to a filter it cannot apply, a
302 to the same list with `?e=1`: "not a server error" for staff, who see the list again.
NUL is what PostgreSQL refuses in any text parameter, so this file means most there.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.models import Character, Episode, Person
from etoile_app.api import api
from members.models import AccessToken
from reviews import services
from reviews.models import Rating, Review, Watch, WatchlistEntry
from tests.factories import make_member

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1"

# Raw, as they travel in an address: already percent-encoded where they need to be.
REFUSED_EVERYWHERE = {
    "nul": "%00",
    "nul-inside": "odette%00x",
    "lone-surrogate": "%ED%A0%80",
    "not-utf-8": "%FF%FE",
}
OTHER_HOSTILE = {
    "huge": "99999999999999999999999",
    "negative": "-1",
    "last-year": "9999",  # a date hierarchy's year whose next year does not exist
    "negative-huge": "-99999999999999999999999",
    "long": "a" * 10_000,
}
HOSTILE = {**REFUSED_EVERYWHERE, **OTHER_HOSTILE}
# The admin renders a whole list for each value it accepts (about 40 ms here, for some 140
# parameters): the values that reach its filters differently, and 9999 only where it is a
# year. Negative numbers take the same path as huge ones there.
ADMIN_HOSTILE = {
    key: HOSTILE[key] for key in ("nul", "lone-surrogate", "not-utf-8", "huge", "long")
}
# A parameter no operation declares: the refusal must not depend on a view reading it.
UNDECLARED = "utm_source"


@pytest.fixture
def world(seeded, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "api_write": "100000/m/user",
        "watch_add": "100000/m/user",
    }
    member = make_member("odette@example.com", "odette")
    other = make_member("odile@example.com", "odile")
    episode = Episode.objects.get(season__number=1, number=1)
    Review.objects.create(member=other, episode=episode, body="A review to list.")
    services.rating_set(member=member, episode=episode, score=6)
    _token, secret = AccessToken.objects.create_for(member, "fuzz")
    return {
        "member": member,
        "client": Client(headers={"Authorization": f"Bearer {secret}"}),
        "valid": {
            "season": "1",
            "episode": "1",
            "handle": "odile",
            "slug_people": Person.objects.first().slug,
            "slug_characters": Character.objects.first().slug,
            "page": "1",
        },
    }


def operations():
    """(method, path template, query and path parameters) for every operation of the API's schema."""
    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            parameters = [p for p in operation.get("parameters", []) if p["in"] != "header"]
            yield method, path, parameters


def valid_value(world, path: str, name: str) -> str:
    if name == "slug":
        return world["valid"]["slug_people" if "/people/" in path else "slug_characters"]
    return world["valid"].get(name, "1")


def address(world, path: str, parameters, fuzzed: str | None, value: str) -> str:
    """The operation's address with every path parameter valid but the fuzzed one, and the
    fuzzed query parameter (or an undeclared one) carrying the value."""

    def fill(match):
        name = match.group(1)
        return value if name == fuzzed else valid_value(world, path, name)

    url = re.sub(r"{(\w+)}", fill, path)
    in_path = {p["name"] for p in parameters if p["in"] == "path"}
    if fuzzed not in in_path:
        url += f"?{fuzzed or UNDECLARED}={value}"
    return url


BODIES = {
    "put": {"score": 5},
    "post": {"season": 1, "episode": 1},
}


def test_every_api_parameter_refuses_hostile_values_without_a_server_error(world):
    client = world["client"]
    before = (
        Watch.objects.count(),
        WatchlistEntry.objects.count(),
        list(Rating.objects.values_list("pk", "score")),
    )
    seen = 0
    for method, path, parameters in operations():
        names = [p["name"] for p in parameters] + [None]
        for fuzzed in names:
            # An undeclared parameter is ignored, so only the values refused everywhere:
            # other values would let the write go through, as it should.
            corpus = HOSTILE if fuzzed is not None else REFUSED_EVERYWHERE
            for label, value in corpus.items():
                url = address(world, path, parameters, fuzzed, value)
                if method in BODIES:
                    response = getattr(client, method)(
                        url, BODIES[method], content_type="application/json"
                    )
                else:
                    response = getattr(client, method)(url)
                where = (method, path, fuzzed, label, response.status_code)
                seen += 1
                assert response.status_code < 500, where
                assert response["Content-Type"].startswith("application/json"), where
                in_path = fuzzed in {p["name"] for p in parameters if p["in"] == "path"}
                if label in REFUSED_EVERYWHERE and not in_path:
                    assert response.status_code == 400, where
                    assert "query string" in response.json()["detail"], where
                elif method != "get" or in_path:
                    # A hostile number never names an episode, a member or a page.
                    assert 400 <= response.status_code < 500, where
                else:
                    assert response.status_code in {200, 404, 422}, where
                    body = response.json()
                    if response.status_code == 200 and fuzzed is not None:
                        assert isinstance(body, dict) and body["count"] == 0, where
    # Nothing was written by any of them.
    after = (
        Watch.objects.count(),
        WatchlistEntry.objects.count(),
        list(Rating.objects.values_list("pk", "score")),
    )
    assert after == before
    assert seen > 200  # the schema was walked, not an empty list


def admin_lists(superuser):
    """(changelist address, parameter names) for every registered ModelAdmin: its filters'
    own parameters, its date hierarchy's, and search, ordering and page."""
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        request = factory.get(url)
        request.user = superuser
        changelist = model_admin.get_changelist_instance(request)
        names = ["o", "p"]
        if model_admin.get_search_fields(request):
            names.append("q")
        for spec in changelist.filter_specs:
            names += spec.expected_parameters()
        if model_admin.date_hierarchy:
            names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
        yield url, names


def test_every_admin_list_filter_refuses_hostile_values_without_a_server_error(world, superuser):
    client = Client()
    client.force_login(superuser)
    seen = set()
    for url, names in admin_lists(superuser):
        for name in names:
            seen.add((url, name))
            corpus = ADMIN_HOSTILE
            if name.endswith("__year"):
                corpus = {**corpus, "last-year": HOSTILE["last-year"]}
            for label, value in corpus.items():
                response = client.get(f"{url}?{name}={value}")
                where = (url, name, label, response.status_code)
                assert response.status_code < 500, where
                if label in REFUSED_EVERYWHERE:
                    assert response.status_code == 400, where
                    assert b"Out of step" in response.content, where
                elif response.status_code == 302:
                    target = urlsplit(response["Location"])
                    assert (target.path, target.query) == (url, "e=1"), where
                else:
                    assert response.status_code == 200, where
    # The review list's status filter, from the report, and the lists' search and page.
    assert ("/admin/reviews/review/", "status__exact") in seen
    assert ("/admin/reviews/review/", "q") in seen
    assert len(seen) > 40


@pytest.mark.parametrize(
    "path",
    [f"{API_PREFIX}/reviews?member=%00", "/admin/reviews/review/?status=%00"],
)
def test_the_reported_nul_addresses_are_a_400(world, superuser, path):
    client = Client()
    client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 400


def test_a_nul_in_a_page_query_string_is_the_sites_400_page(client, seeded):
    response = client.get("/fr/season/1/?sort=%00")
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert "Faux pas" in response.content.decode()
