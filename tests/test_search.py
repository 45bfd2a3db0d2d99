"""/search/: papers by title, authors, abstract and identifier, summaries by their text, ranked and highlighted."""

import pytest
from django.db import connection

from papers import search
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram similarity needs PostgreSQL's pg_trgm; SQLite only matches substrings"
)


def results_html(client, query: str, **params) -> str:
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def nade():
    return PaperFactory(
        title="The Neural Autoregressive Distribution Estimator",
        authors=["Hugo Larochelle", "Iain Murray"],
        abstract="We describe a new approach for modeling the distribution of high-dimensional vectors of discrete variables.",
        arxiv_id=None,
        bibtex_key="journals/jmlr/LarochelleM11",
        year=2011,
    )


@pytest.mark.parametrize(
    "query, found",
    [
        ("recurrent", "Pixel Recurrent Neural Networks"),  # title
        ("Kalchbrenner", "Pixel Recurrent Neural Networks"),  # an author
        ("Larochelle", "The Neural Autoregressive Distribution Estimator"),
        ("discrete variables", "The Neural Autoregressive Distribution Estimator"),  # abstract
        ("pixel networks", "Pixel Recurrent Neural Networks"),  # every word, anywhere in the title
    ],
)
def test_papers_are_found_by_title_author_and_abstract(client, paper, nade, query, found):
    html = results_html(client, query)
    assert found in html.replace("<mark>", "").replace("</mark>", "")
    other = ({paper.title, nade.title} - {found}).pop()
    assert other not in html.replace("<mark>", "").replace("</mark>", "")


def test_a_title_match_ranks_above_an_abstract_match(client, paper):
    PaperFactory(title="A study of images", abstract="Unlike recurrent models, we use convolutions.")
    html = results_html(client, "recurrent").replace("<mark>", "").replace("</mark>", "")
    assert html.index("Pixel Recurrent Neural Networks") < html.index("A study of images")


@pytest.mark.parametrize(
    "query",
    [
        "1601.06759",
        "arXiv:1601.06759v2",
        "https://arxiv.org/abs/1601.06759v3",
        "10.1000/pixelrnn",
        "doi:10.1000/PIXELRNN",
        "https://doi.org/10.1000/pixelrnn",
        "journals/corr/OordKK16",
        "  1601.06759  ",
    ],
)
def test_an_identifier_goes_straight_to_its_paper(client, paper, query):
    paper.doi = "10.1000/pixelrnn"
    paper.bibtex_key = "journals/corr/OordKK16"
    paper.save()
    response = client.get("/search/", {"q": query})
    assert response.status_code == 302
    assert response["Location"] == "/paper/1601.06759/"


def test_an_unknown_arxiv_id_or_doi_goes_to_the_lookup(client, db):
    response = client.get("/search/", {"q": "arXiv:1912.99999"})
    assert response.status_code == 302
    assert response["Location"] == "/lookup/?q=arXiv%3A1912.99999"
    assert client.get("/search/", {"q": "10.1000/nothing"})["Location"] == "/lookup/?q=10.1000%2Fnothing"


def test_a_word_is_a_bibtex_key_only_when_such_a_paper_exists(client, paper):
    # "recurrent" parses as a BibTeX key, but no paper has that key: it is searched for.
    assert client.get("/search/", {"q": "recurrent"}).status_code == 200
    other = PaperFactory(title="Something else", bibtex_key="recurrent")
    assert client.get("/search/", {"q": "recurrent"})["Location"] == other.get_absolute_url()


def test_summaries_are_found_by_their_text_and_hidden_or_private_ones_never(client, paper, user, other_user, staff_user):
    SummaryFactory(paper=paper, author=user, body="Masked convolutions keep the model causal.")
    SummaryFactory(paper=paper, author=other_user, body="Spammy convolutions everywhere.", is_hidden=True)
    SummaryFactory(paper=paper, author=staff_user, body="My private convolutions notes.", is_private=True)
    html = results_html(client, "convolutions", **{"in": "summaries"})
    assert "Masked" in html and "convolutions" in html
    assert "Spammy" not in html
    assert "private" not in html
    assert "Summaries (1)" in html
    assert 'href="/paper/1601.06759/">Pixel Recurrent Neural Networks</a>' in html
    # The papers tab counts the summaries too, and the paper list shows only public ones.
    papers_tab = results_html(client, "pixel")
    assert "1 summary" in papers_tab


def test_anonymous_summaries_do_not_name_their_author(client, paper, user):
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    SummaryFactory(paper=paper, author=user, body="Masked convolutions keep the model causal.", is_anonymous=True)
    html = results_html(client, "masked", **{"in": "summaries"})
    assert "Masked" in html
    assert "Ada Lovelace" not in html and "/user/ada/" not in html


def test_matching_words_are_highlighted(client, paper):
    html = results_html(client, "recurrent")
    assert "<mark>Recurrent</mark>" in html
    assert "Kalchbrenner" in html  # authors shown, not highlighted
    html = results_html(client, "kalchbrenner")
    assert "<mark>Kalchbrenner</mark>" in html


def test_user_text_is_escaped_even_when_highlighted(client, user):
    paper = PaperFactory(
        title="<script>alert(1)</script> Attention for <b>everyone</b>",
        authors=["<img src=x onerror=alert(2)> Attention"],
        abstract="Attention <iframe src=javascript:alert(3)></iframe> is what we study.",
    )
    SummaryFactory(paper=paper, author=user, body="Attention <script>alert(4)</script> please.")
    html = results_html(client, "attention")
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html and "<b>everyone" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>Attention</mark>" in html
    summaries = results_html(client, "attention", **{"in": "summaries"})
    assert "<script>alert" not in summaries
    assert "<mark>Attention</mark>" in summaries
    # The query itself comes back escaped too.
    echoed = results_html(client, "<script>alert(5)</script>")
    assert "<script>alert(5)" not in echoed and "&lt;script&gt;alert(5)&lt;/script&gt;" in echoed


SNIPPET_BODY = r"""## Idea

**Scaled** dot-product attention, $$\mathrm{softmax}(QK^\top / \sqrt{d_k}) V$$ keeps the _gradients_ sharp
when $d_k < 64$ grows, as in \cite{1601.06759}.

| model | gradients |
|---|---|
| big | $|g| \to 0$ |
"""


def test_a_summary_snippet_is_its_text_as_read_with_each_formula_whole(client, paper, user):
    SummaryFactory(paper=paper, author=user, body=SNIPPET_BODY)
    html = results_html(client, "gradients", **{"in": "summaries"})
    snippet = html[html.index('class="result-snippet"') :].split("</p>", 1)[0]

    # No Markdown or TeX source: what the summary says, its citation as the link reads.
    for source in ("##", "**", "$$", "\\cite", "|---|", "_gradients_"):
        assert source not in snippet
    assert "<mark>gradients</mark>" in snippet
    assert paper.short_reference in snippet
    # Headings and table cells don't run into what follows them.
    assert "Idea · Scaled dot-product" in snippet and "model · <mark>gradients</mark>" in snippet
    # Each formula whole and typeset, as stored: no script needed, its TeX only in the MathML annotation.
    assert snippet.count('<span class="arithmatex"><span class="katex') >= 2
    assert r'<annotation encoding="application/x-tex">\mathrm{softmax}(QK^\top / \sqrt{d_k}) V</annotation>' in snippet
    assert r'<annotation encoding="application/x-tex">d_k &lt; 64</annotation>' in snippet
    assert snippet.count("<span") == snippet.count("</span>")


@pytest.mark.parametrize(
    "text, html",
    [
        ("plain <b>text</b>", "plain &lt;b&gt;text&lt;/b&gt;"),
        (f"a {search.START}word{search.STOP} b", "a <mark>word</mark> b"),
        (f"{search.START}<script>{search.STOP}", "<mark>&lt;script&gt;</mark>"),
        (f"stray {search.START}mark", "stray mark"),
        (f"{search.STOP}{search.START}x{search.STOP}{search.START}", "<mark>x</mark>"),
        ("", ""),
    ],
)
def test_marked_html_escapes_then_marks(text, html):
    assert search.marked_html(text) == html


M, N = search.START, search.STOP


@pytest.mark.parametrize(
    "names, html",
    [
        (["A", "B"], "A, B"),
        (["A", "B", "C", "D", "E", "F"], "A, B, C, D et al."),
        (["A", "B", "C", "D", "E", f"{M}F{N}"], "A, B, C, D, …, <mark>F</mark>"),
        (["A", "B", "C", "D", f"{M}E{N}", "F"], "A, B, C, D, <mark>E</mark> et al."),
        (["<b>A</b>", f"{M}<i>{N}"], "&lt;b&gt;A&lt;/b&gt;, <mark>&lt;i&gt;</mark>"),
        ([], ""),
    ],
)
def test_long_author_lists_keep_the_matching_author(names, html):
    assert search._authors_html(names) == html


@postgresql_only
@pytest.mark.parametrize("query", ["pixel recurent neural netwroks", "pixle recurrent neural networks", "pixel recurent"])
def test_a_misspelled_title_still_finds_its_paper(client, paper, query):
    PaperFactory(title="Conditional Image Generation with PixelCNN Decoders")
    PaperFactory(title="Attention Is All You Need", authors=["Ashish Vaswani"])
    html = results_html(client, query).replace("<mark>", "").replace("</mark>", "")
    assert "Pixel Recurrent Neural Networks" in html
    assert "Attention Is All You Need" not in html


@postgresql_only
def test_attention_is_al_you_need(client, paper):
    PaperFactory(title="Attention Is All You Need", authors=["Ashish Vaswani"])
    html = results_html(client, "atention is al you need").replace("<mark>", "").replace("</mark>", "")
    assert "Attention Is All You Need" in html
    assert "Pixel Recurrent Neural Networks" not in html


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_shows_the_search_form(client, paper, query):
    html = results_html(client, query)
    assert "Search papers and summaries" in html
    assert "Pixel Recurrent Neural Networks" not in html
    assert 'class="paper-result"' not in html


def test_no_results_says_so(client, paper):
    html = results_html(client, "zymurgy")
    assert "No paper matches “zymurgy”" in html
    assert "Papers (0)" in html and "Summaries (0)" in html


def test_an_empty_tab_points_to_the_other_when_it_has_results(client, paper):
    SummaryFactory(paper=paper, body="Zymurgy, the chemistry of fermentation, explains the gating.")
    html = results_html(client, "zymurgy")
    assert 'No paper matches “zymurgy”, but <a href="?q=zymurgy&amp;in=summaries">1 summary mentions it</a>.' in html

    html = client.get("/search/", {"q": "pixel", "in": "summaries"}).content.decode()
    assert 'No summary mentions “pixel”, but <a href="?q=pixel">1 paper matches</a>.' in html


def test_results_are_paginated_keeping_the_query(client, settings):
    settings.SEARCH_PAGE_SIZE = 3
    for n in range(7):
        PaperFactory(title=f"Recurrent model number {n}")
    first = results_html(client, "recurrent")
    assert first.count('class="paper-result"') == 3
    assert "Papers (7)" in first
    assert "Page 1 of 3" in first
    assert 'rel="next" href="?q=recurrent&amp;page=2"' in first
    last = results_html(client, "recurrent", page=3)
    assert last.count('class="paper-result"') == 1
    assert 'rel="prev" href="?q=recurrent&amp;page=2"' in last
    assert client.get("/search/", {"q": "recurrent", "page": 4}).status_code == 404
    assert client.get("/search/", {"q": "recurrent", "page": "abc"}).status_code == 404
    assert client.get("/search/", {"q": "recurrent", "in": "summaries", "page": 2}).status_code == 404


def test_summary_results_are_paginated_within_their_tab(client, settings, make_summaries):
    settings.SEARCH_PAGE_SIZE = 2
    make_summaries(3, body="Summaries about convolutions.")
    html = results_html(client, "convolutions", **{"in": "summaries"})
    assert html.count('class="summary-result"') == 2
    assert 'rel="next" href="?q=convolutions&amp;in=summaries&amp;page=2"' in html


def test_papers_without_summaries_invite_one(client, paper):
    html = results_html(client, "pixel")
    assert 'href="/summaries/new/?paper=1601.06759">be the first to summarize</a>' in html


def test_every_page_has_the_search_box(client, paper):
    html = client.get("/paper/1601.06759/").content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html


def test_the_lookup_url_still_works(client, paper):
    assert client.get("/lookup/", {"q": "arXiv:1601.06759"})["Location"] == "/paper/1601.06759/"


@pytest.mark.parametrize("tab", ["papers", "summaries"])
def test_search_query_count_does_not_grow_with_results(client, user, django_assert_max_num_queries, settings, tab):
    settings.SEARCH_PAGE_SIZE = 50
    client.force_login(user)

    def add(count):
        for _ in range(count):
            SummaryFactory(paper=PaperFactory(title="Recurrent networks again"), body="Recurrent networks, summarized.")

    add(5)
    with django_assert_max_num_queries(8) as small:
        html = results_html(client, "recurrent", **{"in": tab})
    assert html.count(f'class="{"paper" if tab == "papers" else "summary"}-result"') == 5
    add(35)
    with django_assert_max_num_queries(8) as large:
        html = results_html(client, "recurrent", **{"in": tab})
    assert html.count(f'class="{"paper" if tab == "papers" else "summary"}-result"') == 40
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("query", ["x" * 5000, '"unclosed', "a | b & !c <-> (", "-", "or"])
def test_odd_queries_never_fail(client, paper, query):
    assert client.get("/search/", {"q": query}).status_code == 200


@postgresql_only
def test_misspelled_words_are_corrected_against_the_words_papers_use(client, paper):
    PaperFactory(title="Graph attention networks", authors=["Petar Velickovic"])
    PaperFactory(title="Attention over a graph, again", authors=["Petar Velickovic"])
    PaperFactory(title="Unrelated", authors=["Someone Else"])
    search.refresh_search_words()
    terms = search.corrected_terms("grahp atention")
    assert terms.corrections == (("grahp", ["graph"]), ("atention", ["attention"]))
    html = results_html(client, "grahp atention")
    assert "similar spellings are included: graph for “grahp”; attention for “atention”." in html
    assert "<mark>attention</mark>" in html and "Unrelated" not in html
    assert "Papers (2)" in html
    # A misspelled author too, and a word that may have been a stop word ("al" for "all") constrains nothing.
    assert "Graph attention networks" in results_html(client, "velickovik").replace("<mark>", "").replace("</mark>", "")


@postgresql_only
def test_a_word_only_one_paper_has_is_offered_as_a_correction_but_a_typo_in_one_title_is_still_corrected(client):
    PaperFactory(title="Deep Residual Learning for Image Recognition")
    PaperFactory(title="Learning to see images")
    PaperFactory(title="Learning netwroks of images")  # a typo that made it into one title
    PaperFactory(title="Networks of networks")
    PaperFactory(title="Small networks")
    search.refresh_search_words()
    assert search.corrected_terms("deep residul lerning").corrections == (("residul", ["residual"]), ("lerning", ["learning"]))
    assert "Deep Residual Learning" in results_html(client, "residul lerning").replace("<mark>", "").replace("</mark>", "")
    # One title's "netwroks" doesn't make it a known word: it is corrected, and the typo still matches.
    assert search.corrected_terms("learning netwroks").corrections == (("netwroks", ["networks"]),)


@postgresql_only
def test_a_corrected_query_searches_abstracts_only_when_titles_give_too_little(client, settings):
    settings.SEARCH_PAGE_SIZE = 50
    in_abstract = PaperFactory(title="Unrelated work", abstract="An adversarial network for sounds.")
    titles = [PaperFactory(title=f"Adversarial networks, part {part}") for part in range(search.ENOUGH_AS_TYPED - 1)]
    search.refresh_search_words()

    found = [paper.pk for paper in search.paper_results(query="adversarial netwroks").object_list]
    assert set(found) == {paper.pk for paper in titles} | {in_abstract.pk}  # too few titles: abstracts too

    titles.append(PaperFactory(title="Adversarial networks, the last part"))
    search.refresh_search_words()
    found = [paper.pk for paper in search.paper_results(query="adversarial netwroks").object_list]
    assert set(found) == {paper.pk for paper in titles}


def test_refresh_search_words_command_runs_on_any_database(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_search_words", stdout=out)
    assert "refreshed" in out.getvalue() or "need PostgreSQL" in out.getvalue()


# --- Misspelled titles without PostgreSQL (the default SQLite database), and "Showing results for" ----


@pytest.fixture
def without_postgresql_search(monkeypatch):
    """The search SQLite runs, whatever database the tests use: it is plain ORM, so it runs on PostgreSQL too."""
    monkeypatch.setattr(search, "is_postgresql", lambda: False)


def test_without_postgresql_a_misspelled_title_still_finds_its_paper(client, db, without_postgresql_search):
    attention = PaperFactory(title="Attention Is All You Need", authors=["Ashish Vaswani"])
    PaperFactory(title="Deep Residual Learning for Image Recognition")
    html = results_html(client, "atention is al you need")
    assert attention.get_absolute_url() in html
    assert "Showing results for “<strong>attention is al you need</strong>”: few papers match “atention is al you need” as typed." in html
    assert "Deep Residual" not in html
    # An author's name misspelled too.
    assert attention.get_absolute_url() in results_html(client, "vaswany")


def test_without_postgresql_a_title_too_garbled_for_word_corrections_is_found_by_its_likeness(client, db, without_postgresql_search):
    resnet = PaperFactory(title="Deep Residual Learning for Image Recognition")
    PaperFactory(title="Attention Is All You Need")
    # "residuallearning" is no word of any title, nor close to one; the title as a whole is close.
    html = results_html(client, "deep residuallearning for image recognitoin")
    assert resnet.get_absolute_url() in html and "Attention Is All" not in html


def test_without_postgresql_words_spelled_right_are_not_corrected(client, db, without_postgresql_search):
    PaperFactory(title="Attention Is All You Need")
    html = results_html(client, "attention")
    assert "Showing results for" not in html
    assert "No paper matches" in results_html(client, "zzzzqqq")


def test_the_spelling_fallback_reads_a_bounded_number_of_papers(db, settings, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(search, "SQLITE_SPELLING_PAPERS", 3)
    for n in range(5):
        PaperFactory(title=f"Transformers part {n}")
    monkeypatch.setattr(search, "is_postgresql", lambda: False)
    with django_assert_max_num_queries(3):  # as typed, the bounded titles, corrected
        ranking = search._ranked_paper_ids("transformerz")
    assert len(ranking.ids) == 5 and ranking.corrected_query == "transformers"


@postgresql_only
def test_postgresql_says_which_corrected_query_it_shows_results_for(client, paper):
    PaperFactory(title="Graph attention networks", authors=["Petar Velickovic"])
    PaperFactory(title="Attention over a graph, again", authors=["Petar Velickovic"])
    search.refresh_search_words()
    html = results_html(client, "grahp atention")
    assert "Showing results for “<strong>graph attention</strong>”: few papers match “grahp atention” as typed." in html
    assert "Showing results for" not in results_html(client, "graph attention")
