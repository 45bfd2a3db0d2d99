"""Counters in the shared cache that say "everything stored before this is stale": bump one and whatever was
stored under its old value is never served again, on any server sharing the cache.

A missing counter (first use, evicted, or flushed) starts at a random number, never at one anything was stored
under; with the cache away it reads 0, which callers take as "nothing cached can be trusted".

A bump this process cannot make because the cache is away is owed, and made when the cache answers this
process again (shortscience.cache.answers_again). Redis may have been unreachable from here only, or only for a
moment, with what it holds intact: other processes, and this one afterwards, would otherwise go on serving what
was stored before the write (a page for up to PAGE_CACHE_SECONDS, a suspended reader's row for up to an hour).
An owed bump is also written to PostgreSQL (OwedBump), where the write it follows went, once that commits: if the
process stops before the cache answers it (a recycled worker, a finished command), whichever process settles
next makes it, and the worker's beat settles every OWED_BUMPS_SETTLE_SECONDS. While the first call back makes the
owed bumps, other threads of the same process may still read the old counters.
"""

import logging
import secrets
import threading

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.dispatch import receiver

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
        _forget_seen(key)
    try:
        cache.incr(key)
    except ValueError:
        # Missing (or the cache is away): a fresh random start is as good as an increment.
        cache.delete(key)
        if not current(key):
            _owe_durably(key)
            return False
    finally:
        with _owing:
            _forget_seen(key)  # and what another thread of this process read while the bump was being made
    with _owing:
        if _owed.get(key) is attempt:  # not owed again since by a bump that failed
            del _owed[key]
    return True


def _forget_seen(key: str) -> None:
    _bump_ticks[key] = _bump_ticks.get(key, 0) + 1
    _seen.pop(key, None)


def reading(key: str) -> int:
    """Call before reading `key` from the cache; hand what it returns to `saw` with the value read."""
    return _bump_ticks.get(key, 0)


def saw(key: str, value: int, *, at: float, read_from: int) -> None:
    """Remember that `key` had `value` at `at` (a monotonic time), for `seen_since`: unless a bump of it by this
    process began or ended since `reading` returned `read_from`, which may have made the value read stale."""
    with _owing:
        if value and _bump_ticks.get(key, 0) == read_from:
            _seen[key] = (at, value)


def seen_since(key: str, since: float) -> int | None:
    """The value this process last read of `key`, if it read it at `since` or later and has not bumped it since;
    for callers that may be that stale (shortscience.page_cache's visitors' pages, for a moment)."""
    seen = _seen.get(key)
    return seen[1] if seen is not None and seen[0] >= since else None


def _owe_durably(key: str) -> None:
    if connection.in_atomic_block:
        # Not beside a write: every write of the outage would lock the row until its commit, and a failure here
        # would break it. Its commit's bump (bump_now_and_on_commit) records what is still owed then.
        return
    quote = connection.ops.quote_name
    table, key_column, times_owed = quote(OwedBump._meta.db_table), quote("key"), quote("times_owed")
    try:
        with connection.cursor() as cursor:
            # A count, not a time: settling deletes the row only as it read it, whatever the servers' clocks say.
            cursor.execute(
                f"INSERT INTO {table} ({key_column}, {times_owed}) VALUES (%s, 1)"
                f" ON CONFLICT ({key_column}) DO UPDATE SET {times_owed} = {table}.{times_owed} + 1",
                [key],
            )
    except DatabaseError:
        logger.exception("Could not record the owed bump of %s: only this process will make it.", key)


@receiver(answers_again, dispatch_uid="generations:settle")
def settle_owed(**kwargs) -> int:
    """Make the bumps owed since the cache went away, by this process or by any other (PostgreSQL keeps theirs);
    one each, since a bump is a bump however many were missed. Returns how many were made.

    Inside a transaction (the cache call that found Redis back may be a write's), the recorded ones are made once
    it commits: deleting their rows now would hold them locked, and a failure would break the write."""
    with _owing:
        owed = set(_owed)
        _owed.clear()
    made = sum(bump(key) for key in sorted(owed))  # each owed again if the cache is away again
    if connection.in_atomic_block:
        transaction.on_commit(_settle_recorded, robust=True)
        return made
    return made + _settle_recorded()


def _settle_recorded() -> int:
    try:
        recorded = dict(OwedBump.objects.values_list("key", "times_owed"))
    except DatabaseError:
        logger.exception("Could not read the owed bumps other processes recorded.")
        return 0
    made = 0
    for key, times_owed in sorted(recorded.items()):
        if not bump(key):
            continue  # the cache is away again: owed again, here and in PostgreSQL
        made += 1
        try:
            # Only the row as read: a bump owed since, by a process that could not reach the cache, stays owed.
            OwedBump.objects.filter(key=key, times_owed=times_owed).delete()
        except DatabaseError:
            logger.exception("Could not clear the owed bump of %s: it will be made again.", key)
    return made


# Keys whose bump this process has not made yet, each with the attempt that owes it; for each key, a count moved
# at every start and end of a bump here, and what this process read of it lately, and when: (monotonic time, value).
_owed: dict[str, object] = {}
_bump_ticks: dict[str, int] = {}
_seen: dict[str, tuple[float, int]] = {}
_owing = threading.Lock()


def bump_now_and_on_commit(key: str) -> None:
    """What was stored under `key`'s generation is stale, now and again once the transaction commits: the second
    bump drops what another request may have stored from the old rows in between."""
    bump(key)
    transaction.on_commit(lambda: bump(key), robust=True)
