"""A Redis cache that fails open: with Redis down or unreachable the site keeps serving and accepting writes.

Django's RedisCache raises on every call while Redis is away, and everything built on the cache (django-ratelimit,
allauth's log-in throttle, sessions, arXiv request spacing, page caching) would turn that into a 500. Here every
call answers as a cache that has nothing: reads miss, writes are dropped, `add` reports success (so limits and
locks let the request through instead of refusing it), `incr` raises ValueError as on a missing key (which
django-ratelimit treats as "no count": fail open). The first failure is logged once; for `RETRY_SECONDS` after
it Redis is not asked again, so a down server costs no connect timeout per call; then the next call tries again
and, when it answers, its return is logged and `answers_again` is sent.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from django.dispatch import Signal
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class _Outage:
    """When Redis last failed, shared by every cache alias in this process that points at it."""

    def __init__(self):
        self._lock = threading.Lock()
        self.down_until = 0.0
        self.down = False

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.down_until

    def failed(self, error: Exception, location: str) -> None:
        with self._lock:
            if not self.down:
                logger.error("Cache at %s is unavailable (%s): serving without it until it answers again.", location, error)
            self.down = True
            self.down_until = time.monotonic() + RETRY_SECONDS

    def answered(self, location: str) -> bool:
        """Redis answered: True if it was away until now (then `answers_again` has been sent)."""
        if not self.down:
            return False
        with self._lock:
            came_back = self.down
            if came_back:
                logger.warning("Cache at %s answers again.", location)
                self.down = False
        if came_back:
            for receiver, error in answers_again.send_robust(sender=_Outage, location=location):
                if isinstance(error, Exception):
                    logger.error("%s failed when the cache came back: %r", receiver, error)
        return came_back


_outages: dict[str, _Outage] = {}
# Sent, with the cache's `location`, on the first call that Redis answers after this process found it away: what
# could not be written meanwhile can be now (shortscience.generations settles the bumps it owes).
answers_again = Signal()


def _guarded(method_name: str, fallback, *, read: bool = False):
    """`read`: a read that finds Redis back is made again, after what answers_again wrote (a generation bumped
    meanwhile must not be read from before it)."""
    parent = getattr(RedisCache, method_name)

    def method(self, *args, **kwargs):
        outage = self._outage
        if outage.skipping():
            return fallback(*args, **kwargs)
        try:
            result = parent(self, *args, **kwargs)
            if outage.answered(self._location) and read:
                result = parent(self, *args, **kwargs)
        except RedisError as error:
            outage.failed(error, self._location)
            return fallback(*args, **kwargs)
        return result

    method.__name__ = method_name
    return method


def _missing_key(*args, **kwargs):
    raise ValueError("Key not found: the cache is unavailable.")


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, answering as an empty cache while Redis is unavailable (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outages.setdefault(self._location, _Outage())

    @property
    def available(self) -> bool:
        """False while Redis is known to be down (for /healthz and for callers that must know)."""
        if self._outage.skipping():
            return False
        try:
            self._cache.get_client(write=False).ping()
        except RedisError as error:
            self._outage.failed(error, self._location)
            return False
        self._outage.answered(self._location)
        return True

    get = _guarded("get", _default, read=True)
    set = _guarded("set", lambda *args, **kwargs: None)
    add = _guarded("add", lambda *args, **kwargs: True)
    touch = _guarded("touch", lambda *args, **kwargs: False)
    delete = _guarded("delete", lambda *args, **kwargs: False)
    get_many = _guarded("get_many", lambda *args, **kwargs: {}, read=True)
    set_many = _guarded("set_many", lambda *args, **kwargs: [])
    delete_many = _guarded("delete_many", lambda *args, **kwargs: None)
    has_key = _guarded("has_key", lambda *args, **kwargs: False, read=True)
    incr = _guarded("incr", _missing_key)
    clear = _guarded("clear", lambda *args, **kwargs: False)
