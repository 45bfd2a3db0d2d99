"""Reporting a summary or a comment to the moderators: a small form page per target. Thin by design."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from summaries import limits, moderation
from summaries.models import Comment, Report, Summary


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with it?",
        max_length=Report._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Spam, plagiarism, abuse, a wrong paper…"}),
        help_text="Only moderators read this.",
        error_messages={"required": "Say what is wrong, so moderators know what to look for."},
    )


def _report_page(request, *, summary: Summary, comment: Comment | None = None):
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400  # unless it is filed below
        if form.is_valid():
            try:
                limits.rate_limit_check(request, action="report")
                moderation.report_create(
                    reporter=request.user, reason=form.cleaned_data["reason"], summary=None if comment else summary, comment=comment
                )
            except limits.RateLimited as limited:
                form.add_error(None, str(limited))
                status = 429
            except moderation.ReportRefused as refusal:
                form.add_error("reason", str(refusal))
            else:
                messages.success(request, "Thank you: moderators will look at your report.")
                return redirect(comment or summary)
    context = {"form": form, "summary": summary, "comment": comment, "paper": summary.paper}
    return render(request, "summaries/report_form.html", context, status=status)


@login_required
def summary_report(request, pk: int):
    summary = get_object_or_404(Summary.objects.public().select_related("paper"), pk=pk)
    return _report_page(request, summary=summary)


@login_required
def comment_report(request, pk: int):
    comment = get_object_or_404(
        Comment.objects.shown().filter(is_deleted=False, summary__in=Summary.objects.public()).select_related("summary__paper"),
        pk=pk,
    )
    return _report_page(request, summary=comment.summary, comment=comment)
