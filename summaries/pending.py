"""Notification emails still owed: those whose task never reached the worker (the broker was down) or was lost.

The database says what is owed (`notified_at` is empty on comments and summary requests until their
emails go out), so catching up needs no record of the lost tasks themselves.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from summaries import notifications, summary_requests
from summaries.models import Comment, Summary, SummaryRequest

# Younger than this, a task may still be on its way: leave it to the worker.
GRACE = timedelta(minutes=5)


def pending_notifications_send() -> int:
    """Send every notification owed for longer than GRACE; return how many emails went out.

    Runs every ten minutes in the worker (CELERY_BEAT_SCHEDULE) and as `manage.py send_pending_notifications`.
    """
    cutoff = timezone.now() - GRACE
    sent = 0
    for comment_id in Comment.objects.filter(notified_at__isnull=True, created_at__lt=cutoff).values_list("pk", flat=True):
        sent += notifications.comment_notify(comment_id=comment_id)
    # Only summaries written after the request: one asked for beside an existing summary was never owed an email.
    has_public_summary = Exists(
        Summary.objects.public().filter(
            paper_id=OuterRef("paper_id"), created_at__gt=OuterRef("created_at"), created_at__lt=cutoff
        )
    )
    waiting_papers = (
        SummaryRequest.objects.filter(has_public_summary, notified_at__isnull=True).values_list("paper_id", flat=True)
    )
    for paper_id in set(waiting_papers):
        summary = Summary.objects.public().filter(paper_id=paper_id).order_by("created_at", "pk").first()
        sent += summary_requests.summary_requests_notify(summary)
    return sent
