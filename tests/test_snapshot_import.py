"""`manage.py import_arxiv_snapshot FILE` loads the arXiv metadata snapshot: mapping, streaming, bad lines, resuming."""

import gzip
import inspect
import itertools
import json
import re
from datetime import date
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from papers import services
from papers.bulk_indexes import drop_indexes, restore_deferred_indexes
from papers.importers import open_snapshot, snapshot_doi, snapshot_entry_record, snapshot_records, snapshot_text
from papers.models import DeferredIndex, Paper
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

SNAPSHOT = Path(__file__).parent / "data" / "snapshot" / "snapshot.jsonl"
SNAPSHOT_GZ = SNAPSHOT.with_name("snapshot.jsonl.gz")
GOOD_IDS = {
    "0704.0001", "0704.0002", "hep-th/9901001", "math/0309136", "1706.03762", "1312.6114",
    "1501.00001", "0705.0003", "0705.0004", "0801.0001",
}  # fmt: skip


def import_snapshot(path=SNAPSHOT, *args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_arxiv_snapshot", str(path), *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def snapshot_line(**entry) -> bytes:
    entry = {"id": "1706.03762", "title": "Attention Is All You Need", **entry}
    return json.dumps(entry).encode() + b"\n"


# --- Mapping one line -----------------------------------------------------------------------------


def test_a_snapshot_entry_maps_to_paper_fields():
    [first] = itertools.islice(snapshot_records(SNAPSHOT.open("rb")), 1)
    record = first.record
    assert (first.line, first.key, first.error) == (1, "0704.0001", "")
    assert record.arxiv_id == "0704.0001"
    assert record.arxiv_version == 2
    assert record.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert record.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert record.abstract.startswith("A fully differential calculation in perturbative quantum chromodynamics is presented")
    assert record.abstract.endswith("next-to-next-to-leading logarithmic accuracy.")
    assert (record.published, record.year, record.updated) == (date(2007, 4, 2), 2007, date(2008, 11, 13))
    assert record.doi == "10.1103/physrevd.76.013009"
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.categories == ["hep-ph"]
    assert (record.venue, record.bibtex_key) == ("", None)


def test_old_style_ids_accents_and_suffixes():
    records = {result.key: result.record for result in snapshot_records(SNAPSHOT.open("rb")) if result.record}
    old = records["hep-th/9901001"]
    assert old.arxiv_id == "hep-th/9901001"
    assert old.title == "Conformal Field Theories and Erdős--Rényi Graphs"
    assert old.authors == ["Jürgen Möller Jr", "María García"]
    assert old.abstract == r"We revisit the Möbius invariance of $\mathcal{N}=4$ theories; 50% of the states decouple."
    assert old.journal_ref == "Nucl.Phys. B550 (1999) 123-145"
    assert (old.published, old.arxiv_version) == (date(1999, 1, 1), 1)
    assert records["math/0309136"].arxiv_version == 3
    assert records["math/0309136"].categories == ["math.DG", "math.GT"]


def test_math_is_kept_exactly_and_the_first_valid_doi_is_taken():
    record = snapshot_entry_record(json.loads(SNAPSHOT.read_text().splitlines()[10]))
    assert record.title == r"Learning $\alpha$-divergences with $O(n \log n)$ Samples"
    assert record.abstract == r"We show that $\sum_{i} x_i^2 \le 1$ suffices. Costs drop by \$5 per run."
    assert record.authors == ["Bernhard Schølkopf", "Miroslav Dudík"]
    assert record.doi == "10.5555/alpha.2015.1"


def test_without_authors_parsed_the_authors_string_is_split():
    record = snapshot_entry_record(json.loads(SNAPSHOT.read_text().splitlines()[13]))
    assert record.authors == ["Ada Lovelace", "Charles Babbage", "Alan Turing"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"C. Bal\'azs", "C. Balázs"),
        (r"J{\"u}rgen J\"{u}rgen J\"urgen", "Jürgen Jürgen Jürgen"),
        (r"Erd\H{o}s R{\'e}nyi Ne{\v{s}}et{\v{r}}il Gar\c{c}on", "Erdős Rényi Nešetřil Garçon"),
        (r"Dud{\'{\i}}k Dud\'{\i}k", "Dudík Dudík"),
        (r"Stra{\ss}e Stra\ss e {\aa}ngstr{\"o}m {\L}ukasz Sch{\o}lkopf", "Straße Straße ångström Łukasz Schølkopf"),
        (r"50\% of R\&D", "50% of R&D"),
        (r"$\'a$ and \(\"o\) and $$\H{o}$$ stay", r"$\'a$ and \(\"o\) and $$\H{o}$$ stay"),
        (r"Learning $\alpha$-divergences", r"Learning $\alpha$-divergences"),
        (r"\$5 stays escaped", r"\$5 stays escaped"),
        (r"\emph{as} ``written'' ~10% -- here", r"\emph{as} ``written'' ~10% -- here"),
        (r"\omega outside math is not \o", r"\omega outside math is not ø"),
        ("  Lines\n  wrapped   and\tpadded \n", "Lines wrapped and padded"),
        ("", ""),
        (None, ""),
    ],
)
def test_snapshot_text(text, expected):
    assert snapshot_text(text) == expected


@pytest.mark.parametrize(
    "doi, expected",
    [
        ("10.1103/PhysRevD.76.013009", "10.1103/physrevd.76.013009"),
        ("10.1000/A 10.1000/B", "10.1000/a"),
        ("not-a-doi 10.1000/B", "10.1000/b"),
        ("10.1000/A, 10.1000/B", "10.1000/a"),
        ("10.48550/arXiv.1706.03762", None),
        ("10.1000/" + "x" * 300, None),
        ("", None),
        (None, None),
    ],
)
def test_snapshot_doi(doi, expected):
    assert snapshot_doi(doi) == expected


def test_lines_that_are_not_papers_come_with_their_line_number_and_reason():
    errors = [(result.line, result.key, result.error) for result in snapshot_records(SNAPSHOT.open("rb")) if result.error]
    assert [(line, key) for line, key, _ in errors] == [(5, ""), (8, "0704.0008"), (9, "not-an-id")]
    assert errors[0][2].startswith("invalid JSON")
    assert errors[1][2] == "no title"
    assert errors[2][2] == "“not-an-id” is not an arXiv id"


@pytest.mark.parametrize(
    "line, error",
    [
        (b"[1, 2]\n", "not a JSON object"),
        (b'{"title": "No id"}\n', "no id"),
        (b'{"id": 704.0001, "title": "Id written as a number"}\n', "id 704.0001 is not a string"),
        (b'{"id": "10.1000/xyz", "title": "A DOI is not an arXiv id"}\n', "“10.1000/xyz” is not an arXiv id"),
        (b"\xff\xfe not UTF-8\n", "invalid JSON"),
    ],
)
def test_more_bad_lines(line, error):
    [result] = snapshot_records([line])
    assert result.error.startswith(error)


def test_malformed_optional_fields_are_left_out_rather_than_failing_the_line():
    [result] = snapshot_records([snapshot_line(
        versions=[{"version": "vX", "created": "yesterday"}], update_date="13/11/2008",
        authors_parsed=[["Vaswani", "Ashish"], "not a list", ["Shazeer", "Noam", ""]], categories=None, doi=12,
    )])
    record = result.record
    assert (record.arxiv_version, record.published, record.year, record.updated) == (None, None, None, None)
    assert record.authors == ["Ashish Vaswani", "Noam Shazeer"]
    assert (record.categories, record.doi) == ([], None)


def test_an_id_with_a_version_and_no_versions_list_keeps_that_version():
    [result] = snapshot_records([snapshot_line(id="1706.03762v5")])
    assert (result.record.arxiv_id, result.record.arxiv_version) == ("1706.03762", 5)


# --- Streaming ------------------------------------------------------------------------------------


def test_the_reader_is_lazy_and_never_reads_ahead():
    def endless_lines():
        for number in itertools.count(1):
            yield snapshot_line(id=f"0704.{number:04d}")

    results = snapshot_records(endless_lines())
    assert inspect.isgenerator(results)
    assert [result.key for result in itertools.islice(results, 3)] == ["0704.0001", "0704.0002", "0704.0003"]


def test_gzip_is_recognised_by_its_content_whatever_the_name(tmp_path):
    disguised = tmp_path / "snapshot.json"
    disguised.write_bytes(SNAPSHOT_GZ.read_bytes())
    assert gzip.decompress(SNAPSHOT_GZ.read_bytes()) == SNAPSHOT.read_bytes()
    for path in (SNAPSHOT, SNAPSHOT_GZ, disguised):
        with open_snapshot(str(path)) as (lines, file):
            assert [result.key for result in snapshot_records(lines)][:2] == ["0704.0001", "0704.0002"]
            assert file.tell() == path.stat().st_size  # what the progress bar shows at the end


# --- The command ----------------------------------------------------------------------------------


def test_import_creates_the_papers_and_reports_bad_lines_with_their_numbers(db):
    stdout, stderr = import_snapshot()
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == GOOD_IDS
    assert re.search(r"snapshot\.jsonl:5: invalid JSON", stderr)
    assert "snapshot.jsonl:8: 0704.0008: no title" in stderr
    assert "snapshot.jsonl:9: not-an-id: “not-an-id” is not an arXiv id" in stderr
    assert "Imported: 10 papers (10 created, 0 updated), 3 bad lines" in stdout
    assert "records/s" in stdout
    assert "Last line processed: 14" in stdout

    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.authors[0] == "C. Balázs"
    assert (paper.doi, paper.arxiv_version, paper.year) == ("10.1103/physrevd.76.013009", 2, 2007)


def test_two_records_with_one_doi_are_two_papers_and_only_the_first_gets_it(db):
    import_snapshot()
    assert Paper.objects.get(arxiv_id="0705.0003").doi == "10.1016/j.physletb.2007.06.001"
    assert Paper.objects.get(arxiv_id="0705.0004").doi is None


def test_the_gzipped_snapshot_imports_the_same(db):
    stdout, stderr = import_snapshot(SNAPSHOT_GZ)
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == GOOD_IDS
    assert "snapshot.jsonl.gz:5: invalid JSON" in stderr


def test_a_second_run_updates_changed_fields_and_never_duplicates(db, tmp_path):
    import_snapshot()
    ids = dict(Paper.objects.values_list("arxiv_id", "pk"))

    changed = tmp_path / "snapshot.jsonl"
    changed.write_text(
        SNAPSHOT.read_text()
        .replace('"title": "Attention Is All You Need"', '"title": "Attention Is All You Need (revised)"')
        .replace('"update_date": "2023-08-03"', '"update_date": "2024-01-01"')
    )
    stdout, _ = import_snapshot(changed)
    assert "Imported: 10 papers (0 created, 10 updated), 3 bad lines" in stdout
    assert dict(Paper.objects.values_list("arxiv_id", "pk")) == ids
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert (paper.title, paper.updated) == ("Attention Is All You Need (revised)", date(2024, 1, 1))


def test_a_bibtex_paper_with_the_same_doi_gets_the_arxiv_id_and_keeps_its_summary(db):
    bibtex_paper = PaperFactory(
        arxiv_id=None, doi="10.1103/physrevd.76.013009", bibtex_key="Balazs:2007hr", title="Calculation of prompt diphoton production",
        venue="Phys. Rev. D",
    )
    summary = SummaryFactory(paper=bibtex_paper)
    import_snapshot()
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.pk == bibtex_paper.pk
    assert (paper.doi, paper.bibtex_key, paper.venue) == ("10.1103/physrevd.76.013009", "Balazs:2007hr", "Phys. Rev. D")
    assert paper.title.startswith("Calculation of prompt diphoton production cross sections")
    assert Summary.objects.get(pk=summary.pk).paper_id == paper.pk
    assert Paper.objects.count() == 10


def test_skip_resumes_after_the_given_line(db):
    stdout, stderr = import_snapshot(SNAPSHOT, "--skip", "6")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        "1312.6114", "1501.00001", "0705.0003", "0705.0004", "0801.0001",
    }
    assert ":5:" not in stderr and ":8:" in stderr
    assert "Imported: 5 papers (5 created, 0 updated), 2 bad lines" in stdout


def test_limit_stops_after_that_many_lines_and_says_where_to_resume(db):
    stdout, _ = import_snapshot(SNAPSHOT, "--limit", "4")
    assert Paper.objects.count() == 4
    assert "Last line processed: 4" in stdout
    stdout, _ = import_snapshot(SNAPSHOT, "--skip", "4", "--limit", "3")
    assert Paper.objects.count() == 6
    assert "Last line processed: 7" in stdout


def test_batches_are_written_one_transaction_at_a_time(db, monkeypatch):
    batches = []
    real_papers_upsert = services.papers_upsert

    def spy(records, **options):
        batches.append(len(records))
        assert Paper.objects.count() == sum(batches[:-1])  # the batches before are already written
        return real_papers_upsert(records, **options)

    monkeypatch.setattr(services, "papers_upsert", spy)
    import_snapshot(SNAPSHOT, "--batch-size", "3")
    assert batches == [3, 3, 3, 1]
    assert Paper.objects.count() == 10


def interrupt_on_batch(monkeypatch, number: int):
    """Makes the import's `number`th batch end in Ctrl-C; returns the real papers_upsert."""
    real_papers_upsert = services.papers_upsert
    calls = []

    def interrupted(records, **options):
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return real_papers_upsert(records, **options)

    monkeypatch.setattr(services, "papers_upsert", interrupted)
    return real_papers_upsert


def test_an_interrupted_run_keeps_the_batches_it_wrote_and_says_how_to_resume(db, monkeypatch):
    real_papers_upsert = interrupt_on_batch(monkeypatch, 3)
    stdout = StringIO()
    with pytest.raises(CommandError, match="Interrupted"):
        call_command("import_arxiv_snapshot", str(SNAPSHOT), "--batch-size", "3", stdout=stdout, stderr=StringIO())
    # Batches: lines 1-3, lines 4-7 (line 5 bad), then lines 8-13, which was interrupted.
    assert Paper.objects.count() == 6
    assert "Last line processed: 7; to resume, run again with --skip 7." in stdout.getvalue()

    monkeypatch.setattr(services, "papers_upsert", real_papers_upsert)
    stdout, _ = import_snapshot(SNAPSHOT, "--skip", "7")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == GOOD_IDS


def test_a_record_the_database_refuses_is_reported_and_the_rest_of_its_batch_goes_in(db, monkeypatch):
    real_papers_upsert = services.papers_upsert

    def refuses_attention(records, **options):
        if any(record.arxiv_id == "1706.03762" for record in records):
            raise ValueError("refused for the test")
        return real_papers_upsert(records, **options)

    monkeypatch.setattr(services, "papers_upsert", refuses_attention)
    stdout, stderr = import_snapshot(SNAPSHOT, "--batch-size", "100")
    assert "snapshot.jsonl:6: 1706.03762: not saved: refused for the test" in stderr
    assert Paper.objects.count() == 9
    assert "4 bad lines" in stdout


def test_an_oversized_abstract_is_reported_with_its_line_and_the_rest_goes_in(db, tmp_path):
    snapshot = tmp_path / "snapshot.jsonl"
    snapshot.write_bytes(
        snapshot_line(id="0704.0001", title="Fine")
        + snapshot_line(id="0704.0002", title="Huge", abstract="x" * 10_000_000)
        + snapshot_line(id="0704.0003", title="Fine too")
    )
    stdout, stderr = import_snapshot(snapshot)
    assert "snapshot.jsonl:2: 0704.0002: not saved: " in stderr and "abstract is longer than 20,000 characters" in stderr
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"0704.0001", "0704.0003"}


def test_a_missing_file_is_a_command_error(db):
    with pytest.raises(CommandError, match="Cannot read"):
        import_snapshot("/nonexistent/snapshot.jsonl")


def test_a_gzip_cut_short_keeps_what_was_written_and_says_where_it_stopped(db, tmp_path):
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(SNAPSHOT_GZ.read_bytes()[:-30])
    stdout = StringIO()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_arxiv_snapshot", str(cut), stdout=stdout, stderr=StringIO())
    assert "Last line processed:" in stdout.getvalue()


def test_the_progress_bar_shows_bytes_line_and_rate(db):
    _, stderr = import_snapshot()
    assert "Importing: 100%" in stderr
    assert re.search(r"line 14, [\d,]+ records/s", stderr)


def test_empty_input_imports_nothing(db, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    stdout, _ = import_snapshot(empty)
    assert "Imported: 0 papers" in stdout


def test_reading_from_memory_works_too():
    assert [result.key for result in snapshot_records(BytesIO(snapshot_line()))] == ["1706.03762"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="spelling corrections need PostgreSQL")
def test_an_import_refreshes_the_words_search_corrects_against(db):
    def words() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM papers_searchword")
            return cursor.fetchone()[0]

    assert words() == 0
    stdout, _ = import_snapshot(SNAPSHOT)
    assert words() > 0
    # Its time is part of the import's, and told apart.
    assert re.search(r"Refreshing search's word list took [\d.,]+ s\.", stdout)


# --- Indexes dropped for a first load (PostgreSQL) ------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="indexes are only deferred on PostgreSQL")
# The primary key and the unique identifiers back constraints (and the import's look-ups): never dropped.
CONSTRAINT_INDEXES = {"papers_paper_pkey", "papers_paper_arxiv_id_key", "papers_paper_doi_key", "papers_paper_bibtex_key_key"}


def paper_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'papers_paper'")
        return dict(cursor.fetchall())


def indexes_seen_by_each_batch(monkeypatch) -> list[set[str]]:
    """Spies on the import: the names of papers_paper's indexes when each batch is written."""
    seen = []
    real_papers_upsert = services.papers_upsert

    def spy(records, **options):
        seen.append(set(paper_indexes()))
        return real_papers_upsert(records, **options)

    monkeypatch.setattr(services, "papers_upsert", spy)
    return seen


@postgresql_only
def test_a_first_load_drops_the_secondary_indexes_and_builds_the_same_ones_after_it(db, monkeypatch):
    before = paper_indexes()
    seen = indexes_seen_by_each_batch(monkeypatch)
    stdout, _ = import_snapshot(SNAPSHOT, "--batch-size", "4")

    assert len(seen) == 3 and all(names == CONSTRAINT_INDEXES for names in seen)
    assert paper_indexes() == before
    assert not DeferredIndex.objects.exists()
    assert "indexes of papers_paper are dropped for the load" in stdout
    assert "built papers_paper_search_vector in" in stdout
    assert re.search(r"Loading took [\d.,]+ s \([\d,]+ records/s\), building the indexes [\d.,]+ s\.", stdout)


@postgresql_only
def test_an_interrupted_first_load_leaves_them_dropped_and_listed_until_a_run_finishes(db, monkeypatch):
    before = paper_indexes()
    interrupt_on_batch(monkeypatch, 2)
    stdout = StringIO()
    with pytest.raises(CommandError, match="Interrupted"):
        call_command("import_arxiv_snapshot", str(SNAPSHOT), "--batch-size", "3", stdout=stdout, stderr=StringIO())
    assert "11 indexes of papers_paper stay dropped" in stdout.getvalue()
    assert set(DeferredIndex.objects.values_list("name", flat=True)) == set(before) - set(paper_indexes())

    # The resumed run goes on without them, however full the table, then builds them.
    monkeypatch.setattr("papers.management.commands.import_arxiv_snapshot.DEFER_INDEXES_BELOW", 1)
    seen = indexes_seen_by_each_batch(monkeypatch)
    import_snapshot(SNAPSHOT, "--skip", "3", "--batch-size", "100")
    assert seen == [CONSTRAINT_INDEXES]
    assert paper_indexes() == before
    assert not DeferredIndex.objects.exists()


@postgresql_only
def test_restore_indexes_builds_what_an_unfinished_import_left_dropped_and_nothing_else(db):
    before = paper_indexes()
    drop_indexes("papers_paper")
    assert set(paper_indexes()) == CONSTRAINT_INDEXES

    stdout = StringIO()
    call_command("import_arxiv_snapshot", "--restore-indexes", stdout=stdout)
    assert "Building the 11 indexes an unfinished import left dropped" in stdout.getvalue()
    assert paper_indexes() == before
    assert Paper.objects.count() == 0


@postgresql_only
def test_keep_indexes_and_a_populated_table_load_with_every_index_in_place(db, monkeypatch):
    everything = set(paper_indexes())
    seen = indexes_seen_by_each_batch(monkeypatch)
    import_snapshot(SNAPSHOT, "--keep-indexes")
    assert seen == [everything]

    monkeypatch.setattr("papers.management.commands.import_arxiv_snapshot.DEFER_INDEXES_BELOW", 10)
    seen.clear()
    stdout, _ = import_snapshot(SNAPSHOT)  # ten papers now: not a first load
    assert seen == [everything]
    assert "dropped for the load" not in stdout


@postgresql_only
def test_keep_indexes_first_builds_any_an_unfinished_import_left_dropped(db, monkeypatch):
    everything = set(paper_indexes())
    drop_indexes("papers_paper")
    seen = indexes_seen_by_each_batch(monkeypatch)
    import_snapshot(SNAPSHOT, "--keep-indexes")
    assert seen == [everything]
    assert not DeferredIndex.objects.exists()


@postgresql_only
def test_defer_indexes_drops_them_whatever_the_table_holds(db, monkeypatch):
    monkeypatch.setattr("papers.management.commands.import_arxiv_snapshot.DEFER_INDEXES_BELOW", 0)
    seen = indexes_seen_by_each_batch(monkeypatch)
    import_snapshot(SNAPSHOT, "--defer-indexes")
    assert seen == [CONSTRAINT_INDEXES]


@postgresql_only
def test_restoring_an_index_that_is_already_there_is_harmless(db):
    before = paper_indexes()
    drop_indexes("papers_paper")
    with connection.cursor() as cursor:  # as if a run died after building it but before forgetting it
        cursor.execute(DeferredIndex.objects.get(name="papers_paper_title_trgm").definition)
    assert set(restore_deferred_indexes("papers_paper")) == set(before) - CONSTRAINT_INDEXES
    assert paper_indexes() == before


def test_a_command_without_a_file_says_so(db):
    with pytest.raises(CommandError, match="Name the snapshot file"):
        call_command("import_arxiv_snapshot", stdout=StringIO())


# --- Several processes (--jobs, PostgreSQL) -------------------------------------------------------


@postgresql_only
def test_jobs_import_the_same_papers_and_report_bad_lines_in_file_order(transactional_db):
    stdout, stderr = import_snapshot(SNAPSHOT, "--jobs", "3", "--batch-size", "2")

    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == GOOD_IDS
    assert "Imported: 10 papers (10 created, 0 updated), 3 bad lines" in stdout
    assert "Last line processed: 14." in stdout
    assert re.findall(r"snapshot\.jsonl:(\d+):", stderr) == ["5", "8", "9"]
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert (paper.authors[0], paper.doi, paper.arxiv_version) == ("C. Balázs", "10.1103/physrevd.76.013009", 2)
    # Two papers claiming one DOI: one of them gets it, whichever process wrote first.
    assert Paper.objects.filter(doi="10.1016/j.physletb.2007.06.001").count() == 1
    assert not DeferredIndex.objects.exists()


@postgresql_only
def test_jobs_resume_and_stop_where_told_and_a_second_run_updates(transactional_db):
    stdout, stderr = import_snapshot(SNAPSHOT, "--jobs", "2", "--batch-size", "2", "--skip", "6", "--limit", "5")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"1312.6114", "1501.00001"}  # lines 7 to 11
    assert re.findall(r"snapshot\.jsonl:(\d+):", stderr) == ["8", "9"]
    assert "Last line processed: 11." in stdout

    stdout, _ = import_snapshot(SNAPSHOT, "--jobs", "2")
    assert "Imported: 10 papers (8 created, 2 updated)" in stdout
    assert Paper.objects.count() == 10


def test_jobs_need_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="--jobs needs PostgreSQL"):
        import_snapshot(SNAPSHOT, "--jobs", "2")


@postgresql_only
def test_deferred_indexes_can_be_built_several_at_a_time(transactional_db):
    before = paper_indexes()
    drop_indexes("papers_paper")
    built = []
    names = restore_deferred_indexes("papers_paper", built=lambda name, seconds: built.append(name), jobs=3)
    assert set(names) == set(before) - CONSTRAINT_INDEXES
    assert sorted(built) == sorted(names)
    assert paper_indexes() == before
    assert not DeferredIndex.objects.exists()
