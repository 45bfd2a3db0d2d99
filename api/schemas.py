"""What the public API returns: only what a public page shows (no emails, no anonymous authors, no private or
hidden summaries)."""

from datetime import date, datetime

from ninja import Schema


class Licence(Schema):
    name: str
    url: str


class Person(Schema):
    username: str
    name: str
    url: str


class PaperRef(Schema):
    identifier: str
    title: str
    url: str
    arxiv_id: str | None
    doi: str | None


class SummaryOut(Schema):
    id: int
    url: str
    paper: PaperRef
    author: Person | None  # None when the summary is anonymous
    score: int
    created_at: datetime
    updated_at: datetime
    body_markdown: str
    body_html: str
    licence: Licence
    arxiv_version: int | None  # the arXiv version it was written for
    checked_arxiv_version: int | None  # the latest version its author said it still holds for


class ArxivVersion(Schema):
    version: int
    submitted: date


class Identifiers(Schema):
    arxiv_id: str | None
    arxiv_version: int | None
    doi: str | None
    bibtex_key: str | None


class PaperOut(Schema):
    identifier: str
    url: str
    title: str
    authors: list[str]
    abstract: str
    year: int | None
    venue: str
    published: date | None
    categories: list[str]
    identifiers: Identifiers
    arxiv_versions: list[ArxivVersion]
    abstract_url: str
    pdf_url: str
    summary_count: int
    summaries: list[SummaryOut]


class UserOut(Person):
    bio: str
    summary_count: int
    total_score: int


class SummaryPage(Schema):
    items: list[SummaryOut]
    next_cursor: str | None
    next: str | None


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None
    next: str | None


class SummaryPointer(Schema):
    url: str
    author: str  # "Anonymous" for an anonymous summary
    score: int
    created_at: datetime


class ArxivLookup(Schema):
    arxiv_id: str
    found: bool
    paper_url: str | None
    summary_count: int
    summaries: list[SummaryPointer]
    write_url: str


class Problem(Schema):
    detail: str
