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


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
