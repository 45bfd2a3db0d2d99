"""Comments on summaries: posting, replying, editing, deleting and hiding them, and reading a thread."""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse

from shortscience import page_cache
from shortscience.background import enqueue_on_commit
from summaries import rendering
from summaries.models import Comment, ModerationAction, Summary

logger = logging.getLogger(__name__)

# What readers see instead of a removed comment that still has replies under it.
DELETED_PLACEHOLDER = "[deleted]"
HIDDEN_PLACEHOLDER = "[hidden by a moderator]"
# On an anonymous summary its author's comments are signed with this, never with their name.
SUMMARY_AUTHOR_LABEL = "Summary author"
# A fix within this many seconds of posting is not flagged "(edited)".
EDIT_GRACE_SECONDS = 120


@dataclass(frozen=True)
class Byline:
    name: str
    url: str | None  # None when the name must not lead to a profile
    is_summary_author: bool


def comment_byline(*, comment: Comment, summary: Summary) -> Byline:
    """Who wrote a comment, as readers may see it: an anonymous summary's author stays anonymous."""
    is_summary_author = comment.author_id == summary.author_id
    if is_summary_author and summary.is_anonymous:
        return Byline(name=SUMMARY_AUTHOR_LABEL, url=None, is_summary_author=True)
    author = comment.author
    profile = getattr(author, "profile", None)
    name = profile.name if profile else author.get_username()
    url = reverse("summaries:profile", kwargs={"username": author.get_username()})
    return Byline(name=name, url=url, is_summary_author=is_summary_author)


def summary_commentable(*, summary: Summary, user) -> bool:
    """Whoever can see a summary (public, or their own) can comment on it."""
    if user is None or not user.is_authenticated:
        return False
    return Summary.objects.visible_to(user).filter(pk=summary.pk).exists()


# ---- Writes ------------------------------------------------------------------------------------


def _render_body(comment: Comment) -> None:
    comment.body_html = rendering.render(comment.body).html
    comment.rendered_version = rendering.RENDERER_VERSION


@transaction.atomic
def comment_post(*, summary: Summary, author: AbstractBaseUser, body: str, parent: Comment | None = None) -> Comment:
    """Save a new comment (or a reply) with its rendered HTML; people who follow the thread hear from the worker after commit.

    Replies are one level deep: replying to a reply attaches to that reply's top-level comment.
    """
    if parent is not None:
        if parent.summary_id != summary.pk:
            raise ValueError("A reply belongs to the same summary as the comment it answers.")
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
    comment = Comment(summary=summary, author=author, parent=parent, body=body)
    _render_body(comment)
    comment.save()
    # Imported here: tasks import notifications, which imports this module for bylines.
    from summaries import tasks

    enqueue_on_commit(tasks.comment_notify, comment_id=comment.pk)
    return comment


def _check_author(comment: Comment, user: AbstractBaseUser) -> None:
    if user is None or not user.is_authenticated or comment.author_id != user.pk:
        raise PermissionError("Only its author can change a comment.")
    if comment.is_deleted:
        raise PermissionError("This comment is deleted.")


@transaction.atomic
def comment_edit(*, comment: Comment, editor: AbstractBaseUser, body: str) -> Comment:
    _check_author(comment, editor)
    comment.body = body
    _render_body(comment)
    comment.save(update_fields=["body", "body_html", "rendered_version", "updated_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: AbstractBaseUser) -> Comment:
    """Soft delete: the row stays (replies and reports hang on it); readers see its text no more.

    The Markdown source is kept for moderators in the admin; the HTML readers get is cleared.
    """
    _check_author(comment, actor)
    comment.is_deleted = True
    comment.body_html = ""
    comment.save(update_fields=["is_deleted", "body_html", "updated_at"])
    return comment


def comment_rerender(*, comment: Comment) -> None:
    """Bring a comment's stored HTML in line with its body and the current renderer (after a moderator
    edits it in the admin, or the renderer changed)."""
    if comment.is_deleted:
        return
    try:
        _render_body(comment)
    except rendering.RenderingTooSlow:
        logger.warning("Comment %s not re-rendered: over the rendering budget.", comment.pk)
        return
    Comment.objects.filter(pk=comment.pk).update(body_html=comment.body_html, rendered_version=comment.rendered_version)
    page_cache.content_changed()  # update() sends no model signals


@transaction.atomic
def comments_set_hidden(*, comments, hidden: bool, moderator: AbstractBaseUser | None = None, note: str = "") -> int:
    """Hide (or restore) comments; with a moderator, each change is written to the moderation log.

    Returns how many comments changed. Used by the admin actions and the moderation queue.
    """
    changing = list(Comment.objects.filter(pk__in=[comment.pk for comment in comments]).exclude(is_hidden=hidden))
    Comment.objects.filter(pk__in=[comment.pk for comment in changing]).update(is_hidden=hidden)
    page_cache.content_changed()  # update() sends no model signals
    if moderator is not None and changing:
        content_type = ContentType.objects.get_for_model(Comment)
        ModerationAction.objects.bulk_create(
            ModerationAction(
                moderator=moderator,
                action="hide comment" if hidden else "restore comment",
                content_type=content_type,
                object_id=comment.pk,
                target_repr=str(comment)[:300],
                note=note,
            )
            for comment in changing
        )
    return len(changing)


# ---- Reads -------------------------------------------------------------------------------------


def _readable_by(comment: Comment, viewer) -> bool:
    """A hidden comment stays readable to its author and to moderators, as a hidden summary does."""
    if comment.is_deleted:
        return False
    if not comment.is_hidden:
        return True
    return viewer is not None and viewer.is_authenticated and (viewer.is_staff or viewer.pk == comment.author_id)


def comment_thread(*, summary: Summary, viewer=None) -> list[Comment]:
    """A summary's top-level comments, oldest first, each with `thread_replies`; one query in all.

    Every comment gets `byline`, `is_readable` (show its text, or else a placeholder), `placeholder`,
    `was_edited` and `can_change` (the viewer wrote it). A removed comment stays only as a placeholder above
    replies that are still shown; without any it disappears.
    """
    comments = Comment.objects.filter(summary=summary).select_related("author__profile").order_by("created_at", "id")
    top_level: list[Comment] = []
    replies: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        comment.byline = comment_byline(comment=comment, summary=summary)
        comment.is_readable = _readable_by(comment, viewer)
        comment.placeholder = DELETED_PLACEHOLDER if comment.is_deleted else HIDDEN_PLACEHOLDER
        comment.was_edited = (comment.updated_at - comment.created_at).total_seconds() > EDIT_GRACE_SECONDS
        comment.can_change = (
            viewer is not None and viewer.is_authenticated and viewer.pk == comment.author_id and not comment.is_deleted
        )
        if comment.parent_id is None:
            top_level.append(comment)
        else:
            replies[comment.parent_id].append(comment)
    thread = []
    for comment in top_level:
        comment.thread_replies = [reply for reply in replies[comment.pk] if reply.is_readable]
        if comment.is_readable or comment.thread_replies:
            thread.append(comment)
    return thread


def thread_size(thread: list[Comment]) -> int:
    """How many readable comments a thread shows (placeholders not counted)."""
    return sum(comment.is_readable + len(comment.thread_replies) for comment in thread)
