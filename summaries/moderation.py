"""Moderation: readers report summaries and comments; moderators hide, restore, dismiss and suspend.

Every moderator's act goes through here and is written to the moderation log (ModerationAction).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shortscience import auth_backends, page_cache
from summaries import services
from summaries.models import Comment, ModerationAction, Profile, Report, Summary

User = get_user_model()


class ReportRefused(Exception):
    """A report that cannot be filed; the message says why, for the reporter."""


def _log(*, moderator: AbstractBaseUser, action: str, targets: Iterable, note: str = "") -> None:
    ModerationAction.objects.bulk_create(
        ModerationAction(
            moderator=moderator,
            action=action,
            content_type=ContentType.objects.get_for_model(target),
            object_id=target.pk,
            target_repr=str(target)[:300],
            note=note,
        )
        for target in targets
    )


# ---- Reports -----------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *, reporter: AbstractBaseUser, reason: str, summary: Summary | None = None, comment: Comment | None = None
) -> Report:
    """File `reporter`'s report on a summary or a comment; one open report per reporter and target."""
    if (summary is None) == (comment is None):
        raise ValueError("A report names a summary or a comment.")
    reason = reason.strip()
    if not reason:
        raise ReportRefused("Say what is wrong, so moderators know what to look for.")
    # Locking the target serializes reports on it, so a double submit cannot file two.
    model, target = (Summary, summary) if summary is not None else (Comment, comment)
    target = model.objects.select_for_update().get(pk=target.pk)
    if target.author_id == reporter.pk:
        raise ReportRefused("You cannot report what you wrote yourself; edit or delete it instead.")
    target_field = "summary" if model is Summary else "comment"
    if Report.objects.filter(reporter=reporter, status=Report.OPEN, **{target_field: target}).exists():
        raise ReportRefused("You have already reported this; moderators will look at it.")
    return Report.objects.create(reporter=reporter, reason=reason, **{target_field: target})


def _close_reports(*, moderator, status: str, report_ids=(), summary_ids=(), comment_ids=()) -> int:
    """Close these reports, and the open reports on these summaries and comments, as `status`."""
    condition = Q(pk__in=list(report_ids)) | Q(summary__in=list(summary_ids)) | Q(comment__in=list(comment_ids))
    return Report.objects.filter(condition, status=Report.OPEN).update(
        status=status, handled_by=moderator, handled_at=timezone.now()
    )


@transaction.atomic
def reports_dismiss(*, reports, moderator: AbstractBaseUser, note: str = "") -> int:
    """Close open reports without acting on their targets; return how many were open."""
    dismissed = list(
        Report.objects.filter(pk__in=[report.pk for report in reports], status=Report.OPEN).select_related(
            "summary__paper", "summary__author", "comment__author"
        )
    )
    _close_reports(moderator=moderator, status=Report.DISMISSED, report_ids=[report.pk for report in dismissed])
    _log(moderator=moderator, action="dismiss report", targets=dismissed, note=note)
    return len(dismissed)


def _targets(reports) -> tuple[list[Summary], list[Comment]]:
    reports = list(Report.objects.filter(pk__in=[report.pk for report in reports]).select_related("summary", "comment"))
    summaries = {report.summary_id: report.summary for report in reports if report.summary_id}
    comments = {report.comment_id: report.comment for report in reports if report.comment_id}
    return list(summaries.values()), list(comments.values())


# ---- Hiding and restoring ----------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def summaries_undelete(*, summaries, moderator: AbstractBaseUser) -> int:
    """Restore deleted summaries, with the comments and reports they kept; return how many were deleted."""
    restored = services.summaries_undelete(summaries=summaries)
    _log(moderator=moderator, action="undelete summary", targets=restored)
    return len(restored)


def summaries_set_hidden(*, summaries, hidden: bool, moderator: AbstractBaseUser, note: str = "") -> int:
    """Hide (or restore) summaries; return how many changed. Hiding closes their open reports as actioned."""
    ids = [summary.pk for summary in summaries]
    changing = list(Summary.objects.filter(pk__in=ids).exclude(is_hidden=hidden).select_related("paper", "author"))
    Summary.objects.filter(pk__in=[summary.pk for summary in changing]).update(is_hidden=hidden)
    page_cache.content_changed()  # update() sends no model signals
    _log(moderator=moderator, action="hide summary" if hidden else "restore summary", targets=changing, note=note)
    if hidden:
        _close_reports(moderator=moderator, status=Report.ACTIONED, summary_ids=ids)
    return len(changing)


@transaction.atomic
def comments_set_hidden(*, comments, hidden: bool, moderator: AbstractBaseUser, note: str = "") -> int:
    """Hide (or restore) comments, logged; hiding closes their open reports as actioned."""
    from summaries import comments as comment_services  # it logs each change itself

    comments = list(comments)
    changed = comment_services.comments_set_hidden(comments=comments, hidden=hidden, moderator=moderator, note=note)
    if hidden:
        _close_reports(moderator=moderator, status=Report.ACTIONED, comment_ids=[comment.pk for comment in comments])
    return changed


@transaction.atomic
def reports_hide_targets(*, reports, moderator: AbstractBaseUser, note: str = "") -> tuple[int, int]:
    """Hide what the reports point at; return (summaries, comments) hidden."""
    summaries, comments = _targets(reports)
    return (
        summaries_set_hidden(summaries=summaries, hidden=True, moderator=moderator, note=note),
        comments_set_hidden(comments=comments, hidden=True, moderator=moderator, note=note),
    )


@transaction.atomic
def reports_restore_targets(*, reports, moderator: AbstractBaseUser, note: str = "") -> tuple[int, int]:
    summaries, comments = _targets(reports)
    return (
        summaries_set_hidden(summaries=summaries, hidden=False, moderator=moderator, note=note),
        comments_set_hidden(comments=comments, hidden=False, moderator=moderator, note=note),
    )


# ---- Suspending --------------------------------------------------------------------------------


def _suspendable(users, moderator) -> tuple[list, list]:
    """Moderators cannot suspend themselves or other staff (a superuser removes staff status first)."""
    users = list(User.objects.filter(pk__in=[user.pk for user in users]))
    refused = [user for user in users if user.is_staff or user.is_superuser or user.pk == moderator.pk]
    return [user for user in users if user not in refused], refused


@transaction.atomic
def users_suspend(*, users, moderator: AbstractBaseUser, hide_content: bool = False, note: str = "") -> tuple[int, list]:
    """Suspend accounts: they can no longer log in, and sessions already open stop working.

    Django's ModelBackend.get_user() refuses inactive users on every request, and allauth sends an
    inactive user who logs in to its "account inactive" page. With `hide_content`, every summary
    and comment they wrote is hidden as well, and open reports on it are closed as actioned.
    Returns (how many were suspended, the users refused because they are staff or the moderator).
    """
    suspendable, refused = _suspendable(users, moderator)
    suspending = [user for user in suspendable if user.is_active]
    now = timezone.now()
    User.objects.filter(pk__in=[user.pk for user in suspending]).update(is_active=False)
    auth_backends.users_changed(user.pk for user in suspending)
    page_cache.content_changed()  # their profile no longer offers to follow them; update() sends no model signals
    for user in suspending:
        Profile.objects.update_or_create(user=user, defaults={"suspended_at": now})
    _log(moderator=moderator, action="suspend user", targets=suspending, note=note)
    if hide_content and suspendable:
        summaries = Summary.objects.filter(author__in=suspendable)
        comments = Comment.objects.filter(author__in=suspendable)
        summaries_set_hidden(summaries=summaries, hidden=True, moderator=moderator, note=note or "suspended author")
        comments_set_hidden(comments=comments, hidden=True, moderator=moderator, note=note or "suspended author")
    return len(suspending), refused


@transaction.atomic
def users_unsuspend(*, users, moderator: AbstractBaseUser, note: str = "") -> int:
    """Let suspended accounts log in again; content hidden with them stays hidden until restored."""
    suspended = list(User.objects.filter(pk__in=[user.pk for user in users], is_active=False))
    User.objects.filter(pk__in=[user.pk for user in suspended]).update(is_active=True)
    auth_backends.users_changed(user.pk for user in suspended)
    page_cache.content_changed()  # their profile offers to follow them again; update() sends no model signals
    Profile.objects.filter(user__in=suspended).update(suspended_at=None)
    _log(moderator=moderator, action="unsuspend user", targets=suspended, note=note)
    return len(suspended)


@transaction.atomic
def reports_suspend_authors(*, reports, moderator: AbstractBaseUser, hide_content: bool = False) -> tuple[int, list]:
    """Suspend the authors of what the reports point at (see users_suspend); their reports are closed as actioned."""
    reports = list(Report.objects.filter(pk__in=[report.pk for report in reports]).select_related("summary", "comment"))
    author_of = {report.pk: report.target.author_id for report in reports}
    authors = User.objects.filter(pk__in=set(author_of.values()))
    suspended, refused = users_suspend(users=authors, moderator=moderator, hide_content=hide_content)
    refused_ids = {user.pk for user in refused}
    handled = [report_id for report_id, author_id in author_of.items() if author_id not in refused_ids]
    _close_reports(moderator=moderator, status=Report.ACTIONED, report_ids=handled)
    return suspended, refused
