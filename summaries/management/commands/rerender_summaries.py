"""Bring stored summary and comment HTML up to the current renderer: `manage.py rerender_summaries [--all]`."""

from django.core.management.base import BaseCommand
from django.db.models import QuerySet
from tqdm import tqdm

from papers.progress import ProgressStream
from summaries import comments as comment_services
from summaries import rendering, services
from summaries.models import Comment, Summary

CHUNK_SIZE = 500


class Command(BaseCommand):
    help = "Re-render the summaries and comments stored by an older renderer version (all of them with --all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Re-render every summary and comment, e.g. after a cited paper's authors or year changed.",
        )

    def handle(self, *args, everything: bool, **options):
        stale = {} if everything else {"rendered_version__lt": rendering.RENDERER_VERSION}
        summary_count = self.rerender(
            Summary.objects.filter(**stale), lambda summary: services.summary_rerender(summary=summary), unit="summary"
        )
        # A deleted comment's HTML stays empty: readers get a placeholder, not its text.
        comment_count = self.rerender(
            Comment.objects.filter(is_deleted=False, **stale),
            lambda comment: comment_services.comment_rerender(comment=comment),
            unit="comment",
        )
        self.stdout.write(
            f"Re-rendered {summary_count} {'summary' if summary_count == 1 else 'summaries'} "
            f"and {comment_count} comment{'' if comment_count == 1 else 's'}."
        )

    def rerender(self, rows: QuerySet, rerender_one, *, unit: str) -> int:
        rows = rows.order_by("pk")
        total = rows.count()
        # The raw stream under self.stderr: its wrapper would end every progress update with a
        # newline and colour it as an error.
        for row in tqdm(rows.iterator(chunk_size=CHUNK_SIZE), total=total, unit=unit, file=ProgressStream(self.stderr)):
            try:
                rerender_one(row)
            except rendering.RenderingTooSlow as too_slow:
                # Its stored HTML stays as it was; one hostile body must not stop the rest.
                self.stderr.write(f"{unit} {row.pk}: not re-rendered: {too_slow}")
        return total
