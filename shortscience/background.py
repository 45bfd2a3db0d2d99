"""Handing work to the Celery worker once the transaction commits, so no request waits on SMTP.

When the broker is unreachable the request still succeeds: the failure is logged (once per outage). An
email task is dropped, because the database already records what is left to do (a comment's or a summary
request's `notified_at` is empty until its emails go out) and the worker's `pending_notifications_send`,
or `manage.py send_pending_notifications`, sends it later. Cheap work nothing records (re-rendering the
few summaries citing an updated paper) runs here instead.
"""

import logging
from smtplib import SMTPException

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Every task retries what may work in a minute (a mail server or a network that is down), backing off
# 1, 2, 4 ... seconds up to ten minutes. SMTPException is an OSError; it is named for the reader.
TRANSIENT_FAILURE_RETRIES = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}

_broker_outage_logged = False


def enqueue(task: Task, *, run_here_if_broker_down: bool = False, **kwargs) -> bool:
    """Send `task` to the broker (or run it here when tasks are eager); return False if the broker is down."""
    global _broker_outage_logged
    try:
        # No publish retries: each one would keep the request waiting on a broker that isn't there.
        task.apply_async(kwargs=kwargs, retry=False)
    except OperationalError as error:
        if not _broker_outage_logged:
            logger.error("Celery broker unreachable (%s): tasks are not queued until it is back.", error)
            _broker_outage_logged = True
        if run_here_if_broker_down:
            task.apply(kwargs=kwargs)
        return False
    if _broker_outage_logged:
        logger.warning("Celery broker reachable again.")
        _broker_outage_logged = False
    return True


def enqueue_on_commit(task: Task, *, run_here_if_broker_down: bool = False, **kwargs) -> None:
    # robust: an eager task's failure (SMTP down, in development) is logged, never a 500 for saved work.
    transaction.on_commit(
        lambda: enqueue(task, run_here_if_broker_down=run_here_if_broker_down, **kwargs), robust=True
    )
