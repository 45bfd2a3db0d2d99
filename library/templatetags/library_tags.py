"""The library panel on a paper's page (one query for a signed-in viewer, none for a visitor) and export links."""

from django import template
from django.http import QueryDict
from django.urls import reverse

from library import selectors
from shortscience import tracking_params

register = template.Library()


@register.inclusion_tag("library/_paper_panel.html", takes_context=True)
def paper_library_panel(context, paper):
    user = context.get("user")
    return {"user": user, "request": context.get("request"), "paper": paper, "entry": selectors.saved_entry(reader=user, paper=paper)}


@register.inclusion_tag("includes/_export_links.html", takes_context=True)
def export_links(context, url_name: str, *args, **extra_query):
    """BibTeX and RIS links for the list this page shows: `url_name` with `args`, this page's query (its ?page=,
    ?q=, ?tag=...) and `extra_query`, e.g. {% export_links "library:export_venue" venue=venue %}."""
    request = context.get("request")
    # Without tracking parameters: a profile's page is cached, and one reader's utm_* must not reach the next.
    query = tracking_params.query_without_tracking(request.GET) if request is not None else QueryDict(mutable=True)
    for name, value in extra_query.items():
        query[name] = value
    suffix = f"?{query.urlencode()}" if query else ""
    return {fmt: reverse(url_name, args=[*args, fmt]) + suffix for fmt in ("bib", "ris")}
