"""Benchmark `import_arxiv_snapshot` against a bare COPY of the same rows, and show its memory stays flat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shortscience .venv/bin/python bench/bench_import.py --records 1000000

Works in a database next to DATABASE_URL's (default shortscience_bench), dropped and migrated
afresh for each measurement; generates bench/out/snapshot-N.jsonl when missing, then:
  1. imports N records with the command in a child process: wall time, CPU, peak RSS (wait4); into
     the empty table the command drops the secondary indexes and builds them after the load, and the
     wall time includes that build (--keep-indexes: with every index in place);
  2. re-imports them over themselves (idempotent run: all updates, nothing changed);
  3. COPYs the same rows, converted to TSV beforehand, into a plain table without any index;
  4. COPYs that TSV into papers_paper itself (same schema as the import: indexes, generated columns)
     the way the import writes (indexes deferred unless --keep-indexes, --jobs streams at once): the
     best any importer could do against this schema on this machine (--no-schema-copy skips it);
  5. imports --small records (default 100,000) to compare peak RSS with step 1.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
# Production settings: DEBUG off, as the import would run on the server.
CHILD_ENV = {
    "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only", "DJANGO_ALLOWED_HOSTS": "localhost",
    "DJANGO_SETTINGS_MODULE": "shortscience.settings",
}
# The columns the import writes, in its COPY order: the TSV has exactly these.
COLUMNS = (
    "title text, authors jsonb, abstract text, year smallint, venue varchar(300), journal_ref varchar(500), "
    "published date, updated date, arxiv_id varchar(40), arxiv_version smallint, doi varchar(300), "
    "bibtex_key varchar(200), categories jsonb, pdf_url varchar(500), url varchar(500), "
    "created_at timestamptz, modified_at timestamptz"
)
COLUMN_NAMES = ", ".join(column.split()[0] for column in COLUMNS.split(", "))

# Converts the snapshot to the rows the import would COPY, with the same code; untimed.
TO_TSV = """
import sys, django; django.setup()
from django.utils import timezone
from papers.importers import open_snapshot, snapshot_records
from papers.services import _Target, _copy_rows, _record_values
seen_dois = set()
with open_snapshot(sys.argv[1]) as (lines, _), open(sys.argv[2], "wb") as out:
    batch = []
    for result in snapshot_records(lines):
        if result.record:
            values = _record_values(result.record, 0)
            if "doi" in values and values["doi"] in seen_dois:  # as the import does: the second claimant goes without
                del values["doi"]
            seen_dois.add(values.get("doi"))
            batch.append(_Target(None, {}, values))
        if len(batch) == 10000:
            out.write(_copy_rows(batch, staged=False, now=timezone.now()).getvalue())
            batch = []
    out.write(_copy_rows(batch, staged=False, now=timezone.now()).getvalue())
"""

# COPYs the TSV into papers_paper as the import writes it: `streams` connections at once, each a part
# of the file, with the secondary indexes dropped for the load and built after it when `defer` says.
SCHEMA_COPY = """
import sys, threading, time, django; django.setup()
from contextlib import nullcontext
from django.db import connection
from papers.bulk_indexes import indexes_deferred
path, streams, defer = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "defer"
columns = sys.argv[4]
with open(path, "rb") as file:  # part boundaries at line starts
    size = file.seek(0, 2)
    bounds = [0]
    for part in range(1, streams):
        file.seek(size * part // streams)
        file.readline()
        bounds.append(file.tell())
    bounds.append(size)

class Part:
    def __init__(self, start, end):
        self.file, self.left = open(path, "rb"), end - start
        self.file.seek(start)
    def read(self, size=-1):
        data = self.file.read(min(size, self.left) if size >= 0 else self.left)
        self.left -= len(data)
        return data

def copy(start, end):
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY papers_paper ({columns}) FROM STDIN", Part(start, end), size=1 << 20)
    connection.commit()
    connection.close()

started = time.monotonic()
with indexes_deferred("papers_paper", jobs=streams) if defer else nullcontext([]):
    threads = [threading.Thread(target=copy, args=pair) for pair in zip(bounds, bounds[1:])]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    loaded = time.monotonic() - started
print(f"{loaded:.1f} {time.monotonic() - started - loaded:.1f}")
"""


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def database_url(base_url: str, name: str) -> str:
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}"))


def run_child(arguments: list[str], url: str) -> tuple[float, int, str, float]:
    """(wall s, peak RSS MiB, stdout, CPU s) of one child process; its stderr (the progress bar) goes to ours."""
    started = time.monotonic()
    env = {**os.environ, **CHILD_ENV, "DATABASE_URL": url}
    child = subprocess.Popen(arguments, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not the max over all children
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if child.returncode:
        raise SystemExit(f"{' '.join(arguments)} failed with status {child.returncode}:\n{stdout}")
    return elapsed, usage.ru_maxrss // 1024, stdout.strip(), usage.ru_utime + usage.ru_stime


def fresh_schema(base_url: str, name: str, *, search_indexes: bool) -> str:
    """A new empty database `name`, migrated; without the search migration's column and indexes if asked."""
    maintenance = psycopg2.connect(database_url(base_url, "postgres"))
    maintenance.autocommit = True
    with maintenance.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    maintenance.close()
    url = database_url(base_url, name)
    run_child([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], url)
    if not search_indexes:
        run_child([PYTHON, "manage.py", "migrate", "papers", "0002", "--noinput", "-v", "0"], url)
    return url


def schema_description(url: str) -> str:
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'papers' ORDER BY id DESC LIMIT 1")
        (migration,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'papers_paper'")
        (indexes,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'papers_paper' AND is_generated = 'ALWAYS'"
        )
        (generated,) = cursor.fetchone()
    connection.close()
    return f"papers at {migration}: {indexes} indexes and {generated} generated columns on papers_paper"


def snapshot(count: int) -> Path:
    path = OUT / f"snapshot-{count}.jsonl"
    if not path.exists():
        print(f"Generating {path} ...", file=sys.stderr)
        subprocess.run([PYTHON, str(ROOT / "bench" / "generate_snapshot.py"), str(count), str(path)], check=True)
    return path


def tsv(path: Path) -> Path:
    out = path.with_suffix(".tsv")
    if not out.exists():
        print(f"Converting {path} to {out} ...", file=sys.stderr)
        partial = Path(f"{out}.partial")
        env = {**os.environ, **CHILD_ENV}
        subprocess.run([PYTHON, "-c", TO_TSV, str(path), str(partial)], cwd=ROOT, env=env, check=True)
        partial.rename(out)
    return out


def import_snapshot(path: Path, url: str, batch_size: int, *options: str) -> tuple[float, int, str, float]:
    return run_child([PYTHON, "manage.py", "import_arxiv_snapshot", str(path), "--batch-size", str(batch_size), *options], url)


def timed_bare_copy(path: Path, url: str, table: str) -> float:
    """Seconds to COPY the TSV into a new plain `table`, streamed from the client as the import streams its batches."""
    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({COLUMNS})")
        connection.commit()
        started = time.monotonic()
        with path.open("rb") as file:
            cursor.copy_expert(f"COPY {table} ({COLUMN_NAMES}) FROM STDIN", file, size=1 << 20)
        connection.commit()
        elapsed = time.monotonic() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the smaller import for the memory comparison (0: none)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--database", default="shortscience_bench")
    parser.add_argument("--without-search-indexes", action="store_true", help="migrate papers back to 0002")
    parser.add_argument("--no-rerun", action="store_true", help="skip the idempotent second import")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="import with every index in place (as into a populated table), not deferred"
    )
    parser.add_argument("--no-schema-copy", action="store_true", help="skip step 4, the COPY into papers_paper itself")
    parser.add_argument("--jobs", type=int, default=1, help="import_arxiv_snapshot --jobs: processes parsing and writing")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database; the benchmark works in a database next to it.")
    search = not args.without_search_indexes
    import_options = [*(["--keep-indexes"] if args.keep_indexes else []), "--jobs", str(args.jobs)]
    count = args.records
    lines = []

    def report(text: str) -> None:
        lines.append(text)
        print(text, file=sys.stderr, flush=True)

    path = snapshot(count)
    copy_source = tsv(path)
    url = fresh_schema(base_url, args.database, search_indexes=search)
    report(
        f"Schema: {schema_description(url)}; batch size {args.batch_size:,}; {args.jobs} job(s); "
        f"indexes {'kept' if args.keep_indexes else 'deferred (dropped for the load, built after it)'}"
    )
    report(f"Snapshot: {path.relative_to(ROOT)} ({path.stat().st_size / 2**20:,.0f} MiB, {count:,} records)")

    report(f"Load average before: {load_average()}")
    elapsed, peak, summary, cpu = import_snapshot(path, url, args.batch_size, *import_options)
    import_rate = count / elapsed
    report(
        f"import {count:,}: {elapsed:,.1f} s wall, {import_rate:,.0f} records/s, peak RSS {peak:,} MiB, "
        f"importer CPU {cpu:,.0f} s ({1e6 * cpu / count:,.0f} us/record); load average after: {load_average()}"
    )
    report(f"  command said: {summary}")

    if not args.no_rerun:
        elapsed, peak_again, summary, _ = import_snapshot(path, url, args.batch_size, *import_options)
        report(f"re-import {count:,} (idempotent, nothing changed): {elapsed:,.1f} s, {count / elapsed:,.0f} records/s, peak RSS {peak_again:,} MiB")
        report(f"  command said: {summary}")

    elapsed = timed_bare_copy(copy_source, url, "bare_copy")
    copy_rate = count / elapsed
    report(
        f"bare COPY {count:,} rows (TSV of {copy_source.stat().st_size / 2**20:,.0f} MiB) into a table without index: "
        f"{elapsed:,.1f} s, {copy_rate:,.0f} records/s"
    )
    report(f"import / bare COPY: {import_rate / copy_rate:.2f} (target >= 0.33); load average: {load_average()}")

    if not args.no_schema_copy:
        url = fresh_schema(base_url, args.database, search_indexes=search)
        defer = "keep" if args.keep_indexes else "defer"
        elapsed, _, timings, _ = run_child([PYTHON, "-c", SCHEMA_COPY, str(copy_source), str(args.jobs), defer, COLUMN_NAMES], url)
        loaded, built = map(float, timings.split())
        same_schema_rate = count / elapsed
        report(
            f"COPY of the same rows into papers_paper itself, as the import writes ({args.jobs} stream(s), indexes "
            f"{'kept' if args.keep_indexes else 'deferred'}): {elapsed:,.1f} s ({loaded:,.1f} s load, {built:,.1f} s index builds), "
            f"{same_schema_rate:,.0f} records/s = {same_schema_rate / copy_rate:.2f} of bare COPY"
        )
        report(f"import / that COPY: {import_rate / same_schema_rate:.2f}")

    if args.small:
        small_path = snapshot(args.small)
        url = fresh_schema(base_url, args.database, search_indexes=search)
        elapsed, small_peak, _, _ = import_snapshot(small_path, url, args.batch_size, *import_options)
        report(
            f"import {args.small:,}: {elapsed:,.1f} s, {args.small / elapsed:,.0f} records/s, "
            f"peak RSS {small_peak:,} MiB (vs {peak:,} MiB for {count:,})"
        )

    print("\n".join(["", "Summary:", *lines]))


if __name__ == "__main__":
    main()
