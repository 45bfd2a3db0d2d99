"""Claiming authorship of a paper, withdrawing, and the claimed authors' email opt-out. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from claims import services
from papers.models import Paper
from papers.views import posted_paper_or_404
from summaries import limits


def _to_claims(paper: Paper):
    return redirect(paper.get_absolute_url() + "#author-claims")


@login_required
@require_POST
def claim(request):
    paper = posted_paper_or_404(request)
    try:
        # Each claim may ask ORCID: limited like the other actions that reach outside.
        limits.rate_limit_check(request, action="claim")
    except limits.RateLimited as limited:
        return limits.rate_limited_page(request, limited, back_url=paper.get_absolute_url())
    outcome = services.claim_create(claimant=request.user, paper=paper)
    (messages.success if outcome.claim.is_accepted else messages.info)(request, outcome.message)
    return _to_claims(paper)


@login_required
@require_POST
def withdraw(request):
    paper = posted_paper_or_404(request)
    services.claim_withdraw(claimant=request.user, paper=paper)
    messages.success(request, "Your claim is withdrawn.")
    return _to_claims(paper)


@login_required
@require_POST
def notifications_set(request):
    paper = posted_paper_or_404(request)
    enabled = request.POST.get("notify") == "on"
    services.claim_notifications_set(claimant=request.user, paper=paper, enabled=enabled)
    messages.success(request, "You will hear about new summaries and comments." if enabled else "No more emails about this paper.")
    return _to_claims(paper)
