"""Readers that turn files from other sources into PaperRecords for `papers.services.paper_upsert`.

Each reader yields one `RecordResult` per entry of its source, in file order: the record to
write, or why the entry can't be written, with where it is so a person can fix it. Readers
never touch the database; the management commands do the writing.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import bibtexparser
from bibtexparser.middlewares import NormalizeFieldKeys
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from papers.identifiers import Identifier, Kind, parse_or_none
from papers.latex import latex_to_text
from papers.models import Paper
from papers.services import PaperRecord


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
_YEAR = re.compile(r"\b(\d{4})\b")
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
    entries_by_key = {entry.key.lower(): entry for entry in library.entries}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            yield RecordResult(line, _failed_block_key(block), None, _failed_block_error(block))
        elif isinstance(block, Entry) and block.entry_type.lower() not in BIBTEX_VOLUME_TYPES:
            try:
                record = bibtex_entry_record(block, entries_by_key)
            except EntryError as error:
                yield RecordResult(line, block.key, None, str(error))
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
    volume = entries_by_key.get(values.get("crossref", "").strip().lower())
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
