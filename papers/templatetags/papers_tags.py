"""Template filters for showing paper metadata compactly, and for the metadata reference managers read."""

from django import template
from papers import typesetting

from papers import metadata

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


@register.filter
def citation_tags(paper) -> list[tuple[str, str]]:
    return metadata.citation_tags(paper)


@register.filter
def coins_context(paper) -> str:
    return metadata.coins_context(paper)


@register.simple_tag(takes_context=True)
def paper_json_ld(context, paper):
    """The paper's ScholarlyArticle as a JSON-LD data block, its url absolute on the host asked for."""
    request = context.get("request")
    url = request.build_absolute_uri(paper.get_absolute_url()) if request is not None else paper.get_absolute_url()
    return metadata.json_ld_script(metadata.scholarly_article(paper, url=url))
