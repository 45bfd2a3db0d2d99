"""The reader's library, and exports of it and of the site's lists of papers as BibTeX and RIS. Thin views."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.urls.converters import StringConverter
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from library import selectors, services
from library.forms import SavedPaperForm
from library.models import SavedPaper
from papers import bibtex, ris, search, typesetting
from papers.identifiers import is_arxiv_category
from papers.models import Paper
from papers.views import posted_paper_or_404
from shortscience.pagination import page_or_404

EXPORT_FORMATS = {
    "bib": (bibtex.bibliography, "application/x-bibtex; charset=utf-8"),
    "ris": (ris.bibliography, "application/x-research-info-systems; charset=utf-8"),
}


class ExportFormatConverter(StringConverter):
    regex = "bib|ris"


def _back(request, fallback: str):
    """To the same-site page the button was pressed on, else to `fallback`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(fallback)


def _filters(request) -> dict:
    return {
        "tag": request.GET.get("tag", "").strip(),
        "state": request.GET.get("state", "") if request.GET.get("state") in dict(SavedPaper.STATES) else "",
        "query": search.clean_query(request.GET.get("q", "")),
    }


@login_required
def library_list(request):
    filters = _filters(request)
    entries = selectors.library_entries(reader=request.user, **filters)
    page = page_or_404(request, entries)
    typesetting.typeset_papers(page)
    context = {"page": page, "tags": selectors.library_tags(reader=request.user), "states": SavedPaper.STATES, **filters}
    return render(request, "library/library.html", context)


def _library_change(request, change, done: str):
    change(reader=request.user, paper=posted_paper_or_404(request))
    messages.success(request, done)
    return _back(request, reverse("library:list"))


@login_required
@require_POST
def library_save(request):
    return _library_change(request, services.saved_paper_add, "Saved to your library, to read.")


@login_required
@require_POST
def library_remove(request):
    return _library_change(request, services.saved_paper_remove, "Removed from your library.")


@login_required
@require_POST
def library_mark(request):
    paper = posted_paper_or_404(request)
    state = request.POST.get("state", "")
    if state not in dict(SavedPaper.STATES):
        return HttpResponse("A saved paper is 'read' or 'to-read'.", status=400, content_type="text/plain; charset=utf-8")
    services.saved_paper_mark(reader=request.user, paper=paper, state=state)
    messages.success(request, f"Marked {dict(SavedPaper.STATES)[state]}.")
    return _back(request, reverse("library:list"))


@login_required
def library_edit(request, paper_id: int):
    paper = get_object_or_404(Paper, pk=paper_id)
    saved = selectors.saved_entry(reader=request.user, paper=paper)
    initial = {"tags": saved.tags, "note": saved.note, "state": saved.state} if saved else {}
    form = SavedPaperForm(request.POST or None, initial=initial)
    typesetting.typeset_papers([paper])
    if request.method == "POST" and form.is_valid():
        services.saved_paper_update(reader=request.user, paper=paper, **form.cleaned_data)
        messages.success(request, "Your library is updated.")
        return redirect("library:list")
    return render(request, "library/saved_paper_form.html", {"form": form, "paper": paper, "saved": saved})


def _export(papers, *, fmt: str, name: str, private: bool = False) -> HttpResponse:
    write, content_type = EXPORT_FORMATS[fmt]
    response = HttpResponse(write(papers), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{bibtex.ascii_letters(name) or "papers"}.{fmt}"'
    if private:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
def library_export(request, fmt: str):
    """The whole library, or what the same tag, state and words show on /library/."""
    filters = _filters(request)
    entries = selectors.library_entries(reader=request.user, **filters)
    return _export([entry.paper for entry in entries], fmt=fmt, name=f"library {filters['tag']}", private=True)


def category_export(request, category: str, fmt: str):
    if not is_arxiv_category(category):
        raise Http404("No such arXiv category.")
    page = search.category_page(category=category, page_number=request.GET.get("page"))
    return _export(page.object_list, fmt=fmt, name=category)


def venue_export(request, fmt: str):
    year = request.GET.get("year", "")
    year = int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None
    venue = request.GET.get("venue", "")
    page = search.venue_page(venue=venue, year=year, page_number=request.GET.get("page"))
    return _export(page.object_list, fmt=fmt, name=f"{venue} {year or ''}")


def search_export(request, fmt: str):
    query = search.clean_query(request.GET.get("q", ""))
    page = search.paper_results(query=query, page_number=request.GET.get("page"))
    return _export(page.object_list, fmt=fmt, name=query)


def user_export(request, username: str, fmt: str):
    """The papers a member has summarized, publicly and under their name."""
    person = get_object_or_404(get_user_model(), username=username)
    papers = Paper.objects.filter(
        summaries__author=person, summaries__is_anonymous=False, summaries__is_private=False, summaries__is_hidden=False
    ).order_by("-published", "-id")
    return _export(papers, fmt=fmt, name=f"{username} summarized")
