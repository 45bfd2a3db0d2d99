"""Citations heal: a summary citing a paper we did not have is rendered again when the paper arrives,
by whichever path (fetch, BibTeX import, snapshot or harvest: all write through papers_upsert)."""

from pathlib import Path

import pytest
from django.core.management import call_command
from responses import matchers

from papers import arxiv
from papers import services as paper_services
from papers.services import PaperRecord, paper_lookup, papers_upsert
from summaries import citations, services
from summaries.models import Summary, UnresolvedCitation
from tests.factories import PaperFactory, SummaryFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture(params=["copy", "orm"])
def write_path(request, monkeypatch, db):
    monkeypatch.setattr(paper_services, "_uses_copy", lambda: request.param == "copy")
    return request.param


def waiting_keys(summary: Summary) -> list[tuple[str, str, str]]:
    return sorted(summary.unresolved_citations.values_list("key", "kind", "value"))


@pytest.mark.django_db
def test_a_summary_records_the_keys_it_could_not_resolve_and_forgets_them_once_resolved(paper):
    summary = SummaryFactory(body=r"\cite{1207.0580, Attention Is All You Need, DOI:10.1000/ABC} and \cite{1601.06759}")
    assert waiting_keys(summary) == [
        ("1207.0580", "arxiv", "1207.0580"),
        ("Attention Is All You Need", "", ""),  # no identifier: it can never arrive, but it is on record
        ("DOI:10.1000/ABC", "doi", "10.1000/abc"),
    ]
    services.summary_update(summary=summary, body=r"Only \cite{1601.06759} now.")
    assert waiting_keys(summary) == []


def test_an_upserted_paper_heals_the_summaries_citing_it_after_commit(write_path, django_capture_on_commit_callbacks):
    summary = SummaryFactory(body=r"Dropout \cite{1207.0580} helps.")
    other = SummaryFactory(body=r"Unrelated \cite{1312.6114}.")
    assert "[<a" in summary.body_html and ">1207.0580</a>]" in summary.body_html

    record = PaperRecord(arxiv_id="1207.0580", title="Improving neural networks", authors=["Geoffrey Hinton", "Nitish Srivastava"], year=2012)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        papers_upsert([record])
    # Nothing is re-rendered before the papers are committed: the healing waits for the commit.
    assert ">1207.0580</a>]" in Summary.objects.get(pk=summary.pk).body_html
    for callback in callbacks:
        callback()

    summary.refresh_from_db()
    cited = Summary.objects.get(pk=summary.pk).cited_papers.get()
    assert cited.arxiv_id == "1207.0580"
    assert f'<a class="cite" href="{cited.get_absolute_url()}">Hinton and Srivastava, 2012</a>' in summary.body_html
    assert list(cited.cited_by_summaries.all()) == [summary]
    assert waiting_keys(summary) == []
    # A summary waiting for another paper is left as it was.
    assert waiting_keys(other) == [("1312.6114", "arxiv", "1312.6114")]


@pytest.mark.django_db
def test_a_paper_fetched_from_arxiv_heals_its_citations(external_http, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.ARXIV_API_URL = "http://export.arxiv.org/api/query"
    monkeypatch.setattr(arxiv.rate_limit, "sleep", lambda seconds: None)  # arXiv's 3 seconds cost no real time
    external_http.get(
        settings.ARXIV_API_URL,
        body=(DATA / "arxiv" / "1706.03762.xml").read_bytes(),
        content_type="application/atom+xml; charset=utf-8",
        match=[matchers.query_param_matcher({"id_list": "1706.03762", "max_results": "1"})],
    )
    summary = SummaryFactory(body=r"Transformers \cite{arXiv:1706.03762v5}.")
    with django_capture_on_commit_callbacks(execute=True):
        paper = paper_lookup("1706.03762")
    summary.refresh_from_db()
    assert f'href="{paper.get_absolute_url()}">{paper.short_reference}</a>' in summary.body_html
    assert list(paper.cited_by_summaries.all()) == [summary]


@pytest.mark.django_db
def test_a_bibtex_import_heals_citations_of_its_keys(django_capture_on_commit_callbacks):
    summary = SummaryFactory(body=r"As \cite{journals/jmlr/LarochelleM11} showed.")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_bibtex", str(DATA / "bibtex" / "dblp.bib"), stdout=open("/dev/null", "w"))
    summary.refresh_from_db()
    assert "Larochelle" in summary.body_html
    assert summary.cited_papers.get().bibtex_key == "journals/jmlr/LarochelleM11"


@pytest.mark.django_db
def test_healing_twice_or_with_nothing_waiting_changes_nothing(django_assert_num_queries):
    PaperFactory(arxiv_id="1207.0580")
    with django_assert_num_queries(1):  # an import into a site where no citation waits costs one query a batch
        assert citations.citations_heal(identifiers={"arxiv_id": ["1207.0580"], "doi": [], "bibtex_key": []}) == 0
    summary = SummaryFactory(body=r"\cite{1207.0580}")
    assert citations.citations_heal(identifiers={"arxiv_id": ["1207.0580"]}) == 0
    assert UnresolvedCitation.objects.filter(summary=summary).count() == 0
