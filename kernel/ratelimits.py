"""Rate limits counted with the cache's atomic operations, for the writes members make most
(a review or a reply): the limits are allauth's settings, spelt as allauth spells them
(ACCOUNT_RATE_LIMITS, "5/m/user,50/d/user"), and refuse the same sixth post.

allauth keeps each rate's history of times under a lock it takes and removes in the cache: a
lock, a read, a write and an unlock for each rate, eight Redis round trips for a review's two
rates, which cost a review a tenth of its CPU (docs/PERFORMANCE.md). Here each rate is one
counter for each window of the rate's duration (a minute, a day, counted from the epoch).
On the site's Redis cache every rate of a post is counted in one round trip (a script,
kernel/cache.py's `count_until_refused`); on another cache, `incr()`, and `add()` when the
window's counter is not there yet. Fixed windows, as django-ratelimit counts, rather than allauth's
sliding history: a member who posts at the end of one window and the start of the next can
post up to twice the amount within one duration, never more.
"""

import functools
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from kernel.cache import ReusedClientRedisCache

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    spelt: str


@functools.cache
def _parsed(rates: str) -> tuple[Rate, ...]:
    parsed = []
    for spelt in filter(None, (part.strip() for part in rates.split(","))):
        amount, duration, per = spelt.split("/")
        if per != "user":
            # Behind the proxy REMOTE_ADDR is the proxy's: a rate per address would be one
            # counter for everyone. allauth's limiter, which knows the client's address, counts
            # those (sign-in, sign-up).
            raise ValueError(f"{spelt}: a rate counted here is per user")
        seconds = math.ceil(float(duration[:-1] or 1) * UNITS[duration[-1]])
        parsed.append(Rate(int(amount), seconds, spelt))
    return tuple(parsed)


def consume(request: HttpRequest, *, action: str) -> bool:
    """Count one `action` for the signed-in member, by their id (no header the client writes
    resets a count); False when a rate is already used up. A rate that refuses leaves the
    rates after it uncounted."""
    now = time.time()
    counters = []
    for rate in _parsed(settings.ACCOUNT_RATE_LIMITS.get(action, "")):
        window = int(now // rate.seconds)
        left = math.ceil((window + 1) * rate.seconds - now)  # the window's seconds to go
        counters.append((f"rl:{action}:{rate.spelt}:{request.user.pk}:{window}", left, rate.amount))
    if not counters:
        return True
    if isinstance(caches[DEFAULT_CACHE_ALIAS], ReusedClientRedisCache):
        return cache.count_until_refused(counters) == 0  # one round trip for every rate
    return all(_counted(key, left) <= amount for key, left, amount in counters)


def _counted(key: str, left: int) -> int:
    """The window's count with this one: moved by `incr()` (atomic on Redis, whose INCRBY
    keeps the counter's lifetime; the database cache's incr is a read and a write, so two
    requests at the same instant may count one, and it gives the row the cache's default
    lifetime, so it is given the window's again), or made by `add()` (atomic) when the
    window has none yet."""
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first
        if cache.add(key, 1, timeout=left):
            return 1
        count = cache.incr(key)  # another request's add came first
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], _INCR_KEEPS_LIFETIME):
        cache.touch(key, left)
    return count


_INCR_KEEPS_LIFETIME = (RedisCache, LocMemCache)
