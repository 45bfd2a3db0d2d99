"""papers_upsert / paper_upsert: how a record finds its paper, what it may change, and what it never loses."""

from datetime import date

import pytest
from django.db import connection

from papers import services
from papers.models import Paper
from papers.services import PaperRecord, UpsertResult, paper_upsert, papers_upsert
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory


@pytest.fixture(params=["copy", "orm"], autouse=True)
def write_path(request, monkeypatch, db):
    """Every test runs on both write paths: COPY (PostgreSQL only) and the per-record ORM fallback."""
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("the COPY path needs PostgreSQL")
    monkeypatch.setattr(services, "_uses_copy", lambda: request.param == "copy")
    return request.param


def arxiv_record(arxiv_id="1706.03762", **values) -> PaperRecord:
    return PaperRecord(**{"title": "Attention Is All You Need", "arxiv_id": arxiv_id, **values})


def test_creates_a_paper_with_every_value():
    record = PaperRecord(
        title="Attention Is All You Need",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        abstract="The dominant sequence transduction models...",
        venue="NeurIPS",
        journal_ref="NIPS 2017",
        published=date(2017, 6, 12),
        updated=date(2023, 8, 2),
        arxiv_id="1706.03762",
        arxiv_version=7,
        doi="10.5555/3295222.3295349",
        bibtex_key="vaswani2017attention",
        categories=["cs.CL", "cs.LG"],
        pdf_url="https://example.org/attention.pdf",
        url="https://example.org/attention",
    )
    assert papers_upsert([record]) == UpsertResult(created=1, updated=0)
    paper = Paper.objects.get()
    assert paper.title == "Attention Is All You Need"
    assert paper.authors == ["Ashish Vaswani", "Noam Shazeer"]
    assert paper.abstract == "The dominant sequence transduction models..."
    assert (paper.venue, paper.journal_ref) == ("NeurIPS", "NIPS 2017")
    assert (paper.published, paper.updated, paper.year) == (date(2017, 6, 12), date(2023, 8, 2), 2017)
    assert (paper.arxiv_id, paper.arxiv_version, paper.doi, paper.bibtex_key) == (
        "1706.03762", 7, "10.5555/3295222.3295349", "vaswani2017attention",
    )
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert (paper.pdf_url, paper.url) == ("https://example.org/attention.pdf", "https://example.org/attention")
    assert paper.created_at and paper.modified_at


def test_a_new_paper_gets_the_model_defaults_for_what_the_record_does_not_say():
    papers_upsert([PaperRecord(title="Only a title", doi="10.1000/xyz")])
    paper = Paper.objects.get()
    assert (paper.authors, paper.categories, paper.abstract, paper.venue, paper.url) == ([], [], "", "", "")
    assert (paper.arxiv_id, paper.bibtex_key, paper.year, paper.published) == (None, None, None, None)


@pytest.mark.parametrize(
    "title",
    [
        "Tabs\tnewlines\nand\r\nreturns",
        r"Backslashes: $\alpha \\ \beta$ and \N and \t literally",
        "Unicode: Erdős–Rényi, 日本語, emoji 🙂",
        "A NUL\x00 byte is dropped",
    ],
)
def test_text_with_copy_specials_round_trips(title):
    papers_upsert([arxiv_record(title=title, authors=["O'Brien \\ \"Quote\"", "Tab\tName"])])
    paper = Paper.objects.get()
    assert paper.title == title.replace("\x00", "")
    assert paper.authors == ["O'Brien \\ \"Quote\"", "Tab\tName"]


def test_a_record_updates_the_paper_with_its_arxiv_id_in_place_and_its_summary_survives():
    summary = SummaryFactory(paper=PaperFactory(arxiv_id="1706.03762", title="Old title", abstract="Old"))
    result = papers_upsert([arxiv_record(title="New title", arxiv_version=7)])
    assert result == UpsertResult(created=0, updated=1)
    paper = Paper.objects.get()
    assert paper.pk == summary.paper_id
    assert (paper.title, paper.abstract, paper.arxiv_version) == ("New title", "Old", 7)
    assert Summary.objects.get().paper_id == paper.pk


def test_empty_values_do_not_erase_known_ones():
    PaperFactory(
        arxiv_id="1706.03762", title="Known", authors=["Ashish Vaswani"], abstract="Known abstract",
        venue="NeurIPS", year=2017, categories=["cs.CL"], doi="10.5555/3295222.3295349",
    )
    papers_upsert([PaperRecord(arxiv_id="1706.03762", title="", authors=[], abstract="", venue="", year=None, categories=[])])
    paper = Paper.objects.get()
    assert (paper.title, paper.authors, paper.abstract, paper.venue, paper.year, paper.categories, paper.doi) == (
        "Known", ["Ashish Vaswani"], "Known abstract", "NeurIPS", 2017, ["cs.CL"], "10.5555/3295222.3295349",
    )


def test_a_bibtex_paper_with_the_same_doi_gets_the_arxiv_id_merged_in():
    bibtex_paper = PaperFactory(arxiv_id=None, doi="10.1103/physrevd.76.013009", bibtex_key="balazs2007", venue="Phys. Rev. D")
    summary = SummaryFactory(paper=bibtex_paper)
    result = papers_upsert([arxiv_record("0704.0001", title="Calculation of prompt diphoton production", doi="10.1103/physrevd.76.013009")])
    assert result == UpsertResult(created=0, updated=1)
    paper = Paper.objects.get()
    assert paper.pk == bibtex_paper.pk == Summary.objects.get(pk=summary.pk).paper_id
    assert (paper.arxiv_id, paper.doi, paper.bibtex_key, paper.venue) == (
        "0704.0001", "10.1103/physrevd.76.013009", "balazs2007", "Phys. Rev. D",
    )
    assert paper.title == "Calculation of prompt diphoton production"


def test_a_record_finds_its_paper_by_bibtex_key_last():
    paper = PaperFactory(arxiv_id=None, bibtex_key="vaswani2017attention", title="Attention")
    papers_upsert([PaperRecord(bibtex_key="vaswani2017attention", title="Attention Is All You Need", doi="10.5555/1")])
    paper.refresh_from_db()
    assert (paper.title, paper.doi, Paper.objects.count()) == ("Attention Is All You Need", "10.5555/1", 1)


def test_arxiv_id_wins_over_doi_when_they_name_different_papers():
    by_arxiv = PaperFactory(arxiv_id="1706.03762", doi=None)
    by_doi = PaperFactory(arxiv_id=None, doi="10.5555/1", bibtex_key="other")
    papers_upsert([arxiv_record(title="Matched by arXiv id", doi="10.5555/1")])
    by_arxiv.refresh_from_db()
    by_doi.refresh_from_db()
    assert by_arxiv.title == "Matched by arXiv id"
    assert by_arxiv.doi is None, "the DOI stays with the paper that holds it"
    assert by_doi.doi == "10.5555/1"


def test_two_arxiv_papers_claiming_one_doi_in_one_batch_are_two_papers_and_the_second_has_no_doi():
    result = papers_upsert([
        arxiv_record("0704.0001", title="First", doi="10.1103/shared"),
        arxiv_record("0704.0002", title="Second", doi="10.1103/shared"),
    ])
    assert result == UpsertResult(created=2, updated=0)
    assert dict(Paper.objects.values_list("arxiv_id", "doi")) == {"0704.0001": "10.1103/shared", "0704.0002": None}


def test_a_doi_held_by_a_paper_with_another_arxiv_id_is_not_stolen_and_that_paper_keeps_its_arxiv_id():
    holder = PaperFactory(arxiv_id="0704.0001", doi="10.1103/shared", title="Holder")
    result = papers_upsert([arxiv_record("0704.0002", title="Claimant", doi="10.1103/shared")])
    assert result == UpsertResult(created=1, updated=0)
    holder.refresh_from_db()
    assert (holder.arxiv_id, holder.doi, holder.title) == ("0704.0001", "10.1103/shared", "Holder")
    assert Paper.objects.get(arxiv_id="0704.0002").doi is None


def test_identifiers_are_filled_in_but_never_replaced():
    paper = PaperFactory(arxiv_id="1706.03762", doi="10.5555/original", bibtex_key=None)
    papers_upsert([arxiv_record(doi="10.5555/other", bibtex_key="vaswani2017attention")])
    paper.refresh_from_db()
    assert (paper.doi, paper.bibtex_key) == ("10.5555/original", "vaswani2017attention")
    assert not Paper.objects.filter(doi="10.5555/other").exists()


def test_a_record_with_only_a_doi_updates_the_arxiv_paper_holding_it():
    paper = PaperFactory(arxiv_id="0704.0001", doi="10.1103/physrevd.76.013009", venue="")
    assert papers_upsert([PaperRecord(doi="10.1103/physrevd.76.013009", venue="Phys. Rev. D")]) == UpsertResult(0, 1)
    paper.refresh_from_db()
    assert paper.venue == "Phys. Rev. D"


def test_duplicate_records_in_one_batch_do_not_crash_and_the_last_wins():
    result = papers_upsert([
        arxiv_record(title="First title", abstract="Only the first says this", arxiv_version=1),
        arxiv_record(title="Second title", arxiv_version=2),
    ])
    assert result == UpsertResult(created=1, updated=1)
    paper = Paper.objects.get()
    assert (paper.title, paper.arxiv_version, paper.abstract) == ("Second title", 2, "Only the first says this")


def test_a_later_record_of_a_paper_new_in_the_batch_does_not_replace_its_identifiers():
    result = papers_upsert([
        arxiv_record(doi="10.5555/first", title="First"),
        arxiv_record(doi="10.5555/second", title="Second"),
    ])
    assert result == UpsertResult(created=1, updated=1)
    paper = Paper.objects.get()
    assert (paper.arxiv_id, paper.doi, paper.title) == ("1706.03762", "10.5555/first", "Second")


def test_records_of_one_paper_under_different_identifiers_in_one_batch_meet():
    result = papers_upsert([
        PaperRecord(bibtex_key="vaswani2017attention", title="Attention", doi="10.5555/1"),
        arxiv_record(doi="10.5555/1", categories=["cs.CL"]),
        PaperRecord(bibtex_key="vaswani2017attention", venue="NeurIPS"),
    ])
    assert result == UpsertResult(created=1, updated=2)
    paper = Paper.objects.get()
    assert (paper.arxiv_id, paper.doi, paper.bibtex_key, paper.venue, paper.categories) == (
        "1706.03762", "10.5555/1", "vaswani2017attention", "NeurIPS", ["cs.CL"],
    )


def test_running_the_same_records_twice_updates_and_never_duplicates():
    records = [arxiv_record(f"0704.{n:04d}", title=f"Paper {n}", doi=f"10.1000/{n}") for n in range(1, 31)]
    assert papers_upsert(records, batch_size=7) == UpsertResult(created=30, updated=0)
    records[3].title = "Changed"
    assert papers_upsert(records, batch_size=7) == UpsertResult(created=0, updated=30)
    assert Paper.objects.count() == 30
    assert Paper.objects.get(arxiv_id="0704.0004").title == "Changed"


def test_unchanged_papers_are_not_rewritten(write_path):
    if write_path != "copy":
        pytest.skip("only the COPY path compares before writing")
    papers_upsert([arxiv_record(title="Same")])
    modified_at = Paper.objects.get().modified_at
    papers_upsert([arxiv_record(title="Same")])
    assert Paper.objects.get().modified_at == modified_at
    papers_upsert([arxiv_record(title="Different")])
    assert Paper.objects.get().modified_at > modified_at


def test_records_are_read_lazily_one_batch_at_a_time(django_assert_max_num_queries):
    consumed = []

    def records():
        for n in range(25):
            consumed.append(n)
            yield arxiv_record(f"0704.{n:04d}")

    assert papers_upsert(records(), batch_size=10) == UpsertResult(created=25, updated=0)
    assert consumed == list(range(25))
    assert Paper.objects.count() == 25


def test_a_batch_with_a_record_without_identifier_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="Record 2 .*needs an arXiv id, a DOI or a BibTeX key"):
        papers_upsert([arxiv_record(), PaperRecord(title="Nameless")])
    assert not Paper.objects.exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example/"])
def test_links_that_are_not_web_addresses_are_dropped_and_the_paper_kept(link):
    papers_upsert([arxiv_record(url=link, pdf_url=link, abstract="Kept")])
    paper = Paper.objects.get()
    assert (paper.url, paper.pdf_url, paper.abstract) == ("", "", "Kept")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"abstract": "x" * 20_001}, "abstract is longer than 20,000 characters"),
        ({"title": "x" * 1_001}, "title is longer than 1,000 characters"),
        ({"authors": ["A. Author"] * 3_001}, "more than 3,000 authors"),
        ({"authors": ["x" * 301]}, "a name longer than 300"),
        ({"categories": ["cs.LG"] * 51}, "more than 50 categories"),
    ],
)
def test_metadata_larger_than_the_site_stores_is_refused(values, message):
    with pytest.raises(ValueError, match=f"Record 1 .*{message}"):
        papers_upsert([arxiv_record(**values)])
    assert not Paper.objects.exists()


def test_metadata_at_its_size_limits_is_stored():
    papers_upsert([arxiv_record(title="t" * 1_000, abstract="a" * 20_000, authors=["n" * 300] * 3_000)])
    assert len(Paper.objects.get().abstract) == 20_000


def test_a_value_too_long_for_its_column_is_refused():
    with pytest.raises(ValueError, match="doi is longer than 300"):
        papers_upsert([arxiv_record(doi="10.1000/" + "x" * 300)])
    assert not Paper.objects.exists()


def test_a_concurrent_writer_taking_an_identifier_between_look_up_and_write_is_retried(monkeypatch):
    PaperFactory(arxiv_id="1706.03762", title="Written meanwhile")
    real_existing_papers = services._existing_papers
    calls = []

    def stale_then_real(records):
        calls.append(1)
        return [] if len(calls) == 1 else real_existing_papers(records)

    monkeypatch.setattr(services, "_existing_papers", stale_then_real)
    assert papers_upsert([arxiv_record(title="Ours")]) == UpsertResult(created=0, updated=1)
    assert len(calls) == 2
    assert Paper.objects.get().title == "Ours"


class _DriverError(Exception):
    """What psycopg2 raises under Django's OperationalError, with PostgreSQL's SQLSTATE."""

    def __init__(self, pgcode: str):
        super().__init__(pgcode)
        self.pgcode = pgcode


@pytest.mark.parametrize("pgcode, retried", [("40P01", True), ("57014", False)])  # a deadlock; a cancelled query
def test_a_batch_stopped_by_the_deadlock_detector_is_retried_and_other_database_errors_are_not(monkeypatch, pgcode, retried):
    from django.db import OperationalError

    real_write = services._write_by_copy if services._uses_copy() else services._write_by_orm
    calls = []

    def deadlocked_once(targets):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("stopped") from _DriverError(pgcode)
        return real_write(targets)

    monkeypatch.setattr(services, "_write_by_copy", deadlocked_once)
    monkeypatch.setattr(services, "_write_by_orm", deadlocked_once)
    if retried:
        assert papers_upsert([arxiv_record()]) == UpsertResult(created=1, updated=0)
        assert len(calls) == 2 and Paper.objects.count() == 1
    else:
        with pytest.raises(OperationalError):
            papers_upsert([arxiv_record()])
        assert len(calls) == 1 and not Paper.objects.exists()


def test_paper_upsert_returns_the_paper_and_whether_it_was_created():
    paper, created = paper_upsert(record=arxiv_record(published=date(2017, 6, 12)))
    assert created and paper.pk and paper.arxiv_id == "1706.03762" and paper.year == 2017
    same, created = paper_upsert(record=arxiv_record(title="Retitled"))
    assert not created and same.pk == paper.pk and same.title == "Retitled"


def test_paper_upsert_twice_in_one_transaction_reuses_the_staging_table():
    first, _ = paper_upsert(record=arxiv_record("0704.0001"))
    second, _ = paper_upsert(record=PaperRecord(title="By key", bibtex_key="key2007"))
    assert {first.pk, second.pk} == set(Paper.objects.values_list("pk", flat=True))


def test_paper_upsert_needs_an_identifier():
    with pytest.raises(ValueError):
        paper_upsert(record=PaperRecord(title="Nameless"))
