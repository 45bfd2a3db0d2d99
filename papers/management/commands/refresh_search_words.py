"""Rebuild the word list that search corrects misspelled words against (run after imports, e.g. daily)."""

import time

from django.core.management.base import BaseCommand

from papers import search


class Command(BaseCommand):
    help = "Refresh papers_searchword, the words of titles and author names used for spelling corrections."

    def handle(self, *args, **options):
        if not search.is_postgresql():
            self.stdout.write("Nothing to do: spelling corrections need PostgreSQL.")
            return
        started = time.perf_counter()
        search.refresh_search_words()
        self.stdout.write(self.style.SUCCESS(f"Search words refreshed in {time.perf_counter() - started:.1f}s."))
