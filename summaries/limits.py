"""Rate limits on posting summaries and comments, editing summaries, voting, reporting, previews, image uploads and
fetching papers from arXiv or Crossref, per user (per address for visitors who aren't signed in, who may only fetch).

Everyone has the hourly limits in settings.RATE_LIMITS (visitors, ANONYMOUS_FETCHES_PER_HOUR); a new account (younger than
NEW_ACCOUNT_AGE_HOURS and never upvoted) also has NEW_ACCOUNT_SUMMARIES_PER_HOUR for new summaries (editing its own
is not writing more) and NEW_ACCOUNT_COMMENTS_PER_HOUR. Counting uses django-ratelimit in settings.RATELIMIT_USE_CACHE
(Redis when REDIS_URL is set, so every process shares the counts).
"""

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import get_usage

from summaries.models import Vote

ACTIONS = ("summary", "edit", "comment", "vote", "report", "preview", "image", "fetch", "claim")
NOUNS = {
    "summary": "summaries", "edit": "edits to summaries", "comment": "comments", "vote": "votes",
    "report": "reports", "preview": "previews", "image": "image uploads", "fetch": "look-ups of papers we don't have yet",
    "claim": "authorship claims",
}  # fmt: skip


class RateLimited(Exception):
    """Too many of one action for now; the message says how long to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _user_key(group, request) -> str:
    return str(request.user.pk)


def is_new_account(user) -> bool:
    """Young and untested: nobody has upvoted anything they wrote yet."""
    if timezone.now() - user.date_joined >= timedelta(hours=settings.NEW_ACCOUNT_AGE_HOURS):
        return False
    return not Vote.objects.filter(summary__author=user, value=Vote.UP).exists()


def _new_account_rate(action: str) -> str | None:
    per_hour = {"summary": settings.NEW_ACCOUNT_SUMMARIES_PER_HOUR, "comment": settings.NEW_ACCOUNT_COMMENTS_PER_HOUR}.get(action)
    return f"{per_hour}/h" if per_hour is not None else None


def _wait(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def rate_limit_check(request, *, action: str) -> None:
    """Count one `action` by the signed-in user (or, for "fetch", the visitor's address), and raise
    RateLimited when it goes over a limit.

    Call it just before the write, once the input is valid, so previews and typos cost nothing.
    Moderators (staff) are not limited.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown rate-limited action {action!r}.")
    if request.user.is_staff:
        return
    if not request.user.is_authenticated:
        if action != "fetch":
            raise ValueError(f"Only signed-in users can {NOUNS[action]}.")
        limits = [(f"anonymous:{action}", f"{settings.ANONYMOUS_FETCHES_PER_HOUR}/h", " from one address without signing in")]
        key = "ip"
    else:
        limits = [(f"everyone:{action}", settings.RATE_LIMITS[action], "")]
        new_account_rate = _new_account_rate(action)
        if new_account_rate and is_new_account(request.user):
            limits.append((f"new-account:{action}", new_account_rate, " while your account is new"))
        key = _user_key
    for group, rate, condition in limits:
        usage = get_usage(request, group=f"summaries.limits:{group}", key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"]:
            retry_after = max(usage["time_left"], 1)
            raise RateLimited(
                f"You have reached the limit of {usage['limit']} {NOUNS[action]} per hour{condition}. "
                f"Please try again in {_wait(retry_after)}.",
                retry_after=retry_after,
            )


def fetch_guard(request):
    """For papers.services.paper_lookup(before_fetch=...): each fetch from arXiv or Crossref counts against
    the requester, so nobody (a crawler walking arXiv ids through /paper/ above all) can hold our
    one-request-per-3-seconds share of arXiv for everyone else."""
    return lambda: rate_limit_check(request, action="fetch")


def rate_limited_page(request, limited: RateLimited, *, back_url: str = ""):
    """The 429 page for a refused request that had nothing typed to keep (a vote)."""
    response = render(request, "429.html", {"message": str(limited), "back_url": back_url}, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response
