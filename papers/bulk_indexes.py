"""Bulk loads: a table's secondary indexes dropped for the load and built again, from sorted data, after it.

PostgreSQL builds an index in one sorted pass many times faster than it maintains it row by row:
for papers_paper the GIN indexes of search (the weighted tsvector, the title's words and trigrams)
cost it far more per row than the row itself, and their incremental upkeep grows with the table.
So a big load into a small table drops every index that backs no constraint (the primary key and the
unique identifiers stay: the import looks papers up by them), loads, then builds them again.

Each definition is saved in DeferredIndex in the same transaction as its DROP, and deleted in the
same transaction as its CREATE: an import that dies half-way leaves the list behind, the run that
resumes it keeps loading without them, and the run that finishes (or `restore_deferred_indexes`)
builds them. Only PostgreSQL: with SQLite nothing is dropped.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, transaction

from papers.models import DeferredIndex

# Memory for each index build, for its session only: the GIN builds sort millions of entries, and
# PostgreSQL's default 64 MB makes them spill to disk many times over. Builds running at once each
# take this much.
BUILD_MAINTENANCE_WORK_MEM = "1GB"


def deferrable_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes on `table` that back no constraint, in creation order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index_class.relname, pg_get_indexdef(index_class.oid)
            FROM pg_index JOIN pg_class AS index_class ON index_class.oid = pg_index.indexrelid
            WHERE pg_index.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE pg_constraint.conindid = pg_index.indexrelid)
            ORDER BY index_class.oid
            """,
            [connection.ops.quote_name(table)],
        )
        return cursor.fetchall()


def deferred_index_names(table: str) -> list[str]:
    return list(DeferredIndex.objects.filter(table=table).order_by("id").values_list("name", flat=True))


def drop_indexes(table: str) -> list[str]:
    """Drop `table`'s deferrable indexes, keeping their definitions; the names of all deferred now, in order."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name, definition in deferrable_indexes(table):
            DeferredIndex.objects.create(table=table, name=name, definition=definition)
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return deferred_index_names(table)


def restore_deferred_indexes(
    table: str | None = None, *, built: Callable[[str, float], None] = lambda name, seconds: None, jobs: int = 1
) -> list[str]:
    """Build every index deferred (for `table`, or for all tables), `jobs` at a time on connections of
    their own (each build is one backend's work; PostgreSQL 15 doesn't build a GIN index in parallel).
    `built(name, seconds)` hears of each."""
    deferred = DeferredIndex.objects.order_by("id")
    if table is not None:
        deferred = deferred.filter(table=table)
    deferred = list(deferred)
    if jobs > 1 and len(deferred) > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(lambda index: _build_on_own_connection(index, built), deferred))
    return [_build(index, built) for index in deferred]


def _build(index: DeferredIndex, built: Callable[[str, float], None]) -> str:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = %s", [BUILD_MAINTENANCE_WORK_MEM])
        # IF NOT EXISTS: a run that died between the CREATE and the commit left nothing to redo.
        cursor.execute(_if_not_exists(index.definition))
        index.delete()
    built(index.name, time.monotonic() - started)
    return index.name


def _build_on_own_connection(index: DeferredIndex, built: Callable[[str, float], None]) -> str:
    try:
        return _build(index, built)
    finally:
        connection.close()  # this thread's, which Django opened for it


@contextmanager
def indexes_deferred(
    table: str, *, built: Callable[[str, float], None] = lambda name, seconds: None, jobs: int = 1
) -> Iterator[list[str]]:
    """Within: `table` without its deferrable indexes (yields their names). After: built again, `jobs` at a time.

    If the block raises, they stay deferred (listed in DeferredIndex) for the run that resumes it.
    """
    if connection.vendor != "postgresql":
        yield []
        return
    names = drop_indexes(table)
    yield names
    restore_deferred_indexes(table, built=built, jobs=jobs)


def _if_not_exists(definition: str) -> str:
    for prefix in ("CREATE INDEX ", "CREATE UNIQUE INDEX "):
        if definition.startswith(prefix):
            return f"{prefix}IF NOT EXISTS {definition.removeprefix(prefix)}"
    raise ValueError(f"Not an index definition: {definition[:80]!r}")
