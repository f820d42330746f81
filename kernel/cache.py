"""Django's RedisCache, keeping one redis.Redis client per connection pool.

Django builds a new redis.Redis object for every cache command, and each one registers some
170 response callbacks: `make bench` profiled that at a fifth of the time a visitor's cached
page takes. A client over a pool is thread-safe, so one per pool serves every request.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# Django's incr asks whether the key is there (INCRBY would make a missing one without a
# lifetime), then adds: two round trips. The same, atomic, in one (kernel/ratelimits.py
# counts each review this way).
_INCR_IF_THERE = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end"
)


# A write's rates counted at once (kernel/ratelimits.py): each rate's counter for its window
# made with the window's lifetime when it is not there (SET NX EX), then moved by one; the
# first rate used up stops it, and its number (from 1) is returned, or 0 when every rate
# allows. One round trip for all the rates, where incr() took one a rate.
_COUNT_UNTIL_REFUSED = """
for i, key in ipairs(KEYS) do
  redis.call('set', key, 0, 'EX', ARGV[2 * i - 1], 'NX')
  if redis.call('incr', key) > tonumber(ARGV[2 * i]) then return i end
end
return 0
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        value = self.get_client(key, write=True).eval(_INCR_IF_THERE, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many(self, data, timeout):
        if timeout is not None:
            return super().set_many(data, timeout)
        # MSET is atomic by itself: Django sends it in a pipeline wrapped in MULTI … EXEC,
        # three commands and a transaction's replies for what each write's page groups move
        # (kernel/pagecache.py, at every rating, review and like).
        self.get_client(write=True).mset({k: self._serializer.dumps(v) for k, v in data.items()})
        return None

    def count_until_refused(self, counters: list[tuple[str, int, int]]) -> int:
        arguments = [value for _, seconds, amount in counters for value in (seconds, amount)]
        keys = [key for key, _, _ in counters]
        client = self.get_client(write=True)
        return client.eval(_COUNT_UNTIL_REFUSED, len(keys), *keys, *arguments)


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def count_until_refused(self, counters: list[tuple[str, int, int]]) -> int:
        """`counters`: (key, the window's seconds left, the rate's amount) for each rate, in
        order. Counts one in each until a rate is used up: that rate's number from 1, else 0."""
        return self._cache.count_until_refused(
            [
                (self.make_and_validate_key(key), seconds, amount)
                for key, seconds, amount in counters
            ]
        )
