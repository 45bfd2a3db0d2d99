"""Template filters for showing paper metadata compactly."""

from django import template
from papers import typesetting

register = template.Library()


@register.filter
def author_list(authors, limit: int = 4) -> str:
    """"A, B and C", or "A, B, C, D et al." once there are more than `limit` names."""
    authors = list(authors or [])
    if len(authors) > limit:
        return ", ".join(authors[:limit]) + " et al."
    if len(authors) > 1:
        return ", ".join(authors[:-1]) + " and " + authors[-1]
    return authors[0] if authors else ""


@register.filter
def typeset_title(paper) -> str:
    """The paper's title with its math typeset (stored by papers.typesetting.typeset_papers)."""
    return typesetting.title_html(paper)


@register.filter
def typeset_abstract(paper) -> str:
    return typesetting.abstract_html(paper)
