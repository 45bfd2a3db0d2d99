"""Template filters for showing paper metadata compactly."""

from django import template

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
