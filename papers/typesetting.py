"""Titles and abstracts with their math typeset, stored on the paper and refreshed when their text changes.

Titles and abstracts hold raw TeX as authors typed it. A page that shows papers calls `typeset_papers`
first: papers whose stored rendering is missing or was made from other text (or by another KaTeX
setup) are typeset and written back in one UPDATE, so a page costs at most one more query however many
papers it shows, and a paper is typeset once, not on every request. Importers need not know of it.
"""

import hashlib
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.models import Paper
from summaries import katex
from summaries.rendering import RENDERER_VERSION


def _key(paper: Paper) -> str:
    source = f"{RENDERER_VERSION}\x00{paper.title}\x00{paper.abstract}".encode()
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def typeset_papers(items: Iterable) -> None:
    """Make sure each paper (or each item's `.paper`) has its title and abstract typeset and stored."""
    items = (item if isinstance(item, Paper) else getattr(item, "paper", None) for item in items)
    papers = {id(paper): paper for paper in items if isinstance(paper, Paper)}
    stale = [paper for paper in papers.values() if paper.pk and paper.typeset_key != _key(paper)]
    for paper in stale:
        paper.title_typeset = katex.typeset_text(paper.title)
        paper.abstract_typeset = katex.typeset_text(paper.abstract)
        paper.typeset_key = _key(paper)
    if stale:
        Paper.objects.bulk_update(stale, ["title_typeset", "abstract_typeset", "typeset_key"])


def title_html(paper: Paper) -> SafeString:
    """The typeset title when it is current, else the title as plain text (never typeset here)."""
    return mark_safe(paper.title_typeset) if paper.typeset_key == _key(paper) else escape(paper.title)


def abstract_html(paper: Paper) -> SafeString:
    if paper.typeset_key == _key(paper):
        return mark_safe(paper.abstract_typeset)
    return mark_safe(escape(paper.abstract).replace("\n", "<br>"))
