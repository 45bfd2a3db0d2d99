"""Background work of the claims app: thin shells around its notifications, taking ids."""

from celery import shared_task

from claims import notifications
from shortscience.background import TRANSIENT_FAILURE_RETRIES


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def summary_notify_authors(summary_id: int) -> int:
    return notifications.summary_notify_authors(summary_id=summary_id)


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def comment_notify_authors(comment_id: int) -> int:
    return notifications.comment_notify_authors(comment_id=comment_id)
