"""Summary pages: the welcome feed, writing and editing, voting, and profiles. Thin by design."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from papers.services import PaperNotFound, paper_lookup
from summaries import rendering, selectors, services
from summaries.forms import PaperChoiceForm, ProfileForm, SummaryForm
from summaries.models import Summary, Vote

VOTE_VALUES = {"up": Vote.UP, "down": Vote.DOWN, "clear": 0}


def _page(request, queryset):
    return Paginator(queryset, settings.FEED_PAGE_SIZE).get_page(request.GET.get("page"))


def feed(request):
    order = request.GET.get("order", "recent")
    if order not in selectors.FEED_ORDERINGS:
        order = "recent"
    page = _page(request, selectors.feed_cards(order=order, viewer=request.user))
    return render(request, "summaries/feed.html", {"page": page, "order": order})


def _summary_form_page(request, *, paper, form, summary=None, status=200):
    """The write/edit page; a Preview submit shows the rendered text without saving anything."""
    preview_html = None
    if request.method == "POST" and "preview" in request.POST and form.is_valid():
        preview_html = rendering.render(form.cleaned_data["body"]).html
    context = {"paper": paper, "form": form, "summary": summary, "preview_html": preview_html}
    return render(request, "summaries/summary_form.html", context, status=status)


@login_required
def summary_create(request):
    identifier = request.POST.get("paper") or request.GET.get("paper", "")
    try:
        paper = paper_lookup(identifier)
    except PaperNotFound as error:
        choice = PaperChoiceForm({"paper": identifier} if identifier else None)
        if identifier:
            choice.add_error("paper", str(error))
        form = SummaryForm(request.POST or None)
        status = 404 if identifier else 200
        return render(request, "summaries/choose_paper.html", {"choice": choice, "form": form}, status=status)

    existing = Summary.objects.filter(paper=paper, author=request.user).first()
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if "preview" not in request.POST and form.is_valid():
            summary = services.summary_save(paper=paper, author=request.user, body=form.cleaned_data["body"])
            messages.success(request, "Your summary is published.")
            return redirect(summary)
    else:
        # A user has one summary per paper: writing again edits it.
        form = SummaryForm(initial={"body": existing.body} if existing else None)
    return _summary_form_page(request, paper=paper, form=form, summary=existing)


def _editable_summary(request, pk: int) -> Summary:
    summary = get_object_or_404(Summary.objects.select_related("paper"), pk=pk)
    if not summary.can_edit(request.user):
        raise PermissionDenied("Only the summary's author or a moderator can change it.")
    return summary


@login_required
def summary_edit(request, pk: int):
    summary = _editable_summary(request, pk)
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if "preview" not in request.POST and form.is_valid():
            services.summary_update(summary=summary, body=form.cleaned_data["body"])
            messages.success(request, "Your changes are published.")
            return redirect(summary)
    else:
        form = SummaryForm(initial={"body": summary.body})
    return _summary_form_page(request, paper=summary.paper, form=form, summary=summary)


@login_required
def summary_delete(request, pk: int):
    summary = _editable_summary(request, pk)
    if request.method == "POST":
        paper = summary.paper
        summary.delete()
        messages.success(request, "The summary is deleted.")
        return redirect(paper)
    return render(request, "summaries/summary_confirm_delete.html", {"summary": summary})


@login_required
@require_POST
def summary_preview(request):
    """HTML for the live preview pane: the same renderer the saved summary will go through."""
    form = SummaryForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors["body"][0], status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(rendering.render(form.cleaned_data["body"]).html)


def summary_detail(request, pk: int):
    try:
        summary = selectors.summary_card(pk=pk, viewer=request.user)
    except Summary.DoesNotExist:
        raise Http404("No such summary.")
    return render(request, "summaries/summary_detail.html", {"summary": summary, "paper": summary.paper})


@login_required
@require_POST
def summary_vote(request, pk: int):
    summary = get_object_or_404(Summary.objects.public(), pk=pk)
    value = VOTE_VALUES.get(request.POST.get("value", ""))
    if value is None:
        return HttpResponse("A vote is up, down or clear.", status=400, content_type="text/plain; charset=utf-8")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        score = services.vote_cast(summary=summary, voter=request.user, value=value)
    except PermissionError as error:
        if wants_json:
            return JsonResponse({"error": str(error)}, status=403)
        messages.error(request, str(error))
    else:
        if wants_json:
            return JsonResponse({"score": score, "vote": value})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = summary.get_absolute_url()
    return redirect(next_url)


def profile_detail(request, username: str):
    person = get_object_or_404(get_user_model().objects.select_related("profile"), username=username)
    page = _page(request, selectors.summaries_by_author(author=person, viewer=request.user))
    return render(
        request, "summaries/profile.html", {"person": person, "profile": services.profile_for(person), "page": page}
    )


@login_required
def profile_edit(request):
    profile = services.profile_for(request.user)
    form = ProfileForm(request.POST or None, initial={"display_name": profile.display_name, "bio": profile.bio})
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect(profile)
    return render(request, "summaries/profile_edit.html", {"form": form})
