"""Summary pages: the welcome feed, writing and editing, voting, and profiles. Thin by design."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from papers import search, typesetting
from papers.identifiers import Kind, parse_or_none
from papers.models import Paper
from papers.services import PaperNotFound, paper_lookup
from shortscience.page_cache import cached_page, shared_by_readers
from shortscience.readers import reader_key
from shortscience.pagination import page_or_404
from summaries import (
    card_fragments,
    comments,
    diffing,
    following,
    images,
    limits,
    moderation,
    notifications,
    rendering,
    reputation,
    selectors,
    services,
    summary_requests,
    versions,
    view_counting,
    votes_after_login,
)
from summaries.forms import CommentForm, PaperChoiceForm, ProfileForm, SummaryForm, SummaryImageForm
from summaries.models import Comment, Follow, Summary, Vote

VOTE_VALUES = {"up": Vote.UP, "down": Vote.DOWN, "clear": 0}


def _page(request, queryset):
    """page_or_404, with the titles of the page's papers typeset (papers.typesetting)."""
    page = page_or_404(request, queryset)
    typesetting.typeset_papers(page)
    return page


def _card_page(request, cards):
    """page_or_404 of summary cards, ready to show (card_fragments.prepare)."""
    page = page_or_404(request, cards)
    card_fragments.prepare(page)
    return page


@cached_page(readers=True)
def feed(request):
    order = request.GET.get("order", "recent")
    if order not in selectors.FEED_ORDERINGS:
        order = "recent"
    # Only Top has a period: Recent is newest first anyway, and Popular already decays with age.
    period = request.GET.get("period", "all") if order == "top" else "all"
    if period not in selectors.FEED_PERIODS:
        period = "all"
    page = _card_page(request, selectors.feed_cards(order=order, period=period, viewer=request.user))
    choices = {"order": order} if order != "recent" else {}
    if period != "all":
        choices["period"] = period
    canonical = reverse("summaries:feed") + (f"?{urlencode(choices)}" if choices else "")
    context = {"page": page, "order": order, "period": period, "periods": selectors.FEED_PERIODS, "canonical": canonical}
    return render(request, "summaries/feed.html", context)


def _summary_form_page(request, *, paper, form, summary=None, writing_again=False, status=200):
    """The write/edit page; a Preview submit shows the rendered text without saving anything.

    `writing_again`: reached through "write a summary" for a paper the user has summarized already.
    """
    preview = None
    if request.method == "POST" and "preview" in request.POST and form.is_valid():
        try:
            limits.rate_limit_check(request, action="preview")
        except limits.RateLimited as limited:
            form.add_error(None, str(limited))
            status = 429
        else:
            try:
                preview = rendering.render(form.cleaned_data["body"])
            except rendering.RenderingTooSlow as too_slow:
                form.add_error("body", str(too_slow))
                status = _REFUSED_STATUS[type(too_slow)]
    context = {
        "paper": paper, "form": form, "summary": summary, "writing_again": writing_again, "preview": preview
    }
    return render(request, "summaries/summary_form.html", context, status=status)


def _summary_form_initial(summary: Summary | None) -> dict:
    if summary is None:
        return {"base_revision": 0}
    return {
        "body": summary.body,
        "is_anonymous": summary.is_anonymous,
        "is_private": summary.is_private,
        "base_revision": summary.revision,
    }


# A refused save: the form comes back with the text as typed and the reason.
_REFUSED_STATUS = {limits.RateLimited: 429, rendering.RenderingTooSlow: 422}


def _summary_changes(form) -> dict:
    data = form.cleaned_data
    return {
        "body": data["body"],
        "is_anonymous": data["is_anonymous"],
        "is_private": data["is_private"],
        # A form that does not say which revision it started from cannot overwrite one it never showed.
        "base_revision": data["base_revision"] or 0,
    }


def _saved_message(summary: Summary, *, created: bool) -> str:
    """A private summary is saved, not published: say who can read it (a moderator may be the one editing)."""
    if summary.is_private and created:
        return "Your private summary is saved: only you, and whoever you give its share link, can read it."
    if summary.is_private:
        return (
            "Your changes are saved. The summary is private: only its author, and whoever has its share link, can read it."
        )
    return "Your summary is published." if created else "Your changes are published."


def _edit_conflict_page(request, *, form, current: Summary):
    """Someone saved first: their text read-only, the writer's still in the textarea, and the next submit allowed."""
    data = request.POST.copy()
    data["base_revision"] = current.revision
    context = {
        "paper": current.paper,
        "form": SummaryForm(data),
        "summary": current,
        "conflict": current,
        "conflict_diff": diffing.diff_html(current.body, form.cleaned_data["body"]),
        "preview": None,
    }
    return render(request, "summaries/summary_form.html", context, status=409)


def _paper_choice_page(request, *, typed: str, error: Exception):
    """Which paper? Typed text that names none may be (part of) a title: the papers it matches are offered to pick."""
    choice = PaperChoiceForm({"paper": typed} if typed else None)
    form = SummaryForm(request.POST or None)  # what was typed stays
    candidates = []
    if typed and not isinstance(error, limits.RateLimited) and not error.temporary and _may_be_a_title(typed):
        candidates = search.paper_suggestions(text=typed)
        typesetting.typeset_papers(candidates)
    if typed and not candidates:
        choice.add_error("paper", str(error))
    status = 429 if isinstance(error, limits.RateLimited) else 503 if error.temporary else 404
    context = {"choice": choice, "form": form, "candidates": candidates, "typed": typed}
    return render(request, "summaries/choose_paper.html", context, status=200 if candidates or not typed else status)


def _may_be_a_title(text: str) -> bool:
    """Not an arXiv id or DOI (those name one paper or none); a BibTeX key we lack may be a one-word title."""
    identifier = parse_or_none(text)
    return identifier is None or identifier.kind is Kind.BIBTEX


@login_required
def summary_create(request):
    # "pick": a paper chosen among those a typed title matches (the typed text stays in "paper").
    identifier = request.POST.get("pick") or request.POST.get("paper") or request.GET.get("paper", "")
    try:
        paper = paper_lookup(identifier, before_fetch=limits.fetch_guard(request))
    except (PaperNotFound, limits.RateLimited) as error:
        return _paper_choice_page(request, typed=identifier, error=error)

    # A user has one summary per paper: writing again edits it.
    existing = Summary.objects.filter(paper=paper, author=request.user).first()
    writing_again = existing is not None
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if "preview" not in request.POST and form.is_valid():
            # Writing again edits the one summary, so it goes through the same conflict check and limit as an edit.
            try:
                limits.rate_limit_check(request, action="edit" if writing_again else "summary")
                summary = services.summary_save(paper=paper, author=request.user, **_summary_changes(form))
            except (limits.RateLimited, rendering.RenderingTooSlow) as refused:
                form.add_error(None, str(refused))  # the typed text stays in the form
                return _summary_form_page(
                    request, paper=paper, form=form, summary=existing, writing_again=writing_again,
                    status=_REFUSED_STATUS[type(refused)],
                )
            except services.EditConflict as conflict:
                return _edit_conflict_page(request, form=form, current=conflict.current)
            messages.success(request, _saved_message(summary, created=not writing_again))
            return redirect(summary)
    else:
        form = SummaryForm(initial=_summary_form_initial(existing))
    return _summary_form_page(request, paper=paper, form=form, summary=existing, writing_again=writing_again)


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
            try:
                limits.rate_limit_check(request, action="edit")
                services.summary_update(summary=summary, editor=request.user, **_summary_changes(form))
            except (limits.RateLimited, rendering.RenderingTooSlow) as refused:
                form.add_error(None, str(refused))
                return _summary_form_page(
                    request, paper=summary.paper, form=form, summary=summary, status=_REFUSED_STATUS[type(refused)]
                )
            except services.EditConflict as conflict:
                return _edit_conflict_page(request, form=form, current=conflict.current)
            messages.success(request, _saved_message(summary, created=False))
            return redirect(summary)
    else:
        form = SummaryForm(initial=_summary_form_initial(summary))
    return _summary_form_page(request, paper=summary.paper, form=form, summary=summary)


@login_required
def summary_delete(request, pk: int):
    summary = _editable_summary(request, pk)
    if request.method == "POST":
        paper = summary.paper
        services.summary_delete(summary=summary, actor=request.user)
        messages.success(
            request,
            "The summary is deleted: it is gone from every page, and its comments are kept in case a moderator "
            f"restores it (ask within {settings.SUMMARY_PURGE_AFTER_DAYS} days).",
        )
        return redirect(paper)
    return render(request, "summaries/summary_confirm_delete.html", {"summary": summary})


@login_required
@require_POST
def summary_preview(request):
    """HTML for the live preview pane: the same renderer the saved summary will go through."""
    form = SummaryForm(request.POST)
    # Only the text matters here; the page's other fields are checked when it is published.
    if not form.is_valid() and "body" in form.errors:
        return HttpResponse(form.errors["body"][0], status=400, content_type="text/plain; charset=utf-8")
    try:
        limits.rate_limit_check(request, action="preview")
    except limits.RateLimited as limited:
        return HttpResponse(str(limited), status=429, content_type="text/plain; charset=utf-8")
    try:
        preview = rendering.render(form.cleaned_data["body"])
    except rendering.RenderingTooSlow as too_slow:
        return HttpResponse(str(too_slow), status=422, content_type="text/plain; charset=utf-8")
    return render(request, "summaries/_preview.html", {"preview": preview})


def _share_token(request) -> str:
    return request.GET.get("share", "")


def _share_query(request, summary: Summary) -> str:
    """What a share-link reader of a private summary carries on to its other pages (they came with the token)."""
    return f"?share={summary.share_token}" if summary.is_private and not summary.can_edit(request.user) else ""


def _count_view(request, pk: int, *, author_id: int | None = None) -> None:
    if view_counting.is_countable_view(request, author_id=author_id):
        view_counting.summary_view_note(summary_id=pk, reader=reader_key(request))


def count_cached_view(request, *, pk: int) -> None:
    """The permalink served from the page cache: readable by this reader when stored, and still (or it would
    have been invalidated). It is never its author's: visitors are not, and the page logged-in readers share
    declines its author (summaries.permalink_parts)."""
    _count_view(request, pk)


@cached_page(on_hit=count_cached_view)
def summary_detail(request, pk: int):
    try:
        summary = selectors.summary_card(pk=pk, viewer=request.user, share_token=_share_token(request))
    except Summary.DoesNotExist:
        raise Http404("No such summary.")
    _count_view(request, pk, author_id=summary.author_id)
    render_page = functools.partial(_summary_page, request, summary)
    if not summary.is_public:
        return render_page()  # no visitor may read it: there is no page to share
    # Logged-in readers share the page but for its reader parts (summaries.permalink_parts): it is rendered as a visitor's.
    return shared_by_readers(request, render_page)


def _summary_page(request, summary: Summary):
    owns_it = summary.can_edit(request.user)
    card_fragments.prepare([summary], card_fragments.Variant(full=True, title_tag="h1"))
    context = {
        "summary": summary,
        "paper": summary.paper,
        "share_url": request.build_absolute_uri(summary.get_share_url()) if summary.is_private and owns_it else "",
        "share_query": _share_query(request, summary),
    }
    return render(request, "summaries/summary_detail.html", context)


@login_required
@require_POST
def summary_version(request, pk: int):
    """The author (or a moderator) sets which arXiv version the summary was written for, or confirms it still holds."""
    summary = _editable_summary(request, pk)
    try:
        if request.POST.get("action") == "confirm":
            versions.summary_version_confirm(summary=summary)
            messages.success(request, f"Noted: the summary still holds for v{summary.checked_arxiv_version}.")
        else:
            version = request.POST.get("version", "")
            versions.summary_version_set(summary=summary, version=int(version) if version.isdigit() else 0)
            messages.success(request, f"Noted: the summary was written for v{summary.arxiv_version}.")
    except versions.InvalidVersion as error:
        messages.error(request, str(error))
    return redirect(summary)


def _revision_number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def summary_history(request, pk: int):
    """Every revision with its date and editor, and a word-level diff between two (?from=N&to=M; default: the last change)."""
    try:
        summary = selectors.summary_readable(pk=pk, viewer=request.user, share_token=_share_token(request))
    except Summary.DoesNotExist:
        raise Http404("No such summary.")
    revisions = selectors.summary_history(summary=summary, viewer=request.user)
    by_number = {revision.number: revision for revision in revisions}
    newer_number = _revision_number(request.GET.get("to")) or revisions[0].number
    older_number = _revision_number(request.GET.get("from"))
    if older_number is None:
        older_number = max((number for number in by_number if number < newer_number), default=newer_number)
    if older_number not in by_number or newer_number not in by_number:
        raise Http404("No such revision.")
    older, newer = by_number[older_number], by_number[newer_number]
    context = {
        "summary": summary,
        "paper": summary.paper,
        "revisions": revisions,
        "older": older,
        "newer": newer,
        "diff": diffing.diff_html(older.body, newer.body),
        "only_whitespace_changed": diffing.only_whitespace_differs(older.body, newer.body),
        "can_restore": summary.can_edit(request.user),
        "share_query": _share_query(request, summary),
    }
    return render(request, "summaries/summary_history.html", context)


@login_required
def summary_restore(request, pk: int):
    """Its author or a moderator brings back an old text, as a new revision (the history keeps the one it replaces).

    GET asks to confirm, showing what would change; the POST from there restores.
    """
    summary = _editable_summary(request, pk)
    number = _revision_number(request.POST.get("number") if request.method == "POST" else request.GET.get("number"))
    revision = summary.revisions.filter(number=number).first() if number is not None else None
    if revision is None:
        raise Http404("No such revision.")
    if request.method != "POST":
        typesetting.typeset_papers([summary])
        context = {"summary": summary, "revision": revision, "diff": diffing.diff_html(summary.body, revision.body)}
        return render(request, "summaries/summary_confirm_restore.html", context)
    try:
        services.summary_restore(
            summary=summary, number=number, editor=request.user, base_revision=_revision_number(request.POST.get("base_revision"))
        )
    except services.EditConflict:
        messages.error(request, "The summary changed while you were reading its history. Check the latest version, then restore again.")
        return redirect("summaries:history", pk=summary.pk)
    messages.success(request, f"Revision {number} is the current text again; the text it replaced stays in the history.")
    return redirect(summary)


def _submitted(request):
    """What a button sent: its form (POST), or its link's query (a logged-out reader's Follow)."""
    return request.POST if request.method == "POST" else request.GET


def _back_url(request, fallback: str) -> str:
    """The page a button was pressed on (a same-site `next`), else `fallback` (a URL or a URL name)."""
    next_url = _submitted(request).get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return resolve_url(fallback)
    return next_url


@require_GET
def summary_vote_after_login(request, pk: int):
    """A visitor's vote button: the vote is kept in their session and cast once they log in or sign up.

    A GET with no CSRF token, so the anonymous pages carrying these buttons can be cached whole; it writes
    nothing but the session, and the vote itself waits for the visitor's own log-in (summaries.votes_after_login).
    """
    summary = get_object_or_404(Summary.objects.public(), pk=pk)
    back = _back_url(request, summary.get_absolute_url())
    if request.user.is_authenticated:
        return redirect(back)  # logged in meanwhile: their page has the real buttons
    value = VOTE_VALUES.get(request.GET.get("value", ""))
    if value:
        votes_after_login.vote_remember(request, summary=summary, value=value)
        messages.info(request, "Log in or sign up, and your vote is counted.")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")


@require_POST
def summary_vote(request, pk: int):
    summary = get_object_or_404(Summary.objects.public(), pk=pk)
    value = VOTE_VALUES.get(request.POST.get("value", ""))
    if value is None:
        return HttpResponse("A vote is up, down or clear.", status=400, content_type="text/plain; charset=utf-8")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if not request.user.is_authenticated:
        login_url = f"{reverse('account_login')}?{urlencode({'next': _back_url(request, summary.get_absolute_url())})}"
        if wants_json:
            return JsonResponse({"error": "Log in to vote.", "login": login_url}, status=401)
        return redirect(login_url)
    try:
        limits.rate_limit_check(request, action="vote")
    except limits.RateLimited as limited:
        if wants_json:
            return JsonResponse({"error": str(limited)}, status=429, headers={"Retry-After": str(limited.retry_after)})
        return limits.rate_limited_page(request, limited, back_url=summary.get_absolute_url())
    try:
        score = services.vote_cast(summary=summary, voter=request.user, value=value)
    except PermissionError as error:
        if wants_json:
            return JsonResponse({"error": str(error)}, status=403)
        messages.error(request, str(error))
    else:
        if wants_json:
            return JsonResponse({"score": score, "vote": value})
    return redirect(_back_url(request, summary.get_absolute_url()))


# Visitors' profiles come from the page cache; logged-in readers share them but for their Follow button
# (summaries.profile_parts), and a summarizer's own, which lists their private and anonymous summaries, is theirs.
@cached_page(readers=True)
def profile_detail(request, username: str):
    person = get_object_or_404(get_user_model().objects.select_related("profile"), username=username)
    page = _card_page(request, selectors.summaries_by_author(author=person, viewer=request.user))
    return render(
        request, "summaries/profile.html", {"person": person, "profile": services.profile_for(person), "page": page}
    )


@login_required
def profile_edit(request):
    profile = services.profile_for(request.user)
    initial = {name: getattr(profile, name) for name in (*services.PROFILE_FIELDS, "notify_comments", "weekly_digest")}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notifications.comment_notifications_set(user=request.user, enabled=form.cleaned_data.pop("notify_comments"))
        following.weekly_digest_set(user=request.user, enabled=form.cleaned_data.pop("weekly_digest"))
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect(profile)
    return render(request, "summaries/profile_edit.html", {"form": form})


# ---- Comments, images in summaries, comment emails (logic in summaries.comments, .images, .notifications) ----


def _commentable_summary(request, pk: int) -> Summary:
    """Comments go only on summaries the user can see: public ones and their own."""
    return get_object_or_404(Summary.objects.visible_to(request.user).select_related("paper"), pk=pk)


def _own_comment(request, pk: int) -> Comment:
    visible = Summary.objects.visible_to(request.user)
    comment = get_object_or_404(Comment.objects.select_related("summary__paper"), pk=pk, summary__in=visible)
    if comment.author_id != request.user.pk or comment.is_deleted:
        raise PermissionDenied("Only its author can change a comment.")
    return comment


def _comment_form_page(request, *, summary: Summary, form, comment: Comment | None = None):
    context = {"summary": summary, "paper": summary.paper, "form": form, "comment": comment}
    return render(request, "summaries/comment_form.html", context)


@login_required
@require_POST
def comment_create(request, pk: int):
    summary = _commentable_summary(request, pk)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.filter(
            summary=summary, pk=form.cleaned_data["parent"], is_deleted=False, is_hidden=False
        ).first()
        if parent is None:
            form.add_error(None, "The comment you replied to has been removed.")
    if not form.is_valid():
        # Nothing typed is lost: the text comes back in the form with what went wrong.
        return _comment_form_page(request, summary=summary, form=form)
    try:
        limits.rate_limit_check(request, action="comment")
        comment = comments.comment_post(summary=summary, author=request.user, body=form.cleaned_data["body"], parent=parent)
    except (limits.RateLimited, rendering.RenderingTooSlow) as refused:
        form.add_error(None, str(refused))
        response = _comment_form_page(request, summary=summary, form=form)
        response.status_code = _REFUSED_STATUS[type(refused)]
        return response
    return redirect(comment.get_absolute_url())


@login_required
def comment_edit(request, pk: int):
    comment = _own_comment(request, pk)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comments.comment_edit(comment=comment, editor=request.user, body=form.cleaned_data["body"])
        except rendering.RenderingTooSlow as too_slow:
            form.add_error(None, str(too_slow))
            response = _comment_form_page(request, summary=comment.summary, form=form, comment=comment)
            response.status_code = _REFUSED_STATUS[type(too_slow)]
            return response
        return redirect(comment.get_absolute_url())
    return _comment_form_page(request, summary=comment.summary, form=form, comment=comment)


@login_required
def comment_delete(request, pk: int):
    comment = _own_comment(request, pk)
    if request.method == "POST":
        comments.comment_delete(comment=comment, actor=request.user)
        messages.success(request, "Your comment is deleted.")
        return redirect(f"{comment.summary.get_absolute_url()}#comments")
    return render(request, "summaries/comment_confirm_delete.html", {"comment": comment, "summary": comment.summary})


@login_required
@require_POST
def comment_hide(request, pk: int):
    """Moderators hide or restore a comment from the thread itself (the admin has the same actions)."""
    if not request.user.is_staff:
        raise PermissionDenied("Only moderators hide comments.")
    comment = get_object_or_404(Comment.objects.select_related("summary"), pk=pk)
    hidden = request.POST.get("hidden") != "0"
    moderation.comments_set_hidden(comments=[comment], hidden=hidden, moderator=request.user)
    messages.success(request, "The comment is hidden." if hidden else "The comment is restored.")
    return redirect(comment.get_absolute_url())


def _image_upload_too_large(request) -> bool:
    """Judge an upload by its Content-Length (Django reads no further), before anything parses the body."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # Headroom for the multipart boundaries and the alt text around the file itself.
    return length > settings.SUMMARY_IMAGE_MAX_BYTES + 64 * 1024


def _image_upload_response(request, *, form, status: int, picture=None, error: str = ""):
    """JSON with the Markdown snippet for site.js, or a page showing it to copy (without JavaScript)."""
    snippet = url = ""
    if picture is not None:
        # Site-relative, so the summary shows it whichever address the site is reached by.
        url = picture.image.url
        snippet = images.image_markdown(url=url, alt=form.cleaned_data["alt"])
    error = error or " ".join(message for messages_ in form.errors.values() for message in messages_)
    if request.method == "POST" and request.headers.get("Accept", "").startswith("application/json"):
        if picture is None:
            return JsonResponse({"error": error}, status=status)
        uploaded = {"markdown": snippet, "url": url, "width": picture.width, "height": picture.height}
        return JsonResponse(uploaded, status=status)
    context = {"form": form, "markdown": snippet, "picture": picture, "error": error}
    return render(request, "summaries/image_upload.html", context, status=status)


# CSRF is checked in _summary_image_upload: the middleware would read the whole body before the size check.
@csrf_exempt
@login_required
def summary_image_upload(request):
    if request.method == "POST" and _image_upload_too_large(request):
        limit = settings.SUMMARY_IMAGE_MAX_BYTES / (1024 * 1024)
        error = f"The image is larger than the limit of {limit:.1f} MB."
        return _image_upload_response(request, form=SummaryImageForm(), status=413, error=error)
    return _summary_image_upload(request)


@csrf_protect
def _summary_image_upload(request):
    """Store an uploaded image for use in summaries (GET: the upload page)."""
    form = SummaryImageForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _image_upload_response(request, form=form, status=200)
    if form.is_valid():
        try:
            limits.rate_limit_check(request, action="image")
            picture = images.summary_image_store(uploader=request.user, upload=form.cleaned_data["image"])
        except limits.RateLimited as limited:
            form.add_error("image", str(limited))
            return _image_upload_response(request, form=form, status=429)
        except images.ImageRejected as rejection:
            form.add_error("image", str(rejection))
        else:
            return _image_upload_response(request, form=form, status=201, picture=picture)
    return _image_upload_response(request, form=form, status=400)


# No CSRF token: mail clients POST here for one-click unsubscribe (RFC 8058); the signed token is the proof.
@csrf_exempt
def notifications_unsubscribe(request, token: str):
    """GET asks to confirm; POST turns comment emails off for the token's user. No login needed."""
    person = notifications.user_for_unsubscribe_token(token)
    if person is None:
        return render(request, "summaries/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        notifications.comment_notifications_set(user=person, enabled=False)
        done = True
    return render(request, "summaries/unsubscribe.html", {"done": done, "token": token})


# --- Community: reputation and export, following, summary requests (summaries.reputation, .following, .summary_requests) ---


def _redirect_back(request, fallback: str):
    """Back to the page a community button was pressed on, else to `fallback` (a URL or a URL name)."""
    return redirect(_back_url(request, fallback))


def _posted_paper(request) -> Paper | None:
    paper_id = _submitted(request).get("paper", "")
    return get_object_or_404(Paper, pk=int(paper_id)) if paper_id.isdigit() else None


def contributors(request):
    page = _page(request, reputation.contributor_ranking())
    return render(request, "summaries/contributors.html", {"page": page})


def _attachment(content, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_zip(request):
    """All the user's summaries, private and anonymous ones included, as Markdown files in a zip."""
    return _attachment(
        reputation.export_zip(author=request.user), content_type="application/zip", filename="shortscience-summaries.zip"
    )


@login_required
def export_csv(request):
    return _attachment(
        reputation.export_csv_lines(author=request.user),
        content_type="text/csv; charset=utf-8",
        filename="shortscience-summaries.csv",
    )


def _follow_target(request) -> following.FollowTarget:
    data = _submitted(request)
    paper = _posted_paper(request) if data.get("kind") == Follow.PAPER else None
    return following.follow_target(kind=data.get("kind", ""), paper=paper, name=data.get("name", ""))


def _follow_change(request, change, done: str):
    try:
        target = _follow_target(request)
    except following.InvalidFollow as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    if not request.user.is_authenticated:
        # Kept in the session and made at log-in (summaries.signals), which then returns to the page.
        following.follow_after_login_store(session=request.session, target=target)
        return redirect_to_login(_back_url(request, "summaries:following"))
    change(follower=request.user, target=target)
    messages.success(request, done.format(target=target))
    return _redirect_back(request, "summaries:following")


@require_http_methods(["GET", "POST"])
def follow(request):
    """Logged in, a POST follows. Logged out, "Follow" is a link (pages for visitors carry no CSRF token, so they
    can be cached): it remembers the follow, and the reader logs in to make it."""
    if request.method == "GET" and request.user.is_authenticated:
        return HttpResponseNotAllowed(["POST"])
    return _follow_change(request, following.follow_create, following.FOLLOWED_MESSAGE)


@login_required
@require_POST
def unfollow(request):
    return _follow_change(request, following.follow_delete, "You no longer follow {target}.")


@login_required
def following_feed(request):
    follows = following.follows_of(request.user)
    page = _card_page(request, following.following_cards(viewer=request.user, follows=follows))
    return render(request, "summaries/following.html", {"page": page, "follows": follows})


def summary_requests_list(request):
    page = _page(request, summary_requests.requested_papers(viewer=request.user))
    return render(request, "summaries/requests.html", {"page": page})


def _summary_request_change(request, change, done: str):
    paper = _posted_paper(request)
    if paper is None:
        raise Http404("Which paper?")
    change(paper=paper, requester=request.user)
    messages.success(request, done)
    return _redirect_back(request, paper.get_absolute_url())


@login_required
@require_POST
def summary_request_ask(request):
    return _summary_request_change(
        request,
        summary_requests.summary_request_create,
        "Noted: you will get an email when the first summary of this paper appears.",
    )


@login_required
@require_POST
def summary_request_withdraw(request):
    return _summary_request_change(request, summary_requests.summary_request_withdraw, "Your request is withdrawn.")
