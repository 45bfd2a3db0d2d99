"""Typeset TeX on the server with the vendored KaTeX, run in an embedded QuickJS engine, so pages carry finished math.

Why QuickJS (the `quickjs-ng` wheel) and not V8 (`mini-racer`) or Node: bench/README.md has the figures.
In short, it runs in the calling thread with no helper threads (so it survives gunicorn's and Celery's
forks), costs ~4 MiB a process against ~75 MiB for V8, and its time and memory limits end a runaway
formula with an exception instead of a hung worker.
"""

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from functools import cache
from html import escape, unescape

import _quickjs
from django.conf import settings

# Budgets per formula: past any of them the formula is shown as its source (see _source_span).
MAX_TEX_LENGTH = 4000  # characters
MAX_NESTING = 50  # groups inside groups: \sqrt{\sqrt{...}}, x^{x^{...}}, \hat{\hat{...}}
TIME_LIMIT_SECONDS = 0.5
MEMORY_LIMIT_BYTES = 64 * 1024 * 1024
MAX_HTML_LENGTH = 200_000  # characters of KaTeX's output
# QuickJS's default 1 MiB of stack ends KaTeX at ~40 nested \sqrt; 2 MiB reaches MAX_NESTING, and any
# thread's stack (8 MiB for Python's threads on Linux) holds it.
STACK_BYTES = 2 * 1024 * 1024

_KATEX_DIR = settings.BASE_DIR / "static" / "vendor" / "katex"

# trust off: \href, \url, \htmlData, \htmlClass, \includegraphics... render as inert red text.
# maxSize caps every size an author writes (\rule{500em}{500em}, \kern500em) to 10 em.
_KATEX_OPTIONS = {
    "output": "htmlAndMathml",
    "throwOnError": True,
    "trust": False,
    "strict": "ignore",
    "maxSize": 10,
    "maxExpand": 500,
}
_OPTIONS_JSON = json.dumps(_KATEX_OPTIONS)

# The result goes back as JSON: quickjs-ng hands a concatenated ("rope") string to Python as an error.
_TYPESET_JS = """
function nesting(node) {
  if (!node || typeof node !== "object") return 0;
  var deepest = 0;
  for (var key in node) {
    if (key === "loc") continue;
    var depth = nesting(node[key]);
    if (depth > deepest) deepest = depth;
  }
  // An ordgroup is the braces themselves; arrays are lists of siblings. Neither nests anything.
  return deepest + (Array.isArray(node) || node.type === "ordgroup" ? 0 : 1);
}
function typeset(tex, displayMode, maxNesting, optionsJson) {
  var options = JSON.parse(optionsJson);
  options.displayMode = displayMode;
  try {
    if (maxNesting && nesting(katex.__parse(tex, options)) > maxNesting + 1) {
      return JSON.stringify({error: "nested more than " + maxNesting + " levels deep"});
    }
    return JSON.stringify({html: katex.renderToString(tex, options)});
  } catch (error) {
    return JSON.stringify({error: String(error && error.message || error)});
  }
}
"""


class _Engine(threading.local):
    """One QuickJS context per thread and process: a context must stay on the thread that made it,
    and one made before a fork belongs to the parent. Made on first use, so importing is free."""

    pid = None
    typeset = None

    def function(self):
        if self.pid != os.getpid() or self.typeset is None:
            context = _quickjs.Context()
            context.eval((_KATEX_DIR / "katex.min.js").read_text())
            context.eval(_TYPESET_JS)
            context.set_memory_limit(MEMORY_LIMIT_BYTES)
            context.set_max_stack_size(STACK_BYTES)
            context.set_time_limit(TIME_LIMIT_SECONDS)
            self.typeset, self.pid = context.get("typeset"), os.getpid()
        return self.typeset

    def discard(self) -> None:
        # After an interrupt or running out of memory a QuickJS context is not safe to reuse.
        self.typeset = None


_engine = _Engine()


def typeset(tex: str, *, display: bool) -> str:
    """KaTeX's HTML and MathML for one formula, sanitized; or its source in a marked span when it
    cannot be typeset (a TeX error, or over one of the budgets above). Never raises for any input."""
    # A lone surrogate (JSON's "\ud800") can't cross into the engine as UTF-8.
    tex = tex.encode("utf-8", "replace").decode("utf-8")
    if len(tex) > MAX_TEX_LENGTH:
        return _source_span(tex, display, f"longer than {MAX_TEX_LENGTH} characters")
    brace_depth = _brace_depth(tex)
    if brace_depth > MAX_NESTING:
        return _source_span(tex, display, f"nested more than {MAX_NESTING} levels deep")
    # Each level of nesting takes a brace or a command (plus a sub/superscript at the bottom), so a formula
    # with fewer of both than the cap can't exceed it: the engine then skips parsing twice (a third of its time).
    max_nesting = MAX_NESTING if brace_depth + tex.count("\\") + 2 > MAX_NESTING else 0
    try:
        result = json.loads(_engine.function()(tex, display, max_nesting, _OPTIONS_JSON))
    except _quickjs.JSException as error:  # out of time or memory: not a JS exception KaTeX could catch
        _engine.discard()
        return _source_span(tex, display, str(error).split("\n")[0])
    if "error" in result:
        return _source_span(tex, display, result["error"])
    if len(result["html"]) > MAX_HTML_LENGTH:
        return _source_span(tex, display, "too large once typeset")
    try:
        return _sanitize_katex(result["html"])
    except _UnsafeOutput as error:
        return _source_span(tex, display, f"KaTeX wrote markup outside the allowlist: {error}")


def _brace_depth(tex: str) -> int:
    """How deep braces nest, ignoring escaped ones: a cheap refusal before the engine parses anything."""
    depth = deepest = 0
    for match in _BRACE.finditer(tex):
        if match.group() == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif match.group() == "}":
            depth = max(depth - 1, 0)
    return deepest


_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)


def _source_span(tex: str, display: bool, reason: str) -> str:
    delimited = f"\\[{tex}\\]" if display else f"\\({tex}\\)"
    return f'<span class="math-error" title="{escape(reason[:300])}">{escape(delimited)}</span>'


# ---- Typesetting the formulas of stored HTML ----------------------------------------------------

# A formula as the Markdown renderer leaves it in sanitized HTML: its TeX, HTML-escaped, between \( \)
# or \[ \]. Sanitized HTML writes every "<" of text as "&lt;", so "[^<]" keeps a match inside one element.
_DELIMITED_FORMULA = re.compile(r'<(span|div) class="arithmatex">\\([(\[])([^<]*?)\\[)\]]</\1>')


def typeset_formulas(html: str, *, deadline: float | None = None) -> str:
    """Sanitized HTML with each delimited formula replaced by KaTeX's output, in the same element.
    A formula written twice is typeset once. Past `deadline` (time.monotonic()), formulas are shown as
    their source: thousands of distinct formulas must not hold a worker (rendering's time budget)."""
    typeset_once: dict[tuple[str, bool], str] = {}

    def replace(match: re.Match) -> str:
        key = (unescape(match.group(3)), match.group(2) == "[")
        if key not in typeset_once:
            if deadline is not None and time.monotonic() > deadline:
                typeset_once[key] = _source_span(key[0], key[1], "past the time for typesetting this text")
            else:
                typeset_once[key] = typeset(key[0], display=key[1])
        return f'<{match.group(1)} class="arithmatex">{typeset_once[key]}</{match.group(1)}>'

    return _DELIMITED_FORMULA.sub(replace, html)


# $$...$$ and \[...\] display, $...$ and \(...\) inline, \$ a dollar sign: how titles and abstracts
# (raw TeX, as authors typed it) delimit math, the same rules as summaries.
_RAW_TEX = re.compile(r"\\\$|\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$((?:\\.|[^$\\])+?)\$", re.DOTALL)


def typeset_text(text: str) -> str:
    """Escaped plain text (a title, an abstract) with its formulas typeset; line breaks kept as <br>."""
    parts, last = [], 0
    for match in _RAW_TEX.finditer(text):
        parts.append(_escaped_lines(text[last : match.start()]))
        if match.group() == "\\$":
            parts.append("$")
        else:
            display = match.group(1) is not None or match.group(2) is not None
            tex = next(group for group in match.groups() if group is not None)
            parts.append(f'<span class="arithmatex">{typeset(tex, display=display)}</span>')
        last = match.end()
    parts.append(_escaped_lines(text[last:]))
    return "".join(parts)


def has_math(text: str) -> bool:
    return any(match.group() != "\\$" for match in _RAW_TEX.finditer(text))


def _escaped_lines(text: str) -> str:
    return escape(text).replace("\n", "<br>")


# ---- Feeds and emails: MathML alone ------------------------------------------------------------

_TAG = re.compile(r"<(/?)span\b[^>]*>")
_KATEX_HTML = '<span class="katex-html" aria-hidden="true">'


def mathml_only(html: str) -> str:
    """The HTML with KaTeX's visual markup taken out, leaving its MathML: feed readers and mail
    programs have no KaTeX CSS, and without it that markup shows every formula twice, garbled."""
    parts, position = [], 0
    while (start := html.find(_KATEX_HTML, position)) != -1:
        parts.append(html[position:start])
        position = _span_end(html, start)
    parts.append(html[position:])
    return "".join(parts)


def _span_end(html: str, start: int) -> int:
    """Where the span opening at `start` closes (KaTeX's own output: spans balanced, no span in SVG)."""
    depth = 0
    for tag in _TAG.finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return len(html)


def formula_spans(html: str) -> list[tuple[int, int]]:
    """(start, end) of each typeset formula's element in stored HTML, outermost only."""
    return list(iter_formula_spans(html))


def iter_formula_spans(html: str) -> Iterator[tuple[int, int]]:
    """formula_spans, found one at a time: a reader of the first few can stop without scanning the rest."""
    position = 0
    for match in _FORMULA_START.finditer(html):
        if match.start() < position:
            continue
        position = _element_end(html, match.start(), match.group(1))
        yield match.start(), position


_FORMULA_START = re.compile(r'<(span|div) class="arithmatex">')


def _element_end(html: str, start: int, name: str) -> int:
    depth = 0
    for tag in re.compile(rf"<(/?){name}\b[^>]*>").finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return len(html)


# ---- Sanitizing KaTeX's output: exactly what it emits, nothing that runs or loads ----------------

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "mtext", "ms", "mspace", "mstyle",
    "mpadded", "mphantom", "menclose", "mfrac", "msqrt", "mroot", "msub", "msup", "msubsup", "munder",
    "mover", "munderover", "mtable", "mtr", "mtd", "mlabeledtr",
}  # fmt: skip
_SVG_TAGS = {"svg", "path", "line"}
_KATEX_ATTRIBUTES = {
    "span": {"class", "style", "aria-hidden", "title"},
    "math": {"xmlns", "display"},
    "annotation": {"encoding"},
    "mi": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mo": {"fence", "stretchy", "lspace", "rspace", "separator", "mathvariant", "minsize", "maxsize", "movablelimits"},
    "mstyle": {"displaystyle", "scriptlevel", "mathcolor", "mathsize", "style"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset", "mathbackground", "style"},
    "mspace": {"width", "height", "mathbackground"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "menclose": {"notation"},
    "mfrac": {"linethickness"},
    "mtable": {"columnalign", "rowspacing", "columnspacing", "columnlines", "rowlines", "width", "frame"},
    "mtd": {"width", "columnalign"},
    "svg": {"xmlns", "width", "height", "viewbox", "preserveaspectratio", "style"},
    "path": {"d"},
    "line": {"x1", "y1", "x2", "y2", "stroke-width"},
}
_KATEX_STYLE_PROPERTIES = frozenset({
    "background-color", "border", "border-bottom-width", "border-color", "border-right-style",
    "border-right-width", "border-style", "border-top-width", "border-width", "bottom", "color", "height",
    "left", "margin", "margin-left", "margin-right", "min-width", "padding-left", "position", "text-shadow",
    "top", "vertical-align", "width",
})  # fmt: skip
# Values KaTeX writes: lengths, numbers, colours, keywords. Nothing here can name a URL or a script.
_SAFE_STYLE_VALUE = re.compile(r"[-#%.,()\w ]*")
_UNSAFE_IN_STYLE = re.compile(r"url|expression|image|fixed|sticky|var\(|attr\(|@", re.IGNORECASE)


# Classes KaTeX writes that its stylesheet doesn't style (atom kinds, font names), found by typesetting
# a broad sample of formulas (bench/katex_samples.txt) and subtracting the stylesheet's classes.
_KATEX_UNSTYLED_CLASSES = frozenset({
    "accentunder", "cjk_fallback", "colorbox", "delimsizinginner", "katex-error", "mbin", "mclose", "minner",
    "mop", "mopen", "mord", "mpunct", "mrel", "mtight", "nobreak", "text", "textmd", "textup",
})  # fmt: skip


@cache
def katex_classes() -> frozenset[str]:
    """Every class KaTeX writes: those its vendored stylesheet styles, and the few it doesn't."""
    css = (_KATEX_DIR / "katex.min.css").read_text()
    return frozenset(re.findall(r"\.(-?[A-Za-z_][\w-]*)", re.sub(r"url\([^)]*\)", "", css))) | _KATEX_UNSTYLED_CLASSES


def _allowed_katex_attribute(tag: str, name: str, value: str) -> bool:
    name = name.lower()  # SVG's viewBox and preserveAspectRatio arrive in their own case
    if name not in _KATEX_ATTRIBUTES.get(tag, ()):
        return False
    if name == "class":
        return all(cls in katex_classes() for cls in value.split())
    if name == "style":
        return all(_allowed_declaration(declaration) for declaration in value.split(";") if declaration.strip())
    return True


def _allowed_declaration(declaration: str) -> bool:
    name, _, value = declaration.partition(":")
    return (
        name.strip().lower() in _KATEX_STYLE_PROPERTIES
        and bool(_SAFE_STYLE_VALUE.fullmatch(value))
        and not _UNSAFE_IN_STYLE.search(value)
    )


# KaTeX writes well-formed markup: tags with double-quoted attributes, and text with "<" escaped.
_KATEX_TOKEN = re.compile(r'<(/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<]*")*)\s*(/?)>|[^<]+')
_ATTRIBUTE = re.compile(r'([a-zA-Z][a-zA-Z0-9:-]*)="([^"<]*)"')


def _sanitize_katex(html: str) -> str:
    """KaTeX's output if every tag, attribute, class and style in it is on the allowlist above and its
    elements are balanced; else the formula's source (via UnsafeOutput). All or nothing: KaTeX with
    trust off emits nothing else, so a refusal means a KaTeX we have not checked, never a half-formula.
    A strict validator rather than bleach: html5lib took ~12 ms a formula, five times KaTeX's own time."""
    open_tags: list[str] = []
    position = 0
    for token in _KATEX_TOKEN.finditer(html):
        if token.start() != position:
            raise _UnsafeOutput("not KaTeX's markup")
        position = token.end()
        closing, tag, attributes, self_closing = token.groups()
        if tag is None:
            continue
        tag = tag.lower()
        if tag not in _KATEX_TAGS:
            raise _UnsafeOutput(f"<{tag}>")
        if closing:
            if not open_tags or open_tags.pop() != tag:
                raise _UnsafeOutput(f"unbalanced </{tag}>")
            continue
        for name, value in _ATTRIBUTE.findall(attributes):
            if not _allowed_katex_attribute(tag, name, unescape(value)):
                raise _UnsafeOutput(f"{tag} {name}={value[:40]}")
        # "<line ... />" closes itself only inside <svg> and <math> (foreign content), never a span.
        if self_closing and tag == "span":
            raise _UnsafeOutput("<span/>")
        if not self_closing:
            open_tags.append(tag)
    if position != len(html) or open_tags:
        raise _UnsafeOutput("unbalanced")
    return html


class _UnsafeOutput(ValueError):
    pass


_KATEX_TAGS = {"span"} | _MATHML_TAGS | _SVG_TAGS
