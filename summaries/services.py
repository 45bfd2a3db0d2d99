"""Every write to summaries and votes: create, update, hide, vote, re-render."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce

from papers.models import Paper
from summaries import rendering
from summaries.models import Profile, Summary, Vote


def _apply_rendering(summary: Summary, *, update_fields: list[str] | None = None) -> None:
    rendered = rendering.render(summary.body)
    summary.body_html = rendered.html
    summary.rendered_version = rendering.RENDERER_VERSION
    summary.save(update_fields=update_fields)
    summary.cited_papers.set(rendered.cited_papers)


@transaction.atomic
def summary_save(*, paper: Paper, author: AbstractBaseUser, body: str) -> Summary:
    """Create the author's summary of `paper`, or update it: a user has one summary per paper."""
    summary = Summary.objects.select_for_update().filter(paper=paper, author=author).first()
    summary = summary or Summary(paper=paper, author=author)
    summary.body = body
    _apply_rendering(summary)
    return summary


@transaction.atomic
def summary_update(*, summary: Summary, body: str) -> Summary:
    summary.body = body
    _apply_rendering(summary)
    return summary


def summary_rerender(*, summary: Summary) -> None:
    """Bring stored HTML up to the current renderer (after the renderer or a cited paper changed)."""
    with transaction.atomic():
        # Only the rendering: a concurrent vote's score must survive, and nothing was edited.
        _apply_rendering(summary, update_fields=["body_html", "rendered_version"])


def summaries_set_hidden(*, summaries, hidden: bool) -> int:
    return Summary.objects.filter(pk__in=[s.pk for s in summaries]).update(is_hidden=hidden)


@transaction.atomic
def vote_cast(*, summary: Summary, voter: AbstractBaseUser, value: int) -> int:
    """Record `voter`'s vote (+1, -1, or 0 to take it back); return the summary's new score.

    The summary row is locked while the vote changes, and the score is recomputed from the
    votes themselves, so concurrent voters can neither lose nor double-count a vote.
    """
    if value not in (Vote.UP, Vote.DOWN, 0):
        raise ValueError("A vote is +1, -1 or 0.")
    if summary.author_id == voter.pk:
        raise PermissionError("You cannot vote on your own summary.")
    Summary.objects.select_for_update().filter(pk=summary.pk).first()
    if value == 0:
        Vote.objects.filter(summary=summary, voter=voter).delete()
    else:
        Vote.objects.update_or_create(summary=summary, voter=voter, defaults={"value": value})
    score = Vote.objects.filter(summary=summary).aggregate(total=Coalesce(Sum("value"), 0))["total"]
    Summary.objects.filter(pk=summary.pk).update(score=score)
    summary.score = score
    return score


def profile_for(user: AbstractBaseUser) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user: AbstractBaseUser, display_name: str, bio: str) -> Profile:
    profile = profile_for(user)
    profile.display_name = display_name
    profile.bio = bio
    profile.save(update_fields=["display_name", "bio"])
    return profile
