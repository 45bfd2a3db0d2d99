"""Bring stored summary and comment HTML up to the current renderer: `manage.py rerender_summaries [--all] [--background]`."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from papers.progress import ProgressStream
from shortscience.background import enqueue
from summaries import services, tasks


class Command(BaseCommand):
    help = "Re-render the summaries and comments stored by an older renderer version (all of them with --all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Re-render every summary and comment, e.g. after a cited paper's authors or year changed.",
        )
        parser.add_argument(
            "--background", action="store_true", help="Leave the work to the Celery worker instead of doing it here."
        )

    def handle(self, *args, everything: bool, background: bool, **options):
        if background:
            if not enqueue(tasks.stored_html_rerender, everything=everything):
                raise CommandError("The Celery broker (CELERY_BROKER_URL) is unreachable: run without --background.")
            self.stdout.write("Queued for the worker.")
            return
        summary_count, comment_count = services.stored_html_rerender(everything=everything, progress=self.progress_bar)
        self.stdout.write(
            f"Re-rendered {summary_count} {'summary' if summary_count == 1 else 'summaries'} "
            f"and {comment_count} comment{'' if comment_count == 1 else 's'}."
        )

    def progress_bar(self, rows, *, unit: str):
        # The raw stream under self.stderr: its wrapper would end every progress update with a
        # newline and colour it as an error.
        stream = ProgressStream(self.stderr)
        return tqdm(rows.iterator(chunk_size=services.RERENDER_CHUNK_SIZE), total=rows.count(), unit=unit, file=stream)
