"""Create or update papers from a BibTeX file (DBLP, Google Scholar, Zotero... exports)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from tqdm import tqdm

from papers.importers import bibtex_records
from papers.progress import ProgressStream
from papers.services import paper_upsert


class Command(BaseCommand):
    help = "Create or update a paper for each entry of a .bib file; broken entries are reported and skipped."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .bib file")
        parser.add_argument("--encoding", default="utf-8-sig", help="of the file (default: UTF-8)")

    def handle(self, *args, path, encoding, verbosity, **options):
        try:
            text = Path(path).read_text(encoding=encoding)
        except (OSError, UnicodeError, LookupError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error

        results = list(bibtex_records(text))
        stream = ProgressStream(self.stderr)
        created = updated = errors = 0
        for result in tqdm(results, desc="Importing", unit="entry", file=stream, disable=verbosity == 0):
            error = result.error
            if not error:
                try:
                    # Its own savepoint, so one entry the database refuses doesn't stop the rest.
                    with transaction.atomic():
                        _, was_created = paper_upsert(record=result.record)
                except (ValueError, DatabaseError) as exception:
                    error = f"not saved: {exception}"
                else:
                    created += was_created
                    updated += not was_created
            if error:
                errors += 1
                tqdm.write(self.style.ERROR(f"{path}:{result.line}: {result.key or '(no key)'}: {error}"), file=stream)

        summary = f"Imported {created + updated} papers ({created} created, {updated} updated), {errors} errors."
        self.stdout.write(summary, self.style.WARNING if errors else self.style.SUCCESS)
        if errors and not (created or updated):
            raise CommandError("No paper was imported.")
