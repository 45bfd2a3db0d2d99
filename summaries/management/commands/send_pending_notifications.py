"""Send the notification emails still owed, where no worker does it (`manage.py send_pending_notifications`)."""

from django.core.management.base import BaseCommand

from summaries import pending


class Command(BaseCommand):
    help = (
        "Email the comment notifications and fulfilled summary requests still unsent five minutes on (their task "
        "never reached the worker, or was lost). The worker does this every ten minutes on its own."
    )

    def handle(self, *args, **options):
        sent = pending.pending_notifications_send()
        self.stdout.write(f"Sent {sent} pending notification email{'' if sent == 1 else 's'}.")
