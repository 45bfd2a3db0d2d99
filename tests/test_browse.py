"""Browsing: category and venue pages, BibTeX export, similar papers on the paper page."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers import search
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_html(client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200
    return response.content.decode()


# --- Category pages -----------------------------------------------------------------------------


def test_category_page_lists_its_papers_newest_first(client):
    old = PaperFactory(title="Old learning paper", categories=["cs.LG"], published=date(2015, 1, 1))
    new = PaperFactory(title="New learning paper", categories=["stat.ML", "cs.LG"], published=date(2020, 1, 1))
    PaperFactory(title="A vision paper", categories=["cs.CV"], published=date(2021, 1, 1))
    PaperFactory(title="Not cs.LGX either", categories=["cs.LGX"], published=date(2021, 1, 1))
    html = page_html(client, "/papers/category/cs.LG/")
    assert 'Papers in <span class="category-name">cs.LG: Machine Learning</span>' in html
    assert html.index(new.title) < html.index(old.title)  # secondary categories count too
    assert "A vision paper" not in html and "cs.LGX either" not in html
    assert "Newest first." in html


def test_category_page_counts_public_summaries_and_invites_the_first(client, user, other_user, staff_user):
    summarized = PaperFactory(title="Summarized paper", published=date(2020, 1, 1))
    lonely = PaperFactory(title="Lonely paper", arxiv_id="1601.99999", published=date(2019, 1, 1))
    SummaryFactory(paper=summarized, author=user)
    SummaryFactory(paper=summarized, author=other_user)
    SummaryFactory(paper=summarized, author=staff_user, is_hidden=True)
    SummaryFactory(paper=summarized, author=UserFactory(), is_private=True)
    html = page_html(client, "/papers/category/cs.LG/")
    assert 'href="/paper/' + summarized.identifier + '/#summaries">2 summaries</a>' in html
    assert 'href="/summaries/new/?paper=1601.99999">be the first to summarize</a>' in html
    assert lonely.title in html


def test_category_page_is_paginated(client, settings):
    settings.SEARCH_PAGE_SIZE = 2
    for n in range(5):
        PaperFactory(title=f"Paper {n}", published=date(2020, 1, n + 1))
    first = page_html(client, "/papers/category/cs.LG/")
    assert first.count('class="paper-result"') == 2
    assert "Paper 4" in first and "Paper 0" not in first
    assert "Page 1" in first and 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    last = page_html(client, "/papers/category/cs.LG/", page=3)
    assert last.count('class="paper-result"') == 1 and "Paper 0" in last
    assert 'rel="next"' not in last and 'rel="prev" href="?page=2"' in last
    for past_the_end in (4, "x", -4, 0):
        assert client.get("/papers/category/cs.LG/", {"page": past_the_end}).status_code == 404


def test_unknown_category_is_an_empty_page(client, db):
    # Well-formed, so it can be followed before its first paper arrives.
    html = page_html(client, "/papers/category/no.SUCH/")
    assert "No paper in no.SUCH yet." in html


@pytest.mark.parametrize("path", ["/papers/category/%3Cscript%3E/", "/papers/category/cs%20LG/", "/papers/category/cs.LG%0A/"])
def test_what_cannot_be_an_arxiv_category_is_not_found(client, db, path):
    assert client.get(path).status_code == 404


# --- Venue pages --------------------------------------------------------------------------------


@pytest.fixture
def venues(db):
    return {
        "transformer": PaperFactory(title="Attention Is All You Need", venue="NeurIPS", year=2017, published=date(2017, 6, 12)),
        "gan": PaperFactory(title="Generative Adversarial Nets", venue="NeurIPS", year=2014, published=date(2014, 6, 10)),
        "resnet": PaperFactory(title="Deep Residual Learning", venue="CVPR", year=2016, published=date(2015, 12, 10)),
        "arxiv": PaperFactory(title="Just on arXiv", venue="", year=2017),
    }


def test_venue_page_lists_its_papers_newest_first_with_years(client, venues):
    html = page_html(client, "/venue/NeurIPS/")
    assert html.index("Attention Is All You Need") < html.index("Generative Adversarial Nets")
    assert "Deep Residual Learning" not in html and "Just on arXiv" not in html
    assert 'href="/venue/NeurIPS/?year=2017"' in html and 'href="/venue/NeurIPS/?year=2014"' in html


def test_venue_page_filters_by_year(client, venues):
    html = page_html(client, "/venue/NeurIPS/", year=2014)
    assert "<h1>NeurIPS 2014</h1>" in html
    assert "Generative Adversarial Nets" in html and "Attention Is All You Need" not in html
    assert 'class="active" aria-current="page">2014</a>' in html
    # A year that isn't one is ignored rather than an error.
    assert "Attention Is All You Need" in page_html(client, "/venue/NeurIPS/", year="20x7")


def test_venue_names_with_slashes_and_spaces_work(client):
    PaperFactory(title="A systems paper", venue="ACM/IEEE Design Automation Conference", year=2019)
    html = page_html(client, "/venue/ACM/IEEE%20Design%20Automation%20Conference/")
    assert "A systems paper" in html


def test_the_empty_venue_lists_nothing(client, venues):
    assert client.get("/venue//").status_code == 404


def test_a_venue_without_papers_is_not_found(client, venues):
    assert client.get("/venue/Nowhere/").status_code == 404
    # A venue's year without papers is still the venue's page.
    assert "No paper from NeurIPS in 2001 yet." in page_html(client, "/venue/NeurIPS/", year=2001)


def test_paper_page_links_its_categories_venue_and_bibtex(client, paper):
    paper.categories = ["cs.CV", "cs.LG"]
    paper.venue = "ICML"
    paper.save()
    html = page_html(client, "/paper/1601.06759/")
    assert '<a href="/papers/category/cs.CV/">cs.CV</a>, <a href="/papers/category/cs.LG/">cs.LG</a>' in html
    assert '<a href="/venue/ICML/?year=2016">ICML</a>' in html
    assert 'href="/paper/1601.06759/bibtex"' in html


@pytest.mark.parametrize("path", ["/papers/category/cs.LG/", "/venue/NeurIPS/", "/venue/NeurIPS/?year=2017"])
def test_browse_query_count_does_not_grow_with_papers(client, user, django_assert_max_num_queries, settings, path):
    settings.SEARCH_PAGE_SIZE = 50
    client.force_login(user)

    def add(count):
        for _ in range(count):
            SummaryFactory(paper=PaperFactory(venue="NeurIPS", year=2017, published=date(2017, 6, 1)))

    add(5)
    with django_assert_max_num_queries(8) as small:
        html = client.get(path).content.decode()
    assert html.count('class="paper-result"') == 5
    add(35)
    with django_assert_max_num_queries(8) as large:
        html = client.get(path).content.decode()
    assert html.count('class="paper-result"') == 40
    assert "1 summary" in html
    assert len(large.captured_queries) == len(small.captured_queries)


# --- BibTeX -------------------------------------------------------------------------------------


def test_bibtex_of_an_arxiv_paper(client, paper):
    response = client.get("/paper/1601.06759/bibtex")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="vandenoord2016pixel.bib"' in response["Content-Disposition"]
    assert response.content.decode() == (
        "@misc{vandenoord2016pixel,\n"
        "  title         = {Pixel Recurrent Neural Networks},\n"
        "  author        = {Aaron van den Oord and Nal Kalchbrenner and Koray Kavukcuoglu},\n"
        "  year          = {2016},\n"
        "  eprint        = {1601.06759},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass  = {cs.LG},\n"
        "  url           = {https://arxiv.org/abs/1601.06759}\n"
        "}\n"
    )


def test_bibtex_of_a_conference_paper_with_doi_and_key(client):
    PaperFactory(
        title="Attention Is All You Need: BERT, GANs & 100% of $O(n^2)$ ImageNet",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        venue="NeurIPS",
        year=2017,
        arxiv_id="1706.03762",
        doi="10.5555/3295222.3295349",
    )
    text = client.get("/paper/1706.03762/bibtex").content.decode()
    assert text.startswith("@inproceedings{vaswani2017attention,\n")
    assert "title         = {Attention Is All You Need: {BERT}, {GANs} \\& 100\\% of $O(n^2)$ {ImageNet}}," in text
    assert "author        = {Ashish Vaswani and Noam Shazeer}," in text
    assert "booktitle     = {NeurIPS}," in text
    assert "doi           = {10.5555/3295222.3295349}," in text
    assert "eprint        = {1706.03762}," in text


def test_bibtex_of_a_journal_paper_keeps_its_key(client):
    PaperFactory(
        title="The Neural Autoregressive Distribution Estimator",
        authors=["Hugo Larochelle", "Iain Murray"],
        arxiv_id=None,
        bibtex_key="journals/jmlr/LarochelleM11",
        venue="Journal of Machine Learning Research",
        year=2011,
    )
    response = client.get("/paper/journals/jmlr/LarochelleM11/bibtex")
    text = response.content.decode()
    assert text.startswith("@article{journals/jmlr/LarochelleM11,\n")
    assert "journal = {Journal of Machine Learning Research}," in text
    assert "eprint" not in text
    assert 'filename="journalsjmlrlarochellem11.bib"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/paper/arXiv:1601.06759v2/bibtex",
        "/paper/https://arxiv.org/abs/1601.06759/bibtex",
        "/paper/doi:10.1000/PIXELRNN/bibtex",
        "/paper/1601.06759/bibtex/",  # a trailing slash, as people type addresses
    ],
)
def test_bibtex_answers_to_any_identifier(client, paper, path):
    paper.doi = "10.1000/pixelrnn"
    paper.save()
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == "/paper/1601.06759/bibtex"


@pytest.mark.parametrize("path", ["/paper/journals/x/Unknown99/bibtex", "/paper/doi:nonsense/bibtex", "/paper/<b>x</b>/bibtex"])
def test_bibtex_of_an_unknown_paper_is_a_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<b>x</b>" not in response.content.decode()


# --- Similar papers -----------------------------------------------------------------------------


def test_similar_papers_share_the_primary_category_and_exclude_the_paper(client, paper):
    paper.categories = ["cs.CV"]
    paper.save()
    close = PaperFactory(title="Conditional Image Generation with PixelCNN Decoders and Recurrent Networks", categories=["cs.CV"])
    PaperFactory(title="Pixel Recurrent Neural Networks for speech", categories=["eess.AS"])  # another primary category
    html = page_html(client, "/paper/1601.06759/")
    section = html[html.index("Similar papers") :]
    assert close.title in section
    assert "for speech" not in section
    assert 'href="/paper/1601.06759/"' not in section


def test_no_similar_papers_section_for_a_paper_alone_in_its_category(client, paper):
    paper.categories = ["q-bio.NC"]
    paper.save()
    assert "Similar papers" not in page_html(client, "/paper/1601.06759/")


def _similar(paper) -> tuple[int, list[str]]:
    """The queries similar_papers ran, and the titles it gave."""
    with CaptureQueriesContext(connection) as queries:
        titles = [similar.title for similar in search.similar_papers(paper=paper)]
    return len(queries), titles


def test_a_papers_similar_papers_are_ranked_once_and_read_fresh_every_time(paper):
    paper.categories = ["cs.CV"]
    paper.save()
    close = PaperFactory(title="Pixel recurrent networks for images", categories=["cs.CV"])
    ranked, first = _similar(paper)
    remembered, again = _similar(paper)
    assert first == again == [close.title]
    assert remembered == ranked - 1  # the rows only
    close.title = "Pixel recurrent networks for images, renamed"
    close.save()
    assert _similar(paper)[1] == [close.title]  # the remembered ranking, the row as it is now
    close.delete()
    assert _similar(paper)[1] == []


def test_a_papers_new_title_or_category_ranks_its_similar_papers_again(paper):
    paper.categories = ["cs.CV"]
    paper.save()
    PaperFactory(title="Pixel recurrent networks for images", categories=["cs.CV"])
    ranked, _ = _similar(paper)
    paper.title = "Recurrent pixels, retitled"
    assert _similar(paper)[0] == ranked
    paper.categories = ["cs.LG"]
    queries, titles = _similar(paper)
    assert queries == 1 and titles == []  # ranked in its new category, where nothing is like it (no rows to read)


def test_similar_papers_can_be_ranked_on_every_page(paper, settings):
    settings.SIMILAR_PAPERS_CACHE_SECONDS = 0
    paper.categories = ["cs.CV"]
    paper.save()
    PaperFactory(title="Pixel recurrent networks for images", categories=["cs.CV"])
    assert _similar(paper)[0] == _similar(paper)[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking by shared words needs PostgreSQL full-text search")
def test_the_closest_titles_come_first(client, paper):
    paper.categories = ["cs.CV"]
    paper.save()
    PaperFactory(title="Recurrent segmentation of roads", categories=["cs.CV"], published=date(2024, 1, 1))
    PaperFactory(title="Pixel recurrent neural networks, revisited", categories=["cs.CV"], published=date(2018, 1, 1))
    PaperFactory(title="Unrelated cameras", categories=["cs.CV"], published=date(2025, 1, 1))
    html = page_html(client, "/paper/1601.06759/")
    section = html[html.index("Similar papers") :]
    assert section.index("Pixel recurrent neural networks, revisited") < section.index("Recurrent segmentation of roads")
    assert "Unrelated cameras" not in section


@pytest.mark.parametrize(
    "path, status",
    [
        ("/papers/category/cs%00LG/", 404),
        ("/venue/Neur%00IPS/", 404),
        ("/venue/NeurIPS/?year=99999", 200),
        ("/venue/NeurIPS/?year=²⁰¹⁷", 200),
    ],
)
def test_odd_browse_urls_never_fail(client, venues, path, status):
    assert client.get(path).status_code == status


def test_browsing_stops_at_the_deepest_page(client, settings, monkeypatch):
    from papers import search

    monkeypatch.setattr(search, "BROWSE_MAX_PAGE", 2)
    settings.SEARCH_PAGE_SIZE = 2
    for n in range(7):
        PaperFactory(title=f"Paper {n}", published=date(2020, 1, n + 1))
    html = page_html(client, "/papers/category/cs.LG/", page=2)
    assert "Page 2" in html and "Paper 4" in html and 'rel="next"' not in html
    assert client.get("/papers/category/cs.LG/", {"page": 3}).status_code == 404


# --- The category and venue indexes, author pages -------------------------------------------------


@pytest.fixture
def fresh_counts():
    """The indexes' counts are cached for minutes; each test starts from what its own data says."""
    cache.clear()
    yield
    cache.clear()


def test_the_categories_page_names_every_arxiv_category_grouped_by_archive_with_counts(client, fresh_counts, user):
    learning = PaperFactory(categories=["cs.LG", "stat.ML"])
    PaperFactory(categories=["cs.LG"])
    PaperFactory(categories=["cmp-lg"])  # an archive arXiv retired
    SummaryFactory(paper=learning, author=user)
    SummaryFactory(paper=learning, is_private=True)
    html = page_html(client, "/categories/")
    assert "<h2>Computer Science</h2>" in html and "<h2>Statistics</h2>" in html and "<h2>Physics</h2>" in html
    assert html.index("<h2>Computer Science</h2>") < html.index("<h2>Mathematics</h2>")
    assert (
        '<a href="/papers/category/cs.LG/"><span class="category-code">cs.LG</span>: Machine Learning</a>\n'
        '        <span class="counts">2 papers, 1 summary</span>'
    ) in html
    assert '<span class="category-code">stat.ML</span>: Machine Learning</a>\n        <span class="counts">1 paper, 1 summary</span>' in html
    assert '<span class="category-code">hep-th</span>: High Energy Physics - Theory</a>\n        <span class="counts">0 papers, 0 summaries</span>' in html
    assert "<h2>Other categories</h2>" in html and '<span class="category-code">cmp-lg</span></a>' in html
    assert html.count('<span class="category-code">') == 156  # arXiv's 155, and the retired one


def test_the_categories_and_venues_pages_run_a_fixed_number_of_queries(client, fresh_counts, user, django_assert_max_num_queries):
    client.force_login(user)

    def add(count):
        for n in range(count):
            SummaryFactory(paper=PaperFactory(categories=[f"cs.{'AI' if n % 2 else 'CV'}", "stat.ML"], venue=f"Venue {n}"))

    for path in ["/categories/", "/venues/"]:
        add(3)
        cache.clear()
        with django_assert_max_num_queries(6) as small:
            page_html(client, path)
        add(30)
        cache.clear()
        with django_assert_max_num_queries(6) as large:
            page_html(client, path)
        assert len(large.captured_queries) == len(small.captured_queries)
        # Cached afterwards: the counts cost nothing until they expire.
        with django_assert_max_num_queries(len(small.captured_queries) - 2):
            page_html(client, path)


def test_the_venues_page_lists_venues_alphabetically_with_counts(client, fresh_counts, user):
    nips = PaperFactory(venue="NeurIPS", year=2017)
    PaperFactory(venue="NeurIPS", year=2018)
    PaperFactory(venue="ACL", year=2020)
    PaperFactory(venue="")
    SummaryFactory(paper=nips, author=user)
    html = page_html(client, "/venues/")
    assert html.index(">ACL</a>") < html.index(">NeurIPS</a>")
    assert '<a href="/venue/NeurIPS/">NeurIPS</a>\n      <span class="counts">2 papers, 1 summary</span>' in html
    assert '<a href="/venue/ACL/">ACL</a>\n      <span class="counts">1 paper, 0 summaries</span>' in html
    assert html.count('<span class="counts">') == 2


def test_an_author_page_lists_their_papers_and_the_summaries_of_them(client, user):
    mine = PaperFactory(title="Ada's engine", authors=["Ada Lovelace", "Charles Babbage"])
    PaperFactory(title="Ada's notes", authors=["Ada Lovelace"])
    PaperFactory(title="Someone else's", authors=["Ada Lovelacey"])
    SummaryFactory(paper=mine, author=user, body="Engines summarized.")
    SummaryFactory(paper=mine, body="A private take.", is_private=True)
    html = page_html(client, "/author/Ada Lovelace/")
    assert "<h1>Ada Lovelace</h1>" in html
    assert "Ada&#x27;s engine" in html and "Ada&#x27;s notes" in html and "Someone else" not in html
    assert "Engines summarized." in html and "A private take." not in html
    assert "+ Follow Ada Lovelace" in html


@pytest.mark.parametrize("path", ["/author/Nobody Here/", "/author/%00/", "/author/" + "x" * 400 + "/"])
def test_an_author_no_paper_has_is_not_found(client, db, path):
    assert client.get(path).status_code == 404


def test_author_names_on_cards_paper_pages_and_lists_link_to_their_pages(client, paper):
    SummaryFactory(paper=paper)
    link = '<a class="author" href="/author/Nal%20Kalchbrenner/">Nal Kalchbrenner</a>'
    assert link in page_html(client, "/")
    assert link in page_html(client, "/paper/1601.06759/")
    assert link in page_html(client, "/papers/category/cs.LG/")
    assert "<h1>Nal Kalchbrenner</h1>" in page_html(client, "/author/Nal%20Kalchbrenner/")


def test_author_names_are_escaped_in_their_links(client):
    SummaryFactory(paper=PaperFactory(authors=['<script>alert(1)</script> "Q" Smith']))
    html = page_html(client, "/")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; Smith</a>" in html


def test_the_author_page_runs_a_fixed_number_of_queries(client, user, settings, django_assert_max_num_queries):
    settings.SEARCH_PAGE_SIZE = 50
    client.force_login(user)

    def add(count):
        for _ in range(count):
            SummaryFactory(paper=PaperFactory(authors=["Grace Hopper", "Someone Else"]))

    add(3)
    with django_assert_max_num_queries(10) as small:
        page_html(client, "/author/Grace Hopper/")
    add(30)
    with django_assert_max_num_queries(10) as large:
        html = page_html(client, "/author/Grace Hopper/")
    assert html.count('class="paper-result"') == 33
    assert len(large.captured_queries) == len(small.captured_queries)
