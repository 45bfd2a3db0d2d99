"""The arXiv API client: one paper's Atom entry fetched by id, politely, and read into a PaperRecord.

HTTP and XML only; `papers.services.paper_get_or_fetch` decides when to call it and what to store.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings
from django.core.cache import cache

from papers.identifiers import Kind, parse_or_none
from papers.latex import latex_to_text
from papers.models import Paper
from papers.services import PaperRecord, version_dates

USER_AGENT = "ShortScience/1.0 (+https://www.shortscience.org; fetches one paper when a contributor asks for it)"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


class ArxivError(Exception):
    """The arXiv API gave no paper; the subclass says why."""


class ArxivPaperMissing(ArxivError):
    """arXiv has no paper with this id."""


class ArxivUnavailable(ArxivError):
    """arXiv could not be reached, answered with a server error, or answered something that isn't a feed."""


class ArxivTimeout(ArxivError):
    """arXiv did not answer within EXTERNAL_API_TIMEOUT seconds."""


class ArxivBusy(ArxivError):
    """Asking now would break arXiv's one-request-per-3-seconds rule by more than a user should wait."""


@dataclass
class RateLimit:
    """At most one request per interval among every process that shares Django's cache.

    The cache remembers when the last request was (or is booked to be) sent; a caller books the
    next free moment under a short lock, then sleeps until it. `clock` and `sleep` are attributes
    so tests can replace them instead of waiting.
    """

    key: str
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def wait_for_turn(self, *, interval: float, max_wait: float) -> None:
        """Return when a request may be sent; ArxivBusy, without booking, if that is more than max_wait away."""
        self._lock()
        try:
            now = self.clock()
            last = cache.get(self.key)
            turn = now if last is None else max(now, last + interval)
            if turn - now > max_wait:
                raise ArxivBusy(f"the next free moment is {turn - now:.1f} s away")
            cache.set(self.key, turn, timeout=int(interval) + 60)
        finally:
            cache.delete(self._lock_key)
        if turn > now:
            self.sleep(turn - now)

    def reset(self) -> None:
        cache.delete_many([self.key, self._lock_key])

    @property
    def _lock_key(self) -> str:
        return f"{self.key}:lock"

    def _lock(self) -> None:
        # The lock is held for one cache read and one write; it expires by itself if its holder dies.
        for _ in range(20):
            if cache.add(self._lock_key, 1, timeout=5):
                return
            self.sleep(0.05)
        raise ArxivBusy("another request is booking its turn")


rate_limit = RateLimit(key="papers:arxiv-api:last-request")


def fetch(arxiv_id: str) -> PaperRecord:
    """The latest version of paper `arxiv_id` (no version suffix) as arXiv's API describes it.

    Raises ArxivPaperMissing, ArxivUnavailable, ArxivTimeout or ArxivBusy.
    """
    rate_limit.wait_for_turn(interval=settings.ARXIV_API_MIN_INTERVAL, max_wait=settings.EXTERNAL_API_TIMEOUT)
    try:
        response = requests.get(
            settings.ARXIV_API_URL,
            params={"id_list": arxiv_id, "max_results": "1"},
            headers={"User-Agent": USER_AGENT},
            timeout=settings.EXTERNAL_API_TIMEOUT,
        )
    except requests.Timeout as error:
        raise ArxivTimeout(str(error)) from error
    except requests.RequestException as error:
        raise ArxivUnavailable(str(error)) from error

    if response.status_code == 429 or response.text.strip().startswith("Rate exceeded"):
        raise ArxivBusy(f"arXiv answered {response.status_code}: rate exceeded")
    # A malformed id is a 400 whose body is still a feed with an "Error" entry.
    if response.status_code not in (200, 400):
        raise ArxivUnavailable(f"arXiv answered {response.status_code}")
    record = parse_feed(response.content)
    if record is None or record.arxiv_id != arxiv_id:
        raise ArxivPaperMissing(arxiv_id)
    return record


def parse_feed(xml: bytes) -> PaperRecord | None:
    """The paper of an id_list feed's first entry; None when the feed has no entry or an "Error" entry."""
    try:
        feed = fromstring(xml)
    except (ParseError, DefusedXmlException) as error:
        raise ArxivUnavailable(f"not an Atom feed: {error}") from error
    if feed.tag != f"{_ATOM}feed":
        raise ArxivUnavailable(f"not an Atom feed: <{feed.tag}>")
    entry = feed.find(f"{_ATOM}entry")
    if entry is None or _text(entry, f"{_ATOM}title") == "Error":
        return None
    return entry_record(entry)


def entry_record(entry: Element) -> PaperRecord | None:
    """One Atom <entry> as a PaperRecord; None when it has no title or its id is not an arXiv abstract URL."""
    identifier = parse_or_none(_text(entry, f"{_ATOM}id"))
    # The same LaTeX-to-Unicode as the snapshot and OAI-PMH paths, so a paper reads alike however it came.
    title = latex_to_text(_text(entry, f"{_ATOM}title"))
    if identifier is None or identifier.kind is not Kind.ARXIV or not title:
        return None
    primary = entry.find(f"{_ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [category.get("term", "") for category in entry.iterfind(f"{_ATOM}category")]
    published = _date(_text(entry, f"{_ATOM}published"))
    updated = _date(_text(entry, f"{_ATOM}updated"))
    # The API dates only the first and the latest version: the whole history when there are at most two.
    known_versions = {1: [(1, published)], 2: [(1, published), (2, updated)]}.get(identifier.version, [])
    return PaperRecord(
        title=title,
        authors=[
            latex_to_text(name) for author in entry.iterfind(f"{_ATOM}author") if (name := _text(author, f"{_ATOM}name"))
        ],
        abstract=latex_to_text(_text(entry, f"{_ATOM}summary")),
        published=published,
        year=published.year if published else None,
        updated=updated,
        arxiv_id=identifier.value,
        arxiv_version=identifier.version,
        arxiv_version_dates=version_dates(known_versions),
        doi=_first_doi(_text(entry, f"{_ARXIV}doi")),
        journal_ref=_text(entry, f"{_ARXIV}journal_ref")[: _max_length("journal_ref")],
        categories=list(dict.fromkeys(term for term in categories if term)),
        pdf_url=_link(entry, title="pdf"),
        url=_link(entry, rel="alternate"),
    )


def _text(element: Element, path: str) -> str:
    """The element's text with runs of whitespace (arXiv wraps long titles and abstracts) collapsed."""
    return " ".join((element.findtext(path) or "").split())


def _date(timestamp: str) -> date | None:
    try:
        return date.fromisoformat(timestamp[:10])
    except ValueError:
        return None


def _first_doi(text: str) -> str | None:
    """arXiv's doi field may list several DOIs; the first valid one, lower-cased."""
    for candidate in text.replace(",", " ").replace(";", " ").split():
        identifier = parse_or_none(candidate)
        if identifier and identifier.kind is Kind.DOI and len(identifier.value) <= _max_length("doi"):
            return identifier.value
    return None


def _link(entry: Element, **attributes: str) -> str:
    for link in entry.iterfind(f"{_ATOM}link"):
        if all(link.get(name) == value for name, value in attributes.items()):
            href = link.get("href", "")
            # The API still writes http:// links; arxiv.org serves them all over https.
            return re.sub(r"^http://arxiv\.org/", "https://arxiv.org/", href)[: _max_length("url")]
    return ""


def _max_length(field_name: str) -> int:
    return Paper._meta.get_field(field_name).max_length
