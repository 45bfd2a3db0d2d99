"""Turn a summary's Markdown, LaTeX math and \\cite{key} into the sanitized HTML stored with it.

Math is typeset here too (summaries/katex.py), after sanitizing: the author's markup goes through the
strict allowlist below, and only KaTeX's own output through KaTeX's allowlist."""

import re
import time
from dataclasses import dataclass, field, replace
from html import escape, unescape
from functools import partial
from xml.etree.ElementTree import Element

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from django.conf import settings
from django.urls import reverse
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.arithmatex import RE_BRACKET_INLINE, RE_SMART_DOLLAR_INLINE

from papers.identifiers import Identifier, Kind, parse_or_none
from papers.models import Paper
from summaries.code_spans import LinearCodeSpans
from summaries.render_budget import RenderingTooSlow, call_within_budget, in_calling_thread
from summaries import katex

__all__ = ["RENDERER_VERSION", "Rendered", "RenderingTooSlow", "render"]

# Bump whenever the HTML for the same source changes; `manage.py rerender_summaries` catches up.
RENDERER_VERSION = 7


@dataclass(frozen=True)
class Rendered:
    html: str
    cited_papers: list[Paper]
    # Every \cite key that names no paper we have, in order of first citation: the preview warns
    # of each, and the summary is re-rendered when such a paper arrives (summaries.citations).
    unresolved_citations: list["UnresolvedCitation"] = field(default_factory=list)


@dataclass(frozen=True)
class UnresolvedCitation:
    key: str  # as the author wrote it
    identifier: Identifier | None  # None: not an arXiv id, DOI or BibTeX key at all (a title, say)


def render(source: str) -> Rendered:
    """Sanitized HTML for a summary body, and the papers its \\cite{...} keys name.

    Within settings.SUMMARY_RENDER_BUDGET_SECONDS: Markdown and sanitizing past it raise RenderingTooSlow
    (the text is refused); formulas still untypeset when it runs out are shown as their source.
    """
    budget = settings.SUMMARY_RENDER_BUDGET_SECONDS
    deadline = time.monotonic() + budget if budget else None
    rendered = call_within_budget(partial(_render, source), budget)
    return replace(rendered, html=katex.typeset_formulas(rendered.html, deadline=deadline))


def _render(source: str) -> Rendered:
    """The sanitized HTML with formulas still delimited for KaTeX."""
    citations = _Citations()
    defused = _defuse_setext_runs(
        _defuse_unclosed_openers(_defuse_deep_tags(_defuse_unclosed_tags(_defuse_bracket_pileups(source))))
    )
    try:
        html = _markdown(citations).convert(defused)
    except RecursionError:
        # Hundreds of nested blocks on one line ("1. 1. 1. …", "- - - …") recurse once per level;
        # such a body is no summary, but its author still gets it back, as plain text.
        return Rendered(html=_plain_paragraphs(source), cited_papers=[])
    return Rendered(html=_sanitize(html), cited_papers=citations.papers, unresolved_citations=citations.unresolved)


def _plain_paragraphs(source: str) -> str:
    paragraphs = (paragraph.strip() for paragraph in re.split(r"\n\s*\n", source))
    return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs if paragraph)


def _markdown(citations: "_Citations") -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            # Table alignment as an attribute, because the sanitizer allows no style attributes.
            _MathTables(use_align_attribute=True),
            "pymdownx.highlight", "pymdownx.superfences", "sane_lists", "pymdownx.arithmatex", _SummaryMarkdown(), citations,
        ],
        extension_configs={
            # Generic mode emits \(...\) and \[...\] for KaTeX's auto-render, not MathJax scripts.
            # Display blocks are ours (_DisplayMathBlocks): arithmatex's own block pattern would
            # swallow "$$a$$ and $$b$$" whole and let list and table syntax into equations.
            "pymdownx.arithmatex": {"generic": True, "block_syntax": ["begin"]},
            # Plain <pre><code>: the sanitizer would strip Pygments' classes and leave empty spans.
            "pymdownx.highlight": {"use_pygments": False},
        },
    )


# Python-Markdown looks for a link's closing bracket from every open one: 20,000 unclosed "["
# take minutes. No real paragraph leaves this many open (half-open intervals like $[0, 1)$ do
# leave some); past it a "[" is just a character. Links never span paragraphs, so each starts at 0.
_MAX_OPEN_BRACKETS = 32


def _defuse_bracket_pileups(source: str) -> str:
    if source.count("[") <= _MAX_OPEN_BRACKETS:
        return source
    return "\n\n".join(_defuse_paragraph(paragraph) for paragraph in source.split("\n\n"))


def _defuse_paragraph(paragraph: str) -> str:
    parts, depth = [], 0
    for char in paragraph:
        if char == "[":
            if depth >= _MAX_OPEN_BRACKETS:
                parts.append("&#91;")
                continue
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        parts.append(char)
    return "".join(parts)


# Python-Markdown hands raw HTML to the standard library's HTMLParser, which in this Python (3.11.7)
# scans to the end of the text from every "<" that opens a tag it never closes: 20,000 "<a " took 32 s.
# Such a "<" opens no tag anyway (no ">" before the next "<"), and the page shows it as typed either
# way. The first few stay (a formula's "a<b" is one; in code an entity would show as "&lt;"), past
# _MAX_UNCLOSED_TAGS they become entities.
_MAX_UNCLOSED_TAGS = 64
_UNCLOSED_TAG = re.compile(r"<(?=[A-Za-z/!?])(?=[^<>]*(?:<|\Z))")


def _defuse_unclosed_tags(source: str) -> str:
    if source.count("<") <= _MAX_UNCLOSED_TAGS:
        return source
    unclosed = [match.start() for match in _UNCLOSED_TAG.finditer(source)]
    return _replace_at(source, unclosed[_MAX_UNCLOSED_TAGS:], "&lt;", length=1)


# The sanitizer's HTML parser (html5lib) walks the stack of open elements for each new tag: 12,000 "<div>"
# that never close took 8 s. No summary nests typed HTML this deep; past _MAX_TAG_DEPTH an opening tag is
# shown as typed. Void elements never stay open.
_MAX_TAG_DEPTH = 64
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
_VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "embed", "source", "track"}


def _defuse_deep_tags(source: str) -> str:
    if source.count("<") <= _MAX_TAG_DEPTH:
        return source
    depth, too_deep = 0, []
    for tag in _TAG.finditer(source):
        if tag[2].lower() in _VOID_TAGS or tag[0].endswith("/>"):
            continue
        if tag[1]:
            depth = max(depth - 1, 0)
        elif depth >= _MAX_TAG_DEPTH:
            too_deep.append(tag.start())
        else:
            depth += 1
    return _replace_at(source, too_deep, "&lt;", length=1)


# A setext heading's underline ends its block, but Python-Markdown tests each block processor against the
# whole rest of the block (hundreds of lines) each time it takes one heading off: 60,000 characters of
# "a\n=\n" took 15 s. Past _MAX_SETEXT_HEADINGS, a blank line after each underline makes the same heading
# end a block of its own.
_MAX_SETEXT_HEADINGS = 32
_SETEXT_UNDERLINE = re.compile(r"(?<=\S)(\n {0,3}(?:=+|-+)[ \t]*\n)(?=[^\n])")


def _defuse_setext_runs(source: str) -> str:
    if source.count("\n=") + source.count("\n-") <= _MAX_SETEXT_HEADINGS:
        return source
    return _SETEXT_UNDERLINE.sub(r"\1\n", source)


# Inline patterns look for an opener's closer from every opener to the end of its paragraph: 30,000
# unclosed "\(" took arithmatex 15 s, 5,000 "[a](x) [b](" took Python-Markdown's links 14 s (it
# balances the parentheses of each address). Past _MAX_UNCLOSED_OPENERS in a paragraph, an opener
# that nothing closes is written so that it opens nothing and still shows as typed.
_MAX_UNCLOSED_OPENERS = 32
# Each unclosed "\(" or "\[" that stays costs arithmatex's pattern one slow scan to the paragraph's end
# (75 ms over 60,000 characters), so only a few stay; either way it shows as the "(" or "[" Markdown makes of it.
_MAX_UNCLOSED_MATH_OPENERS = 4
# (opener, its closer, the opener defused: what Markdown shows for an unclosed one, as an entity)
_MATH_OPENERS = (
    (re.compile(r"(?<!\\)\\\("), "\\)", "&#40;"),
    (re.compile(r"(?<!\\)\\\["), "\\]", "&#91;"),
)
_PARENTHESIS = re.compile(r"[()]")


def _defuse_unclosed_openers(source: str) -> str:
    if source.count("\\(") + source.count("\\[") + source.count("](") <= _MAX_UNCLOSED_OPENERS:
        return source
    return "\n\n".join(_defuse_openers_in(paragraph) for paragraph in source.split("\n\n"))


def _defuse_openers_in(paragraph: str) -> str:
    for opener, closer, defused in _MATH_OPENERS:
        # Math doesn't nest: an opener is closed by the next closer, if one comes after it at all.
        unclosed = [match.start() for match in opener.finditer(paragraph, paragraph.rfind(closer) + 1)]
        paragraph = _replace_at(paragraph, unclosed[_MAX_UNCLOSED_MATH_OPENERS:], defused, length=2)
    unclosed = _unclosed_link_addresses(paragraph)
    return _replace_at(paragraph, unclosed[_MAX_UNCLOSED_OPENERS:], "&#40;", length=1)


def _unclosed_link_addresses(paragraph: str) -> list[int]:
    """Where the "(" of each "](" is that no ")" balances."""
    open_parentheses = []
    for match in _PARENTHESIS.finditer(paragraph):
        if match.group() == "(":
            open_parentheses.append(match.start())
        elif open_parentheses:
            open_parentheses.pop()
    return [position for position in open_parentheses if paragraph[position - 1 : position] == "]"]


def _replace_at(text: str, positions: list[int], replacement: str, *, length: int) -> str:
    """`replacement` inserted at each position, in place of the `length` characters there."""
    parts, start = [], 0
    for position in positions:
        parts += [text[start:position], replacement]
        start = position + length
    return "".join(parts) + text[start:]


# ---- Markdown: nested lists, display math inside paragraphs, heading levels -------------------

_LIST_ITEM = re.compile(r"( *)(?P<marker>[*+-]|\d+\.) +")
_HORIZONTAL_RULE = re.compile(r" {0,3}([-*_])(?: *\1){2,} *$")
# Python-Markdown's tab length: one level of list nesting, or the indent of a code block.
_MARKDOWN_INDENT = 4


class _ListIndentation(Preprocessor):
    """Re-indent nested lists to the 4 spaces per level Python-Markdown needs.

    People nest with 2 spaces (as GitHub and most editors do), 3 or 4; an item is a child of
    the item above it when it is indented at least 2 columns further than that item's marker.
    Only leading spaces change; a fenced code block inside an item moves with its first line.
    Display math is already set aside when this runs.
    """

    def run(self, lines: list[str]) -> list[str]:
        open_items: list[tuple[int, int]] = []  # (marker column, content column) per nesting level
        top_marker = None  # whether the top-level list is bulleted or numbered
        after_blank = True
        block_ends = None  # tells whether a line closes the fenced code block we are in
        shift = 0  # how far the block's first line moved
        result = []
        for line in lines:
            if block_ends is not None:
                result.append(_shifted(line, shift))
                if block_ends(line):
                    block_ends = None
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = _LIST_ITEM.match(line)
            if not line.strip():
                after_blank = True
                result.append(line)
                continue
            if item and not _HORIZONTAL_RULE.match(line) and (open_items or indent < _MARKDOWN_INDENT):
                while open_items and indent < open_items[-1][0] + 2:
                    open_items.pop()
                marker = _marker_kind(item)
                if not open_items and top_marker not in (None, marker) and not after_blank:
                    # CommonMark: another kind of marker starts another list, even without a blank line.
                    result.append("")
                if not open_items:
                    top_marker = marker
                result.append(" " * _MARKDOWN_INDENT * len(open_items) + line[indent:])
                open_items.append((indent, item.end()))
            elif open_items and indent >= open_items[0][1]:
                # A continuation paragraph (or code) of the innermost item it is indented under.
                while indent < open_items[-1][1]:
                    open_items.pop()
                extra = indent - open_items[-1][1]
                result.append(" " * (_MARKDOWN_INDENT * len(open_items) + extra) + line[indent:])
            else:
                if after_blank:
                    open_items.clear()
                    top_marker = None
                result.append(line)
            after_blank = False
            shift = (len(result[-1]) - len(result[-1].lstrip(" "))) - indent
            block_ends = _block_opened_by(line[indent:])
        return result


_FENCE = re.compile(r"(`{3,}|~{3,})")


def _marker_kind(item: re.Match) -> str:
    """Bulleted or numbered: Python-Markdown keeps "-" and "*" items in one list, so only this change splits."""
    return "numbered" if item["marker"].endswith(".") else "bulleted"


def _block_opened_by(text: str):
    """For a line that opens a fenced code block (inside a list), a test for its closing line."""
    if fence := _FENCE.match(text):
        marker = fence.group(1)
        return lambda line: line.strip().startswith(marker)
    return None


# Display math on lines of its own: $$ or \[ opening a line, the matching closer ending one.
_DISPLAY_MATH_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?:\$\$(?P<dollar>(?:(?!\$\$).)+?)\$\$|\\\[(?P<bracket>(?:(?!\\\]).)+?)\\\])[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


class _DisplayMathBlocks(Preprocessor):
    """Set display math aside before any block parsing, as fenced code is.

    Otherwise an equation's "- x" or "+ y" line becomes a list item and "| a |" a table row.
    The placeholder keeps the block's indentation, so math inside a list item stays in it.
    """

    def run(self, lines: list[str]) -> list[str]:
        text = _DISPLAY_MATH_BLOCK.sub(self._stash, "\n".join(lines))
        return text.split("\n")

    def _stash(self, match: re.Match) -> str:
        tex = match["dollar"] if match["dollar"] is not None else match["bracket"]
        html = f'<div class="arithmatex">\\[{escape(tex)}\\]</div>'
        # Blank lines around it make it a block of its own, not part of the paragraph above.
        return f"\n{match['indent']}{self.md.htmlStash.store(html)}\n"


def _shifted(line: str, shift: int) -> str:
    if shift >= 0:
        return " " * shift + line
    indent = len(line) - len(line.lstrip(" "))
    return line[min(indent, -shift):]


_DISPLAY_MATH_IN_TEXT = r"(?<!\\)\$\$(?P<dollar>.+?)(?<!\\)\$\$|(?<!\\)\\\[(?P<bracket>.+?)\\\]"


class _DisplayMathInText(InlineProcessor):
    """$$...$$ and \\[...\\] inside a paragraph; arithmatex only sees them when they fill a block."""

    def handleMatch(self, match: re.Match, data: str):
        element = Element("span", {"class": "arithmatex"})
        element.text = AtomicString(f"\\[{match['dollar'] or match['bracket']}\\]")
        return element, match.start(0), match.end(0)


# A table row's spans that the row's pipes can't split: code (as Python-Markdown already does) and
# math as arithmatex will find it, display math in text included. Code comes first: "`$x` | `y$`" is
# two code spans, not math.
_UNSPLITTABLE_IN_ROW = re.compile(
    rf"(`+).+?(?<!`)\1(?!`)|(?P<math>{_DISPLAY_MATH_IN_TEXT}|{RE_SMART_DOLLAR_INLINE}|{RE_BRACKET_INLINE})"
)
# Stands in for a pipe inside math while the row is split; a row that has one already isn't protected.
_PIPE_IN_MATH = "\x1f"


class _MathTableProcessor(TableProcessor):
    """Tables whose cells may hold math with pipes: $|x|$, $P(A|B)$, \\(\\|w\\|\\) are one cell each."""

    def test(self, parent: Element, block: str) -> bool:
        # TableProcessor splits the whole block into rows on every call, and a block consumed a line at a time
        # (60,000 characters of setext headings) is tested once per line: quadratic. A header row without a
        # pipe is never a table, so most blocks need no split at all.
        return "|" in block.partition("\n")[0] and super().test(parent, block)

    def _split(self, row: str) -> list[str]:
        if _PIPE_IN_MATH in row or "|" not in row:
            return super()._split(row)
        protected = _UNSPLITTABLE_IN_ROW.sub(_protect_math_pipes, row)
        return [cell.replace(_PIPE_IN_MATH, "|") for cell in super()._split(protected)]


def _protect_math_pipes(span: re.Match) -> str:
    return span.group().replace("|", _PIPE_IN_MATH) if span["math"] else span.group()


class _MathTables(TableExtension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        super().extendMarkdown(md)
        md.parser.blockprocessors.register(_MathTableProcessor(md.parser, self.getConfigs()), "table", 75)


# A page has one h1 (the paper's title), so a summary's "# Heading" is an h2: one level down, not two.
_HEADING = re.compile(r"h([1-6])")


class _HeadingShift(Treeprocessor):
    """Shift headings one level down, and never let one skip a level below the one before it.

    Above the text stands the permalink's h1 or a card's or section's h2, so a summary's first heading
    is an h2 whatever it was written as, and each next one at most one level below the one before:
    "## A" then "#### B" becomes h2 then h3.
    """

    def run(self, root: Element) -> None:
        previous = 1
        for element in root.iter():
            match = _HEADING.fullmatch(element.tag) if isinstance(element.tag, str) else None
            if match:
                level = min(int(match.group(1)) + 1, previous + 1, 6)
                element.tag = f"h{level}"
                previous = level


class _SummaryMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After fenced code (25) and raw HTML (20) are stashed, so their lines keep their spaces.
        md.preprocessors.register(_DisplayMathBlocks(md), "display_math_blocks", 16)
        md.preprocessors.register(_ListIndentation(md), "list_indentation", 15)
        # Above arithmatex's inline $...$ (189.9), which would split $$x$$ into $ + $x$ + $;
        # below code spans (190), which keep their dollars.
        md.inlinePatterns.register(_DisplayMathInText(_DISPLAY_MATH_IN_TEXT, md), "display_math_in_text", 189.95)
        md.treeprocessors.register(_HeadingShift(md), "heading_shift", 15)
        # The same code spans, without a scan to the paragraph's end from every unmatched opener.
        md.inlinePatterns.register(LinearCodeSpans(), "backtick", 190)


# ---- \cite{key, ...} ----------------------------------------------------------------------------

# Below backslash escapes (180), so "\\cite{x}" stays literal text; above links and emphasis, so
# a key's "_" or "*" is never markup. Math and code spans are taken before either.
_CITE = r"\\cite\{(?P<keys>[^{}]*)\}"
_CITE_PRIORITY = 175


class _Citations(Extension):
    """Collects every \\cite in a document, then resolves all of its keys with one query."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[tuple[Element, list[str]]] = []
        self.papers: list[Paper] = []
        self.unresolved: list[UnresolvedCitation] = []

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(_CitePattern(_CITE, self), "cite", _CITE_PRIORITY)
        # After the inline pass (20) has found every \cite.
        md.treeprocessors.register(_CiteResolver(md, self), "cite_resolver", 15)


class _CitePattern(InlineProcessor):
    def __init__(self, pattern: str, citations: _Citations) -> None:
        super().__init__(pattern)
        self.citations = citations

    def handleMatch(self, match: re.Match, data: str):
        keys = [key.strip() for key in match["keys"].split(",") if key.strip()]
        if not keys:
            return None, None, None
        element = Element("span", {"class": "citation"})
        # Stands in until the keys are resolved; also what an image's alt text shows.
        element.text = AtomicString(f"[{'; '.join(keys)}]")
        self.citations.pending.append((element, keys))
        return element, match.start(0), match.end(0)


class _CiteResolver(Treeprocessor):
    def __init__(self, md: markdown.Markdown, citations: _Citations) -> None:
        super().__init__(md)
        self.citations = citations

    def run(self, root: Element) -> None:
        if not self.citations.pending:
            return
        identifiers = {key: parse_or_none(key) for _, keys in self.citations.pending for key in keys}
        wanted = [identifier for identifier in identifiers.values() if identifier]
        known = in_calling_thread(partial(_papers_by_identifier, wanted))
        cited: dict[int, Paper] = {}
        unresolved: dict[str, UnresolvedCitation] = {}  # in order of first citation
        for element, keys in self.citations.pending:
            links = []
            for key in keys:
                identifier = identifiers[key]
                paper = known.get((identifier.kind, identifier.value)) if identifier else None
                if paper:
                    cited.setdefault(paper.pk, paper)
                else:
                    unresolved.setdefault(key, UnresolvedCitation(key, identifier))
                links.append(_cite_link(key, identifier, paper))
            _fill_citation(element, links)
        self.citations.papers = list(cited.values())
        self.citations.unresolved = list(unresolved.values())


def _papers_by_identifier(identifiers: list[Identifier]) -> dict[tuple[Kind, str], Paper]:
    if not identifiers:
        return {}
    known = {}
    for paper in Paper.objects.matching_any(identifiers):
        for kind, value in ((Kind.ARXIV, paper.arxiv_id), (Kind.DOI, paper.doi), (Kind.BIBTEX, paper.bibtex_key)):
            if value:
                known[(kind, value)] = paper
    return known


def _cite_link(key: str, identifier: Identifier | None, paper: Paper | None) -> Element | str:
    """A link to the cited paper's page, or the key as plain text when it names no paper at all."""
    if identifier is None:
        return key
    if paper:
        link = Element("a", {"href": paper.get_absolute_url(), "class": "cite"})
        link.text = paper.short_reference
        return link
    # Not imported yet, but the paper page can still fetch it by this identifier; crawlers
    # following every such link would make those fetches for nobody, hence nofollow.
    link = Element("a", {"href": reverse("papers:detail", kwargs={"identifier": identifier.value}), "class": "cite"})
    link.set("rel", "nofollow")
    link.text = key
    return link


def _fill_citation(citation: Element, links: list[Element | str]) -> None:
    """Make the placeholder read "[link; link; key]"."""
    citation.text = "["
    for index, link in enumerate(links):
        separator = "; " if index else ""
        if isinstance(link, str):
            _append_text(citation, separator + link)
        else:
            _append_text(citation, separator)
            citation.append(link)
    _append_text(citation, "]")


def _append_text(element: Element, text: str) -> None:
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


# ---- Sanitizing: the last step, over everything above and any HTML the author typed ------------

_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "sup", "sub",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "span", "div",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"alt", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
# The only classes the page's CSS acts on; "arithmatex" marks the formulas katex.typeset_formulas typesets.
_CLASSES = {"a": {"cite"}, "span": {"arithmatex", "citation"}, "div": {"arithmatex"}}
_PROTOCOLS = {"http", "https", "mailto"}
# Only URLs written with their scheme: "train.py" or "model.ai" in prose stay text.
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)
# "/paper/..." is this site; "//host" and "/\host" are other sites to a browser.
_SAME_SITE = re.compile(r"/[^/\\]")
_USER_LINK_REL = "nofollow ugc noopener"
# An image uploaded here (summaries.images names them), by its site-relative address: it keeps working
# whichever host or scheme serves the site.
_UPLOADED_IMAGE = re.compile(rf"/{re.escape(settings.MEDIA_URL.strip('/'))}/summary-images/[0-9a-f]{{24}}\.[a-z]{{3,4}}")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "class":
        return value in _CLASSES.get(tag, ())
    if tag == "a" and name == "rel":
        return value == "nofollow"
    if tag == "img" and name == "src":
        # Other relative paths would load whatever this site serves there; only our uploads are embedded by path.
        return value.strip().lower().startswith(("http://", "https://")) or bool(_UPLOADED_IMAGE.fullmatch(value))
    return name in _ATTRIBUTES.get(tag, ())


def _mark_user_link(attrs: dict, new: bool = False) -> dict:
    """Links leaving the site are the author's, not ours: no ranking credit, no window.opener."""
    href = attrs.get((None, "href"))
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" is "//evil.example".
    if href and not _SAME_SITE.match(re.sub(r"[\t\n\r]", "", unescape(href))):
        attrs[(None, "rel")] = _USER_LINK_REL
    return attrs


def _sanitize(html: str) -> str:
    # A Cleaner holds parser state, so each call gets its own.
    cleaner = bleach.Cleaner(
        tags=_TAGS,
        attributes=_allowed_attribute,
        protocols=_PROTOCOLS,
        # Disallowed tags are shown as text: "<mask> token" in prose reads as the author wrote it.
        strip=False,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_mark_user_link],
                # span and div hold math, whose text is never a link.
                skip_tags={"pre", "code", "span", "div"},
                url_re=_BARE_URL,
            )
        ],
    )
    return cleaner.clean(html)
