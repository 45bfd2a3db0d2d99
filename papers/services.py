"""Every write of paper metadata goes through here, whichever importer or fetcher it comes from."""

import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from papers.identifiers import Identifier, InvalidIdentifier, Kind, parse
from papers.models import Paper, is_web_link
from papers.signals import papers_written
from shortscience import page_cache
from shortscience.background import enqueue_on_commit
from summaries import tasks as summary_tasks
from summaries.models import Summary

IDENTIFIER_FIELDS = ("arxiv_id", "doi", "bibtex_key")


@dataclass
class PaperRecord:
    """Metadata for one paper as a source knows it; empty values mean "this source doesn't say"."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    year: int | None = None
    venue: str = ""
    journal_ref: str = ""
    published: date | None = None
    updated: date | None = None
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    arxiv_version_dates: list[str] = field(default_factory=list)
    doi: str | None = None
    bibtex_key: str | None = None
    categories: list[str] = field(default_factory=list)
    pdf_url: str = ""
    url: str = ""

    def has_identifier(self) -> bool:
        return any(getattr(self, name) for name in IDENTIFIER_FIELDS)

    def known_values(self) -> dict:
        return {name: value for name, value in vars(self).items() if value not in (None, "", [])}


def version_dates(versions) -> list[str]:
    """PaperRecord.arxiv_version_dates from (number, date) pairs: [] unless they are v1, v2, ... each with its date,
    so a stored list always reads "the date of version index + 1"."""
    versions = sorted(versions, key=lambda version: version[0] or 0)
    if not versions or [number for number, _ in versions] != list(range(1, len(versions) + 1)):
        return []
    if any(day is None for _, day in versions):
        return []
    return [day.isoformat() for _, day in versions]


@dataclass(frozen=True)
class UpsertResult:
    """How many records created a paper and how many updated one (a paper created earlier counts as updated)."""

    created: int = 0
    updated: int = 0

    def __add__(self, other: "UpsertResult") -> "UpsertResult":
        return UpsertResult(self.created + other.created, self.updated + other.updated)


UPSERT_BATCH_SIZE = 10_000
# Columns a record can write, in the order the staging table and COPY use; identifiers are among them.
_COLUMNS = tuple(f.name for f in fields(PaperRecord))
_JSON_COLUMNS = ("authors", "categories", "arxiv_version_dates")
_LIMITED_COLUMNS = {name: Paper._meta.get_field(name).max_length for name in _COLUMNS if Paper._meta.get_field(name).max_length}
# Columns with no size of their own, capped so that one broken source record (a 10 MB abstract) can't bloat
# every page and search index it reaches. arXiv's own limits are far below these (abstracts 1,920 characters).
METADATA_LIMITS = {"title": 1_000, "abstract": 20_000}
MAX_AUTHORS, MAX_AUTHOR_NAME_LENGTH = 3_000, 300  # a collaboration paper lists ~2,900
MAX_CATEGORIES = 50
# Links from sources are shown as links: anything but a web address (javascript:, data:) is dropped.
_LINK_COLUMNS = ("url", "pdf_url")


def paper_upsert(*, record: PaperRecord) -> tuple[Paper, bool]:
    """Create the paper or update the one that shares an identifier with it; return (paper, created).

    The same logic as papers_upsert, for one record: see there for how a record finds its paper.
    """
    ((target, created),) = _upsert_batch([record])
    if target.paper_id is None:  # COPY doesn't tell a new row's id; any identifier it holds finds it
        name, value = next((name, value) for name, value in target.identifiers.items() if value is not None)
        return Paper.objects.get(**{name: value}), created
    return Paper.objects.get(pk=target.paper_id), created


def papers_upsert(records: Iterable[PaperRecord], *, batch_size: int = UPSERT_BATCH_SIZE) -> UpsertResult:
    """Create or update one paper per record, `batch_size` records per transaction; every importer writes through here.

    A record finds its paper by arXiv id, else DOI, else BibTeX key, and that row is updated in
    place, so summaries that point at it are never lost. A DOI or key held by a paper with a
    different arXiv id names a different paper (two arXiv papers can claim one DOI), so it is not
    a match. Empty values mean "this source doesn't say" and never erase; identifiers are filled in
    when the paper has none of that kind and no other paper holds the value, and never replaced or
    stolen. Records are applied in order, so of two records for one paper the later one wins.
    ValueError (before anything of the batch is written) for a record without identifier or with
    a value too long for its column or METADATA_LIMITS. A url or pdf_url that isn't http(s) is dropped.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    result = UpsertResult()
    for batch in _batches(records, batch_size):
        outcomes = _upsert_batch(batch)
        created = sum(was_created for _, was_created in outcomes)
        result += UpsertResult(created, len(outcomes) - created)
    return result


# What the database (or papers_upsert's own checks) says when a record can't be written.
RECORD_REFUSED = (ValueError, IntegrityError, DataError)


def papers_upsert_or_skip(
    records: list[PaperRecord], *, refused: Callable[[PaperRecord, Exception], None]
) -> UpsertResult:
    """papers_upsert for one batch; if it is refused, record by record, so a bad record costs only itself.

    `refused(record, error)` hears of each record that could not be written.
    """
    if not records:
        return UpsertResult()
    try:
        return papers_upsert(records, batch_size=len(records))
    except RECORD_REFUSED:
        result = UpsertResult()
        for record in records:
            try:
                result += papers_upsert([record])
            except RECORD_REFUSED as error:
                refused(record, error)
        return result


@dataclass
class _Target:
    """A paper that a batch writes: an existing row (paper_id) or a new one, and what to write to it."""

    paper_id: int | None
    identifiers: dict[str, str | None]  # what the paper will hold, existing and newly granted
    values: dict = field(default_factory=dict)  # column -> value, identifiers only when newly granted


def _upsert_batch(records: list[PaperRecord]) -> list[tuple[_Target, bool]]:
    """Write one batch in one transaction; (target, created) per record, in order."""
    values = [_record_values(record, position) for position, record in enumerate(records)]
    # A writer running concurrently can take an identifier between our look-up and our write;
    # the unique index then refuses the batch (or, when each waits for the other's identifiers, the
    # deadlock detector does), and looking again sees that writer's rows.
    for attempt in range(3):
        try:
            with transaction.atomic():
                outcomes = _plan(values, _existing_papers(values))
                targets = list({id(target): target for target, _ in outcomes}.values())
                (_write_by_copy if _uses_copy() else _write_by_orm)(targets)
                page_cache.content_changed()  # COPY and update() send no model signals
                _citing_summaries_rerender_after_commit(targets)
        except (IntegrityError, OperationalError) as error:
            if attempt == 2 or not _lost_a_race(error):
                raise
        else:
            papers_written.send(sender=Paper, identifiers=_identifiers_held(targets))
            return outcomes
    raise AssertionError("unreachable")


def _identifiers_held(targets: list["_Target"]) -> dict[str, list[str]]:
    return {
        name: [target.identifiers[name] for target in targets if target.identifiers.get(name)] for name in IDENTIFIER_FIELDS
    }


def _citing_summaries_rerender_after_commit(targets: list[_Target]) -> None:
    """Summaries keep their citations' authors and year in their stored HTML: the worker re-renders those citing
    an updated paper. One query per batch, and no task when none of the batch's papers is cited."""
    updated = [target.paper_id for target in targets if target.paper_id is not None]
    if updated and Summary.cited_papers.through.objects.filter(paper_id__in=updated).exists():
        enqueue_on_commit(summary_tasks.citing_summaries_rerender, paper_ids=updated, run_here_if_broker_down=True)


_DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _lost_a_race(error: Exception) -> bool:
    return isinstance(error, IntegrityError) or getattr(error.__cause__, "pgcode", None) == _DEADLOCK_DETECTED


def _record_values(record: PaperRecord, position: int) -> dict:
    if not record.has_identifier():
        raise ValueError(f"Record {position + 1} ({record.title[:60]!r}): a paper needs an arXiv id, a DOI or a BibTeX key.")
    values = record.known_values()
    for name, value in values.items():
        # PostgreSQL text can't hold NUL, and a broken source must not fail the whole batch.
        if type(value) is str:
            if "\x00" in value:
                values[name] = value.replace("\x00", "")
        elif type(value) is list and "\x00" in "".join(value):
            values[name] = [item.replace("\x00", "") for item in value]
    if "year" not in values and record.published:
        values["year"] = record.published.year
    for name in _LINK_COLUMNS:
        if name in values and not is_web_link(values[name]):
            del values[name]
    _check_sizes(values, f"Record {position + 1} ({record.title[:60]!r})")
    return values


def _check_sizes(values: dict, record_name: str) -> None:
    """ValueError naming the record and field when a value is larger than the site stores."""
    for name, limit in (_LIMITED_COLUMNS | METADATA_LIMITS).items():
        if name in values and len(values[name]) > limit:
            raise ValueError(f"{record_name}: {name} is longer than {limit:,} characters.")
    authors = values.get("authors", [])
    if len(authors) > MAX_AUTHORS or any(len(name) > MAX_AUTHOR_NAME_LENGTH for name in authors):
        raise ValueError(f"{record_name}: more than {MAX_AUTHORS:,} authors or a name longer than {MAX_AUTHOR_NAME_LENGTH}.")
    if len(values.get("categories", [])) > MAX_CATEGORIES:
        raise ValueError(f"{record_name}: more than {MAX_CATEGORIES} categories.")


def _existing_papers(records: list[dict]) -> list[tuple[int, str | None, str | None, str | None]]:
    """(id, arxiv_id, doi, bibtex_key) of every paper holding one of the records' identifiers."""
    wanted = {name: sorted({record[name] for record in records if name in record}) for name in IDENTIFIER_FIELDS}
    if _uses_copy():
        table = connection.ops.quote_name(Paper._meta.db_table)
        query = " UNION ".join(
            f"SELECT id, arxiv_id, doi, bibtex_key FROM {table} WHERE {name} = ANY(%s)" for name in IDENTIFIER_FIELDS
        )
        with connection.cursor() as cursor:
            cursor.execute(query, [wanted[name] for name in IDENTIFIER_FIELDS])
            return cursor.fetchall()
    rows = set()
    for name, values in wanted.items():
        for chunk in _batches(values, 500):  # SQLite limits the parameters of one query
            rows.update(Paper.objects.filter(**{f"{name}__in": chunk}).values_list("id", *IDENTIFIER_FIELDS))
    return list(rows)


def _plan(records: list[dict], existing: list[tuple]) -> list[tuple[_Target, bool]]:
    """Decide, record by record, which paper each one writes to and with which values."""
    holders: dict[tuple[str, str], _Target] = {}
    for paper_id, *identifiers in existing:
        target = _Target(paper_id, dict(zip(IDENTIFIER_FIELDS, identifiers)))
        for name, value in target.identifiers.items():
            if value is not None:
                holders[name, value] = target

    outcomes = []
    for record in records:
        target = _matching_target(record, holders)
        created = target is None
        if created:
            target = _Target(None, dict.fromkeys(IDENTIFIER_FIELDS), dict(record))
        else:
            target.values.update(record)
        # The record's identifiers: taken when the paper has none of that kind and no other paper holds them.
        for name in IDENTIFIER_FIELDS:
            value = record.get(name)
            if value is None:
                continue
            held = target.identifiers[name]
            if held is None and (name, value) not in holders:
                target.identifiers[name] = value
                holders[name, value] = target
            elif held is None:
                del target.values[name]
            else:
                target.values[name] = held  # never replaced
        outcomes.append((target, created))
    return outcomes


def _matching_target(record: dict, holders: dict[tuple[str, str], "_Target"]) -> "_Target | None":
    arxiv_id = record.get("arxiv_id")
    for name in IDENTIFIER_FIELDS:
        target = holders.get((name, record.get(name)))
        if target is None:
            continue
        held_arxiv_id = target.identifiers["arxiv_id"]
        if arxiv_id is None or held_arxiv_id is None or held_arxiv_id == arxiv_id:
            return target
    return None


def _uses_copy() -> bool:
    """Whether the database takes the COPY path; the per-record ORM path serves the others (SQLite)."""
    return connection.vendor == "postgresql"


def _write_by_orm(targets: list[_Target]) -> None:
    now = timezone.now()
    for target in targets:
        if target.paper_id is None:
            target.paper_id = Paper.objects.create(**target.values).pk
        elif target.values:
            Paper.objects.filter(pk=target.paper_id).update(**target.values, modified_at=now)


_STAGE = "paper_upsert_stage"
_STAGE_TYPES = {
    "title": "text", "authors": "jsonb", "abstract": "text", "year": "integer", "venue": "text",
    "journal_ref": "text", "published": "date", "updated": "date", "arxiv_id": "text",
    "arxiv_version": "integer", "arxiv_version_dates": "jsonb", "doi": "text", "bibtex_key": "text", "categories": "jsonb",
    "pdf_url": "text", "url": "text",
}  # fmt: skip
_NULL = "\\N"
# In COPY text format: what a new row gets for a column its records don't give (the model's
# default), and what a staged update says for it ("doesn't say", so the row keeps its value).
_NEW_ROW_MISSING = {
    name: "[]" if name in _JSON_COLUMNS else _NULL if Paper._meta.get_field(name).null else "" for name in _COLUMNS
}
_STAGED_MISSING = dict.fromkeys(_COLUMNS, _NULL)


def _write_by_copy(targets: list[_Target]) -> None:
    """New papers are COPYed straight into the table; matched ones into a temporary table, then one UPDATE.

    Columns are always listed: the table has others (a generated search vector) that PostgreSQL fills.
    """
    table = connection.ops.quote_name(Paper._meta.db_table)
    columns = ", ".join(_COLUMNS)
    now = timezone.now()
    new = [target for target in targets if target.paper_id is None]
    matched = [target for target in targets if target.paper_id is not None]
    with connection.cursor() as cursor:
        if matched:
            stage_columns = ", ".join(f"{name} {_STAGE_TYPES[name]}" for name in _COLUMNS)
            kept = ", ".join(f"{name} = COALESCE(s.{name}, p.{name})" for name in _COLUMNS)
            changed = " OR ".join(f"(s.{name} IS NOT NULL AND s.{name} IS DISTINCT FROM p.{name})" for name in _COLUMNS)
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (paper_id bigint, {stage_columns})")
            cursor.execute(f"TRUNCATE {_STAGE}")
            _copy(cursor, f"COPY {_STAGE} (paper_id, {columns}) FROM STDIN", _copy_rows(matched, staged=True))
            # A paper whose values are all the same already is left alone: no dead row, no index work.
            cursor.execute(
                f"UPDATE {table} AS p SET {kept}, modified_at = %s FROM {_STAGE} AS s WHERE s.paper_id = p.id AND ({changed})",
                [now],
            )
            cursor.execute(f"TRUNCATE {_STAGE}")
        if new:
            _copy(cursor, f"COPY {table} ({columns}, created_at, modified_at) FROM STDIN", _copy_rows(new, staged=False, now=now))


def _copy(cursor, sql: str, rows: io.BytesIO) -> None:
    with connection.wrap_database_errors:  # as Django does for execute(): IntegrityError, DataError...
        cursor.copy_expert(sql, rows)


def _copy_rows(targets: list[_Target], *, staged: bool, now: datetime | None = None) -> io.BytesIO:
    """The targets as COPY text format: tab-separated, specials escaped; staged rows start with the paper's id."""
    missing = _STAGED_MISSING if staged else _NEW_ROW_MISSING
    timestamps = "" if staged else f"\t{now.isoformat()}\t{now.isoformat()}"
    lines = []
    for target in targets:
        values = target.values
        cells = [str(target.paper_id)] if staged else []
        for name in _COLUMNS:
            value = values.get(name)
            if value is None:
                cells.append(missing[name])
            elif type(value) is str:
                cells.append(_copy_escape(value))
            elif type(value) is list:
                cells.append(_copy_escape(_json(value)))
            else:
                cells.append(str(value))  # int, or date as ISO 8601
        lines.append("\t".join(cells) + timestamps)
    lines.append("")
    # "replace": a lone surrogate from a broken source must not fail the whole batch.
    return io.BytesIO("\n".join(lines).encode("utf-8", "replace"))


_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) builds an encoder per call


def _copy_escape(text: str) -> str:
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class PaperNotFound(Exception):
    """The text names no paper we know; the message says why, in words for the user."""

    # Whether asking again later may succeed (the service was down, slow or busy): a 503, not a 404.
    temporary = False


class PaperUnavailable(PaperNotFound):
    temporary = True


def paper_lookup(text: str, *, before_fetch: Callable[[], None] | None = None) -> Paper:
    """The paper `text` names in any identifier form, fetched if need be; else PaperNotFound saying why."""
    try:
        identifier = parse(text)
    except InvalidIdentifier as error:
        raise PaperNotFound(str(error)) from error
    return paper_get_or_fetch(identifier, before_fetch=before_fetch)


def paper_get_or_fetch(identifier: Identifier, *, before_fetch: Callable[[], None] | None = None) -> Paper:
    """Our paper for `identifier`; on a miss, fetched from arXiv (arXiv ids) or Crossref (DOIs) and stored.

    PaperNotFound, with a message for the user, when the paper can't be had: a BibTeX key names
    only papers we imported, the id doesn't exist, or the service is down, slow or busy.
    `before_fetch()` runs just before a fetch, and may refuse it by raising (a rate limit).
    """
    paper = Paper.objects.matching(identifier).first()
    if paper is None:
        if before_fetch is not None and identifier.kind is not Kind.BIBTEX:
            before_fetch()
        paper = _store_fetched(_fetch_record(identifier), identifier)
    return paper


def _fetch_record(identifier: Identifier) -> PaperRecord:
    from papers import arxiv, crossref

    if identifier.kind is Kind.BIBTEX:
        raise PaperNotFound(
            f"We don't have a paper with the BibTeX key “{identifier}”, and a BibTeX key can't be looked up "
            "anywhere else: try the paper's arXiv id or DOI."
        )
    source, fetch = ("arXiv", arxiv.fetch) if identifier.kind is Kind.ARXIV else ("Crossref", crossref.fetch)
    not_yet = f"We don't have a paper with the identifier “{identifier}” yet, and {source}"
    try:
        return fetch(identifier.value)
    except arxiv.ArxivPaperMissing as error:
        raise PaperNotFound(f"arXiv has no paper with the id “{identifier}”: check it for a typo.") from error
    except crossref.CrossrefDoiMissing as error:
        raise PaperNotFound(
            f"Crossref has no work with the DOI “{identifier}”: check it for a typo. "
            "(DOIs registered elsewhere, such as DataCite's, can't be fetched.)"
        ) from error
    except arxiv.ArxivBusy as error:
        raise PaperUnavailable(f"{not_yet} is busy: try again in a moment.") from error
    except (arxiv.ArxivTimeout, crossref.CrossrefTimeout) as error:
        raise PaperUnavailable(f"{not_yet} took too long to answer: try again in a moment.") from error
    except (arxiv.ArxivUnavailable, crossref.CrossrefUnavailable) as error:
        raise PaperUnavailable(f"{not_yet} can't be reached right now: try again in a few minutes.") from error


def _store_fetched(record: PaperRecord, identifier: Identifier) -> Paper:
    try:
        return paper_upsert(record=record)[0]
    except ValueError as error:  # sizes past METADATA_LIMITS: a broken record at the source
        raise PaperNotFound(
            f"The record for “{identifier}” we were sent is too large to store ({str(error).rpartition(': ')[2]})"
        ) from error
