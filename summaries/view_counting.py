"""Permalink views, counted once per reader per day, with no write on the request's path.

A view is noted in the process's memory (`summary_view_note`): the request pays an append. Each process's flusher
thread writes the views noted every settings.VIEW_COUNT_FLUSH_SECONDS (`summary_views_flush`), in one
transaction: the day's SummaryView rows, one per summary, reader and day (a reader another process counted today
counts nothing: ON CONFLICT DO NOTHING), then each summary's narrow count row moved by the views that did count,
both in one order (summary, reader, day), so two processes' flushes never wait on each other's locks in a cycle.
So a burst of new readers on one summary (a link on a busy site) costs each process one write a second, where it
cost every reader a Redis round trip, an insert and a lock on that summary's count row, which every worker took
in turn. A reader who reloads the page costs nothing more when the same worker answers (each remembers the
readers it noted lately), and a row the insert skips otherwise.

With VIEW_COUNT_FLUSH_SECONDS at 0 (the tests), each view is written as it is noted. A stopping process writes
what it noted; a killed one loses its last moment of views; a flush the database refuses is logged, and its
readers are counted when they come back: a count is worth less than the pages it would hold up.
"""

import atexit
import logging
import os
import re
import threading
import time
from datetime import date

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.utils import timezone

from shortscience.recent import Recent

logger = logging.getLogger(__name__)

# Obvious robots and link unfurlers; an empty User-Agent is a script too.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|preview|monitor|scanner|headless|lighthouse|"
    r"curl|wget|python-|httpx|aiohttp|java/|go-http|okhttp|libwww|scrapy|facebookexternalhit|embedly",
    re.IGNORECASE,
)


def is_countable_view(request, *, author_id: int | None) -> bool:
    """A page view counts unless it is the author's own, a robot's, or not a plain GET."""
    if request.method != "GET":
        return False
    user = getattr(request, "user", None)  # none yet where the page cache answers: an anonymous reader
    if user is not None and user.is_authenticated and user.pk == author_id:
        return False
    user_agent = request.headers.get("User-Agent", "")
    return bool(user_agent) and not BOT_USER_AGENT.search(user_agent)


# (day, reader, summary) for the views this process noted lately: a reader's reloads are noted once.
_noted = Recent(kept=16384)
_pending: list[tuple[int, str, date]] = []  # (summary id, reader, day), as noted since the last flush
_pending_lock = threading.Lock()
_flushing = threading.Lock()  # one flush at a time: the flusher's, a stopping process's, a test's
_flusher: threading.Thread | None = None
_flusher_stopping = threading.Event()


def summary_view_note(*, summary_id: int, reader: str) -> None:
    """`reader` read the summary: counted, once today, at the next flush."""
    day = timezone.localdate()
    if (day, reader, summary_id) in _noted:
        return
    _noted.remember((day, reader, summary_id))
    with _pending_lock:
        _pending.append((summary_id, reader, day))
    if settings.VIEW_COUNT_FLUSH_SECONDS <= 0:
        summary_views_flush()
    elif _flusher is None or not _flusher.is_alive():
        _flusher_start()


def summary_views_flush() -> int:
    """Write the views noted so far; how many counted (the others had been counted today already)."""
    with _flushing:
        with _pending_lock:
            batch = _pending[:]
            _pending.clear()
        if not batch:
            return 0
        try:
            return _write(batch)
        except DatabaseError:
            logger.exception("%d views noted could not be written; their readers count when they come back.", len(batch))
            for summary_id, reader, day in batch:
                _noted.forget((day, reader, summary_id))
            return 0


# Rows for views of summaries that still exist (one deleted since it was read counts nothing) that a reader had
# not today, taken in the order given (the ordinal), not in the database's collation; then each summary's count
# row, moved by the views that did count. PostgreSQL and SQLite alike.
_FIRST_VIEWS_TODAY = """
    WITH noted (ordinal, summary_id, reader, day) AS (VALUES {rows})
    INSERT INTO summaries_summaryview (summary_id, reader, day)
    SELECT summary_id, reader, day FROM noted
    WHERE EXISTS (SELECT 1 FROM summaries_summary WHERE summaries_summary.id = noted.summary_id)
    ORDER BY ordinal
    ON CONFLICT (summary_id, reader, day) DO NOTHING
    RETURNING summary_id
"""
_COUNTS_MOVED = """
    INSERT INTO summaries_summaryviewcount (summary_id, count) VALUES {rows}
    ON CONFLICT (summary_id) DO UPDATE SET count = summaries_summaryviewcount.count + excluded.count
"""
_VIEWS_A_STATEMENT = 1000  # 4 parameters each: SQLite takes at most 32,766


def _write(batch: list[tuple[int, str, date]]) -> int:
    views = sorted(set(batch))  # the order every flush locks rows in
    counted: dict[int, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(views), _VIEWS_A_STATEMENT):
            chunk = views[start : start + _VIEWS_A_STATEMENT]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(_FIRST_VIEWS_TODAY.format(rows=rows), [value for i, view in enumerate(chunk) for value in (i, *view)])
            for (summary_id,) in cursor.fetchall():
                counted[summary_id] = counted.get(summary_id, 0) + 1
        if counted:
            rows = ", ".join(["(%s, %s)"] * len(counted))
            cursor.execute(_COUNTS_MOVED.format(rows=rows), [value for item in sorted(counted.items()) for value in item])
    return sum(counted.values())


def _flusher_start() -> None:
    global _flusher
    with _pending_lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher_stopping.clear()
            _flusher = threading.Thread(target=_flush_every_moment, name="view-counts", daemon=True)
            _flusher.start()


def _flush_every_moment() -> None:
    # The delay is read at least every half second, so a new one applies at once (tests change it).
    flushed_at = time.monotonic()
    try:
        while (delay := settings.VIEW_COUNT_FLUSH_SECONDS) > 0:
            if _flusher_stopping.wait(max(0.0, min(0.5, flushed_at + delay - time.monotonic()))):
                return
            if time.monotonic() < flushed_at + delay:
                continue
            flushed_at = time.monotonic()
            try:
                summary_views_flush()
            except Exception:
                logger.exception("Writing the views noted failed.")
            finally:
                close_old_connections()  # the thread's own connection, kept as CONN_MAX_AGE says, as a request's
    finally:
        connections.close_all()


def _flusher_stop() -> None:
    """Stop this process's flusher thread, after the flush it is making (if any)."""
    _flusher_stopping.set()
    if _flusher is not None and _flusher is not threading.current_thread():
        _flusher.join(timeout=30)


def _at_exit() -> None:
    _flusher_stop()
    summary_views_flush()  # what was noted since the thread's last flush


def _after_fork_in_child() -> None:
    # A forked child (a gunicorn worker, forked from the master that loaded the site) has no flusher thread, and a
    # lock a thread of the parent held would stay held in it for ever.
    global _flusher, _pending_lock, _flushing
    _pending.clear()
    _flusher, _pending_lock, _flushing = None, threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)  # a stopping process writes what it noted
