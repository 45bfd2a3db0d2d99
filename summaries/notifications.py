"""Emails about new comments, and the signed one-click links that turn them off."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from summaries import comments, katex
from summaries.feeds import absolute_links
from summaries.models import Comment, Profile
from summaries.site_address import absolute_url

logger = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "summaries.notifications.unsubscribe"


# ---- Unsubscribe tokens ------------------------------------------------------------------------


def unsubscribe_token(user: AbstractBaseUser) -> str:
    """A token naming the user, signed with SECRET_KEY; it can only ever turn comment emails off."""
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(str(user.pk))


def unsubscribe_url(user: AbstractBaseUser) -> str:
    return absolute_url(reverse("summaries:unsubscribe", kwargs={"token": unsubscribe_token(user)}))


def user_for_unsubscribe_token(token: str) -> AbstractBaseUser | None:
    """The user a token was made for, or None when it is forged, mangled or the user is gone."""
    try:
        user_pk = int(signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return get_user_model().objects.filter(pk=user_pk).first()


def comment_notifications_set(*, user: AbstractBaseUser, enabled: bool) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    if profile.notify_comments != enabled:
        profile.notify_comments = enabled
        profile.save(update_fields=["notify_comments"])
    return profile


# ---- Sending -----------------------------------------------------------------------------------


def comment_recipients(comment: Comment) -> list[AbstractBaseUser]:
    """Who hears about `comment`: the summary's author and earlier commenters, once each.

    Only those who opted in, have an address, are active and not suspended, and can still see the
    summary (a hidden or private one is its author's alone); never the commenter themself. Authors
    of comments since deleted or hidden are not counted as taking part.
    """
    summary = comment.summary
    involved = Q(pk=summary.author_id)
    if summary.is_public:
        earlier = Comment.objects.filter(summary=summary, pk__lt=comment.pk, is_deleted=False, is_hidden=False)
        involved |= Q(pk__in=earlier.values("author_id"))
    return list(
        get_user_model()
        .objects.filter(involved, is_active=True)
        .filter(Q(profile__isnull=True) | Q(profile__notify_comments=True, profile__suspended_at__isnull=True))
        .exclude(pk=comment.author_id)
        .exclude(email="")
        .order_by("pk")
    )


def _comment_email(comment: Comment, recipient: AbstractBaseUser) -> EmailMessage:
    summary = comment.summary
    is_summary_author = recipient.pk == summary.author_id
    unsubscribe = unsubscribe_url(recipient)
    context = {
        "comment": comment,
        "paper": summary.paper,
        # The summary author's name appears in no email: on an anonymous summary it must not.
        "commenter": comments.comment_byline(comment=comment, summary=summary).name,
        "is_summary_author": is_summary_author,
        "is_reply": comment.parent_id is not None,
        "comment_url": absolute_url(comment.get_absolute_url()),
        "settings_url": absolute_url(reverse("summaries:profile_edit")),
        "unsubscribe_url": unsubscribe,
        "site_name": settings.SITE_NAME,
    }
    where = "your summary" if is_summary_author else "a summary you commented on"
    subject = f"New comment on {where}: {summary.paper.title}"
    # The HTML part shows the comment's math as MathML, which mail programs render without KaTeX's CSS.
    context["comment_html"] = absolute_links(katex.mathml_only(comment.body_html), base=context["comment_url"])
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=render_to_string("summaries/email/comment_notification.txt", context),
        to=[recipient.email],
        headers={
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("summaries/email/comment_notification.html", context), "text/html")
    return message


@contextmanager
def unnotified_claimed(rows: QuerySet) -> Iterator[list]:
    """Mark those of `rows` not yet notified (`notified_at`) as notified, and hand them over to be emailed.

    So a second run finds nothing to send, even a concurrent one (the rows are locked while claimed). If
    emailing fails the claim is given back, so a retry sends again: after a failure part-way through a
    batch, its first recipients may hear twice rather than anyone never.
    """
    with transaction.atomic():
        claimed = list(rows.select_for_update(of=("self",)).filter(notified_at__isnull=True))
        rows.model.objects.filter(pk__in=[row.pk for row in claimed]).update(notified_at=timezone.now())
    try:
        yield claimed
    except BaseException:
        rows.model.objects.filter(pk__in=[row.pk for row in claimed]).update(notified_at=None)
        raise


def comment_notify(*, comment_id: int) -> int:
    """Email everyone who should hear about a new comment, one message each; return how many were sent.

    Runs in the worker after the comment's transaction commits (see comments.comment_post); running it
    again sends nothing.
    """
    rows = Comment.objects.filter(pk=comment_id).select_related("summary__paper", "summary__author", "author__profile")
    with unnotified_claimed(rows) as claimed:
        comment = next(iter(claimed), None)
        if comment is None or comment.is_deleted or comment.is_hidden:
            return 0
        messages = [_comment_email(comment, recipient) for recipient in comment_recipients(comment)]
        if not messages:
            return 0
        sent = get_connection().send_messages(messages) or 0
    logger.info("Comment %s: sent %s notification email(s).", comment.pk, sent)
    return sent
