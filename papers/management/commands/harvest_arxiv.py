"""Create or update papers from arXiv's new and changed records, harvested through OAI-PMH, day after day."""

import argparse
import hashlib
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from papers.models import HarvestState
from papers.oai import FORMATS, ListRecordsPage, OAIClient, OAIError, OAIUnavailable
from papers.progress import ProgressStream
from papers.search import refresh_search_words
from papers.services import papers_upsert_or_skip


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date like 2024-01-31") from None


def harvest_state_name(endpoint: str, metadata_prefix: str, set_spec: str) -> str:
    """The HarvestState.name of one list: endpoint, metadata format and set ("*" for all of arXiv)."""
    name = f"{endpoint} {metadata_prefix} {set_spec or '*'}"
    max_length = HarvestState._meta.get_field("name").max_length
    if len(name) > max_length:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[: max_length - 11]} {digest}"
    return name


class Command(BaseCommand):
    help = (
        "Harvest new and changed arXiv records through OAI-PMH and create or update their papers. "
        "Without --from, continues from where the last complete harvest stopped; an interrupted "
        "harvest is resumed from its stored resumption token."
    )

    # Tests replace this so that Retry-After and back-off waits don't sleep.
    sleep = staticmethod(time.sleep)

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_date", type=_date, metavar="YYYY-MM-DD",
                            help="first datestamp to harvest (default: the last harvest's end)")
        parser.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="last datestamp to harvest (default: today)")
        parser.add_argument("--set", dest="set_spec", default="", metavar="SET",
                            help="an OAI set such as cs or physics:hep-th (default: all of arXiv)")
        parser.add_argument("--format", dest="metadata_prefix", choices=FORMATS, default="arXiv",
                            help="OAI metadata format (default: arXiv)")
        parser.add_argument("--restart", action="store_true",
                            help="discard the resumption token of an interrupted harvest and start a new list")

    def handle(self, *args, from_date, until, set_spec, metadata_prefix, restart, verbosity, **options):
        endpoint = settings.ARXIV_OAI_URL
        name = harvest_state_name(endpoint, metadata_prefix, set_spec)
        # Saved with the first page, so a refused or unreachable first request leaves no row behind.
        state = HarvestState.objects.filter(name=name).first() or HarvestState(name=name)
        if restart and state.resumption_token:
            state.resumption_token = ""
            state.save(update_fields=["resumption_token", "updated_at"])

        resuming = bool(state.resumption_token)
        if resuming:
            self.stdout.write(f"Resuming the interrupted harvest of {state.name} (--restart starts a new one).")
        else:
            from_date = from_date or state.harvested_until
            if from_date is None:
                raise CommandError(f"Nothing has been harvested from {state.name} yet: pass --from YYYY-MM-DD.")
            if until and until < from_date:
                raise CommandError(f"--until {until} is before the start date {from_date}.")
            # The list now begins here, so an interrupted first harvest has somewhere to restart from.
            state.harvested_until = state.harvested_until or from_date

        client = OAIClient(endpoint, timeout=settings.EXTERNAL_API_TIMEOUT,
                           max_retries=settings.ARXIV_OAI_MAX_RETRIES, sleep=self.sleep)
        pages = client.list_records(
            metadata_prefix=metadata_prefix, from_date=from_date, until=until, set_spec=set_spec,
            resumption_token=state.resumption_token,
        )
        stream = ProgressStream(self.stderr)
        progress = tqdm(desc="Harvesting", unit="record", file=stream, disable=verbosity == 0)
        totals = dict(pages=0, seen=0, created=0, updated=0, deleted=0, skipped=0)
        # A resumed list ends where it would have when it started, whatever today's date is.
        list_end, first_cursor = until or (state.list_until if resuming else None), None
        try:
            for page in pages:
                if list_end is None and not resuming:
                    # A list holds the records as they were at its first response.
                    list_end = page.response_date
                refused = self._save_page(state, page, totals, list_end)
                if first_cursor is None:
                    first_cursor = page.cursor or 0
                if progress.total is None and page.complete_list_size is not None:
                    # arXiv tells the list's size in the token; a resumed list starts at its cursor.
                    progress.total = max(page.complete_list_size - first_cursor, 0)
                progress.set_postfix(pages=totals["pages"], refresh=False)
                progress.update(page.size)
                for skipped in page.skipped:
                    tqdm.write(self.style.WARNING(f"skipped {skipped.identifier or '(no identifier)'}: {skipped.reason}"), file=stream)
                for record, error in refused:
                    tqdm.write(self.style.WARNING(f"not saved {record.arxiv_id}: {error}"), file=stream)
        except OAIError as error:
            raise CommandError(self._refusal(state, error)) from error
        except OAIUnavailable as error:
            if state.resumption_token:
                next_run = "The next run resumes the list from its resumption token."
            else:
                next_run = "Nothing was saved; run again later."
            raise CommandError(f"Harvest interrupted: {error} {self._counts(totals)} {next_run}") from error
        finally:
            progress.close()

        if totals["seen"]:
            # New titles bring new words for search to correct misspellings against.
            refresh_search_words()
            outcome = f"Harvested {state.name}: {self._counts(totals)}"
        else:
            outcome = f"No new or changed records in {state.name}."
        self.stdout.write(f"{outcome} Harvested until {state.harvested_until}.", self.style.SUCCESS)

    @staticmethod
    def _save_page(state: HarvestState, page: ListRecordsPage, totals: dict, list_end: date | None) -> list:
        """Write one page's papers and where the list stands, together, so a crash loses neither.

        Returns the (record, error) pairs the database refused; the rest of the page is saved.
        """
        with transaction.atomic():
            refused = []
            result = papers_upsert_or_skip(page.records, refused=lambda record, error: refused.append((record, error)))
            totals["created"] += result.created
            totals["updated"] += result.updated
            state.resumption_token = page.resumption_token
            state.list_until = list_end if page.resumption_token else None
            state.records_seen += page.size
            if not page.resumption_token and list_end:
                state.harvested_until = max(state.harvested_until or list_end, list_end)
            state.save()
        totals["pages"] += 1
        totals["seen"] += page.size
        totals["deleted"] += len(page.deleted)
        totals["skipped"] += len(page.skipped) + len(refused)
        return refused

    @staticmethod
    def _refusal(state: HarvestState, error: OAIError) -> str:
        if error.code == "badResumptionToken":
            # An expired or unknown token can't be used again; the next run starts a new list instead.
            state.resumption_token = ""
            state.save(update_fields=["resumption_token", "updated_at"])
            return (f"arXiv refused the resumption token ({error}). It has been discarded: run again to "
                    f"harvest from {state.harvested_until or 'a --from date'} with a new list.")
        return f"arXiv refused the request ({error})."

    @staticmethod
    def _counts(totals: dict) -> str:
        return (
            f"{totals['seen']} records in {totals['pages']} page{'' if totals['pages'] == 1 else 's'}: {totals['created']} papers created, "
            f"{totals['updated']} updated, {totals['deleted']} deleted records and {totals['skipped']} "
            f"unreadable records skipped."
        )
