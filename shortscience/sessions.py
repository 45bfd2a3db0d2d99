"""Sessions as Django's cached_db engine keeps them (Redis first, PostgreSQL behind), but a session opened before
shortscience.auth_backends names the backend it replaced, and is read as naming the new one, so nobody is logged
out by the change.

The keys are cached_db's own, so sessions opened under `django.contrib.sessions.backends.cached_db` carry on.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import cached_db

from shortscience.auth_backends import RENAMED


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        return _with_current_backend(super().load())


def _with_current_backend(data: dict) -> dict:
    backend = data.get(BACKEND_SESSION_KEY)
    if backend in RENAMED:
        data = {**data, BACKEND_SESSION_KEY: RENAMED[backend]}
    return data
