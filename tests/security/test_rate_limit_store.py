"""Issue 18, point 4: filling the page cache must not unlock an account.

The penetration test capped one shared Redis at 4 MB with the `volatile-ttl` policy
docs/DEPLOY.md recommended: 1,207 anonymous page requests evicted the sign-in counters
(300 s) before the pages (600 s), and a locked account's right password was accepted again.
Rate limits now live in a Redis instance of their own that never evicts
(settings.RATELIMIT_REDIS_URL), and `check --deploy` refuses the shared, evicting layout
(kernel/checks.py). Each test runs its own capped redis-server.
"""

import os

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse
from redis.exceptions import OutOfMemoryError

from etoile_app.settings import redis_caches
from kernel import pagecache
from tests.factories import PASSWORD
from tests.pages import publish, text_of
from tests.redis_servers import free_port, redis_server

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
# What visitors make the page cache store: a page each, for as many addresses as they ask
# for. Random bytes, as a gzipped page is: nothing compresses them further.
PAGE_BYTES = 16 * 1024
PAGES = 800  # 12.8 MB: three times the 4 MB the Redis instances are capped at


@pytest.fixture(scope="module")
def page_redis():
    """The page cache's Redis as docs/DEPLOY.md now has it: capped, evicting the least used."""
    with redis_server(maxmemory="4mb", policy="allkeys-lru") as server:
        yield server


@pytest.fixture(scope="module")
def ratelimit_redis():
    """The rate limits' Redis as docs/DEPLOY.md now has it: capped, never evicting."""
    with redis_server(maxmemory="4mb", policy="noeviction") as server:
        yield server


@pytest.fixture(autouse=True)
def empty_servers(request):
    """Each test starts on empty instances with their counters at zero (they are this
    module's own servers, not the shared one)."""
    for name in ("page_redis", "ratelimit_redis"):
        if name in request.fixturenames:
            client = request.getfixturevalue(name).client
            client.flushall()
            client.config_resetstat()


def use(settings, *, pages_url: str, ratelimit_url: str) -> None:
    settings.CACHES = redis_caches(pages_url=pages_url, ratelimit_url=ratelimit_url, timeout=1)


def sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def lock_out(attacker: Client, email: str) -> None:
    """Five wrong guesses: the sixth attempt, even with the right password, is refused."""
    for _ in range(5):
        sign_in(attacker, email, "a guess")
    refused = sign_in(attacker, email, PASSWORD)
    assert LOCKED in text_of(refused.content.decode())


def flood_the_page_cache() -> None:
    """What many anonymous requests for distinct pages do: each stores its page."""
    for number in range(PAGES):
        page = {"versions": [], "gzipped": os.urandom(PAGE_BYTES), "content_type": "text/html"}
        pagecache.cache.set(f"pagecache:page:flood-{number}", page, 600)


def deploy_warnings() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)} & {
        "etoile.W001",
        "etoile.W002",
        "etoile.W003",
    }


def test_filling_the_page_cache_until_it_evicts_leaves_a_locked_account_locked(
    odile, settings, page_redis, ratelimit_redis
):
    use(settings, pages_url=page_redis.url, ratelimit_url=ratelimit_redis.url)
    assert deploy_warnings() == set()  # the layout `check --deploy` accepts
    attacker = Client()
    lock_out(attacker, odile.email)

    flood_the_page_cache()

    assert page_redis.evicted_keys() > 0, "the page cache was full and evicted pages"
    after = sign_in(attacker, odile.email, PASSWORD)
    assert after.status_code == 200, "signed in: the failed attempts were forgotten"
    assert LOCKED in text_of(after.content.decode())
    assert SESSION_KEY not in attacker.session


def test_one_shared_evicting_redis_loses_the_lock_and_check_deploy_refuses_it(odile, settings):
    """The layout before the fix, and what the penetration test found with it: this is why
    `check --deploy --fail-level WARNING` (docs/DEPLOY.md, step 1) now stops it."""
    with redis_server(maxmemory="4mb", policy="volatile-ttl") as shared:
        use(settings, pages_url=shared.url, ratelimit_url=shared.url)
        assert deploy_warnings() == {"etoile.W002", "etoile.W003"}
        attacker = Client()
        lock_out(attacker, odile.email)

        flood_the_page_cache()

        assert shared.evicted_keys() > 0
        assert sign_in(attacker, odile.email, PASSWORD).status_code == 302  # signed in


def test_a_full_rate_limit_store_refuses_sign_in_rather_than_letting_it_through(
    odile, settings, page_redis, ratelimit_redis, caplog
):
    """noeviction refuses writes once maxmemory is reached: a limit that cannot be counted
    is a 503 (kernel/outage.py), never a sign-in."""
    use(settings, pages_url=page_redis.url, ratelimit_url=ratelimit_redis.url)
    filler = ratelimit_redis.client
    with pytest.raises(OutOfMemoryError):
        for number in range(1000):
            filler.set(f"filler:{number}", os.urandom(PAGE_BYTES))
    attacker = Client()

    response = sign_in(attacker, odile.email, PASSWORD)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert SESSION_KEY not in attacker.session
    assert "refused: the cache does not answer (OutOfMemoryError)" in caplog.text


def test_check_deploy_warns_when_the_rate_limit_redis_does_not_answer(settings):
    use(settings, pages_url="", ratelimit_url=f"redis://127.0.0.1:{free_port()}/0")
    assert deploy_warnings() == {"etoile.W001"}


def test_without_redis_many_other_addresses_do_not_cull_a_locked_accounts_counter(odile, settings):
    """The embedded default keeps the limits in a database table, which Django culls by a
    third, oldest keys first, once it holds MAX_ENTRIES (300 unless set): an attacker's
    failed sign-ins with other addresses would push the locked account's counter out."""
    settings.CACHES = redis_caches(pages_url="", ratelimit_url="", timeout=1)
    attacker = Client()
    lock_out(attacker, odile.email)

    from django.core.cache import cache

    # What a few hundred failed sign-ins with other addresses leave in the table.
    for number in range(400):
        cache.set(f"failed-sign-in-elsewhere-{number}", [1], 300)

    after = sign_in(attacker, odile.email, PASSWORD)
    assert LOCKED in text_of(after.content.decode())
    assert SESSION_KEY not in attacker.session


def test_reviews_are_counted_in_the_rate_limits_redis_for_their_windows_whatever_the_address(
    client, odette, episode, settings, page_redis, ratelimit_redis
):
    """kernel/ratelimits.py: a counter a window for each rate, per member; the sixth review in
    a minute is refused, from any address a header claims, and each counter leaves with its
    window (nothing kept for ever in the store that never evicts)."""
    use(settings, pages_url=page_redis.url, ratelimit_url=ratelimit_redis.url)
    for n in range(5):
        assert (
            publish(client, f"Review {n}.", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 302
        )

    refused = publish(client, "The sixth.", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert refused.status_code == 429
    assert "faster than we allow" in text_of(refused.content.decode())
    store = ratelimit_redis.client
    counters = {
        key.decode().split(":")[4]: (int(store.get(key)), store.ttl(key))
        for key in store.scan_iter(f"*rl:review_post:*:{odette.pk}:*")
    }
    assert counters.keys() == {"5/m/user", "50/d/user"}
    (minute, minute_ttl), (day, day_ttl) = counters["5/m/user"], counters["50/d/user"]
    assert (minute, day) == (6, 5)  # the refused one counted in the minute, not the day
    assert 0 < minute_ttl <= 60
    assert 0 < day_ttl <= 86_400
