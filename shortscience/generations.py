"""Counters in the shared cache that say "everything stored before this is stale": bump one and whatever was
stored under its old value is never served again, on any server sharing the cache.

A missing counter (first use, evicted, or flushed) starts at a random number, never at one anything was stored
under; with the cache away it reads 0, which callers take as "nothing cached can be trusted".
"""

import secrets

from django.core.cache import cache
from django.db import transaction


def current(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbits(48), timeout=None)
        value = cache.get(key, 0)
    return value


def bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        # Missing (or the cache is away): a fresh random start is as good as an increment.
        cache.delete(key)
        current(key)


def bump_now_and_on_commit(key: str) -> None:
    """What was stored under `key`'s generation is stale, now and again once the transaction commits: the second
    bump drops what another request may have stored from the old rows in between."""
    bump(key)
    transaction.on_commit(lambda: bump(key), robust=True)
