"""Bring stored summary HTML up to the current renderer: `manage.py rerender_summaries [--all]`."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from papers.progress import ProgressStream
from summaries import rendering, services
from summaries.models import Summary

CHUNK_SIZE = 500


class Command(BaseCommand):
    help = "Re-render summaries stored by an older renderer version (every summary with --all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Re-render every summary, e.g. after a cited paper's authors or year changed.",
        )

    def handle(self, *args, everything: bool, **options):
        summaries = Summary.objects.order_by("pk")
        if not everything:
            summaries = summaries.filter(rendered_version__lt=rendering.RENDERER_VERSION)
        total = summaries.count()
        # The raw stream under self.stderr: its wrapper would end every progress update with a
        # newline and colour it as an error.
        progress = tqdm(summaries.iterator(chunk_size=CHUNK_SIZE), total=total, unit="summary", file=ProgressStream(self.stderr))
        for summary in progress:
            services.summary_rerender(summary=summary)
        self.stdout.write(f"Re-rendered {total} {'summary' if total == 1 else 'summaries'}.")
