"""Sessions as Django's cached_db engine keeps them (Redis first, PostgreSQL behind), with two additions:

- a page that makes a round trip to the cache anyway can fetch the reader's session in it (`cache_key_for`,
  `use_cached`) instead of the session making its own: shortscience.page_cache does, for pages logged-in
  readers share;
- a session opened before shortscience.auth_backends names the backend it replaced, and is read as naming the
  new one, so nobody is logged out by the change.

The keys are cached_db's own, so sessions opened under `django.contrib.sessions.backends.cached_db` carry on.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import cached_db

from shortscience.auth_backends import RENAMED


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        return _with_current_backend(super().load())

    def cache_key_for(self) -> str | None:
        """Where the cache keeps this session, or None for a reader without one (never creates a key)."""
        return None if self.session_key is None else self.cache_key_prefix + self.session_key

    def use_cached(self, data: dict | None) -> None:
        """Take the session's data as fetched from the cache under `cache_key_for()`, unless it is loaded
        already or the cache had none (then it loads as usual, from the database)."""
        if data is not None and not hasattr(self, "_session_cache"):
            self._session_cache = _with_current_backend(data)


def _with_current_backend(data: dict) -> dict:
    backend = data.get(BACKEND_SESSION_KEY)
    if backend in RENAMED:
        data = {**data, BACKEND_SESSION_KEY: RENAMED[backend]}
    return data
