"""`check --deploy` asks the Redis behind the rate limits how it is configured.

allauth keeps its rate-limit counters (failed sign-ins among them) in the default cache. A
Redis that evicts under memory pressure forgets a locked account's failures as soon as
something else fills it, and visitors fill the page cache at will: the default cache must be
a Redis instance of its own (eviction policy and maxmemory are per instance, not per database
number) with `maxmemory-policy noeviction`. INFO is asked rather than CONFIG GET, which
managed Redis services often disable.
"""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.checks import Tags, Warning, register
from redis.exceptions import RedisError

LAYOUT = "docs/DEPLOY.md, 'Redis: two instances'"


def _info(alias: str, section: str) -> dict:
    backend = caches[alias]
    return backend._cache.get_client(write=True).info(section)


@register(Tags.caches, deploy=True)
def rate_limit_store_never_evicts(app_configs=None, **kwargs) -> list[Warning]:
    if not isinstance(caches["default"], RedisCache):
        return []  # the database cache: see the same section of docs/DEPLOY.md
    try:
        memory = _info("default", "memory")
        server = _info("default", "server")
    except RedisError as error:
        return [
            Warning(
                f"Could not ask the rate-limit Redis (RATELIMIT_REDIS_URL) its eviction "
                f"policy: {error}.",
                hint=f"It must answer INFO and be set to maxmemory-policy noeviction: {LAYOUT}.",
                id="etoile.W001",
            )
        ]
    warnings = []
    policy = memory.get("maxmemory_policy")
    if policy != "noeviction":
        warnings.append(
            Warning(
                f"The rate-limit Redis evicts keys (maxmemory-policy {policy}): filling it "
                f"forgets failed sign-ins, and a locked account takes guesses again.",
                hint=f"Set maxmemory-policy noeviction on that instance: {LAYOUT}.",
                id="etoile.W002",
            )
        )
    if isinstance(caches["pages"], RedisCache):
        try:
            pages_server = _info("pages", "server")
        except RedisError:
            pages_server = {}  # pages are rendered without their cache: no risk to rate limits
        if pages_server.get("run_id") == server.get("run_id"):
            warnings.append(
                Warning(
                    "Visitors' pages (REDIS_URL) and rate limits (RATELIMIT_REDIS_URL) are in "
                    "the same Redis instance: pages anyone can ask for fill the memory the "
                    "rate limits need.",
                    hint=f"Give rate limits a Redis instance of their own: {LAYOUT}.",
                    id="etoile.W003",
                )
            )
    return warnings
