"""Community widgets any page can include: follow buttons, the summary-request box, a profile's reputation.

Each tag costs a fixed number of queries (none for follow buttons shown to anonymous readers), so a page's
query count does not depend on how many authors or categories a paper has.
"""

from django import template

from shortscience import tracking_params
from summaries import following, reputation, summary_requests
from summaries.models import Follow

register = template.Library()

AUTHOR_BUTTONS_SHOWN = 20


def _next(context) -> str:
    # Without tracking parameters: a visitor's page is cached, and one reader's utm_* must not reach the next.
    request = context.get("request")
    return tracking_params.address_without_tracking(request.get_full_path()) if request is not None else ""


@register.inclusion_tag("summaries/_follow_panel.html", takes_context=True)
def paper_follow_panel(context, paper):
    """Follow buttons for a paper, each of its (first 20) authors, and each of its categories; one query."""
    user = context.get("user")
    followed = following.followed_targets(user=user, paper=paper)
    return {
        "user": user,
        "next": _next(context),
        "paper": paper,
        "paper_followed": (Follow.PAPER, paper.pk) in followed,
        "authors": [(name, (Follow.AUTHOR, name) in followed) for name in (paper.authors or [])[:AUTHOR_BUTTONS_SHOWN]],
        "categories": [(name, (Follow.CATEGORY, name) in followed) for name in paper.categories or []],
    }


@register.inclusion_tag("summaries/_follow_button.html", takes_context=True)
def follow_button(context, kind, name, label=""):
    """One follow/unfollow button for an author or a category, e.g. {% follow_button "category" category %}."""
    user = context.get("user")
    try:
        target = following.follow_target(kind=kind, name=name)
    except following.InvalidFollow:
        return {"invalid": True}  # e.g. the page of a category name arXiv never used: nothing to follow
    followed = following.followed_targets(user=user, kind=target.kind, name=target.name)
    return {
        "user": user,
        "next": _next(context),
        "kind": target.kind,
        "name": target.name,
        "label": label or target.name,
        "following": (target.kind, target.name) in followed,
    }


@register.inclusion_tag("summaries/_request_box.html", takes_context=True)
def summary_request_box(context, paper, has_public_summary=False):
    """How many readers asked for a summary of `paper`, and the viewer's ask/withdraw button; one query.

    Nothing shows once the paper has a public summary (the page knows from the summaries it shows, so free).
    """
    if has_public_summary:
        return {"hidden": True}
    user = context.get("user")
    return {
        "user": user,
        "next": _next(context),
        "paper": paper,
        "tally": summary_requests.request_tally(paper=paper, viewer=user),
    }


@register.inclusion_tag("summaries/_reputation.html", takes_context=True)
def reputation_summary(context, person):
    """A profile's count, total and average score, and papers summarized, as `user` may see them; two queries."""
    user = context.get("user")
    return {"user": user, "person": person, "stats": reputation.author_stats(author=person, viewer=user)}
