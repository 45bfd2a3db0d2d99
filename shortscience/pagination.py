"""Pages of a list for every paginated page: a page past the last, or not a number, is a 404, not another page."""

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404


def page_or_404(request, items, *, per_page: int | None = None) -> Page:
    """Page ?page=N of `items` (page 1 without it; an empty list has an empty page 1)."""
    try:
        return Paginator(items, per_page or settings.FEED_PAGE_SIZE).page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.")
