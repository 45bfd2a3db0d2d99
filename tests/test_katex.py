"""Math typeset on the server (summaries/katex.py): what KaTeX's output may hold, budgets, and hostile formulas."""

import re
import time
from html.parser import HTMLParser

import pytest

from papers import typesetting
from summaries import katex
from summaries.rendering import render
from tests.factories import PaperFactory, SummaryFactory


class _Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    return _Elements(html).elements


def refused(html: str) -> str | None:
    """The reason in a formula's marked span, or None when it was typeset."""
    match = re.fullmatch(r'<span class="math-error" title="([^"]*)">[^<]*</span>', html)
    return match and match.group(1)


SAMPLES = open("bench/katex_samples.txt").read().split("\n|\n")


@pytest.mark.parametrize("display", [False, True])
@pytest.mark.parametrize("tex", SAMPLES, ids=range(len(SAMPLES)))
def test_katex_output_passes_its_allowlist_whole(tex, display):
    """The sanitizer admits exactly what KaTeX emits: sanitizing takes nothing away from any sample."""
    raw = katex._engine.function()(tex, display, katex.MAX_NESTING, katex._OPTIONS_JSON)
    if '"error"' in raw:
        pytest.skip("not TeX KaTeX knows")
    typeset = katex.typeset(tex, display=display)
    assert _shape(typeset) == _shape(raw.encode().decode("unicode_escape"))


def _shape(html: str) -> list:
    """Each tag with its attribute names and classes, which is what the allowlist decides on."""
    return [(tag, sorted(attrs), sorted(attrs.get("class", "").split())) for tag, attrs in elements(html)]


def test_what_katex_emits_can_neither_run_nor_load_anything():
    html = "".join(katex.typeset(tex, display=display) for tex in SAMPLES for display in (False, True))
    for tag, attrs in elements(html):
        assert tag in {"span"} | katex._MATHML_TAGS | katex._SVG_TAGS
        assert not any(name.startswith("on") or name in {"href", "src", "xlink:href", "id"} for name in attrs)
        assert "url(" not in attrs.get("style", "") and "expression" not in attrs.get("style", "")
        assert set(attrs.get("class", "").split()) <= katex.katex_classes() | {"math-error"}


@pytest.mark.parametrize(
    "tex",
    [
        r"\href{javascript:alert(1)}{click}",
        r"\url{javascript:alert(1)}",
        r"\htmlData{foo=bar, onclick=alert(1)}{x}",
        r"\htmlClass{site-header}{x}",
        r"\htmlStyle{position:fixed;top:0;left:0;width:100vw;height:100vh}{x}",
        r"\htmlId{main}{x}",
        r"\includegraphics{https://evil.example/x.png}",
    ],
)
def test_trust_is_off_so_links_and_html_commands_are_inert(tex):
    html = katex.typeset(tex, display=False)
    for tag, attrs in elements(html):
        assert tag != "a" and tag != "img"
        assert not {"href", "src", "id", "onclick", "data-foo"} & set(attrs)
        assert "site-header" not in attrs.get("class", "") and "fixed" not in attrs.get("style", "")
        assert "evil.example" not in str(attrs)


@pytest.mark.parametrize(
    "bomb",
    [
        "\\sqrt{" * 150 + "x" + "}" * 150,
        "\\frac{" * 150 + "a}{b" + "}" * 150,
        "x^{" * 150 + "y" + "}" * 150,
        "\\hat{" * 150 + "x" + "}" * 150,
        "\\underbrace{" * 150 + "x" + "}" * 150,
        "\\left(" * 150 + "x" + "\\right)" * 150,
        "\\sqrt" * 150 + " x",  # nests without a single brace
    ],
)
def test_a_nesting_bomb_is_shown_as_its_source_quickly(bomb):
    start = time.perf_counter()
    html = katex.typeset(bomb, display=False)
    assert time.perf_counter() - start < 1
    assert refused(html), html[:200]
    assert bomb[:40] in html.replace("&#x27;", "'")


def test_fifty_levels_still_typeset():
    assert not refused(katex.typeset("\\sqrt{" * 50 + "x" + "}" * 50, display=False))


def test_a_formula_over_the_time_budget_is_its_source_and_the_next_one_typesets(monkeypatch):
    monkeypatch.setattr(katex, "TIME_LIMIT_SECONDS", 1e-6)
    katex._engine.discard()
    assert refused(katex.typeset(r"\begin{pmatrix}" + r"a&b\\" * 300 + r"\end{pmatrix}", display=True)) == "InternalError: interrupted"
    monkeypatch.undo()
    katex._engine.discard()
    assert not refused(katex.typeset(r"\frac{a}{b}", display=False))


def test_a_formula_over_the_size_budgets_is_its_source(monkeypatch):
    assert refused(katex.typeset("x" * (katex.MAX_TEX_LENGTH + 1), display=False)).startswith("longer than")
    monkeypatch.setattr(katex, "MAX_HTML_LENGTH", 500)
    assert refused(katex.typeset(r"\sum_{i=1}^n x_i", display=False)) == "too large once typeset"


def test_bad_tex_is_shown_escaped_in_a_marked_span_never_dropped():
    html = render(r"Before $\frac{<b>x</b>$ and $\undefinedmacro{y}$ after.").html
    assert html.count('class="math-error"') == 2
    assert r"\(\frac{&lt;b&gt;x&lt;/b&gt;\)" in html and r"\(\undefinedmacro{y}\)" in html
    assert "Before" in html and "after." in html and "<b>" not in html


@pytest.mark.parametrize("tex", ["a\ud800b", "a\x00b", "\\text{\U0001F600}"])
def test_any_text_is_typeset_or_shown_never_an_error(tex):
    html = katex.typeset(tex, display=False)
    assert html.startswith(('<span class="katex">', '<span class="math-error"'))
    html.encode("utf-8")


def test_sizes_are_capped_so_a_rule_cannot_paint_the_page():
    html = katex.typeset(r"\rule{500em}{500em}", display=False)
    styles = " ".join(attrs.get("style", "") for _, attrs in elements(html))
    assert "500em" not in styles and "border-right-width:10em" in styles


def test_the_engine_is_made_again_in_a_forked_process(monkeypatch):
    katex.typeset("x", display=False)
    monkeypatch.setattr(katex.os, "getpid", lambda: -1)
    before = katex._engine.typeset
    katex.typeset("y", display=False)
    assert katex._engine.typeset is not before


def test_raw_tex_in_titles_and_abstracts_is_typeset_like_summaries():
    html = katex.typeset_text("Costs $O(n^2)$, \\$5, and\n$$\\sum_i x_i$$ <b>")
    assert html.count('<span class="arithmatex"><span class="katex') == 2
    assert 'display="block"' in html and "$5" in html and "<br>" in html and "&lt;b&gt;" in html
    assert not katex.has_math("Costs \\$5") and katex.has_math("a $x$")


@pytest.mark.django_db
def test_a_page_of_500_formulas_arrives_typeset_with_no_script(client, user, settings):
    # What runs out of rendering's time budget is shown as source (test_rendering.py); this is about typesetting,
    # so a loaded machine must not run the budget out.
    settings.SUMMARY_RENDER_BUDGET_SECONDS = 60
    body = " ".join(f"$x_{{{n}}}^2 + \\frac{{{n}}}{{k}}$" for n in range(500))
    summary = SummaryFactory(author=user, body=body)
    html = client.get(summary.get_absolute_url()).content.decode()
    assert html.count('<span class="arithmatex"><span class="katex">') == 500
    assert "math-error" not in html
    assert "katex.min.js" not in html and "auto-render" not in html
    body = re.sub(r"<annotation.*?</annotation>", "", html[html.index('class="summary-body') :], flags=re.DOTALL)
    assert "\\frac" not in body


@pytest.mark.django_db
def test_titles_and_abstracts_are_typeset_once_and_stored(client, django_assert_num_queries):
    paper = PaperFactory(title="Bounds for $\\mathbb{R}^n$", abstract="We show $x \\le y$.")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert '<annotation encoding="application/x-tex">\\mathbb{R}^n</annotation>' in html
    assert '<annotation encoding="application/x-tex">x \\le y</annotation>' in html
    paper.refresh_from_db()
    assert paper.typeset_key and "katex" in paper.title_typeset
    with django_assert_num_queries(0):
        typesetting.typeset_papers([paper])  # current: nothing to do
    paper.title = "New $\\alpha$"
    paper.save()
    typesetting.typeset_papers([paper])
    assert "\\alpha" in Paper_from_db(paper).title_typeset


def Paper_from_db(paper):
    paper.refresh_from_db()
    return paper


@pytest.mark.django_db
def test_the_feed_stores_titles_in_one_query_however_many_cards(client, make_summaries, django_assert_max_num_queries):
    make_summaries(5)
    with django_assert_max_num_queries(12) as few:
        client.get("/")
    make_summaries(15)
    with django_assert_max_num_queries(12) as many:
        client.get("/")
    assert len(many.captured_queries) == len(few.captured_queries)
