"""Create or update papers from the arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json, plain or .gz)."""

import itertools
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, nullcontext
from typing import BinaryIO, NamedTuple

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from papers.bulk_indexes import deferred_index_names, indexes_deferred, restore_deferred_indexes
from papers import snapshot_workers
from papers.importers import RecordResult, open_snapshot, records_write, snapshot_records
from papers.models import Paper
from papers.progress import ProgressStream
from papers.search import refresh_search_words
from papers.services import UpsertResult

DEFAULT_BATCH_SIZE = 10_000
# Below this many papers an import counts as a first load: its indexes are dropped and built after
# it (papers.bulk_indexes), at the cost of slow search meanwhile, which hardly matters on a near-empty site.
DEFER_INDEXES_BELOW = 100_000
PAPERS = Paper._meta.db_table


class Command(BaseCommand):
    help = (
        "Create or update a paper for each line of the arXiv metadata snapshot (JSON Lines, plain or gzipped). "
        "Each batch is committed on its own; bad lines are reported with their line number and skipped; "
        "an interrupted run resumes with --skip LAST_LINE. Into a table of fewer than "
        f"{DEFER_INDEXES_BELOW:,} papers, the indexes are dropped for the load and built after it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="arxiv-metadata-oai-snapshot.json, or the same gzipped")
        parser.add_argument("--skip", type=int, default=0, metavar="N", help="pass over the first N lines (to resume)")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N", help="records per transaction")
        parser.add_argument("--limit", type=int, default=None, metavar="N", help="read at most N lines after the skipped ones")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="parse and write in N processes, each on its own database connection (PostgreSQL; default 1)",
        )
        indexes = parser.add_mutually_exclusive_group()
        indexes.add_argument(
            "--defer-indexes", action="store_true", help="drop the indexes for the load and build them after it, whatever the table's size"
        )
        indexes.add_argument("--keep-indexes", action="store_true", help="keep the indexes during the load, whatever the table's size")
        indexes.add_argument(
            "--restore-indexes", action="store_true", help="only build the indexes an unfinished import left dropped, then stop"
        )

    def handle(
        self, *args, path, skip, batch_size, limit, jobs, verbosity, defer_indexes, keep_indexes, restore_indexes, **options
    ):
        if skip < 0 or batch_size < 1 or jobs < 1 or (limit is not None and limit < 0):
            raise CommandError("--skip and --limit must be 0 or more, --batch-size and --jobs 1 or more.")
        if jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs needs PostgreSQL: SQLite takes one writer at a time.")
        if path is None and not restore_indexes:
            raise CommandError("Name the snapshot file to import.")
        run = _Import(self, path, verbosity, skip=skip)
        if restore_indexes or keep_indexes:
            run.restore_indexes()
            if restore_indexes:
                return
        try:
            with open_snapshot(path) as (lines, file):
                deferring = defer_indexes or (not keep_indexes and _is_first_load())
                deferral = indexes_deferred(PAPERS, built=run.index_built, jobs=jobs) if deferring else nullcontext([])
                with deferral as deferred:
                    run.deferred_indexes = deferred
                    last_line = skip + limit if limit is not None else None
                    total_bytes = os.fstat(file.fileno()).st_size
                    if jobs > 1:
                        chunks = _chunks(lines, file, skip=skip, last_line=last_line, size=batch_size)
                        run.run(_written_in_parallel(chunks, jobs=jobs), total_bytes=total_bytes)
                    else:
                        batches = _batches(snapshot_records(lines, skip=skip), file, batch_size=batch_size, last_line=last_line)
                        with closing(_ReadAhead(batches)) as read_ahead:
                            run.run(_written(read_ahead), total_bytes=total_bytes)
                    run.loaded()
        except FileNotFoundError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except (OSError, EOFError) as error:  # unreadable file, or a .gz cut short
            run.finish(interrupted=True)
            raise CommandError(f"Cannot read {path}: {error}") from error
        except KeyboardInterrupt:
            run.finish(interrupted=True)
            raise CommandError("Interrupted.") from None
        run.finish(interrupted=False)


def _is_first_load() -> bool:
    """A near-empty table, or one whose indexes an unfinished import left dropped (this run resumes it)."""
    return bool(deferred_index_names(PAPERS)) or Paper.objects.all()[:DEFER_INDEXES_BELOW].count() < DEFER_INDEXES_BELOW


class _Batch(NamedTuple):
    results: list[RecordResult]  # the records to write and the bad lines, in file order
    through_line: int  # the last line this batch covers
    position: int  # bytes of the file (as stored) read so far, for the progress bar


def _batches(results: Iterator[RecordResult], file, *, batch_size: int, last_line: int | None) -> Iterator[_Batch]:
    """Results grouped so that each batch holds `batch_size` records (bad lines ride along)."""
    batch, records, line = [], 0, None
    for result in results:
        if last_line is not None and result.line > last_line:
            break
        batch.append(result)
        line = result.line
        records += not result.error
        if records >= batch_size:
            yield _Batch(batch, line, file.tell())
            batch, records = [], 0
    if batch:
        yield _Batch(batch, line, file.tell())


class _Outcome(NamedTuple):
    bad: list[RecordResult]  # the lines not written, with why (unreadable, or refused), in file order
    written: UpsertResult
    through_line: int  # the last line this outcome covers: every line up to it is committed or reported
    position: int  # bytes of the file (as stored) read so far, for the progress bar


def _written(batches: Iterator[_Batch]) -> Iterator[_Outcome]:
    for batch in batches:
        yield _Outcome(*records_write(batch.results), batch.through_line, batch.position)


class _Chunk(NamedTuple):
    first_line: int
    lines: list[bytes]  # as read, unparsed: parsing is the workers' job
    position: int


def _chunks(lines: BinaryIO, file: BinaryIO, *, skip: int, last_line: int | None, size: int) -> Iterator[_Chunk]:
    """The file's lines after the first `skip` (up to `last_line`), `size` at a time, with their first line's number."""
    first_line = skip + 1
    wanted = itertools.islice(lines, skip, last_line)
    while chunk := list(itertools.islice(wanted, size)):
        yield _Chunk(first_line, chunk, file.tell())
        first_line += len(chunk)


def _written_in_parallel(chunks: Iterator[_Chunk], *, jobs: int) -> Iterator[_Outcome]:
    """The chunks parsed and written by `jobs` processes at once, each with its own connection; their outcomes in file order.

    Each chunk is its own transaction, as in a sequential run; papers_upsert retries a batch that
    lost a race for an identifier to a concurrent one. Outcomes come in file order, so the last line
    reported is one before which everything is written (a resume may redo chunks written after it:
    the import is idempotent). At most 2 × jobs chunks are read ahead, so memory stays flat.
    """
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),  # see papers.snapshot_workers
        initializer=snapshot_workers.start,
        initargs=(connection.settings_dict,),
    )
    pending: deque[tuple[_Chunk, Future]] = deque()

    def oldest() -> _Outcome:
        chunk, future = pending.popleft()
        bad, written = future.result()
        return _Outcome(bad, written, chunk.first_line + len(chunk.lines) - 1, chunk.position)

    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(snapshot_workers.import_chunk, chunk.first_line, chunk.lines)))
            if len(pending) >= 2 * jobs:
                yield oldest()
        while pending:
            yield oldest()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _ReadAhead:
    """The same batches, read and parsed one ahead in a thread while the database writes the current one.

    Parsing is Python and waiting for the database isn't (psycopg2 lets go of the GIL), so the two
    overlap. At most two batches wait besides the one being written: memory stays flat. The main
    thread does all the writing, on its own database connection.
    """

    _DONE = object()

    def __init__(self, batches: Iterator[_Batch]):
        self.batches = batches
        self.ready: queue.Queue = queue.Queue(maxsize=1)
        self.stopped = threading.Event()
        self.reader = threading.Thread(target=self.read, name="snapshot-reader", daemon=True)
        self.reader.start()

    def read(self) -> None:
        try:
            for batch in self.batches:
                if not self.offer(batch):
                    return
            self.offer(self._DONE)
        except BaseException as error:  # the main thread raises it
            self.offer(error)

    def offer(self, item) -> bool:
        while not self.stopped.is_set():
            try:
                self.ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[_Batch]:
        while (batch := self.ready.get()) is not self._DONE:
            if isinstance(batch, BaseException):
                raise batch
            yield batch

    def close(self) -> None:
        """Stop reading; returns once the reader has let go of the file (it finishes the batch it is parsing)."""
        self.stopped.set()
        self.reader.join()


class _Import:
    """One run: writes batches a transaction each, reports bad lines, keeps the counts and the bar."""

    def __init__(self, command: Command, path: str, verbosity: int, *, skip: int):
        self.command, self.path = command, path
        self.stream = ProgressStream(command.stderr)
        self.verbosity = verbosity
        self.result = UpsertResult()
        self.bad_lines = 0
        self.last_line = skip  # every line up to here is committed or reported: a resume skips them
        self.started = time.monotonic()
        self.loaded_at = None  # when the last batch was committed, before any deferred index is built
        self.deferred_indexes: list[str] = []
        self.progress = None

    def run(self, outcomes: Iterator[_Outcome], *, total_bytes: int) -> None:
        # The bar counts bytes of the file as stored (compressed for .gz): it gives an ETA without
        # a first pass to count lines, which costs as much as a plain read (and a gunzip for .gz).
        if self.deferred_indexes:
            self.command.stdout.write(
                f"{len(self.deferred_indexes)} indexes of {PAPERS} are dropped for the load and built again after it: "
                f"{', '.join(self.deferred_indexes)}."
            )
        self.progress = tqdm(
            total=total_bytes or None,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="Importing",
            file=self.stream,
            disable=self.verbosity == 0,
            mininterval=1,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
        )
        for outcome in outcomes:
            for result in outcome.bad:
                self.report(result)
            self.result += outcome.written
            self.last_line = outcome.through_line
            self.progress.set_postfix_str(f"line {self.last_line:,}, {self.rate():,.0f} records/s", refresh=False)
            self.progress.update(outcome.position - self.progress.n)

    def loaded(self) -> None:
        self.loaded_at = time.monotonic()
        if self.progress is not None:
            self.progress.close()
        if self.deferred_indexes:
            self.command.stdout.write(f"Building the {len(self.deferred_indexes)} indexes dropped for the load...")

    def index_built(self, name: str, seconds: float) -> None:
        self.command.stdout.write(f"  built {name} in {seconds:,.1f} s")

    def restore_indexes(self) -> None:
        """Build the indexes an unfinished import left dropped."""
        if deferred := deferred_index_names(PAPERS):
            self.command.stdout.write(f"Building the {len(deferred)} indexes an unfinished import left dropped...")
            restore_deferred_indexes(PAPERS, built=self.index_built)

    def report(self, result: RecordResult) -> None:
        self.bad_lines += 1
        key = f" {result.key}:" if result.key else ""
        tqdm.write(self.command.style.ERROR(f"{self.path}:{result.line}:{key} {result.error}"), file=self.stream)

    def rate(self, until: float | None = None) -> float:
        elapsed = (until or time.monotonic()) - self.started
        return (self.result.created + self.result.updated) / max(elapsed, 1e-9)

    def finish(self, *, interrupted: bool) -> None:
        if self.progress is not None:
            self.progress.close()
        finished_at = time.monotonic()
        # New titles bring new words for search to correct misspellings against.
        words_refreshed = bool(self.result.created or self.result.updated)
        if words_refreshed:
            refresh_search_words()
        elapsed = time.monotonic() - self.started
        written = self.result.created + self.result.updated
        summary = (
            f"{'Interrupted' if interrupted else 'Imported'}: {written:,} papers "
            f"({self.result.created:,} created, {self.result.updated:,} updated), {self.bad_lines:,} bad lines, "
            f"in {elapsed:,.1f} s ({self.rate():,.0f} records/s). "
            f"Last line processed: {self.last_line:,}"
        )
        summary += f"; to resume, run again with --skip {self.last_line}." if interrupted else "."
        if self.deferred_indexes and self.loaded_at is not None:
            summary += (
                f" Loading took {self.loaded_at - self.started:,.1f} s ({self.rate(self.loaded_at):,.0f} records/s), "
                f"building the indexes {finished_at - self.loaded_at:,.1f} s."
            )
        if words_refreshed:
            summary += f" Refreshing search's word list took {time.monotonic() - finished_at:,.1f} s."
        if self.deferred_indexes and interrupted:
            summary += (
                f" {len(self.deferred_indexes)} indexes of {PAPERS} stay dropped (search is slow without them) "
                "until a run finishes, or one with --restore-indexes."
            )
        style = self.command.style.WARNING if (self.bad_lines or interrupted) else self.command.style.SUCCESS
        self.command.stdout.write(summary, style)
