"""Create or update papers from the arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json, plain or .gz)."""

import os
import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DataError, IntegrityError, reset_queries
from tqdm import tqdm

from papers.importers import RecordResult, open_snapshot, snapshot_records
from papers.services import UpsertResult, papers_upsert

DEFAULT_BATCH_SIZE = 10_000


class _ProgressStream:
    """Lets tqdm redraw its bar in place: OutputWrapper.write would end every redraw with a newline."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Create or update a paper for each line of the arXiv metadata snapshot (JSON Lines, plain or gzipped). "
        "Each batch is committed on its own; bad lines are reported with their line number and skipped; "
        "an interrupted run resumes with --skip LAST_LINE."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="arxiv-metadata-oai-snapshot.json, or the same gzipped")
        parser.add_argument("--skip", type=int, default=0, metavar="N", help="pass over the first N lines (to resume)")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N", help="records per transaction")
        parser.add_argument("--limit", type=int, default=None, metavar="N", help="read at most N lines after the skipped ones")

    def handle(self, *args, path, skip, batch_size, limit, verbosity, **options):
        if skip < 0 or batch_size < 1 or (limit is not None and limit < 0):
            raise CommandError("--skip and --limit must be 0 or more, --batch-size 1 or more.")
        run = _Import(self, path, verbosity)
        try:
            with open_snapshot(path) as (lines, file):
                run.run(snapshot_records(lines, skip=skip), file, batch_size=batch_size, skip=skip, limit=limit)
        except FileNotFoundError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except (OSError, EOFError) as error:  # unreadable file, or a .gz cut short
            run.finish(interrupted=True)
            raise CommandError(f"Cannot read {path}: {error}") from error
        except KeyboardInterrupt:
            run.finish(interrupted=True)
            raise CommandError("Interrupted.") from None
        run.finish(interrupted=False)


class _Import:
    """One run: reads results, writes them a batch per transaction, and keeps the counts and the bar."""

    def __init__(self, command: Command, path: str, verbosity: int):
        self.command, self.path = command, path
        self.stream = _ProgressStream(command.stderr)
        self.verbosity = verbosity
        self.result = UpsertResult()
        self.bad_lines = 0
        self.last_line = 0  # every line up to here is committed or reported: a resume skips them
        self.started = time.monotonic()
        self.progress = None

    def run(self, results, file, *, batch_size: int, skip: int, limit: int | None) -> None:
        self.last_line = skip
        # The bar counts bytes of the file as stored (compressed for .gz): it gives an ETA without
        # a first pass to count lines, which costs as much as a plain read (and a gunzip for .gz).
        self.progress = tqdm(
            total=os.fstat(file.fileno()).st_size or None,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="Importing",
            file=self.stream,
            disable=self.verbosity == 0,
            mininterval=1,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {postfix}]",
        )
        batch: list[RecordResult] = []
        line = skip
        for result in results:
            if limit is not None and result.line > skip + limit:
                break
            line = result.line
            if result.error:
                self.report(result)
            else:
                batch.append(result)
            if len(batch) >= batch_size:
                self.write(batch, through_line=line)
                batch = []
                self.show_progress(file)
        self.write(batch, through_line=line)
        self.show_progress(file)

    def write(self, batch: list[RecordResult], *, through_line: int) -> None:
        """One transaction for the batch; a batch the database refuses is retried record by record to find the culprit."""
        if not batch:
            self.last_line = through_line
            return
        try:
            self.result += papers_upsert([result.record for result in batch], batch_size=len(batch))
        except (ValueError, IntegrityError, DataError):
            for result in batch:
                try:
                    self.result += papers_upsert([result.record])
                except (ValueError, IntegrityError, DataError) as error:
                    self.report(result._replace(error=f"not saved: {error}"))
        self.last_line = through_line
        reset_queries()  # with DEBUG on, Django would keep every query of the run in memory

    def report(self, result: RecordResult) -> None:
        self.bad_lines += 1
        key = f" {result.key}:" if result.key else ""
        tqdm.write(self.command.style.ERROR(f"{self.path}:{result.line}:{key} {result.error}"), file=self.stream)

    def show_progress(self, file) -> None:
        self.progress.set_postfix_str(f"line {self.last_line:,}, {self.rate():,.0f} records/s", refresh=False)
        self.progress.update(file.tell() - self.progress.n)

    def rate(self) -> float:
        return (self.result.created + self.result.updated) / max(time.monotonic() - self.started, 1e-9)

    def finish(self, *, interrupted: bool) -> None:
        if self.progress is not None:
            self.progress.close()
        elapsed = time.monotonic() - self.started
        written = self.result.created + self.result.updated
        summary = (
            f"{'Interrupted' if interrupted else 'Imported'}: {written:,} papers "
            f"({self.result.created:,} created, {self.result.updated:,} updated), {self.bad_lines:,} bad lines, "
            f"in {elapsed:,.1f} s ({self.rate():,.0f} records/s). "
            f"Last line processed: {self.last_line:,}"
        )
        if interrupted:
            summary += f"; to resume, run again with --skip {self.last_line}."
        style = self.command.style.WARNING if (self.bad_lines or interrupted) else self.command.style.SUCCESS
        self.command.stdout.write(summary, style)
