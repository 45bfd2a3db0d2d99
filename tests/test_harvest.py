"""Incremental arXiv harvest through OAI-PMH: record parsing, paging, retries, and where a harvest stopped.

HTTP is answered from recorded OAI-PMH responses in tests/data/oai/; nothing else is mocked.
"""

from datetime import date, datetime, timezone
from io import StringIO
from pathlib import Path

import pytest
import requests
import responses
from django.core.management import CommandError, call_command
from django.db import connection
from responses import matchers

from papers.management.commands import harvest_arxiv
from papers.models import HarvestState, Paper
from papers.oai import (
    USER_AGENT,
    OAIError,
    OAIUnavailable,
    RecordError,
    metadata_record,
    parse_list_records,
    retry_after_seconds,
    split_authors,
)
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

DATA = Path(__file__).parent / "data" / "oai"
ENDPOINT = "https://oaipmh.arxiv.org/oai"
TOKEN = "6960524|1001"
LIST_END = date(2024, 1, 3)  # responseDate of the recorded first page


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture(autouse=True)
def oai_settings(settings):
    settings.ARXIV_OAI_URL = ENDPOINT
    settings.ARXIV_OAI_MAX_RETRIES = 2
    settings.EXTERNAL_API_TIMEOUT = 5


@pytest.fixture(autouse=True)
def slept(monkeypatch):
    """The waits the harvest asked for, instead of sleeping through them."""
    waits = []
    monkeypatch.setattr(harvest_arxiv.Command, "sleep", staticmethod(waits.append))
    return waits


@pytest.fixture
def oai():
    """Recorded OAI-PMH answers; every one registered must be asked for, and nothing else."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def answer(mock, params: dict, body: bytes | str = b"", *, status: int = 200, headers: dict | None = None):
    """Answer the request with exactly these query parameters."""
    mock.get(ENDPOINT, body=body, status=status, headers=headers,
             content_type="text/xml; charset=utf-8", match=[matchers.query_param_matcher(params)])


def first_page_params(**extra) -> dict:
    return {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2024-01-01", **extra}


RESUME_PARAMS = {"verb": "ListRecords", "resumptionToken": TOKEN}


def harvest(*args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("harvest_arxiv", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def state(name: str = f"{ENDPOINT} arXiv *") -> HarvestState:
    return HarvestState.objects.get(name=name)


# --- Reading the arXiv and arXivRaw formats -----------------------------------------------------


def test_arxiv_page_is_read_into_records_token_and_list_size():
    page = parse_list_records(recorded("list_records_arxiv_page1.xml"))

    assert page.response_date == date(2024, 1, 3)
    assert page.resumption_token == TOKEN
    assert (page.cursor, page.complete_list_size) == (0, 5)
    assert page.deleted == ["oai:arXiv.org:1501.00001"]
    assert page.skipped == []
    attention, diphoton = page.records
    assert attention.arxiv_id == "1706.03762"
    assert attention.title == "Attention Is All You Need"
    assert attention.authors == [
        "Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
        "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin",
    ]
    assert attention.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or convolutional")
    assert "\n" not in attention.abstract and "  " not in attention.abstract
    assert (attention.published, attention.updated, attention.year) == (date(2017, 6, 12), date(2023, 8, 2), 2017)
    assert attention.categories == ["cs.CL", "cs.LG"]
    assert attention.doi is None and attention.journal_ref == "" and attention.arxiv_version is None

    assert diphoton.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert diphoton.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert diphoton.doi == "10.1103/physrevd.76.013009"
    assert diphoton.journal_ref == "Phys.Rev.D76:013009,2007"


def test_last_page_has_no_token_but_keeps_the_counts():
    page = parse_list_records(recorded("list_records_arxiv_page2.xml"))

    assert page.resumption_token == ""
    assert (page.cursor, page.complete_list_size) == (3, 5)
    pixel_rnn, gat = page.records
    assert pixel_rnn.authors == ["Aaron van den Oord", "Nal Kalchbrenner", "Koray Kavukcuoglu"]
    assert pixel_rnn.journal_ref == "Proceedings of The 33rd International Conference on Machine Learning, PMLR 48:1747–1756, 2016"
    assert gat.authors == ["Petar Veličković", "Guillem Cucurull", "Arantxa Casanova", "Adriana Romero", "Pietro Liò", "Yoshua Bengio"]
    assert gat.categories == ["stat.ML", "cs.AI", "cs.LG", "cs.SI"]


def test_arxiv_raw_page_takes_dates_and_version_from_the_version_elements():
    page = parse_list_records(recorded("list_records_arxiv_raw.xml"))

    maldacena, gubser = page.records
    assert maldacena.arxiv_id == "hep-th/9711200"
    assert maldacena.authors == ["Juan M. Maldacena"]
    assert (maldacena.published, maldacena.updated, maldacena.year) == (date(1997, 11, 27), date(1998, 1, 22), 1997)
    assert maldacena.arxiv_version == 3
    assert maldacena.doi == "10.1023/a:1026654312961"
    assert maldacena.journal_ref == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert maldacena.abstract.startswith("We show that the large $N$ limit of certain conformal field theories in various")

    assert gubser.authors == ["S.S. Gubser", "I.R. Klebanov", "A.M. Polyakov"]
    assert (gubser.published, gubser.updated, gubser.arxiv_version) == (date(1998, 2, 16), None, 1)
    assert "${\\cal N}=4$" in gubser.abstract
    assert gubser.doi == "10.1016/s0370-2693(98)00377-3"


def arxiv_metadata(inner: str) -> bytes:
    return (
        '<metadata xmlns="http://www.openarchives.org/OAI/2.0/"><arXiv xmlns="http://arxiv.org/OAI/arXiv/">'
        f"{inner}</arXiv></metadata>"
    ).encode()


def read_metadata(xml: bytes):
    from defusedxml.ElementTree import fromstring

    return metadata_record(fromstring(xml))


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("<keyname>Gates</keyname><forenames>S. James</forenames><suffix>Jr</suffix>", "S. James Gates Jr"),
        ("<keyname>ATLAS Collaboration</keyname>", "ATLAS Collaboration"),
        ("<keyname>Sch\\\"olkopf</keyname><forenames>Bernhard</forenames>", "Bernhard Schölkopf"),
        ("<keyname>M{\\\"u}ller</keyname><forenames>Klaus-Robert</forenames><affiliation>TU Berlin</affiliation>", "Klaus-Robert Müller"),
        ("<keyname>Erd\\H{o}s</keyname><forenames>\n  Paul </forenames>", "Paul Erdős"),
    ],
)
def test_arxiv_author_is_forenames_keyname_suffix(author, name):
    record = read_metadata(arxiv_metadata(f"<id>2401.00001</id><title>T</title><authors><author>{author}</author></authors>"))
    assert record.authors == [name]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Attention Is All\n  You Need", "Attention Is All You Need"),
        ("Learning in $O(n \\log n)$ time", "Learning in $O(n \\log n)$ time"),
        ("On the $\\ell_1$ norm of Gr\\\"obner bases", "On the $\\ell_1$ norm of Gröbner bases"),
        ("R&amp;D -- a survey", "R&D – a survey"),
        ("A 100% gain", "A 100% gain"),
    ],
)
def test_title_gets_unicode_accents_and_keeps_math(title, expected):
    record = read_metadata(arxiv_metadata(f"<id>2401.00001</id><title>{title}</title>"))
    assert record.title == expected


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        ("10.1103/PhysRevD.76.013009", "10.1103/physrevd.76.013009"),
        ("10.1103/PhysRevD.76.013009 10.1088/1126-6708/2007/07/042", "10.1103/physrevd.76.013009"),
        ("https://doi.org/10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("10.48550/arXiv.2401.00001", None),  # arXiv's own DOI names the arXiv paper, not a publication
        ("not a doi", None),
    ],
)
def test_doi_is_the_first_real_doi_lower_cased(doi, expected):
    record = read_metadata(arxiv_metadata(f"<id>2401.00001</id><title>T</title><doi>{doi}</doi>"))
    assert record.doi == expected


@pytest.mark.parametrize(
    ("inner", "reason"),
    [
        ("<id>not-an-id</id><title>T</title>", "is not an arXiv id"),
        ("<id>2401.00001</id><title>  </title>", "no title"),
    ],
)
def test_unusable_record_is_refused_with_a_reason(inner, reason):
    with pytest.raises(RecordError, match=reason):
        read_metadata(arxiv_metadata(inner))


@pytest.mark.parametrize(
    ("authors", "names"),
    [
        ("C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan", ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]),
        ("A. Author and B. Author", ["A. Author", "B. Author"]),
        ("A. Author, B. Author, and C. Author", ["A. Author", "B. Author", "C. Author"]),
        ("A. Author (1), B. Author (2) ((1) MIT, (2) CERN)", ["A. Author", "B. Author"]),
        ("Anne Anderson, Sandra Randall", ["Anne Anderson", "Sandra Randall"]),
        ("J. M{\\\"u}ller, et al.", ["J. Müller"]),
    ],
)
def test_arxiv_raw_author_string_is_split_into_names(authors, names):
    assert split_authors(authors) == names


def test_a_record_that_cannot_be_read_is_skipped_not_fatal():
    body = recorded("list_records_arxiv_page2.xml").replace(b"<id>1710.10903</id>", b"<id>garbage</id>")
    page = parse_list_records(body)
    assert [record.arxiv_id for record in page.records] == ["1601.06759"]
    assert page.skipped[0].identifier == "oai:arXiv.org:1710.10903"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (recorded("bad_argument.xml"), OAIError),
        (b"<html><body>Service Unavailable</body></html>", OAIUnavailable),
        (b"not xml at all", OAIUnavailable),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', OAIUnavailable),  # defusedxml refuses entities
    ],
)
def test_responses_that_are_not_a_list_raise(body, error):
    with pytest.raises(error):
        parse_list_records(body)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("  120 ", 120.0), ("Wed, 03 Jan 2024 09:16:12 GMT", 30.0), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_is_seconds_or_an_http_date(header, seconds):
    now = datetime(2024, 1, 3, 9, 15, 42, tzinfo=timezone.utc)
    assert retry_after_seconds(header, now=now) == seconds


# --- The harvest_arxiv command ------------------------------------------------------------------


@pytest.mark.django_db
def test_harvest_follows_the_resumption_token_and_stores_every_page(oai):
    answer(oai, first_page_params(), recorded("list_records_arxiv_page1.xml"))
    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))

    stdout, stderr = harvest("--from", "2024-01-01")

    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["0704.0001", "1601.06759", "1706.03762", "1710.10903"]
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert attention.title == "Attention Is All You Need"
    assert attention.authors[:2] == ["Ashish Vaswani", "Noam Shazeer"] and len(attention.authors) == 8
    assert (attention.published, attention.updated, attention.year) == (date(2017, 6, 12), date(2023, 8, 2), 2017)
    assert attention.categories == ["cs.CL", "cs.LG"]
    diphoton = Paper.objects.get(arxiv_id="0704.0001")
    assert diphoton.doi == "10.1103/physrevd.76.013009"
    assert diphoton.journal_ref == "Phys.Rev.D76:013009,2007"
    assert Paper.objects.get(arxiv_id="1710.10903").authors[0] == "Petar Veličković"

    harvested = state()
    assert harvested.harvested_until == date(2024, 1, 3)  # page 1's responseDate
    assert harvested.resumption_token == ""
    assert harvested.records_seen == 5
    assert "5 records in 2 pages: 4 papers created, 0 updated, 1 deleted records" in stdout
    assert "5/5" in stderr and "pages=2" in stderr  # progress, sized by completeListSize
    for call in oai.calls:
        assert call.request.headers["User-Agent"] == USER_AGENT
        assert call.request.req_kwargs["timeout"] == 5


@pytest.mark.django_db
def test_an_existing_paper_with_a_summary_is_updated_in_place(oai, paper):
    summary = SummaryFactory(paper=paper)
    answer(oai, first_page_params(), recorded("list_records_arxiv_page1.xml"))
    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))

    stdout, _ = harvest("--from", "2024-01-01")

    assert Paper.objects.filter(arxiv_id="1601.06759").count() == 1
    paper.refresh_from_db()
    assert paper.categories == ["cs.CV", "cs.LG", "cs.NE"]
    assert (paper.published, paper.updated) == (date(2016, 1, 25), date(2016, 8, 19))
    assert paper.journal_ref.startswith("Proceedings of The 33rd International Conference on Machine Learning")
    assert paper.arxiv_version == 3  # the arXiv format doesn't say, so what we knew stays
    assert Summary.objects.get(pk=summary.pk).paper_id == paper.pk
    assert "3 papers created, 1 updated" in stdout


@pytest.mark.django_db
def test_a_deleted_record_is_skipped_and_leaves_its_paper_alone(oai):
    kept = PaperFactory(arxiv_id="1501.00001", title="Still summarised here")
    answer(oai, first_page_params(), recorded("list_records_arxiv_page1.xml"))
    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))

    harvest("--from", "2024-01-01")

    kept.refresh_from_db()
    assert kept.title == "Still summarised here"
    assert Paper.objects.count() == 5


@pytest.mark.django_db
def test_no_records_match_means_nothing_new_and_still_moves_the_date(oai):
    answer(oai, first_page_params(), recorded("no_records_match.xml"))

    stdout, _ = harvest("--from", "2024-01-01")

    assert "No new or changed records" in stdout
    assert Paper.objects.count() == 0
    assert state().harvested_until == date(2024, 1, 4)
    assert state().records_seen == 0


@pytest.mark.django_db
def test_a_daily_run_continues_from_where_the_last_one_stopped(oai):
    answer(oai, first_page_params(), recorded("list_records_arxiv_page1.xml"))
    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))
    harvest("--from", "2024-01-01")
    answer(oai, {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2024-01-03"}, recorded("no_records_match.xml"))

    harvest()

    assert oai.calls[-1].request.params == {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2024-01-03"}
    assert state().harvested_until == date(2024, 1, 4)
    assert state().records_seen == 5


@pytest.mark.django_db
def test_the_first_run_needs_a_from_date(oai):
    with pytest.raises(CommandError, match="pass --from YYYY-MM-DD"):
        harvest()
    assert len(oai.calls) == 0


@pytest.mark.django_db
def test_until_and_set_are_sent_and_until_is_where_the_harvest_stops(oai):
    answer(oai, first_page_params(until="2024-01-02", set="cs"), recorded("no_records_match.xml"))

    harvest("--from", "2024-01-01", "--until", "2024-01-02", "--set", "cs")

    assert state(f"{ENDPOINT} arXiv cs").harvested_until == date(2024, 1, 2)
    assert not HarvestState.objects.filter(name=f"{ENDPOINT} arXiv *").exists()


@pytest.mark.django_db
def test_until_before_from_is_refused(oai):
    with pytest.raises(CommandError, match="before the start date"):
        harvest("--from", "2024-01-05", "--until", "2024-01-01")


@pytest.mark.django_db
def test_arxiv_raw_format_is_harvested_under_its_own_state(oai):
    params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-02-01", "set": "physics:hep-th"}
    answer(oai, params, recorded("list_records_arxiv_raw.xml"))

    harvest("--from", "2024-02-01", "--set", "physics:hep-th", "--format", "arXivRaw")

    maldacena = Paper.objects.get(arxiv_id="hep-th/9711200")
    assert maldacena.authors == ["Juan M. Maldacena"]
    assert (maldacena.published, maldacena.updated, maldacena.arxiv_version) == (date(1997, 11, 27), date(1998, 1, 22), 3)
    assert maldacena.doi == "10.1023/a:1026654312961"
    assert Paper.objects.get(arxiv_id="hep-th/9802109").authors == ["S.S. Gubser", "I.R. Klebanov", "A.M. Polyakov"]
    assert state(f"{ENDPOINT} arXivRaw physics:hep-th").harvested_until == date(2024, 2, 10)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce the column's range")
def test_a_record_the_database_refuses_is_reported_and_the_rest_of_the_page_saved(oai):
    # Version 40000 does not fit the column; the harvest must not stop on it for good.
    page = recorded("list_records_arxiv_raw.xml").replace(b'version="v3"', b'version="v40000"')
    params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-02-01"}
    answer(oai, params, page)

    _, stderr = harvest("--from", "2024-02-01", "--format", "arXivRaw")

    assert "not saved hep-th/9711200" in stderr
    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["hep-th/9802109"]
    assert state(f"{ENDPOINT} arXivRaw *").harvested_until == date(2024, 2, 10)


@pytest.mark.django_db
def test_a_503_is_retried_after_the_wait_it_asks_for(oai, slept):
    answer(oai, first_page_params(), "Retry after 7 seconds", status=503, headers={"Retry-After": "7"})
    answer(oai, first_page_params(), recorded("no_records_match.xml"))

    harvest("--from", "2024-01-01")

    assert slept == [7.0]
    assert len(oai.calls) == 2
    assert state().harvested_until == date(2024, 1, 4)


@pytest.mark.django_db
def test_a_network_failure_is_retried_with_back_off(oai, slept):
    oai.get(ENDPOINT, body=requests.ConnectionError("Connection reset by peer"))
    answer(oai, first_page_params(), recorded("no_records_match.xml"))

    harvest("--from", "2024-01-01")

    assert slept == [5]
    assert state().harvested_until == date(2024, 1, 4)


@pytest.mark.django_db
def test_a_client_error_is_not_retried(oai, slept):
    answer(oai, first_page_params(), "Not Found", status=404)

    with pytest.raises(CommandError, match="answered HTTP 404"):
        harvest("--from", "2024-01-01")

    assert slept == [] and len(oai.calls) == 1


@pytest.mark.django_db
def test_retries_are_bounded(oai, slept):
    for _ in range(3):  # the first try and ARXIV_OAI_MAX_RETRIES = 2 retries
        answer(oai, first_page_params(), "Service Unavailable", status=503)

    with pytest.raises(CommandError, match="failed 3 times, last with HTTP 503.*Nothing was saved"):
        harvest("--from", "2024-01-01")

    assert slept == [5, 10]  # no Retry-After: exponential back-off
    assert not HarvestState.objects.exists()


@pytest.mark.django_db
def test_an_interrupted_harvest_keeps_its_pages_and_resumes_from_the_token(oai, slept):
    answer(oai, first_page_params(), recorded("list_records_arxiv_page1.xml"))
    for _ in range(3):
        answer(oai, RESUME_PARAMS, "Internal Server Error", status=500)

    with pytest.raises(CommandError, match="Harvest interrupted.*resumes the list from its resumption token"):
        harvest("--from", "2024-01-01")

    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["0704.0001", "1706.03762"]
    interrupted = state()
    assert interrupted.resumption_token == TOKEN
    assert interrupted.records_seen == 3
    assert interrupted.harvested_until == date(2024, 1, 1)  # not done yet: a new list would start here
    assert interrupted.list_until == LIST_END  # the first page's responseDate: where this list ends

    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))
    stdout, _ = harvest()

    assert oai.calls[-1].request.params == RESUME_PARAMS
    assert Paper.objects.count() == 4
    resumed = state()
    assert resumed.resumption_token == ""
    assert resumed.records_seen == 5
    # The resumed list ends where it would have ended uninterrupted, so the next run starts there.
    assert resumed.harvested_until == LIST_END
    assert resumed.list_until is None
    assert "Resuming the interrupted harvest" in stdout


@pytest.mark.django_db
def test_resuming_with_until_records_how_far_the_list_reached(oai):
    HarvestState.objects.create(name=f"{ENDPOINT} arXiv *", harvested_until=date(2024, 1, 1), resumption_token=TOKEN)
    answer(oai, RESUME_PARAMS, recorded("list_records_arxiv_page2.xml"))

    harvest("--from", "2024-01-01", "--until", "2024-01-03")

    assert state().harvested_until == date(2024, 1, 3)
    assert state().resumption_token == ""


@pytest.mark.django_db
def test_restart_discards_the_token_and_starts_a_new_list(oai):
    HarvestState.objects.create(name=f"{ENDPOINT} arXiv *", harvested_until=date(2024, 1, 1), resumption_token=TOKEN)
    answer(oai, first_page_params(), recorded("no_records_match.xml"))

    harvest("--restart")

    assert state().resumption_token == ""
    assert state().harvested_until == date(2024, 1, 4)


@pytest.mark.django_db
def test_a_refused_resumption_token_is_discarded_with_a_clear_error(oai):
    HarvestState.objects.create(name=f"{ENDPOINT} arXiv *", harvested_until=date(2024, 1, 1), resumption_token=TOKEN)
    answer(oai, RESUME_PARAMS, recorded("bad_resumption_token.xml"))

    with pytest.raises(CommandError, match="refused the resumption token.*badResumptionToken.*run again to harvest from 2024-01-01"):
        harvest()

    assert state().resumption_token == ""
    assert state().harvested_until == date(2024, 1, 1)


@pytest.mark.django_db
def test_a_bad_argument_is_a_clear_error(oai):
    answer(oai, first_page_params(set="no-such-set"), recorded("bad_argument.xml"))

    with pytest.raises(CommandError, match="arXiv refused the request \\(badArgument: Illegal set value: no-such-set\\)"):
        harvest("--from", "2024-01-01", "--set", "no-such-set")

    assert not HarvestState.objects.exists()
