"""Issue 18, point 6: with Redis down, writes are refused with 503, and pages still read.

allauth's rate limiter raised the connection error and sign-in, reviews, replies and API
writes answered 500. A limit that cannot be counted must refuse the request (letting it
through would let a locked account guess again), and say so: the site's 503 page or JSON,
Retry-After, a line in the security log (kernel/outage.py). Reading needs no limit: the
page cache renders without Redis.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from etoile_app.settings import redis_caches
from members.models import AccessToken, TokenScope
from reviews.models import Rating, Review
from tests.factories import PASSWORD, write
from tests.pages import text_of
from tests.redis_servers import free_port

SECURITY_LOG = "etoile.security"
REFUSED = "refused: the cache does not answer (ConnectionError)"


@pytest.fixture
def redis_down(settings):
    """Both caches on a port nothing listens on; the page cache on, as in production."""
    down = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = redis_caches(pages_url=down, ratelimit_url=down, timeout=0.5)
    settings.VISITOR_PAGE_CACHE_SECONDS = 600


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == SECURITY_LOG]


def assert_the_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = text_of(response.content.decode())
    assert "Back in a moment" in text
    assert "nothing was changed" in text
    assert 'href="/static/css/site.css"' in response.content.decode()  # the site's design


def test_signing_in_while_redis_is_down_is_refused_with_503_and_logged(odile, redis_down, caplog):
    visitor = Client()

    response = visitor.post(reverse("account_login"), {"login": odile.email, "password": PASSWORD})

    assert_the_outage_page(response)
    assert SESSION_KEY not in visitor.session
    odile.refresh_from_db()
    assert odile.last_login is None
    assert any(
        line.startswith(REFUSED) and "view=account_login" in line for line in security_lines(caplog)
    )


def test_the_outage_page_is_in_the_readers_language(odile, redis_down):
    response = Client().post("/fr/accounts/login/", {"login": odile.email, "password": PASSWORD})

    assert response.status_code == 503
    assert "De retour dans un instant" in text_of(response.content.decode())


def test_a_review_and_a_reply_while_redis_is_down_are_refused_and_nothing_is_written(
    client, odette, odile, episode, redis_down, caplog
):
    review = write(odile, episode)
    before = Review.objects.count()

    new_review = client.post(
        reverse("reviews:review-create", args=[1, 3]), {"body": "A luminous hour."}
    )
    reply = client.post(
        reverse("reviews:reply-create", args=[review.pk]), {f"reply-{review.pk}-body": "Yes!"}
    )

    assert_the_outage_page(new_review)
    assert_the_outage_page(reply)
    assert Review.objects.count() == before
    assert [line.split(" member=")[0] for line in security_lines(caplog)] == [REFUSED] * 2


def test_an_api_write_while_redis_is_down_is_refused_with_a_json_503(odile, episode, redis_down):
    _token, secret = AccessToken.objects.create_for(odile, "my script", scope=TokenScope.READ_WRITE)

    response = Client().put(
        "/api/v1/me/ratings/1/3",
        {"score": 7},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "nothing was changed" in response.json()["detail"]
    assert not Rating.objects.exists()


def test_pages_are_read_while_redis_is_down(episode, redis_down):
    for url in ("/", episode.get_absolute_url(), "/fr/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "Back in a moment" not in text_of(response.content.decode())
