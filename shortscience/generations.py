"""Counters in the shared cache that say "everything stored before this is stale": bump one and whatever was
stored under its old value is never served again, on any server sharing the cache.

A missing counter (first use, evicted, or flushed) starts at a random number, never at one anything was stored
under; with the cache away it reads 0, which callers take as "nothing cached can be trusted".

A bump this process cannot make because the cache is away is owed, and made when the cache answers this
process again (shortscience.cache.answers_again). Redis may have been unreachable from here only, or only for a
moment, with what it holds intact: other processes, and this one afterwards, would otherwise go on serving what
was stored before the write (a page for up to PAGE_CACHE_SECONDS, a suspended reader's row for up to an hour).
What a process owes goes with it if it stops first (a recycled worker, a finished command); and while the
first call back makes the owed bumps, other threads of the same process may still read the old counters.
"""

import secrets
import threading

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver

from shortscience.cache import answers_again


def current(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbits(48), timeout=None)
        value = cache.get(key, 0)
    return value


def bump(key: str) -> None:
    attempt = object()
    with _owing:
        # Owed from the start, not from a failure seen: if the cache comes back halfway, settle_owed makes it.
        _owed[key] = attempt
    try:
        cache.incr(key)
    except ValueError:
        # Missing (or the cache is away): a fresh random start is as good as an increment.
        cache.delete(key)
        if not current(key):
            return  # away: still owed
    with _owing:
        if _owed.get(key) is attempt:  # not owed again since by a bump that failed
            del _owed[key]


@receiver(answers_again, dispatch_uid="generations:settle")
def settle_owed(**kwargs) -> None:
    """Make the bumps owed since the cache went away (one each: a bump is a bump however many were missed)."""
    with _owing:
        owed = list(_owed)
        _owed.clear()
    for key in owed:
        bump(key)  # owed again if the cache is away again


# Keys whose bump this process has not made yet, each with the attempt that owes it.
_owed: dict[str, object] = {}
_owing = threading.Lock()


def bump_now_and_on_commit(key: str) -> None:
    """What was stored under `key`'s generation is stale, now and again once the transaction commits: the second
    bump drops what another request may have stored from the old rows in between."""
    bump(key)
    transaction.on_commit(lambda: bump(key), robust=True)
