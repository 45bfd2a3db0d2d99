"""Remove for good the summaries deleted longer ago than staff may restore them: `manage.py purge_deleted_summaries`."""

from django.conf import settings
from django.core.management.base import BaseCommand

from summaries import services


class Command(BaseCommand):
    help = (
        "Delete for good (with their comments, votes and revisions) the summaries deleted more than --days ago "
        "(default SUMMARY_PURGE_AFTER_DAYS); one with an open report waits until a moderator has handled it. "
        "Run it daily (cron, systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.SUMMARY_PURGE_AFTER_DAYS, help="Keep those deleted more recently.")

    def handle(self, *args, days: int, **options):
        purged, waiting = services.summaries_purge(deleted_before_days=days)
        self.stdout.write(
            f"Purged {purged} {'summary' if purged == 1 else 'summaries'} deleted more than {days} days ago"
            + (f"; {waiting} with open reports wait for a moderator." if waiting else ".")
        )
