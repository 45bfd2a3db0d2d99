"""Background work of the site's infrastructure."""

from celery import shared_task

from shortscience import generations


@shared_task
def owed_bumps_settle() -> int:
    # The owing process may have stopped before the cache came back, and no other may have found it away.
    return generations.settle_owed()
