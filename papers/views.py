"""Paper pages: thin views over papers.services and summaries.selectors."""

import functools
import re

from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from papers import bibtex, browse, ris, search, typesetting
from papers.categories import category_name
from papers.identifiers import is_arxiv_category
from papers.models import Paper
from papers.templatetags.papers_tags import author_names
from papers.services import PaperNotFound, paper_lookup
from shortscience import page_cache
from shortscience.page_cache import cached_page
from shortscience.pagination import page_or_404
from summaries import card_fragments, limits, selectors


def posted_paper_or_404(request) -> Paper:
    """The paper a form's `paper` field (its primary key) names, for buttons that act on a paper."""
    paper_id = request.POST.get("paper", "")
    if not paper_id.isdigit():
        raise Http404("Which paper?")
    return get_object_or_404(Paper, pk=int(paper_id))


def _not_found(request, identifier: str, error: PaperNotFound):
    """404 for a paper that doesn't exist; 503 when the service that would know was down, slow or busy."""
    context = {"identifier": identifier, "reason": str(error), "temporary": error.temporary}
    return render(request, "papers/paper_not_found.html", context, status=503 if error.temporary else 404)


def _paper_or_refusal(request, text: str):
    """(the paper `text` names, None), or (None, the page saying why there is none: 404, 503 or 429)."""
    try:
        return paper_lookup(text, before_fetch=limits.fetch_guard(request)), None
    except PaperNotFound as error:
        return None, _not_found(request, text, error)
    except limits.RateLimited as limited:
        return None, limits.rate_limited_page(request, limited)


def _canonical_paper_or_response(request, identifier: str, viewname: str):
    """(the paper, None) when `identifier` is its canonical spelling; else (None, the 404/503/429 page, or a
    permanent redirect to the same view under the canonical identifier)."""
    paper, refusal = _paper_or_refusal(request, identifier)
    if refusal:
        return None, refusal
    if identifier != paper.identifier:
        return None, redirect(reverse(viewname, kwargs={"identifier": paper.identifier}), permanent=True)
    return paper, None


@cached_page
def paper_detail(request, identifier: str):
    paper, response = _canonical_paper_or_response(request, identifier, "papers:detail")
    if response:
        return response
    # Logged-in readers share the page but for its reader parts (papers.paper_panels): it is rendered as a visitor's.
    return page_cache.shared_by_readers(request, functools.partial(_paper_page, request, paper))


def _paper_page(request, paper: Paper):
    # One more than is shown, to know whether "see all" has more to show.
    citing = list(selectors.summaries_citing(paper=paper, viewer=request.user)[: selectors.CITING_ON_PAPER_PAGE + 1])
    summaries = list(selectors.summaries_for_paper(paper=paper, viewer=request.user))
    context = {
        "paper": paper,
        "summaries": summaries,
        "has_public_summary": any(summary.is_public for summary in summaries),
        "citing_summaries": citing[: selectors.CITING_ON_PAPER_PAGE],
        "more_citing_summaries": len(citing) > selectors.CITING_ON_PAPER_PAGE,
        "similar_papers": list(search.similar_papers(paper=paper)),
    }
    typesetting.typeset_papers([paper, *context["similar_papers"]])
    card_fragments.prepare(context["summaries"], card_fragments.Variant(full=True, hide_paper=True))
    card_fragments.prepare(context["citing_summaries"])
    return render(request, "papers/paper_detail.html", context)


def paper_cited_by(request, identifier: str):
    """Every summary of another paper that cites this one, as excerpts, best first, paginated."""
    paper, response = _canonical_paper_or_response(request, identifier, "papers:cited_by")
    if response:
        return response
    page = page_or_404(request, selectors.summaries_citing(paper=paper, viewer=request.user))
    typesetting.typeset_papers([paper])
    card_fragments.prepare(page)
    return render(request, "papers/cited_by.html", {"paper": paper, "page": page})


def paper_legacy_redirect(request):
    """The original ShortScience addressed papers as /paper?bibtexKey=KEY."""
    paper, refusal = _paper_or_refusal(request, request.GET.get("bibtexKey", ""))
    return refusal or redirect(paper, permanent=True)


def paper_lookup_view(request):
    """The header's lookup box: any identifier or URL goes straight to its paper page."""
    query = request.GET.get("q", "").strip()
    if not query:
        return redirect("summaries:feed")
    paper, refusal = _paper_or_refusal(request, query)
    return refusal or redirect(paper)


def paper_suggest(request):
    """JSON for "which paper?" boxes as one types: {"papers": [{"identifier", "title", "authors", "year", "url"}]}."""
    papers = search.paper_suggestions(text=request.GET.get("q", ""))
    suggestions = [
        {
            "identifier": paper.identifier,
            "title": paper.title,
            "authors": author_names(paper.authors),
            "year": paper.year,
            "url": paper.get_absolute_url(),
        }
        for paper in papers
    ]
    response = JsonResponse({"papers": suggestions})
    response["Cache-Control"] = "private, max-age=60"
    return response


def paper_bibtex(request, identifier: str):
    """The paper's BibTeX entry as plain text, at /paper/<identifier>/bibtex under any identifier."""
    paper, response = _canonical_paper_or_response(request, identifier, "papers:bibtex")
    if response:
        return response
    response = HttpResponse(bibtex.paper_bibtex(paper), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{bibtex.ascii_letters(bibtex.citation_key(paper)) or "paper"}.bib"'
    return response


def paper_bibtex_slash(request, identifier: str):
    return redirect(reverse("papers:bibtex", kwargs={"identifier": identifier}), permanent=True)


def _page_or_404(page_of, **kwargs):
    """The page a paginated search or browse asks for; past the last page (or not a number) is a 404."""
    try:
        return page_of(**kwargs)
    except InvalidPage:
        raise Http404("No such page.")


def search_page(request):
    """/search/?q=: an identifier goes straight to its paper; words search papers and summaries."""
    query = search.clean_query(request.GET.get("q", ""))
    paper = search.paper_for_identifier(query) if query else None
    if paper is not None:
        return redirect(paper)
    if search.names_an_identifier(query):
        # An arXiv id or DOI we don't have yet: the lookup may fetch it from arXiv or Crossref.
        return redirect(f"{reverse('papers:lookup')}?{urlencode({'q': query})}")
    results = _page_or_404(
        search.search_results, query=query, kind=request.GET.get("in", "papers"), page_number=request.GET.get("page")
    )
    typesetting.typeset_papers(results.page)
    return render(request, "papers/search.html", {"results": results, "query": query})


def _year(request) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None


def category_detail(request, category: str):
    # A well-formed category with no paper yet is a page (it can be followed); anything else isn't.
    if not is_arxiv_category(category):
        raise Http404("No such arXiv category.")
    page = _page_or_404(search.category_page, category=category, page_number=request.GET.get("page"))
    typesetting.typeset_papers(page)
    context = {"category": category, "category_name": category_name(category), "page": page}
    return render(request, "papers/category.html", context)


def category_list(request):
    return render(request, "papers/categories.html", {"groups": browse.category_index()})


VENUES_PER_PAGE = 100


def venue_list(request):
    page = page_or_404(request, browse.venue_index(), per_page=VENUES_PER_PAGE)
    return render(request, "papers/venues.html", {"page": page})


_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
AUTHOR_NAME_MAX_LENGTH = 300


def venue_detail(request, venue: str):
    if _CONTROL_CHARACTER.search(venue):
        raise Http404("No such venue.")
    year = _year(request)
    page = _page_or_404(search.venue_page, venue=venue, year=year, page_number=request.GET.get("page"))
    years = search.venue_years(venue)
    # A venue exists only through its papers.
    if not years and not page.object_list:
        raise Http404("No such venue.")
    typesetting.typeset_papers(page)
    context = {"venue": venue, "year": year, "years": years, "page": page}
    return render(request, "papers/venue.html", context)


# The summaries of an author's papers shown on their page (the papers themselves are paginated).
AUTHOR_SUMMARIES_SHOWN = 10


def author_detail(request, name: str):
    if _CONTROL_CHARACTER.search(name) or len(name) > AUTHOR_NAME_MAX_LENGTH:
        raise Http404("No such author.")
    papers = browse.papers_by_author(name)
    page = _page_or_404(search.browse_page, papers=papers, page_number=request.GET.get("page"))
    # An author exists only through their papers.
    if not page.object_list:
        raise Http404("No paper here has this author.")
    summaries = list(selectors.summaries_of_papers(papers=papers, viewer=request.user)[:AUTHOR_SUMMARIES_SHOWN])
    typesetting.typeset_papers(page)
    card_fragments.prepare(summaries, card_fragments.Variant(title_tag="h3"))
    return render(request, "papers/author.html", {"name": name, "page": page, "summaries": summaries})


UNAPI_FORMATS = {
    "bibtex": ("application/x-bibtex", bibtex.paper_bibtex),
    "ris": ("application/x-research-info-systems", ris.paper_ris),
}


def unapi(request):
    """unAPI (unapi.info): the formats we offer, for every paper or for `id`, and a paper in one of them.

    Ids are the identifiers of papers we have (each list item's abbr.unapi-id); nothing is fetched.
    """
    identifier, fmt = request.GET.get("id", ""), request.GET.get("format", "")
    paper = search.paper_for_identifier(search.clean_query(identifier)) if identifier else None
    if identifier and paper is None:
        return HttpResponse("No paper has this identifier here.", status=404, content_type="text/plain; charset=utf-8")
    if paper is not None and fmt:
        if fmt not in UNAPI_FORMATS:
            return HttpResponse("Formats: bibtex, ris.", status=406, content_type="text/plain; charset=utf-8")
        content_type, write = UNAPI_FORMATS[fmt]
        return HttpResponse(write(paper), content_type=f"{content_type}; charset=utf-8")
    context = {"formats": UNAPI_FORMATS, "identifier": identifier if paper else ""}
    # The spec's answer for one id is 300 Multiple Choices; for the list of all formats, 200.
    return render(request, "papers/unapi.xml", context, content_type="application/xml; charset=utf-8", status=300 if paper else 200)
