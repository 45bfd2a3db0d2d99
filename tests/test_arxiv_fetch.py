"""Papers we don't have are fetched on demand from arXiv (arXiv ids) or Crossref (DOIs), stored, and shown.

HTTP is answered from recorded responses in tests/data/arxiv/ and tests/data/crossref/; nothing
else is mocked. Any request a test doesn't register fails as a connection error (tests/conftest.py).
"""

from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.core.cache import cache
from responses import matchers

from papers import arxiv, crossref
from papers.identifiers import parse
from papers.models import Paper
from papers.services import PaperNotFound, paper_get_or_fetch, paper_lookup
from summaries.models import Summary
from tests.factories import PaperFactory

DATA = Path(__file__).parent / "data"
ARXIV_API_URL = "https://export.arxiv.org/api/query"
CROSSREF_API_URL = "https://api.crossref.org/works"


class FakeClock:
    """Wall-clock time that only moves when someone sleeps, so the 3-second rule costs no real time."""

    def __init__(self):
        self.now = 1_700_000_000.0
        self.sleeps = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):
    settings.ARXIV_API_URL = ARXIV_API_URL
    settings.CROSSREF_API_URL = CROSSREF_API_URL
    settings.ARXIV_API_MIN_INTERVAL = 3.0
    settings.EXTERNAL_API_TIMEOUT = 5.0
    fake = FakeClock()
    monkeypatch.setattr(arxiv.rate_limit, "clock", fake.time)
    monkeypatch.setattr(arxiv.rate_limit, "sleep", fake.sleep)
    return fake


def arxiv_answers(external_http, arxiv_id: str, *, file: str | None = None, status: int = 200, body=None):
    """Register the API's answer to `id_list=arxiv_id`, from a recorded file or a given body/exception."""
    if body is None:
        body = (DATA / "arxiv" / (file or f"{arxiv_id.replace('/', '-')}.xml")).read_bytes()
    return external_http.get(
        ARXIV_API_URL,
        body=body,
        status=status,
        content_type="application/atom+xml; charset=utf-8",
        match=[matchers.query_param_matcher({"id_list": arxiv_id, "max_results": "1"})],
    )


def crossref_answers(external_http, doi: str, *, file: str, status: int = 200):
    return external_http.get(
        f"{CROSSREF_API_URL}/{quote(doi, safe='')}",
        body=(DATA / "crossref" / file).read_bytes(),
        status=status,
        content_type="application/json" if file.endswith(".json") else "text/plain",
    )


# --- The arXiv API: Atom read into a record ---------------------------------------------------


def test_an_arxiv_entry_becomes_a_complete_record(external_http):
    arxiv_answers(external_http, "1706.03762")
    record = arxiv.fetch("1706.03762")
    assert record.title == "Attention Is All You Need"
    assert record.authors == [
        "Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
        "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin",
    ]  # fmt: skip
    assert record.abstract.startswith("The dominant sequence transduction models are based on complex recurrent")
    assert record.abstract.endswith("both with large and limited training data.")
    assert "\n" not in record.abstract and "  " not in record.abstract
    assert (record.arxiv_id, record.arxiv_version) == ("1706.03762", 7)
    assert (record.published, record.year, record.updated) == (date(2017, 6, 12), 2017, date(2023, 8, 2))
    assert record.categories == ["cs.CL", "cs.LG"]
    assert record.pdf_url == "https://arxiv.org/pdf/1706.03762v7"
    assert record.url == "https://arxiv.org/abs/1706.03762v7"
    assert (record.doi, record.journal_ref, record.venue) == (None, "", "")


def test_request_is_polite_and_bounded(external_http):
    arxiv_answers(external_http, "1706.03762")
    arxiv.fetch("1706.03762")
    (call,) = external_http.calls
    assert "ShortScience" in call.request.headers["User-Agent"]
    assert call.request.req_kwargs["timeout"] == 5.0


def test_wrapped_title_keeps_its_math_and_doi_and_journal_ref_are_read(external_http):
    arxiv_answers(external_http, "0710.2073")
    record = arxiv.fetch("0710.2073")
    assert record.title == (
        "On coincidence of Alday-Maldacena-regularized $\\sigma$-model and Nambu-Goto areas of minimal surfaces"
    )
    assert record.abstract.startswith("For the $\\sigma$-model and Nambu-Goto actions")
    assert record.authors == ["A. Popolitov"]
    assert record.doi == "10.1134/s0021364007210011"
    assert record.journal_ref == "JETP Lett.86:559-561,2008"
    assert record.categories == ["hep-th"]
    assert (record.arxiv_version, record.published, record.updated) == (2, date(2007, 10, 10), date(2007, 10, 12))


@pytest.mark.django_db
def test_old_style_id_is_asked_for_without_its_subject_class(client, external_http):
    arxiv_answers(external_http, "math/0211159")
    response = client.get("/paper/math.DG/0211159/")
    assert response.status_code == 301 and response["Location"] == "/paper/math/0211159/"
    record = Paper.objects.get(arxiv_id="math/0211159")
    assert (record.arxiv_id, record.arxiv_version) == ("math/0211159", 1)
    assert record.title == "The entropy formula for the Ricci flow and its geometric applications"
    assert record.authors == ["Grisha Perelman"]
    assert record.categories == ["math.DG", "math.GT"]
    assert record.pdf_url == "https://arxiv.org/pdf/math/0211159v1"
    assert (record.published, record.year) == (date(2002, 11, 11), 2002)


@pytest.mark.parametrize(
    "file, status",
    [("not-found.xml", 200), ("error-entry.xml", 200), ("error-entry.xml", 400)],
    ids=["no entry", "Error entry", "Error entry with 400"],
)
def test_an_id_arxiv_does_not_have_is_missing(external_http, file, status):
    arxiv_answers(external_http, "1706.99999", file=file, status=status)
    with pytest.raises(arxiv.ArxivPaperMissing):
        arxiv.fetch("1706.99999")


def test_an_entry_without_a_title_is_no_paper():
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
        <id>http://arxiv.org/abs/1706.99999v1</id><title></title><summary></summary>
    </entry></feed>"""
    assert arxiv.parse_feed(feed) is None


def test_an_entry_for_another_paper_is_not_taken_for_the_one_asked(external_http):
    arxiv_answers(external_http, "1706.99999", file="1706.03762.xml")
    with pytest.raises(arxiv.ArxivPaperMissing):
        arxiv.fetch("1706.99999")


@pytest.mark.parametrize(
    "answer, error",
    [
        ({"file": "503.html", "status": 503}, arxiv.ArxivUnavailable),
        ({"file": "500.html", "status": 500}, arxiv.ArxivUnavailable),
        ({"file": "503.html", "status": 200}, arxiv.ArxivUnavailable),  # a proxy's page is not a feed
        ({"body": requests.ConnectionError("connection refused")}, arxiv.ArxivUnavailable),
        ({"body": requests.ReadTimeout("read timed out")}, arxiv.ArxivTimeout),
        ({"body": requests.ConnectTimeout("connect timed out")}, arxiv.ArxivTimeout),
        ({"file": "rate-exceeded.txt", "status": 429}, arxiv.ArxivBusy),
        ({"file": "rate-exceeded.txt", "status": 200}, arxiv.ArxivBusy),
    ],
    ids=["503", "500", "html with 200", "refused", "read timeout", "connect timeout", "429", "rate exceeded"],
)
def test_failures_are_told_apart(external_http, answer, error):
    arxiv_answers(external_http, "1706.03762", **answer)
    with pytest.raises(error):
        arxiv.fetch("1706.03762")


# --- The 3-second rule ------------------------------------------------------------------------


def test_a_second_request_waits_for_its_turn(external_http, clock):
    arxiv_answers(external_http, "1706.03762")
    arxiv_answers(external_http, "0710.2073")
    arxiv.fetch("1706.03762")
    clock.now += 1.0
    arxiv.fetch("0710.2073")
    assert clock.sleeps == [2.0]
    assert len(external_http.calls) == 2
    # Other processes see the same booking: it lives in Django's cache, not in this process.
    assert cache.get(arxiv.rate_limit.key) == clock.now


def test_no_wait_once_three_seconds_have_passed(external_http, clock):
    arxiv_answers(external_http, "1706.03762")
    arxiv_answers(external_http, "0710.2073")
    arxiv.fetch("1706.03762")
    clock.now += 3.5
    arxiv.fetch("0710.2073")
    assert clock.sleeps == []


def test_a_wait_longer_than_the_timeout_is_refused_without_asking_arxiv(external_http, clock, settings):
    settings.EXTERNAL_API_TIMEOUT = 2.0
    arxiv_answers(external_http, "1706.03762")
    arxiv.fetch("1706.03762")
    with pytest.raises(arxiv.ArxivBusy):
        arxiv.fetch("0710.2073")
    assert len(external_http.calls) == 1
    assert clock.sleeps == []


def test_turns_booked_by_waiting_callers_count(clock, monkeypatch):
    # Callers in other processes sleep concurrently: the clock doesn't move between them.
    monkeypatch.setattr(arxiv.rate_limit, "sleep", lambda seconds: clock.sleeps.append(seconds))
    for _ in range(2):
        arxiv.rate_limit.wait_for_turn(interval=3.0, max_wait=5.0)
    assert clock.sleeps == [3.0]
    with pytest.raises(arxiv.ArxivBusy):
        arxiv.rate_limit.wait_for_turn(interval=3.0, max_wait=5.0)  # would wait 6 s


def test_a_held_booking_lock_makes_arxiv_busy_not_stuck(clock):
    cache.add(f"{arxiv.rate_limit.key}:lock", 1)
    with pytest.raises(arxiv.ArxivBusy):
        arxiv.rate_limit.wait_for_turn(interval=3.0, max_wait=5.0)
    assert sum(clock.sleeps) == pytest.approx(1.0)


# --- Crossref ---------------------------------------------------------------------------------


def test_a_crossref_work_becomes_a_record(external_http):
    crossref_answers(external_http, "10.1038/nature14539", file="10.1038-nature14539.json")
    record = crossref.fetch("10.1038/nature14539")
    assert record.title == "Deep learning"
    assert record.authors == ["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"]
    assert record.venue == "Nature"
    assert (record.year, record.published) == (2015, date(2015, 5, 27))
    assert record.doi == "10.1038/nature14539"
    assert record.abstract.startswith("Deep learning allows computational models")
    assert "such as drug discovery and genomics.\n\nDeep learning discovers intricate structure" in record.abstract
    assert "using the backpropagation algorithm" in record.abstract
    assert "<" not in record.abstract and "Abstract" not in record.abstract
    assert "ShortScience" in external_http.calls[0].request.headers["User-Agent"]


@pytest.mark.parametrize(
    "answer, error",
    [
        ({"file": "404.txt", "status": 404}, crossref.CrossrefDoiMissing),
        ({"file": "404.txt", "status": 503}, crossref.CrossrefUnavailable),
        ({"file": "404.txt", "status": 200}, crossref.CrossrefUnavailable),  # not JSON
    ],
    ids=["404", "503", "not json"],
)
def test_crossref_failures_are_told_apart(external_http, answer, error):
    crossref_answers(external_http, "10.1038/nature99999", **answer)
    with pytest.raises(error):
        crossref.fetch("10.1038/nature99999")


def test_crossref_timeout(external_http):
    external_http.get(f"{CROSSREF_API_URL}/10.1038%2Fnature14539", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(crossref.CrossrefTimeout):
        crossref.fetch("10.1038/nature14539")


@pytest.mark.parametrize(
    "markup, text",
    [
        ("Deep learning", "Deep learning"),
        ("  A  title\n  wrapped ", "A title wrapped"),
        ("<jats:p>One.</jats:p><jats:p>Two <jats:italic>in</jats:italic> line.</jats:p>", "One.\n\nTwo in line."),
        ("<jats:sec><jats:title>Abstract</jats:title><jats:p>Only this.</jats:p></jats:sec>", "Only this."),
        ("H<sub>2</sub>O &amp; CO<sub>2</sub>", "H2O & CO2"),
        ("<jats:p>x &lt; y</jats:p>", "x < y"),
        ("R&D for x < y", "R&D for x < y"),  # not XML: nothing tag-shaped to drop
        ("<p>Caf&eacute;<script>alert(1)</script></p>", "Café alert(1)"),  # HTML entity: not XML either
        ('<jats:p>Bad <img src=x onerror="alert(1)"/> tag</jats:p>', "Bad tag"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><jats:p>&a;</jats:p>', "]> &a;"),  # a DTD can't sneak in: nothing expands
    ],
)
def test_markup_is_stripped_to_plain_text(markup, text):
    assert crossref.strip_markup(markup) == text


# --- paper_get_or_fetch: the database first, then the right source ----------------------------


def test_a_paper_we_have_is_never_fetched(external_http, paper):
    assert paper_get_or_fetch(parse("1601.06759v2")) == paper
    assert len(external_http.calls) == 0


def test_a_fetched_arxiv_paper_is_stored(external_http, db):
    arxiv_answers(external_http, "1706.03762")
    paper = paper_get_or_fetch(parse("arXiv:1706.03762v2"))
    paper.refresh_from_db()
    assert paper.arxiv_id == "1706.03762" and paper.arxiv_version == 7
    assert paper.title == "Attention Is All You Need" and len(paper.authors) == 8
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert (paper.year, paper.published, paper.updated) == (2017, date(2017, 6, 12), date(2023, 8, 2))


def test_a_fetched_doi_is_stored(external_http, db):
    crossref_answers(external_http, "10.1038/nature14539", file="10.1038-nature14539.json")
    paper = paper_get_or_fetch(parse("https://doi.org/10.1038/NATURE14539"))
    assert (paper.doi, paper.title, paper.venue, paper.year) == ("10.1038/nature14539", "Deep learning", "Nature", 2015)
    assert paper.arxiv_id is None


def test_an_arxiv_doi_goes_to_arxiv(external_http, db):
    arxiv_answers(external_http, "1706.03762")
    assert paper_get_or_fetch(parse("10.48550/arXiv.1706.03762")).arxiv_id == "1706.03762"


def test_fetching_a_paper_known_by_its_doi_completes_it_instead_of_duplicating_it(external_http, db):
    known = PaperFactory(title="Alday-Maldacena areas", arxiv_id=None, doi="10.1134/s0021364007210011")
    arxiv_answers(external_http, "0710.2073")
    assert paper_get_or_fetch(parse("0710.2073")).pk == known.pk
    known.refresh_from_db()
    assert known.arxiv_id == "0710.2073" and Paper.objects.count() == 1


@pytest.mark.parametrize(
    "text, answer, message",
    [
        ("1706.99999", {"file": "not-found.xml"}, "arXiv has no paper with the id “1706.99999”: check it for a typo."),
        ("1706.03762", {"file": "503.html", "status": 503}, "arXiv can't be reached right now"),
        ("1706.03762", {"body": requests.ConnectionError()}, "arXiv can't be reached right now"),
        ("1706.03762", {"body": requests.ReadTimeout()}, "arXiv took too long to answer"),
        ("1706.03762", {"file": "rate-exceeded.txt", "status": 429}, "arXiv is busy: try again in a moment."),
    ],
    ids=["missing", "503", "down", "timeout", "busy"],
)
def test_each_arxiv_failure_has_its_own_message(external_http, db, text, answer, message):
    arxiv_answers(external_http, text, **answer)
    with pytest.raises(PaperNotFound, match=message):
        paper_lookup(text)
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    "status, message",
    [(404, "Crossref has no work with the DOI “10.1038/nature99999”"), (500, "Crossref can't be reached right now")],
)
def test_each_crossref_failure_has_its_own_message(external_http, db, status, message):
    crossref_answers(external_http, "10.1038/nature99999", file="404.txt", status=status)
    with pytest.raises(PaperNotFound, match=message):
        paper_lookup("doi:10.1038/nature99999")


def test_our_own_rate_limit_is_a_busy_message(external_http, db, settings):
    arxiv_answers(external_http, "1706.03762")
    arxiv_answers(external_http, "0710.2073")
    paper_lookup("1706.03762")
    settings.EXTERNAL_API_TIMEOUT = 1.0
    with pytest.raises(PaperNotFound, match="arXiv is busy: try again in a moment."):
        paper_lookup("0710.2073")


def test_a_bibtex_key_we_lack_cannot_be_fetched(external_http, db):
    with pytest.raises(PaperNotFound, match="a BibTeX key can't be looked up anywhere else"):
        paper_lookup("vaswani2017attention")
    assert len(external_http.calls) == 0


# --- Through the pages ------------------------------------------------------------------------


def test_lookup_box_fetches_stores_and_redirects(client, db, external_http):
    arxiv_answers(external_http, "1706.03762")
    response = client.get("/lookup/", {"q": "https://arxiv.org/abs/1706.03762"})
    assert response.status_code == 302
    assert response["Location"] == "/paper/1706.03762/"
    assert Paper.objects.get(arxiv_id="1706.03762").title == "Attention Is All You Need"
    html = client.get("/paper/1706.03762/").content.decode()
    assert "Attention Is All You Need" in html and "Illia Polosukhin" in html
    assert len(external_http.calls) == 1, "the stored paper is served without asking arXiv again"


def test_write_a_summary_fetches_the_paper_and_shows_the_form(client, user, external_http):
    arxiv_answers(external_http, "1706.03762")
    client.force_login(user)
    response = client.get("/summaries/new/", {"paper": "1706.03762"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Attention Is All You Need" in html
    assert 'name="body"' in html
    assert Paper.objects.filter(arxiv_id="1706.03762").exists()


def test_a_versioned_paper_url_fetches_then_redirects_to_the_canonical_one(client, db, external_http):
    arxiv_answers(external_http, "1706.03762")
    response = client.get("/paper/1706.03762v2/")
    assert response.status_code == 301
    assert response["Location"] == "/paper/1706.03762/"
    assert Paper.objects.filter(arxiv_id="1706.03762").count() == 1


def test_an_old_style_id_with_subject_class_is_fetched_once(client, db, external_http):
    arxiv_answers(external_http, "math/0211159")
    assert client.get("/paper/math.DG/0211159/")["Location"] == "/paper/math/0211159/"
    assert client.get("/paper/math.DG/0211159/")["Location"] == "/paper/math/0211159/"
    assert len(external_http.calls) == 1


def test_a_doi_in_the_lookup_box_is_fetched_from_crossref(client, db, external_http):
    crossref_answers(external_http, "10.1038/nature14539", file="10.1038-nature14539.json")
    response = client.get("/lookup/", {"q": "doi:10.1038/nature14539"})
    assert response["Location"] == "/paper/10.1038/nature14539/"
    assert "Deep learning" in client.get(response["Location"]).content.decode()


def test_arxiv_down_keeps_the_typed_summary_and_says_why(client, user, external_http):
    arxiv_answers(external_http, "1706.03762", file="503.html", status=503)
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1706.03762", {"body": "My precious text", "publish": "1"})
    html = response.content.decode()
    assert response.status_code == 503  # worth asking again later, unlike a missing paper
    assert "arXiv can&#x27;t be reached right now: try again in a few minutes." in html
    assert "My precious text" in html
    assert 'value="1706.03762"' in html
    assert Summary.objects.count() == 0 and not Paper.objects.exists()


def test_a_missing_arxiv_id_is_a_404_that_says_so(client, db, external_http):
    arxiv_answers(external_http, "1706.99999", file="not-found.xml")
    response = client.get("/paper/1706.99999/")
    assert response.status_code == 404
    assert "arXiv has no paper with the id “1706.99999”" in response.content.decode()


# --- Fetching is rate-limited per requester ---------------------------------------------------


@pytest.fixture
def few_fetches(settings):
    settings.ARXIV_API_MIN_INTERVAL = 0
    settings.ANONYMOUS_FETCHES_PER_HOUR = 2
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "fetch": "3/h"}
    return settings


def test_a_visitor_who_is_not_signed_in_may_fetch_a_few_papers_an_hour(client, db, external_http, few_fetches, paper):
    missing = [arxiv_answers(external_http, f"1706.9999{n}", file="not-found.xml") for n in range(3)]
    assert client.get("/paper/1706.99990/").status_code == 404  # a miss costs a fetch too
    assert client.get("/paper/1706.99991/").status_code == 404

    refused = client.get("/paper/1706.99992/")
    assert refused.status_code == 429
    assert "look-ups of papers we don" in refused.content.decode() and "without signing in" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert missing[2].call_count == 0, "arXiv is not asked once the limit is reached"
    # Papers we have cost no fetch and stay open to everyone.
    assert client.get(f"/paper/{paper.arxiv_id}/").status_code == 200
    assert client.get("/lookup/", {"q": paper.arxiv_id}).status_code == 302


def test_each_address_has_its_own_count(client, db, external_http, few_fetches):
    for n in range(3):
        arxiv_answers(external_http, f"1706.9999{n}", file="not-found.xml")
    client.get("/paper/1706.99990/", REMOTE_ADDR="192.0.2.1")
    client.get("/paper/1706.99991/", REMOTE_ADDR="192.0.2.1")
    assert client.get("/paper/1706.99992/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/paper/1706.99992/", REMOTE_ADDR="192.0.2.2").status_code == 404


def test_a_contributor_over_the_limit_keeps_the_typed_summary(client, user, external_http, few_fetches):
    for n in range(4):
        arxiv_answers(external_http, f"1706.9999{n}", file="not-found.xml")
    client.force_login(user)
    for n in range(3):  # signed in: RATE_LIMITS["fetch"], not the visitors' limit
        assert client.get("/lookup/", {"q": f"1706.9999{n}"}).status_code == 404
    response = client.post("/summaries/new/?paper=1706.99993", {"body": "My precious text", "publish": "1"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "You have reached the limit of 3 look-ups of papers we don" in html
    assert "My precious text" in html and 'value="1706.99993"' in html


def test_an_unknown_bibtex_key_costs_no_fetch(client, db, few_fetches):
    for _ in range(3):
        assert client.get("/paper", {"bibtexKey": "journals/jmlr/Nobody11"}).status_code == 404


# ---- Hostile or broken upstream metadata ------------------------------------------------------


def test_the_arxiv_api_is_asked_over_https_by_default():
    from shortscience import settings as project_settings

    assert project_settings.ARXIV_API_URL.startswith("https://") or "ARXIV_API_URL" in __import__("os").environ
    assert project_settings.CROSSREF_API_URL.startswith("https://") or "CROSSREF_API_URL" in __import__("os").environ


@pytest.mark.parametrize("href", ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html;base64,PHNjcmlwdD4="])
def test_links_in_a_fetched_entry_that_are_not_web_addresses_are_never_linked(external_http, client, db, href):
    feed = (DATA / "arxiv" / "1706.03762.xml").read_text()
    feed = feed.replace('href="http://arxiv.org/abs/1706.03762v7"', f'href="{href}"').replace(
        'href="http://arxiv.org/pdf/1706.03762v7"', f'href="{href}"'
    )
    arxiv_answers(external_http, "1706.03762", body=feed.encode())
    paper = paper_get_or_fetch(parse("1706.03762"))
    assert (paper.url, paper.pdf_url) == ("", "")
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "javascript:" not in page.lower() and "data:text" not in page
    assert 'href="https://arxiv.org/abs/1706.03762"' in page and 'href="https://arxiv.org/pdf/1706.03762v7"' in page


def test_a_stored_link_that_is_not_a_web_address_is_not_linked(client, db):
    paper = PaperFactory(arxiv_id="1706.03762", url="javascript:alert(1)", pdf_url="javascript:alert(2)")
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "javascript:" not in page
    assert paper.abstract_url == "https://arxiv.org/abs/1706.03762"
    assert paper.pdf_link.startswith("https://arxiv.org/pdf/1706.03762")


def test_a_doi_with_dot_segments_is_asked_of_crossref_as_one_work_never_another_path(external_http, client, db):
    external_http.get(f"{CROSSREF_API_URL}/10.5555%2F..%2F..%2Fmembers", body="Resource not found.", status=404)
    response = client.get("/lookup/", {"q": "10.5555/../../members"})
    assert response.status_code == 404
    (call,) = external_http.calls
    assert call.request.path_url == "/works/10.5555%2F..%2F..%2Fmembers"


def test_a_fetched_record_too_large_to_store_is_refused_in_words(external_http, db):
    feed = (DATA / "arxiv" / "1706.03762.xml").read_text()
    start = feed.index("<summary>") + len("<summary>")
    feed = feed[:start] + "word " * 5_000 + feed[start:]
    arxiv_answers(external_http, "1706.03762", body=feed.encode())
    with pytest.raises(PaperNotFound, match="too large to store .*abstract is longer than 20,000 characters"):
        paper_get_or_fetch(parse("1706.03762"))
    assert not Paper.objects.exists()
