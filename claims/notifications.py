"""Emails to a paper's claimed authors about new public summaries of it and new comments on those."""

import logging

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from claims.models import AuthorClaim
from summaries import comments, notifications
from summaries.models import Comment, Summary
from summaries.site_address import absolute_url

logger = logging.getLogger(__name__)


def _claimants_to_tell(paper_id: int, *, exclude: set[int]) -> list:
    claims = (
        AuthorClaim.objects.accepted()
        .filter(paper_id=paper_id, notify=True, claimant__is_active=True, claimant__profile__suspended_at__isnull=True)
        .exclude(claimant__email="")
        .exclude(claimant_id__in=exclude)
        .select_related("claimant", "claimant__profile")
        .order_by("claimant_id")
    )
    return [claim.claimant for claim in claims]


def _send(recipients, *, subject: str, template: str, context: dict) -> int:
    if not recipients:
        return 0
    opt_out = absolute_url(reverse("papers:detail", kwargs={"identifier": context["paper"].identifier})) + "#author-claims"
    messages = [
        mail.EmailMessage(
            subject=" ".join(subject.split())[:200],
            body=render_to_string(template, {**context, "author": author, "opt_out_url": opt_out, "site_name": settings.SITE_NAME}),
            to=[author.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        for author in recipients
    ]
    return mail.get_connection().send_messages(messages) or 0


def summary_notify_authors(*, summary_id: int) -> int:
    """Tell the paper's claimed authors (but its summary's writer) that a public summary of it appeared."""
    summary = Summary.objects.public().select_related("paper", "author", "author__profile").filter(pk=summary_id).first()
    if summary is None:
        return 0
    recipients = _claimants_to_tell(summary.paper_id, exclude={summary.author_id})
    sent = _send(
        recipients,
        subject=f"Your paper “{summary.paper.title[:150]}” has a new summary",
        template="claims/email/new_summary.txt",
        context={"paper": summary.paper, "byline": summary.byline, "url": absolute_url(summary.get_absolute_url())},
    )
    if sent:
        logger.info("Summary %s: told %s claimed author(s).", summary_id, sent)
    return sent


def comment_notify_authors(*, comment_id: int) -> int:
    """Tell the paper's claimed authors about a comment on a public summary of it, unless they wrote it or the
    comment emails (summaries.notifications) already reach them."""
    comment = (
        Comment.objects.select_related("summary__paper", "summary__author", "author__profile")
        .filter(pk=comment_id, is_deleted=False, is_hidden=False, summary__is_hidden=False, summary__is_private=False)
        .first()
    )
    if comment is None:
        return 0
    told_already = {user.pk for user in notifications.comment_recipients(comment)}
    recipients = _claimants_to_tell(comment.summary.paper_id, exclude={comment.author_id, *told_already})
    return _send(
        recipients,
        subject=f"A new comment on a summary of your paper “{comment.summary.paper.title[:150]}”",
        template="claims/email/new_comment.txt",
        context={
            "paper": comment.summary.paper,
            "byline": comments.comment_byline(comment=comment, summary=comment.summary).name,
            "url": absolute_url(comment.get_absolute_url()),
        },
    )
