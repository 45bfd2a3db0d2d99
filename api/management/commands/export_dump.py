"""Write every public summary to DIR/summaries.jsonl for data reuse, each line as the API shows it, licence included."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from api import representations, selectors


class Command(BaseCommand):
    help = "Write the public summaries as JSON Lines (DIR/summaries.jsonl), with their licence; anonymous ones name no author."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write summaries.jsonl (created if missing).")

    def handle(self, *args, directory: str, **options):
        target_dir = Path(directory)
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"Cannot use {directory} as the dump's directory: {error.strerror}.") from None
        target = target_dir / "summaries.jsonl"
        partial = target_dir / "summaries.jsonl.partial"
        count = 0
        # Written beside the target and renamed at the end, so a reader never finds half a dump.
        with partial.open("w", encoding="utf-8") as out:
            for summary in selectors.public_summaries().order_by("created_at", "id").iterator(chunk_size=2000):
                out.write(json.dumps(representations.summary_dict(summary), cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
                count += 1
        os.replace(partial, target)
        self.stdout.write(f"{count} public summaries written to {target}.")
