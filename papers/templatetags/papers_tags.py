"""Template filters for showing paper metadata compactly, and for the metadata reference managers read."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from papers import typesetting

from papers import metadata
from shortscience.url_templates import url_for

register = template.Library()


def _joined(names: list[str], limit: int) -> str:
    """"A, B and C", or "A, B, C, D et al." once there are more than `limit` names."""
    if len(names) > limit:
        return ", ".join(names[:limit]) + " et al."
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


@register.filter
def author_names(authors, limit: int = 4) -> str:
    """The paper's authors as plain text, shortened past `limit`: "A, B and C", "A, B, C, D et al."."""
    return _joined(list(authors or [])[: limit + 1], limit)


@register.filter
def author_links(authors, limit: int = 4) -> SafeString:
    """The paper's authors, shortened past `limit`, each name (escaped) linking to its author page."""
    links = [
        format_html('<a class="author" href="{}">{}</a>', url_for("papers:author", name=name), name)
        for name in list(authors or [])[: limit + 1]  # one past the limit is enough to say "et al."
    ]
    return mark_safe(_joined(links, limit))


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
