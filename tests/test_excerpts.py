"""Card excerpts: the first blocks of a summary's rendered HTML, cut at save time, never through a formula, list or table."""

import re

import pytest

from summaries.excerpts import EXCERPT_CHARACTERS, excerpt
from summaries.rendering import render
from tests.factories import SummaryFactory

LONG_PARAGRAPH = " ".join(f"word{n}" for n in range(300))  # ~2,400 characters


def cut(source: str):
    return excerpt(render(source).html)


def test_a_short_summary_is_its_own_excerpt():
    html = render("One paragraph.\n\nAnd another, with $x^2$.").html
    result = excerpt(html)
    assert result.html == html and result.is_whole


def test_whole_blocks_are_taken_up_to_about_the_budget():
    paragraphs = [f"Paragraph {n}: " + "text " * 40 for n in range(6)]  # ~215 characters each
    result = cut("\n\n".join(paragraphs))
    assert not result.is_whole
    assert result.html.count("<p>") == 3 and "Paragraph 2:" in result.html and "Paragraph 3:" not in result.html
    assert result.html.endswith("</p>")


@pytest.mark.parametrize(
    "block, inside",
    [
        ("| a | b |\n|---|---|\n" + "\n".join(f"| {'c' * 40} | {n} |" for n in range(30)), "<td>"),
        ("$$" + " + ".join(f"x_{{{n}}}" for n in range(300)) + "$$", "arithmatex"),
    ],
    ids=["table", "display formula"],
)
def test_a_table_or_formula_is_never_cut(block, inside):
    result = cut(f"Intro.\n\n{block}\n\nAfter.")
    # Too big for what is left after the intro: left out whole, not cut.
    assert result.html == "<p>Intro.</p>" and not result.is_whole
    first = cut(f"{block}\n\nAfter.")
    # The first block is always taken, whole, however long.
    assert inside in first.html and "After." not in first.html
    assert first.html == render(block).html


ITEM = "x" * 60  # an item of ~68 characters of text with its number
LONG_LIST = "\n".join(f"- item {n} {ITEM}" for n in range(20))


def items_in(html: str) -> list[int]:
    return [int(number) for number in re.findall(r"<li>item (\d+) ", html)]


def test_a_long_list_is_cut_between_its_items():
    result = cut(f"{LONG_LIST}\n\nAfter.")
    assert not result.is_whole
    # The first items, in order, about the budget's worth, and the list closed after the last of them.
    kept = items_in(result.html)
    assert kept == list(range(len(kept))) and EXCERPT_CHARACTERS <= len(kept) * 68 <= EXCERPT_CHARACTERS + 250
    assert result.html.startswith("<ul>") and result.html.endswith(f"{ITEM}</li>\n</ul>") and "After." not in result.html
    assert result.html.count("<li>") == result.html.count("</li>")


def test_a_list_after_other_blocks_brings_the_items_that_fit():
    result = cut("Intro " + "words " * 60 + f"\n\n{LONG_LIST}")  # ~370 characters, then the list
    assert result.html.startswith("<p>Intro ") and result.html.endswith("</ul>")
    assert 2 <= len(items_in(result.html)) <= 7


def test_a_list_item_is_never_cut_and_brings_its_nested_list():
    nested = "\n".join(f"    - sub {n} {ITEM}" for n in range(12))
    result = cut(f"1. first {LONG_PARAGRAPH}\n2. second\n\nAfter.")
    assert "word299" in result.html and "second" not in result.html and result.html.endswith("</li>\n</ol>")
    result = cut(f"- item 0 {ITEM}\n{nested}\n- item 1 {ITEM}\n" + LONG_LIST)
    assert "sub 11 " in result.html and result.html.count("<ul>") == result.html.count("</ul>") == 2
    assert not result.is_whole and "item 19 " not in result.html


def test_a_list_of_short_items_is_cut_too_each_item_a_line():
    result = cut("\n".join(f"- {n}" for n in range(400)))
    assert not result.is_whole and 10 <= result.html.count("<li>") <= 14  # ~600 characters of lines, not of text


def test_line_separators_in_the_text_never_misplace_a_cut():
    # U+2028 and U+2029 (pasted from PDFs) are line breaks to str.splitlines(), not to the HTML parser.
    items = "\n\n".join(f"- item {n} a\u2028b\u2029c " + "x" * 60 for n in range(20))
    for source in (items, "Intro a\u2028b\u2028c\u2028d.\n\n" + items):
        result = cut(source)
        assert result.html.endswith(f"{'x' * 60}</p>\n</li>\n</ul>"), result.html[-80:]
        for tag in ("p", "li", "ul"):
            assert result.html.count(f"<{tag}>") == result.html.count(f"</{tag}>")


def test_a_short_list_is_taken_whole():
    source = "\n".join(f"- item {n}" for n in range(5))
    assert cut(f"{source}\n\nAfter.").html == render(f"{source}\n\nAfter.").html


def test_a_long_first_paragraph_is_cut_at_a_space_outside_any_formula():
    source = "Start $a+b$ " + LONG_PARAGRAPH + " and $\\sum_i x_i$ at the end."
    result = cut(source)
    assert not result.is_whole
    assert result.html.startswith("<p>Start ") and result.html.endswith("…</p>")
    assert "word50 " in result.html and "word299" not in result.html
    assert result.html.count('<span class="arithmatex">') == 1  # the first formula whole, the last not at all
    assert result.html.count("<span") == result.html.count("</span>")
    words = re.sub(r"<[^>]+>", " ", result.html.split("</math>")[-1]).split()  # the text after the formula's MathML
    assert EXCERPT_CHARACTERS * 0.7 < len(" ".join(words)) < EXCERPT_CHARACTERS * 1.3


def test_a_heading_brings_the_block_after_it():
    result = cut("# Idea\n\n" + "Body text. " * 30 + "\n\n## Results\n\n" + LONG_PARAGRAPH)
    assert result.html.startswith("<h2>Idea</h2>\n<p>Body text.")
    # A heading never ends an excerpt: its paragraph follows, cut.
    assert "<h3>Results</h3>\n<p>word0 word1 " in result.html and result.html.endswith("…</p>")


def test_an_entity_or_link_is_never_split():
    source = "Fish &amp; chips [a link with words](https://example.org) " * 60
    result = cut(source)
    assert result.html.count("<a ") == result.html.count("</a>")
    assert "&amp" not in result.html.replace("&amp;", "")


@pytest.mark.django_db
def test_the_excerpt_is_stored_when_the_summary_is_saved():
    summary = SummaryFactory(body="Opening.\n\n" + LONG_PARAGRAPH)
    assert summary.excerpt_html.startswith("<p>Opening.</p>") and not summary.excerpt_is_whole
    assert summary.excerpt_html == excerpt(summary.body_html).html
