"""Permalink views, counted once per reader per day, with no write on the request's path.

A view is noted in this process's memory (`view_noted`): the request pays an append, nothing more. At most
settings.VIEW_COUNT_FLUSH_SECONDS later a thread of the process writes every view noted meanwhile (`views_flush`),
in one transaction of two statements: the day's SummaryView rows, one per summary, reader and day (a reader
another process counted already counts nothing: ON CONFLICT DO NOTHING), and each summary's narrow count row
moved by the views that did count. So a burst of new readers on one summary (a link on a busy site) costs each
process one write a second, where it was a cache round trip, an insert and a lock on the summary's count row per
reader; and a reader who reloads the page costs nothing, as this process remembers whom it noted today.

With VIEW_COUNT_FLUSH_SECONDS at 0 (the tests), each view is written as it is noted. The views of the last moment
before a process is killed (not stopped: a stopping process writes them) are lost, as are those of a flush the
database refuses (logged): a count is worth less than the pages it would hold up.
"""

import atexit
import logging
import os
import re
import threading
from datetime import date

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from shortscience.recent import Recent

logger = logging.getLogger(__name__)

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
_noted = Recent(kept=65536)
_pending: list[tuple[int, str, date]] = []  # (summary id, reader, day), as noted since the last flush
_flush_timer: threading.Timer | None = None  # armed by the first view noted after a flush
_pending_lock = threading.Lock()


def view_noted(*, summary_id: int, reader: str) -> None:
    """`reader` read the summary: counted, once today, at the next flush."""
    global _flush_timer
    day = timezone.localdate()
    if (day, reader, summary_id) in _noted:
        return
    _noted.remember((day, reader, summary_id))
    delay = settings.VIEW_COUNT_FLUSH_SECONDS
    with _pending_lock:
        _pending.append((summary_id, reader, day))
        if delay > 0 and _flush_timer is None:
            _flush_timer = threading.Timer(delay, _flush_in_background)
            _flush_timer.daemon = True
            _flush_timer.start()
    if delay <= 0:
        views_flush()


def views_flush() -> int:
    """Write the views noted so far (and call off the flush they armed); how many counted: the others had been
    counted today already."""
    global _flush_timer
    with _pending_lock:
        batch = _pending[:]
        _pending.clear()
        if _flush_timer is not None:
            _flush_timer.cancel()
            _flush_timer = None
    if not batch:
        return 0
    try:
        return _write(batch)
    except DatabaseError:
        logger.exception("%d views noted could not be written; they are not counted.", len(batch))
        return 0


def _flush_in_background() -> None:
    try:
        views_flush()
    except Exception:
        logger.exception("Writing the views noted failed.")
    finally:
        connections.close_all()  # this thread's own connections, which no one would close


def _forget_pending_in_child() -> None:
    # A forked child (a gunicorn worker, forked from the master that loaded the site) has no timer thread.
    global _flush_timer
    _pending.clear()
    _flush_timer = None


os.register_at_fork(after_in_child=_forget_pending_in_child)
atexit.register(views_flush)  # a process that stops writes what it noted


# Rows for views of summaries that still exist (one deleted since it was read counts nothing) that a reader had
# not today; then each summary's count row, moved by the views that did count. PostgreSQL and SQLite alike.
_FIRST_VIEWS_TODAY = """
    WITH noted (summary_id, reader, day) AS (VALUES {rows})
    INSERT INTO summaries_summaryview (summary_id, reader, day)
    SELECT summary_id, reader, day FROM noted
    WHERE EXISTS (SELECT 1 FROM summaries_summary WHERE summaries_summary.id = noted.summary_id)
    ON CONFLICT (summary_id, reader, day) DO NOTHING
    RETURNING summary_id
"""
_COUNTS_MOVED = """
    INSERT INTO summaries_summaryviewcount (summary_id, count) VALUES {rows}
    ON CONFLICT (summary_id) DO UPDATE SET count = summaries_summaryviewcount.count + excluded.count
"""
_VIEWS_A_STATEMENT = 1000  # 3 parameters each: SQLite takes at most 32,766


def _write(batch: list[tuple[int, str, object]]) -> int:
    views = list(dict.fromkeys(batch))
    counted: dict[int, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(views), _VIEWS_A_STATEMENT):
            chunk = views[start : start + _VIEWS_A_STATEMENT]
            cursor.execute(_FIRST_VIEWS_TODAY.format(rows=", ".join(["(%s, %s, %s)"] * len(chunk))), [v for view in chunk for v in view])
            for (summary_id,) in cursor.fetchall():
                counted[summary_id] = counted.get(summary_id, 0) + 1
        if counted:
            rows = ", ".join(["(%s, %s)"] * len(counted))
            cursor.execute(_COUNTS_MOVED.format(rows=rows), [value for item in counted.items() for value in item])
    return sum(counted.values())
