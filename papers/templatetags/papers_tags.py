"""Template filters for showing paper metadata compactly."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from papers import typesetting

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
        format_html('<a class="author" href="{}">{}</a>', reverse("papers:author", kwargs={"name": name}), name)
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
