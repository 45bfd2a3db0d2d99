"""Counters in the shared cache that say "everything stored before this is stale": bump one and whatever was
stored under its old value is never served again, on any server sharing the cache.

A missing counter (first use, evicted, or flushed) starts at a random number, never at one anything was stored
under; with the cache away it reads 0, which callers take as "nothing cached can be trusted".

A bump this process cannot make because the cache is away is owed, and made when the cache answers this
process again (shortscience.cache.answers_again). Redis may have been unreachable from here only, or only for a
moment, with what it holds intact: other processes, and this one afterwards, would otherwise go on serving what
was stored before the write (a page for up to PAGE_CACHE_SECONDS, a suspended reader's row for up to an hour).
An owed bump is also written to PostgreSQL (OwedBump), where the write it follows went: if the process stops
before the cache answers it (a recycled worker, a finished command), whichever process settles next makes it,
and the worker's beat settles every OWED_BUMPS_SETTLE_SECONDS. While the first call back makes the owed bumps,
other threads of the same process may still read the old counters.
"""

import logging
import secrets
import threading

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.utils import timezone

from shortscience.cache import answers_again
from shortscience.models import OwedBump

logger = logging.getLogger(__name__)


def current(key: str) -> int:
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbits(48), timeout=None)
        value = cache.get(key, 0)
    return value


def bump(key: str) -> bool:
    """Make what was stored under `key`'s generation stale; False if the cache is away and the bump is owed."""
    attempt = object()
    with _owing:
        # Owed from the start, not from a failure seen: if the cache comes back halfway, settle_owed makes it.
        _owed[key] = attempt
    _seen.pop(key, None)
    try:
        cache.incr(key)
    except ValueError:
        # Missing (or the cache is away): a fresh random start is as good as an increment.
        cache.delete(key)
        if not current(key):
            _owe_durably(key)
            return False
    finally:
        _seen.pop(key, None)  # and whatever another thread of this process read while it was being made
    with _owing:
        if _owed.get(key) is attempt:  # not owed again since by a bump that failed
            del _owed[key]
    return True


def saw(key: str, value: int, *, at: float) -> None:
    """Remember that `key` had `value` at `at` (a monotonic time), for `seen_since`."""
    if value:
        _seen[key] = (at, value)


def seen_since(key: str, since: float) -> int | None:
    """The value this process last read of `key`, if it read it at `since` or later and has not bumped it since;
    for callers that may be that stale (shortscience.page_cache's visitors' pages, for a moment)."""
    seen = _seen.get(key)
    return seen[1] if seen is not None and seen[0] >= since else None


# What this process read of each counter lately, and when: (monotonic time, value).
_seen: dict[str, tuple[float, int]] = {}


def _owe_durably(key: str) -> None:
    try:
        # A savepoint: inside a request's transaction, a failure here must not break the write being made.
        with transaction.atomic():
            OwedBump.objects.bulk_create(
                [OwedBump(key=key, owed_since=timezone.now())],
                update_conflicts=True, unique_fields=["key"], update_fields=["owed_since"],
            )  # fmt: skip
    except DatabaseError:
        logger.exception("Could not record the owed bump of %s: only this process will make it.", key)


@receiver(answers_again, dispatch_uid="generations:settle")
def settle_owed(**kwargs) -> int:
    """Make the bumps owed since the cache went away, by this process or by any other (PostgreSQL keeps theirs);
    one each, since a bump is a bump however many were missed. Returns how many were made."""
    with _owing:
        owed = set(_owed)
        _owed.clear()
    try:
        recorded = dict(OwedBump.objects.values_list("key", "owed_since"))
    except DatabaseError:
        logger.exception("Could not read the owed bumps other processes recorded.")
        recorded = {}
    made = 0
    for key in sorted(owed | recorded.keys()):
        if not bump(key):
            continue  # the cache is away again: owed again, here and in PostgreSQL
        made += 1
        if key in recorded:
            # Only the row read: a bump owed since, by a process that could not reach the cache, stays owed.
            OwedBump.objects.filter(key=key, owed_since__lte=recorded[key]).delete()
    return made


# Keys whose bump this process has not made yet, each with the attempt that owes it.
_owed: dict[str, object] = {}
_owing = threading.Lock()


def bump_now_and_on_commit(key: str) -> None:
    """What was stored under `key`'s generation is stale, now and again once the transaction commits: the second
    bump drops what another request may have stored from the old rows in between."""
    bump(key)
    transaction.on_commit(lambda: bump(key), robust=True)
