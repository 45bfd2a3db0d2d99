"""Email every reader who opted in to the weekly digest the new public summaries in what they follow."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from summaries import following


class Command(BaseCommand):
    help = (
        "Email each reader with Profile.weekly_digest on the public summaries published in the last --days "
        "(default 7) in the papers, authors and categories they follow; readers with nothing new get nothing. "
        "Run it once a week (cron, systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far back to look (default: 7).")

    def handle(self, *args, days: int, **options):
        since = timezone.now() - timedelta(days=days)
        sent = following.weekly_digests_send(since=since)
        self.stdout.write(f"Sent {sent} digest{'' if sent == 1 else 's'} covering summaries since {since:%Y-%m-%d %H:%M} UTC.")
