"""Sessions read from the cache and written through to the database (Django's `cached_db`),
that carry on from the database alone when the cache does not answer: a Redis outage must
leave members signed in and pages served (kernel/outage.py), as it did when sessions were
read from the database only."""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class _Forgiving:
    """The cache, its failures read as a miss (get) or skipped (set, delete)."""

    def __init__(self, cache):
        self._cache = cache

    def _try(self, method: str, *args, **kwargs):
        try:
            return getattr(self._cache, method)(*args, **kwargs)
        except Exception:  # noqa: BLE001 (any cache backend's failure: the database answers)
            logger.warning("session cache unavailable: %s from the database", method)
            return None

    def get(self, *args, **kwargs):
        return self._try("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._try("set", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._try("delete", *args, **kwargs)

    def __contains__(self, key) -> bool:
        return bool(self._try("has_key", key))

    def __getattr__(self, name):
        return getattr(self._cache, name)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _Forgiving(self._cache)
