"""Every write of paper metadata goes through here, whichever importer or fetcher it comes from."""

from dataclasses import dataclass, field, fields
from datetime import date

from django.db import transaction

from papers.identifiers import InvalidIdentifier, parse
from papers.models import Paper

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
    doi: str | None = None
    bibtex_key: str | None = None
    categories: list[str] = field(default_factory=list)
    pdf_url: str = ""
    url: str = ""

    def has_identifier(self) -> bool:
        return any(getattr(self, name) for name in IDENTIFIER_FIELDS)

    def known_values(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value not in (None, "", [])}


def _find_existing(record: PaperRecord) -> Paper | None:
    for name in IDENTIFIER_FIELDS:
        value = getattr(record, name)
        if value:
            paper = Paper.objects.filter(**{name: value}).first()
            if paper:
                return paper
    return None


@transaction.atomic
def paper_upsert(*, record: PaperRecord) -> tuple[Paper, bool]:
    """Create the paper or update the one that shares any identifier with it; return (paper, created).

    The existing row is updated in place, so summaries that point at it are never lost. An
    identifier already held by a different paper is left where it is rather than stolen.
    """
    if not record.has_identifier():
        raise ValueError("A paper needs an arXiv id, a DOI or a BibTeX key.")
    if record.year is None and record.published:
        record.year = record.published.year

    paper = _find_existing(record)
    created = paper is None
    paper = paper or Paper()
    for name, value in record.known_values().items():
        if name in IDENTIFIER_FIELDS and getattr(paper, name) != value:
            if Paper.objects.filter(**{name: value}).exclude(pk=paper.pk).exists():
                continue
        setattr(paper, name, value)
    paper.save()
    return paper, created


class PaperNotFound(Exception):
    """The text names no paper we know; the message says why, in words for the user."""


def paper_lookup(text: str) -> Paper:
    """The paper that `text` names, in any identifier form, or PaperNotFound with a readable reason."""
    try:
        identifier = parse(text)
    except InvalidIdentifier as error:
        raise PaperNotFound(str(error)) from error
    paper = Paper.objects.matching(identifier).first()
    if paper is None:
        raise PaperNotFound(f"We don't have a paper with the identifier “{identifier}” yet.")
    return paper
