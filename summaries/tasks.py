"""Background work of the summaries app: thin shells around its services that take ids and can run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from shortscience.background import TRANSIENT_FAILURE_RETRIES
from summaries import citations, following, notifications, pending, popularity, services, summary_requests, versions
from summaries.models import Summary


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def comment_notify(comment_id: int) -> int:
    return notifications.comment_notify(comment_id=comment_id)


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def summary_requests_notify(summary_id: int) -> int:
    summary = Summary.objects.filter(pk=summary_id).first()
    return summary_requests.summary_requests_notify(summary) if summary else 0


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def pending_notifications_send() -> int:
    return pending.pending_notifications_send()


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def weekly_digest_send(days: int = 7) -> int:
    # Each reader's digest_sent_through keeps a second run from repeating what the first one sent.
    return following.weekly_digests_send(since=timezone.now() - timedelta(days=days))


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def stored_html_rerender(everything: bool = False) -> tuple[int, int]:
    return services.stored_html_rerender(everything=everything)


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def citing_summaries_rerender(paper_ids: list[int]) -> int:
    return services.citing_summaries_rerender(paper_ids=paper_ids)


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def outdated_summaries_notify() -> int:
    return versions.outdated_summaries_notify()
@shared_task
def housekeeping_daily() -> tuple[int, int]:
    """Purge summaries deleted long enough ago, and who-read-what records older than yesterday."""
    purged, _ = services.summaries_purge(deleted_before_days=settings.SUMMARY_PURGE_AFTER_DAYS)
    return purged, popularity.summary_views_purge()


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def citations_heal(identifiers: dict[str, list[str]]) -> int:
    return citations.citations_heal(identifiers=identifiers)
