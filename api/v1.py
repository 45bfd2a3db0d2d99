"""The public, read-only API at /api/v1/ (django-ninja): papers, summaries, contributors and the arXiv lookup.

GET only; CORS, ETag and the per-address rate limit are added by api.middleware for every answer.
"""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from ninja import NinjaAPI, Query
from ninja.errors import HttpError

from api import cursors, representations, selectors
from api.schemas import ArxivLookup, PaperOut, Problem, SummaryOut, SummaryPage, UserOut, UserPage

api = NinjaAPI(
    title="ShortScience API",
    version="1",
    description=(
        "Read-only access to papers and their public summaries. No key needed; every answer allows any origin "
        "(CORS), carries an ETag (send If-None-Match for a 304), and counts against a per-address hourly limit "
        "(HTTP 429 with Retry-After beyond it). Lists are paged with opaque cursors: pass `cursor` = the "
        "previous page's `next_cursor`. Summaries are published under the licence each one names."
    ),
    urls_namespace="api-v1",
)


@api.exception_handler(cursors.InvalidCursor)
def invalid_cursor(request, error):
    return api.create_response(request, {"detail": str(error)}, status=400)


def _listing(request, page: tuple[list, str | None], represent) -> dict:
    """One page of a list: its items, the cursor of the next page, and the next page's address."""
    items, next_cursor = page
    next_url = None
    if next_cursor is not None:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = representations.site_url(f"{request.path}?{query.urlencode()}")
    return {"items": [represent(item) for item in items], "next_cursor": next_cursor, "next": next_url}


def _paper_or_404(identifier: str):
    paper = selectors.paper_by_identifier(identifier)
    if paper is None:
        raise HttpError(404, "No paper here has this identifier (the API never fetches new papers: open its page once).")
    return paper


@api.get("/papers/{path:identifier}", response={200: PaperOut, 404: Problem}, summary="A paper by any identifier")
def paper_detail(request, identifier: str):
    """A paper by its arXiv id (any version, old or new style, abs/pdf URL), DOI (bare, doi: or doi.org URL) or
    BibTeX key, with all its identifiers and its public summaries, best first."""
    paper = _paper_or_404(identifier)
    return representations.paper_dict(paper, selectors.summaries_of_paper(paper))


@api.get("/summaries/", response={200: SummaryPage, 400: Problem, 404: Problem}, summary="Public summaries")
def summary_list(
    request,
    paper: str = Query("", description="Only this paper's, by any identifier."),
    author: str = Query("", description="Only those signed by this username (anonymous ones never are)."),
    since: datetime | None = Query(None, description="Only those written at or after this time (ISO 8601)."),
    order: Literal["recent", "top", "popular"] = Query("recent", description="The feed's orderings."),
    cursor: str = Query("", description="`next_cursor` of the previous page."),
):
    rows = selectors.summary_list(order=order, paper=_paper_or_404(paper) if paper else None, author=author, since=since)
    page = cursors.page(rows, kind=f"summaries:{order}", cursor=cursor, size=settings.API_PAGE_SIZE, keyset=selectors.KEYSETS.get(order))
    return _listing(request, page, representations.summary_dict)


@api.get("/summaries/{int:summary_id}", response={200: SummaryOut, 404: Problem}, summary="One public summary")
def summary_detail(request, summary_id: int):
    summary = selectors.public_summaries().filter(pk=summary_id).first()
    if summary is None:
        raise HttpError(404, "No public summary has this id.")
    return representations.summary_dict(summary)


@api.get("/users/", response={200: UserPage, 400: Problem}, summary="Contributors, by total score")
def user_list(request, cursor: str = Query("", description="`next_cursor` of the previous page.")):
    page = cursors.page(selectors.contributors(), kind="users", cursor=cursor, size=settings.API_PAGE_SIZE)
    return _listing(request, page, representations.user_dict)


@api.get("/users/{username}", response={200: UserOut, 404: Problem}, summary="A contributor")
def user_detail(request, username: str):
    """A member who has signed at least one public summary; their summaries are `/summaries/?author=`."""
    user = selectors.contributor(username)
    if user is None:
        raise HttpError(404, "No contributor has this username.")
    return representations.user_dict(user)


@api.get("/arxiv/{path:arxiv_id}", response={200: ArxivLookup, 400: Problem}, summary="Summaries of an arXiv paper")
def arxiv_lookup(request, arxiv_id: str):
    """For arXiv abstract pages and browser extensions: how many public summaries an arXiv paper has here and
    where they are; a paper we don't have answers 0, with where to write the first."""
    canonical = selectors.arxiv_id_of(arxiv_id)
    if canonical is None:
        raise HttpError(400, "This is not an arXiv identifier, such as 1706.03762 or hep-th/9901001.")
    paper, summaries = selectors.arxiv_summaries(canonical)
    write_url = representations.site_url(f"{reverse('summaries:create')}?{urlencode({'paper': canonical})}")
    return {
        "arxiv_id": canonical,
        "found": paper is not None,
        "paper_url": representations.site_url(paper.get_absolute_url()) if paper else None,
        "summary_count": len(summaries),
        "summaries": [
            {"url": representations.site_url(summary.get_absolute_url()), "author": summary.byline, "score": summary.score,
             "created_at": summary.created_at}
            for summary in summaries
        ],
        "write_url": write_url,
    }  # fmt: skip
