"""Schemathesis against the running site: every operation in the API's OpenAPI schema,
called over HTTP on a live server with data generated from the schema (and data that breaks
it), is answered without a server error and as the schema says: status codes, content
types and bodies."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from catalog.models import Episode
from etoile_app.api import api
from etoile_app.models import AccessToken
from reviews.models import Review
from tests.browser import make_member

# The schema the site serves at /api/v1/openapi.json (a test there checks they are one).
# Loaded when the tests are collected, so each operation is a test of its own.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))


@pytest.fixture
def live_api(seeded_live_server, settings) -> tuple[str, dict]:
    """The site, a member with a token, and someone else's review to list."""
    # The fuzzer writes far faster than any member: without room it would mostly meet 429s.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_write": "100000/m/user"}
    member = make_member("fuzz@example.com", "a long enough password", handle="fuzz")
    other = make_member("other@example.com", "a long enough password", handle="other")
    episode = Episode.objects.get(season__number=1, number=1)
    Review.objects.create(member=other, episode=episode, body="A review to list.")
    _token, secret = AccessToken.objects.create_for(member, "schemathesis")
    return seeded_live_server.url, {"Authorization": f"Bearer {secret}"}


@pytest.mark.api_fuzz
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
def test_every_operation_answers_as_its_schema_says(case, live_api):
    base_url, headers = live_api
    case.call_and_validate(base_url=base_url, headers=headers)
