"""A vote clicked before logging in: kept in the session, and cast as soon as the reader logs in or signs up."""

import time

from django.contrib import messages

from summaries import limits, services
from summaries.models import Summary, Vote

_SESSION_KEY = "vote_after_login"
_VOTE_NAMES = {Vote.UP: "upvote", Vote.DOWN: "downvote"}
# The click is a GET (see views.summary_vote_after_login), so another site could plant one: it counts only
# for a log-in soon after it, the log-in the click itself led to.
_KEPT_SECONDS = 15 * 60


def vote_remember(request, *, summary: Summary, value: int) -> None:
    """Keep the vote in the visitor's session (Django carries it over the log-in), replacing any earlier one."""
    request.session[_SESSION_KEY] = {"summary": summary.pk, "value": value, "at": time.time()}


def vote_cast_remembered(request, user) -> None:
    """Cast the vote the visitor clicked before logging in, if any, and say so (or why not)."""
    remembered = request.session.pop(_SESSION_KEY, None)
    if not remembered or remembered.get("value") not in _VOTE_NAMES:
        return
    if time.time() - remembered.get("at", 0) > _KEPT_SECONDS:
        return
    summary = Summary.objects.public().filter(pk=remembered.get("summary")).first()
    if summary is None:
        return  # hidden or deleted while they logged in: nothing left to vote on
    try:
        limits.rate_limit_check(request, action="vote")
        services.vote_cast(summary=summary, voter=user, value=remembered["value"])
    except (limits.RateLimited, PermissionError) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Your {_VOTE_NAMES[remembered['value']]} is counted.")
