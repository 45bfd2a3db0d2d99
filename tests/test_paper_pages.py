"""A paper page answers to every identifier of its paper, redirecting to one canonical URL."""

from datetime import date
from html import unescape

import pytest

from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nade():
    return PaperFactory(
        title="The Neural Autoregressive Distribution Estimator",
        authors=["Hugo Larochelle", "Iain Murray"],
        arxiv_id=None,
        bibtex_key="journals/jmlr/LarochelleM11",
        year=2011,
        venue="AISTATS",
    )


def test_paper_page_shows_metadata_links_and_write_button(client, paper):
    paper.abstract = "We model $p(x_i \\mid x_{<i})$ with <b>LSTMs</b>."
    paper.doi = "10.5555/3045390.3045575"
    paper.save()
    response = client.get("/paper/1601.06759/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pixel Recurrent Neural Networks" in html
    assert "Aaron van den Oord, Nal Kalchbrenner and Koray Kavukcuoglu" in html
    # Math in the abstract reaches the page as typed; user HTML in it is escaped.
    assert "$p(x_i \\mid x_{&lt;i})$" in html
    assert "&lt;b&gt;LSTMs&lt;/b&gt;" in html
    assert 'href="https://arxiv.org/abs/1601.06759"' in html
    assert 'href="https://arxiv.org/pdf/1601.06759v3"' in html
    assert 'href="https://doi.org/10.5555/3045390.3045575"' in html
    assert "/summaries/new/?paper=1601.06759" in html
    assert "Write a summary" in html


def test_an_arxiv_papers_date_reads_as_its_first_versions_not_the_venues(client):
    PaperFactory(arxiv_id="1706.03762", arxiv_version=7, venue="NeurIPS", year=2017, published=date(2017, 6, 12))
    html = client.get("/paper/1706.03762/").content.decode()
    assert "1706.03762v7, first version Jun 12, 2017</dd>" in html
    assert "(Jun 12, 2017)" not in html


def test_a_paper_known_only_by_its_key_keeps_its_date_with_the_venue(client, nade):
    nade.published = date(2011, 4, 11)
    nade.save()
    html = unescape(client.get(nade.get_absolute_url()).content.decode())
    assert "AISTATS</a> 2011 (Apr 11, 2011)</dd>" in html


@pytest.mark.parametrize(
    "path",
    [
        "/paper/1601.06759v2/",
        "/paper/arXiv:1601.06759/",
        "/paper/https://arxiv.org/abs/1601.06759v3/",
        "/paper/https://arxiv.org/pdf/1601.06759.pdf/",
        "/paper/doi:10.1000/PIXELRNN/",
        "/paper/https://doi.org/10.1000/pixelrnn/",
        "/paper/journals/corr/OordKK16/",
        "/paper?bibtexKey=journals/corr/OordKK16",
    ],
)
def test_other_identifiers_redirect_to_the_canonical_url(client, paper, path):
    paper.doi = "10.1000/pixelrnn"
    paper.bibtex_key = "journals/corr/OordKK16"
    paper.save()
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == "/paper/1601.06759/"


def test_paper_known_only_by_bibtex_key_lives_at_its_key(client, nade):
    response = client.get("/paper/journals/jmlr/LarochelleM11/")
    assert response.status_code == 200
    assert "The Neural Autoregressive Distribution Estimator" in response.content.decode()
    assert client.get("/paper?bibtexKey=journals/jmlr/LarochelleM11")["Location"] == "/paper/journals/jmlr/LarochelleM11/"


def test_unknown_paper_is_a_404_that_says_so(client, db):
    response = client.get("/paper/journals/x/Unknown99/")
    assert response.status_code == 404
    assert "We don't have a paper with the BibTeX key “journals/x/Unknown99”" in unescape(response.content.decode())


def test_a_paper_we_cannot_fetch_right_now_is_a_503_that_says_so(client, db):
    # Tests reach no outside service, so arXiv is "down" here: asking again later may work.
    response = client.get("/paper/1999.99999/")
    assert response.status_code == 503
    assert "Paper not available right now" in response.content.decode()
    assert "can't be reached right now" in unescape(response.content.decode())


@pytest.mark.parametrize("path", ["/paper/doi:nonsense/", "/paper/<script>alert(1)<script>/", "/paper?bibtexKey=", "/paper?bibtexKey=a%20b"])
def test_malformed_identifier_is_a_404_never_a_500(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<script>alert" not in response.content.decode()


def test_summaries_are_listed_best_first_and_hidden_ones_are_not(client, paper):
    SummaryFactory(paper=paper, body="The middling one.", score=1)
    SummaryFactory(paper=paper, body="The best one.", score=9)
    SummaryFactory(paper=paper, body="The spam one.", score=50, is_hidden=True)
    html = client.get("/paper/1601.06759/").content.decode()
    assert html.index("The best one.") < html.index("The middling one.")
    assert "The spam one." not in html


def test_page_lists_summaries_elsewhere_that_cite_this_paper(client, paper, nade):
    SummaryFactory(paper=nade, body="Later work \\cite{1601.06759} scaled this up.")
    html = client.get("/paper/1601.06759/").content.decode()
    assert "Cited in summaries of other papers" in html
    assert "scaled this up" in html
    assert "The Neural Autoregressive Distribution Estimator" in html


def test_the_page_shows_five_citing_summaries_as_excerpts_and_links_to_all(client, paper, settings):
    settings.FEED_PAGE_SIZE = 4
    long_text = " ".join(f"word{n}" for n in range(400))
    for n in range(7):
        SummaryFactory(body=f"Citing number {n} \\cite{{1601.06759}}. {long_text}", score=n)
    html = client.get("/paper/1601.06759/").content.decode()
    assert [n for n in range(7) if f"Citing number {n} " in html] == [2, 3, 4, 5, 6]  # the best five
    assert "word399" not in html and html.count("Read more") == 5
    assert 'href="/paper/1601.06759/cited-by/">See all summaries that cite this paper</a>' in html

    first = client.get("/paper/1601.06759/cited-by/").content.decode()
    second = client.get("/paper/1601.06759/cited-by/?page=2").content.decode()
    assert [n for n in range(7) if f"Citing number {n} " in first] == [3, 4, 5, 6]
    assert [n for n in range(7) if f"Citing number {n} " in second] == [0, 1, 2]
    assert client.get("/paper/1601.06759/cited-by/?page=3").status_code == 404
    assert client.get("/paper/arXiv:1601.06759v2/cited-by/")["Location"] == "/paper/1601.06759/cited-by/"


def test_five_citing_summaries_need_no_see_all(client, paper):
    for n in range(5):
        SummaryFactory(body=f"Citing number {n} \\cite{{1601.06759}}.")
    html = client.get("/paper/1601.06759/").content.decode()
    assert html.count("Citing number") == 5 and "See all summaries that cite" not in html


def test_the_paper_page_shows_its_own_summaries_whole(client, paper):
    long_text = " ".join(f"word{n}" for n in range(400))
    SummaryFactory(paper=paper, body=long_text)
    html = client.get("/paper/1601.06759/").content.decode()
    assert "word399" in html and "Read more" not in html


def test_paper_without_summaries_invites_the_first(client, paper):
    assert "Be the first to summarize this paper." in client.get("/paper/1601.06759/").content.decode()
