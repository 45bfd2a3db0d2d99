"""Tracking parameters (utm_*, click ids: settings.PAGE_CACHE_IGNORED_QUERY) in the links a page holds.

Cached pages leave them out of their key (shortscience.page_cache), so a page's links must leave them out too,
or the first reader's would reach every reader served the same page.
"""

from django.conf import settings
from django.http import QueryDict


def query_without_tracking(query: QueryDict) -> QueryDict:
    kept = query.copy()
    for name in settings.PAGE_CACHE_IGNORED_QUERY:
        kept.pop(name, None)
    return kept


def address_without_tracking(address: str) -> str:
    """A path with its query (request.get_full_path()) without tracking parameters."""
    path, _, query = address.partition("?")
    if not query:
        return address
    kept = query_without_tracking(QueryDict(query)).urlencode()
    return f"{path}?{kept}" if kept else path
