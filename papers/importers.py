"""Readers that turn files from other sources into PaperRecords for `papers.services.paper_upsert`.

Each reader yields one `RecordResult` per entry of its source, in file order: the record to
write, or why the entry can't be written, with where it is so a person can fix it. Readers
never touch the database; the management commands do the writing.
"""

import gzip
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import BinaryIO, NamedTuple

import bibtexparser
from django.db import reset_queries
from bibtexparser.middlewares import NormalizeFieldKeys
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from papers.identifiers import Identifier, Kind, parse_or_none
from papers.latex import latex_to_text
from papers.models import Paper
from papers.services import PaperRecord, UpsertResult, papers_upsert_or_skip, version_dates


class RecordResult(NamedTuple):
    """One entry of a source file: the record to upsert, or the reason it can't be (`error`)."""

    line: int  # 1-based line where the entry starts
    key: str  # the entry's own name in the source ("" when unreadable)
    record: PaperRecord | None
    error: str = ""


class EntryError(ValueError):
    """An entry that can't become a paper; the message says why, for the person fixing the file."""


def _max_length(field_name: str) -> int:
    return Paper._meta.get_field(field_name).max_length


# --- BibTeX -----------------------------------------------------------------------------------

# Entry types that describe a whole volume rather than a paper (DBLP exports them for crossref).
BIBTEX_VOLUME_TYPES = {"proceedings", "collection", "mvproceedings", "mvcollection", "periodical"}
# Fields a crossref'd entry inherits from its volume, as BibTeX does; the volume's title is the booktitle.
_INHERITED_FIELDS = ("booktitle", "year", "journal", "publisher")

_ENTRY_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]*)")
_YEAR = re.compile(r"\b(\d{4})\b", re.ASCII)
_CORR_VOLUME = re.compile(r"^abs/(.+)$", re.IGNORECASE)
# Google Scholar writes arXiv papers as journal = {arXiv preprint arXiv:1706.03762}.
_ARXIV_IN_TEXT = re.compile(r"\barxiv:\s*(\S+)", re.IGNORECASE)
_ARXIV_VENUES = re.compile(r"^(corr|arxiv\b.*)$", re.IGNORECASE)
# DBLP tells homonyms apart with a number ("Wei Wang 0001"); no one's name ends in four digits.
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")


def parse_bibtex(text: str) -> bibtexparser.Library:
    """The blocks of a .bib text, field names lower-cased, values without their outer braces."""
    # The splitter logs failed blocks with 0-based line numbers; bibtex_records reports them instead.
    with _quiet_logger("bibtexparser"):
        return bibtexparser.parse_string(text, append_middleware=[NormalizeFieldKeys()])


def bibtex_records(text: str) -> Iterator[RecordResult]:
    """One RecordResult per paper entry of a .bib text, in file order; volumes are skipped."""
    library = parse_bibtex(text)
    entries_by_key = {entry.key.lower(): entry for entry in library.entries if entry.key.strip()}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            yield RecordResult(line, _failed_block_key(block), None, _failed_block_error(block))
        elif isinstance(block, Entry) and block.entry_type.lower() not in BIBTEX_VOLUME_TYPES:
            try:
                record = bibtex_entry_record(block, entries_by_key)
            except EntryError as error:
                yield RecordResult(line, block.key, None, str(error))
            except RecursionError:
                yield RecordResult(line, block.key, None, "braces nested too deeply to read")
            else:
                yield RecordResult(line, block.key, record)


def bibtex_entry_record(entry: Entry, entries_by_key: dict[str, Entry] | None = None) -> PaperRecord:
    """The PaperRecord for one parsed entry; EntryError when it can't become a paper.

    `entries_by_key` (lower-cased keys) lets an entry inherit its venue from the volume it crossrefs.
    """
    values = bibtex_field_values(entry)
    values = _with_crossref_fields(values, entries_by_key or {})

    title = latex_to_text(values.get("title", ""))
    if not title:
        raise EntryError("no title")
    doi = bibtex_doi(values)
    arxiv = bibtex_arxiv_id(values)
    key = parse_or_none(entry.key)
    bibtex_key = key.value if key and key.kind is Kind.BIBTEX else None
    if not (arxiv or doi or bibtex_key):
        raise EntryError(
            f"no usable identifier: “{entry.key}” is not a valid BibTeX key and there is no arXiv id or DOI"
        )

    return PaperRecord(
        title=title,
        authors=bibtex_names(values.get("author", "")),
        abstract=latex_to_text(values.get("abstract", "")),
        year=bibtex_year(values),
        venue=bibtex_venue(values),
        arxiv_id=arxiv.value if arxiv else None,
        arxiv_version=arxiv.version if arxiv else None,
        doi=doi,
        bibtex_key=bibtex_key,
        url=bibtex_url(values),
    )


def bibtex_field_values(entry: Entry) -> dict[str, str]:
    """Field name -> raw value; EntryError when a value shows a syntax error the splitter let through."""
    values = {}
    for field in entry.fields:
        value = field.value if isinstance(field.value, str) else str(field.value)
        # An unbraced value containing "name = " means a comma was missing before that field.
        if field.enclosing == "no-enclosing" and "=" in _outside_groups(value):
            line = (field.start_line or 0) + 1
            raise EntryError(f"syntax error in field “{field.key}” (line {line}): missing comma?")
        values[field.key] = value
    return values


def bibtex_names(value: str) -> list[str]:
    """Display names, in order, of an author field: "Murray, Iain and J{\\"u}rgen Schmidhuber" -> two names.

    "Last, First" and "von Last, Jr, First" read first name first; braced groups are never split.
    """
    names = []
    for name in split_multiple_persons_names(value):
        if name.strip().lower() == "others":  # "and others" is BibTeX for "et al."
            continue
        if "," in _outside_groups(name):
            name = parse_single_name_into_parts(name, strict=False).merge_first_name_first
        name = _DBLP_HOMONYM.sub("", latex_to_text(name))
        if name:
            names.append(name)
    return names


def bibtex_arxiv_id(values: dict[str, str]) -> Identifier | None:
    """The arXiv id wherever exporters put it, or None.

    In order: eprint (with archivePrefix or eprinttype arXiv, or none), DBLP's CoRR volume
    (abs/1601.06759), an arXiv url, arXiv's own DOI, Google Scholar's "arXiv preprint arXiv:…" journal.
    """
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").strip().lower()
    candidates = []
    if values.get("eprint") and prefix in ("arxiv", ""):
        candidates.append(values["eprint"])
    corr_volume = _CORR_VOLUME.match(values.get("volume", "").strip())
    if values.get("journal", "").strip().lower() == "corr" and corr_volume:
        candidates.append(corr_volume.group(1))
    candidates += [values.get("url", ""), values.get("doi", "")]
    candidates += _ARXIV_IN_TEXT.findall(values.get("journal", ""))
    for candidate in candidates:
        identifier = parse_or_none(candidate.strip())
        if identifier and identifier.kind is Kind.ARXIV:
            return identifier
    return None


def bibtex_doi(values: dict[str, str]) -> str | None:
    """The lower-cased DOI of the doi field, None without one; EntryError when it isn't a DOI.

    arXiv's own DOIs (10.48550/arXiv.…) name the arXiv paper, so bibtex_arxiv_id takes them instead.
    """
    text = values.get("doi", "").strip()
    if not text:
        return None
    identifier = parse_or_none(text)
    if identifier and identifier.kind is Kind.ARXIV:
        return None
    if not identifier or identifier.kind is not Kind.DOI or len(identifier.value) > _max_length("doi"):
        raise EntryError(f"invalid DOI “{text}”")
    return identifier.value


def bibtex_year(values: dict[str, str]) -> int | None:
    """The year of the year field, or of a biblatex date (2017-06-12); None when neither has one."""
    match = _YEAR.search(values.get("year", "")) or _YEAR.search(values.get("date", ""))
    return int(match.group(1)) if match else None


def bibtex_venue(values: dict[str, str]) -> str:
    """The booktitle or journal; "" for arXiv itself (DBLP's CoRR), which Paper shows from arxiv_id."""
    venue = latex_to_text(values.get("booktitle") or values.get("journal") or "")
    if _ARXIV_VENUES.match(venue):
        return ""
    return venue[: _max_length("venue")]


def bibtex_url(values: dict[str, str]) -> str:
    """The url field when it is a web address that fits; arXiv pages are left to Paper.abstract_url."""
    url = values.get("url", "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > _max_length("url"):
        return ""
    identifier = parse_or_none(url)
    if identifier and identifier.kind is Kind.ARXIV:
        return ""
    return url


def _with_crossref_fields(values: dict[str, str], entries_by_key: dict[str, Entry]) -> dict[str, str]:
    crossref = values.get("crossref", "").strip().lower()
    volume = entries_by_key.get(crossref) if crossref else None
    if volume is None:
        return values
    inherited = {field.key: field.value for field in volume.fields if isinstance(field.value, str)}
    inherited.setdefault("booktitle", inherited.get("title", ""))
    return {**{name: inherited[name] for name in _INHERITED_FIELDS if inherited.get(name)}, **values}


def _outside_groups(text: str) -> str:
    """`text` without its {braced groups} and "quoted strings", to look for top-level commas and equals signs."""
    kept, depth, quoted, escaped = [], 0, False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif depth == 0 and not quoted:
            kept.append(char)
    return "".join(kept)


def _failed_block_key(block: ParsingFailedBlock) -> str:
    if isinstance(block, DuplicateBlockKeyBlock):
        return block.key
    if isinstance(block.ignore_error_block, Entry):
        return block.ignore_error_block.key
    match = _ENTRY_KEY.match(block.raw or "")
    return match.group(1) if match else ""


def _failed_block_error(block: ParsingFailedBlock) -> str:
    if isinstance(block, DuplicateBlockKeyBlock):
        first_line = (block.previous_block.start_line or 0) + 1
        return f"duplicate key: the entry on line {first_line} has the same key"
    if isinstance(block, DuplicateFieldKeyBlock):
        return f"field given twice: {', '.join(sorted(block.duplicate_keys))}"
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    return f"syntax error: {' '.join(reason.split())}"


@contextmanager
def _quiet_logger(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# --- arXiv metadata snapshot ------------------------------------------------------------------
# The public snapshot (Kaggle's arxiv-metadata-oai-snapshot.json): JSON Lines, one paper per line,
# millions of lines, plain or gzipped. It is read as a stream; nothing holds more than one line.

_GZIP_MAGIC = b"\x1f\x8b"
_MONTHS = {month: number for number, month in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
# Math is kept exactly as written for the renderer; an escaped \$ is a dollar sign, not math.
_SNAPSHOT_MATH = re.compile(
    r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL
)
# What arXiv itself turns into Unicode when it shows a text: accented and special letters, escaped
# specials but \$. Other markup (\emph, ``, --, ~) is left as the authors wrote it, as arXiv shows it.
_SNAPSHOT_LETTER = r"(?:\{\\?[A-Za-z]\}|\\[ij](?![A-Za-z])|[A-Za-z])"
_SNAPSHOT_ACCENT = rf"\\(?:['\"^`~=.]\s*|[uvHckrdbt](?:\s+|(?=\{{)))(?:{_SNAPSHOT_LETTER}|\{{\s*\}})"
_SNAPSHOT_SPECIAL_LETTER = r"\\(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L)(?![A-Za-z])"
_SNAPSHOT_LATEX = re.compile(
    rf"\{{\s*(?:{_SNAPSHOT_ACCENT}|{_SNAPSHOT_SPECIAL_LETTER})\s*\}}"  # {\'a}, {\"{u}}, {\ss}
    rf"|{_SNAPSHOT_ACCENT}"  # \'a, \'{a}, \v{s}, \c c
    rf"|{_SNAPSHOT_SPECIAL_LETTER}(?:\{{\}}|\s(?=[A-Za-z]))?"  # \ss, \o, "\ss e" (TeX eats the space)
    r"|\\[&%_#]"  # not \$: unescaped, it would open math
)

# Anything _SNAPSHOT_LATEX could match, in or out of math; plain macros like \alpha don't match.
_SNAPSHOT_MAYBE_LATEX = re.compile(
    r"\\[^A-Za-z\s]|\\[uvHckrdbt](?:\s|\{)|\\(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L)(?![A-Za-z])"
)


@contextmanager
def open_snapshot(path: str) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """(lines, file): the snapshot's lines as bytes, gunzipped when the file is gzip, and the file
    itself, whose position (of the compressed bytes, for .gz) tells how far the reading is."""
    with open(path, "rb") as file:
        lines = gzip.GzipFile(fileobj=file, mode="rb") if file.peek(2)[:2] == _GZIP_MAGIC else file
        try:
            yield lines, file
        finally:
            lines.close()


def snapshot_records(lines: Iterable[bytes], *, skip: int = 0, first_line: int = 1) -> Iterator[RecordResult]:
    """One RecordResult per line of the snapshot, lazily, in file order; the first `skip` lines are passed over unparsed.

    Blank lines are passed over; a line that isn't a usable paper comes with its error. `first_line`
    is the number of the first of `lines` (a part of the file read elsewhere).
    """
    for number, line in enumerate(lines, start=first_line):
        if number <= skip or not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:  # JSONDecodeError, and UnicodeDecodeError for bytes that aren't UTF-8
            yield RecordResult(number, "", None, f"invalid JSON: {error}")
            continue
        if not isinstance(entry, dict):
            yield RecordResult(number, "", None, "not a JSON object")
            continue
        key = str(entry.get("id") or "")
        try:
            yield RecordResult(number, key, snapshot_entry_record(entry))
        except EntryError as error:
            yield RecordResult(number, key, None, str(error))


def records_write(results: list[RecordResult]) -> tuple[list[RecordResult], UpsertResult]:
    """Write a batch's records in one transaction (record by record if the database refuses the batch,
    to find the culprit). Returns the bad lines, the unreadable and the refused, in order, and the counts."""
    bad = [result for result in results if result.error]
    records = [result for result in results if not result.error]
    line_of = {id(result.record): result for result in records}

    def refused(record, error):
        bad.append(line_of[id(record)]._replace(error=f"not saved: {error}"))

    written = papers_upsert_or_skip([result.record for result in records], refused=refused)
    reset_queries()  # with DEBUG on, Django would keep every query of a long import in memory
    return sorted(bad, key=attrgetter("line")), written


def snapshot_entry_record(entry: dict) -> PaperRecord:
    """The PaperRecord for one snapshot object; EntryError without a usable id or title."""
    raw_id = entry.get("id")
    if not raw_id:
        raise EntryError("no id")
    if not isinstance(raw_id, str):
        # A tool that wrote the id as a number has lost its leading zero (0704.0001 -> 704.0001).
        raise EntryError(f"id {raw_id!r} is not a string")
    arxiv = parse_or_none(raw_id)
    if arxiv is None or arxiv.kind is not Kind.ARXIV:
        raise EntryError(f"“{raw_id}” is not an arXiv id")
    title = snapshot_text(entry.get("title"))
    if not title:
        raise EntryError("no title")

    versions = entry.get("versions") if isinstance(entry.get("versions"), list) else []
    published = snapshot_version_date(versions[0]) if versions else None
    return PaperRecord(
        title=title,
        authors=snapshot_authors(entry),
        abstract=snapshot_text(entry.get("abstract")),
        year=published.year if published else None,
        journal_ref=" ".join(_snapshot_str(entry.get("journal-ref")).split())[: _max_length("journal_ref")],
        published=published,
        updated=_snapshot_date(entry.get("update_date")),
        arxiv_id=arxiv.value,
        arxiv_version=(snapshot_version_number(versions[-1]) if versions else None) or arxiv.version,
        arxiv_version_dates=version_dates((snapshot_version_number(v), snapshot_version_date(v)) for v in versions),
        doi=snapshot_doi(entry.get("doi")),
        categories=_snapshot_str(entry.get("categories")).split(),
    )


def snapshot_text(text) -> str:
    """A title or abstract on one line, accents in Unicode, math as written: "Bal\\'azs, $\\alpha$" -> "Balázs, $\\alpha$"."""
    text = " ".join(_snapshot_str(text).split())
    # Most texts have nothing to convert, or only math ($\alpha$): a quick look tells, before the slow split.
    if "\\" not in text or not _SNAPSHOT_MAYBE_LATEX.search(text):
        return text
    converted, position = [], 0
    for math in _SNAPSHOT_MATH.finditer(text):
        converted += [_SNAPSHOT_LATEX.sub(_latex_fragment, text[position : math.start()]), math.group()]
        position = math.end()
    converted.append(_SNAPSHOT_LATEX.sub(_latex_fragment, text[position:]))
    return "".join(converted)


def snapshot_authors(entry: dict) -> list[str]:
    """Display names from authors_parsed ([last, first, suffix] -> "First Last Suffix"), else split from authors."""
    parsed = entry.get("authors_parsed")
    if not (isinstance(parsed, list) and parsed):
        return [name for name in map(snapshot_text, re.split(r",|\band\b", _snapshot_str(entry.get("authors")))) if name]
    names = []
    for parts in parsed:
        try:
            name = " ".join(" ".join((*parts[1:2], *parts[:1], *parts[2:3])).split()) if isinstance(parts, list) else ""
        except TypeError:  # a part that isn't a string
            continue
        if "\\" in name:
            name = snapshot_text(name)
        if name:
            names.append(name)
    return names


def snapshot_doi(text) -> str | None:
    """The first valid DOI of a doi field that may hold several separated by spaces, lower-cased."""
    for candidate in _snapshot_str(text).split():
        identifier = parse_or_none(candidate.rstrip(",;"))
        # arXiv's own DOI (10.48550/arXiv.…) names the arXiv paper itself, not a publication.
        if identifier and identifier.kind is Kind.DOI and len(identifier.value) <= _max_length("doi"):
            return identifier.value
    return None


def snapshot_version_date(version) -> date | None:
    """The date of a version, {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"} -> 2007-04-02."""
    try:
        _, day, month, year, *_ = version["created"].split()
        return date(int(year), _MONTHS[month], int(day))
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def snapshot_version_number(version) -> int | None:
    try:
        return int(version["version"].lstrip("vV"))
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


def _snapshot_date(text) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _snapshot_str(value) -> str:
    return value if isinstance(value, str) else ""


@lru_cache(maxsize=4096)
def _latex_fragment_text(fragment: str) -> str:
    return latex_to_text(fragment) or fragment


def _latex_fragment(match: re.Match) -> str:
    return _latex_fragment_text(match.group())
