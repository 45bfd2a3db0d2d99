"""Background work of the papers app: the daily arXiv harvest, run by the worker's beat schedule."""

from celery import shared_task
from django.core.management import call_command

from shortscience.background import TRANSIENT_FAILURE_RETRIES


@shared_task(**TRANSIENT_FAILURE_RETRIES)
def harvest_arxiv() -> None:
    # The command keeps where it stopped in HarvestState, so a second run only asks for what is newer.
    call_command("harvest_arxiv", verbosity=0)
