"""Schemathesis against the site: every operation in the API's OpenAPI schema, called with
data generated from the schema (and data that breaks it), is answered without a server error
and as the schema says: status codes, content types and bodies.

The requests go through Django's WSGI application in the test's own thread, the whole stack a
live server runs (middleware, rate limits, authentication) without its sockets, and inside the
test's transaction, so each operation starts from the seeded catalog."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from catalog.models import Episode
from etoile_app.api import api
from members.models import AccessToken, TokenScope
from reviews.models import Review
from tests.factories import make_member

pytestmark = pytest.mark.single_database

# The schema the site serves at /api/v1/openapi.json (a test there checks they are one).
# Loaded when the tests are collected, so each operation is a test of its own.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()


@pytest.fixture
def connection_kept_open():
    """Django closes the database connection around each request it serves, which would end
    the test's transaction; its test client disconnects the same handlers."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_headers(seeded, settings, connection_kept_open) -> dict:
    """A member with a token, and someone else's review to list."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis' WSGI client sends
    # The fuzzer writes far faster than any member: without room it would mostly meet 429s.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "api_write": "100000/m/user",
        "watch_add": "100000/m/user",
    }
    member = make_member("fuzz@example.com", "fuzz")
    other = make_member("other@example.com", "other")
    episode = Episode.objects.get(season__number=1, number=1)
    Review.objects.create(member=other, episode=episode, body="A review to list.")
    _token, secret = AccessToken.objects.create_for(
        member, "schemathesis", scope=TokenScope.READ_WRITE
    )
    # Schemathesis' WSGI client asks for gzip, as requests does, but does not unpack it.
    return {"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"}


@pytest.mark.api_fuzz
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
def test_every_operation_answers_as_its_schema_says(case, api_headers):
    case.call_and_validate(headers=api_headers)
