"""Paper pages: thin views over papers.services and summaries.selectors."""

from django.shortcuts import redirect, render

from papers.services import PaperNotFound, paper_lookup
from summaries import selectors


def _not_found(request, identifier: str, reason: str):
    return render(request, "papers/paper_not_found.html", {"identifier": identifier, "reason": reason}, status=404)


def paper_detail(request, identifier: str):
    try:
        paper = paper_lookup(identifier)
    except PaperNotFound as error:
        return _not_found(request, identifier, str(error))
    if identifier != paper.identifier:
        return redirect(paper, permanent=True)
    context = {
        "paper": paper,
        "summaries": selectors.summaries_for_paper(paper=paper, viewer=request.user),
        "citing_summaries": selectors.summaries_citing(paper=paper, viewer=request.user),
    }
    return render(request, "papers/paper_detail.html", context)


def paper_legacy_redirect(request):
    """The original ShortScience addressed papers as /paper?bibtexKey=KEY."""
    key = request.GET.get("bibtexKey", "")
    try:
        paper = paper_lookup(key)
    except PaperNotFound as error:
        return _not_found(request, key, str(error))
    return redirect(paper, permanent=True)


def paper_lookup_view(request):
    """The header's lookup box: any identifier or URL goes straight to its paper page."""
    query = request.GET.get("q", "").strip()
    if not query:
        return redirect("summaries:feed")
    try:
        paper = paper_lookup(query)
    except PaperNotFound as error:
        return _not_found(request, query, str(error))
    return redirect(paper)
