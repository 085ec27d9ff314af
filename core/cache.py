"""The shared cache: Django's own Redis backend, made to fail soft (ADR 0025).

Every web process and the worker keep dashboard results in one Redis, so a change made
through one process is seen by all and the worker can warm what the next visit needs. What
the cache holds can always be computed again from the database, so a Redis that is down or
unreachable is a miss, never an error page: every call answers as an empty cache would
(``get`` gives the default, ``add`` and ``set`` store nothing). The connection and socket
timeouts are short, and after a failure the cache is not asked again for a few seconds, so a
dead Redis costs milliseconds a page, not a timeout a call; the loss is logged once when it
starts and once when Redis answers again, not per call.

``clear`` removes this cache's own keys (those under its ``KEY_PREFIX``), never the whole
Redis database: Celery's queues live in the same database.
"""

from __future__ import annotations

import logging
import pickle
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: After a failure, how long every call is a miss without asking Redis.
RETRY_AFTER_SECONDS = 5.0
#: What a value that cannot be read back (written by an older release, say) raises.
UNREADABLE = (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError, ValueError)
#: Per Redis server, in this process: is it known to be down, and until when not to ask.
_HEALTH: dict[str, dict] = {}


class FailSoftRedisCache(RedisCache):
    """Django's ``RedisCache``; a connection error or timeout is a miss (reads) or a no-op
    (writes), logged once for each time Redis is lost."""

    def __init__(self, server, params):
        params = {**params}
        if not params.get("KEY_PREFIX"):
            raise ValueError("The shared cache needs a KEY_PREFIX: clear() removes only its own keys.")
        options = {"socket_connect_timeout": 0.25, "socket_timeout": 1.0, **params.get("OPTIONS", {})}
        params["OPTIONS"] = options
        super().__init__(server, params)
        # Django makes a backend per thread; whether Redis is down is known once per process.
        self._health = _HEALTH.setdefault(str(server), {"down": False, "until": 0.0})

    # --- failing soft -----------------------------------------------------------------------

    def _call(self, what: str, call, fallback):
        health = self._health
        if health["down"] and time.monotonic() < health["until"]:
            return fallback
        try:
            result = call()
        except RedisError as error:
            health["until"] = time.monotonic() + RETRY_AFTER_SECONDS
            if not health["down"]:
                health["down"] = True
                logger.warning("shared cache unavailable (%s on %s): pages are computed, not cached", error, what)
            return fallback
        if health["down"]:
            health["down"] = False
            logger.warning("shared cache available again")
        return result

    # --- Django's cache API -----------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        def read():
            try:
                return super(FailSoftRedisCache, self).get(key, default, version)
            except UNREADABLE:  # written by another release: a miss, computed again
                return default

        return self._call("get", read, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", lambda: super(FailSoftRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._call("delete", lambda: super(FailSoftRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        def read():
            try:
                return super(FailSoftRedisCache, self).get_many(keys, version)
            except UNREADABLE:
                return {}

        return self._call("get_many", read, {})

    def has_key(self, key, version=None):
        return self._call("has_key", lambda: super(FailSoftRedisCache, self).has_key(key, version), False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            "set_many", lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys, version=None):
        return self._call("delete_many", lambda: super(FailSoftRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        """Remove this cache's keys only (a prefix scan): Celery's queues share the database."""

        def remove() -> bool:
            client = self._cache.get_client(write=True)
            batch = []
            for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
            return True

        return self._call("clear", remove, False)
