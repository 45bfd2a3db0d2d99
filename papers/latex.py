"""Turn the LaTeX that BibTeX fields are written in into plain Unicode text, keeping math for the renderer."""

import re

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, SpecialsTextSpec, get_default_latex_context_db


def _converter() -> LatexNodes2Text:
    context = get_default_latex_context_db()
    # A bare "&" in a title means "and" (R&D), not a table column separator.
    context.add_context_category(
        "bibtex-text",
        specials=[SpecialsTextSpec("&", "&")],
        # "\$5" stays escaped: a bare "$" would open a formula when the page typesets the title.
        macros=[MacroTextSpec("$", simplify_repl=r"\$")],
        prepend=True,
    )
    return LatexNodes2Text(
        latex_context=context,
        # $\alpha$, $O(n \log n)$ and \(...\) stay exactly as written, for the math renderer.
        math_mode="verbatim",
        # A bare "%" in a title ("a 100% gain") is a percent sign, not the start of a comment.
        keep_comments=True,
    )


_CONVERTER = _converter()
_WHITESPACE = re.compile(r"\s+")  # also the non-breaking space that "~" becomes


def latex_to_text(latex: str) -> str:
    """One line of Unicode text from BibTeX's LaTeX: {\\"o} -> ö, -- -> –, {BERT} -> BERT, math kept.

    Newlines and runs of spaces collapse to one space, as BibTeX itself does.
    """
    if not latex:
        return ""
    return _WHITESPACE.sub(" ", _CONVERTER.latex_to_text(latex)).strip()
