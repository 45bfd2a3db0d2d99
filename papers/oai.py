"""The arXiv OAI-PMH client: ListRecords requests with polite retries, and their XML read into PaperRecords.

HTTP and XML only; `harvest_arxiv` decides what to write and remembers where it stopped.
"""

import email.utils
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from xml.etree.ElementTree import Element

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from papers.identifiers import Kind, parse_or_none
from papers.latex import latex_to_text
from papers.models import Paper
from papers.services import PaperRecord, version_dates

FORMATS = ("arXiv", "arXivRaw")
USER_AGENT = "ShortScience-harvester/1.0 (+https://www.shortscience.org; incremental arXiv OAI-PMH harvest)"

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
# The server is busy or briefly broken: wait and ask again.
_RETRY_STATUSES = {429, 500, 502, 503, 504}
# A Retry-After of hours would stall a cron job; no single wait is longer than this.
MAX_WAIT_SECONDS = 600
_BACKOFF_SECONDS = 5


class OAIError(Exception):
    """The repository answered with an OAI-PMH <error> (badArgument, badResumptionToken, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class OAIUnavailable(Exception):
    """No usable answer: HTTP errors or network failures outlasted the retries, or the body isn't OAI-PMH."""


class RecordError(ValueError):
    """A record that can't become a paper; the message says why."""


@dataclass
class SkippedRecord:
    identifier: str  # the OAI identifier from the record header, e.g. oai:arXiv.org:1706.03762
    reason: str


@dataclass
class ListRecordsPage:
    """One response of a ListRecords list: its papers and the token that asks for the next page."""

    response_date: date
    records: list[PaperRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # OAI identifiers of withdrawn-from-OAI records
    skipped: list[SkippedRecord] = field(default_factory=list)
    resumption_token: str = ""  # "" on the last page
    complete_list_size: int | None = None
    cursor: int | None = None  # how many records of the list came before this page

    @property
    def size(self) -> int:
        """Records in this response, whether they became papers or not."""
        return len(self.records) + len(self.deleted) + len(self.skipped)


class OAIClient:
    """ListRecords against one OAI-PMH endpoint, following resumption tokens and honouring Retry-After."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        max_retries: int,
        sleep: Callable[[float], object] = time.sleep,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def list_records(
        self,
        *,
        metadata_prefix: str = "arXiv",
        from_date: date | None = None,
        until: date | None = None,
        set_spec: str = "",
        resumption_token: str = "",
    ) -> Iterator[ListRecordsPage]:
        """Every page of a list, in order; a `resumption_token` continues a list begun earlier.

        An empty list (noRecordsMatch) is one page without records. OAIError for any other OAI
        error, OAIUnavailable when the endpoint can't be reached.
        """
        if resumption_token:
            params = {"verb": "ListRecords", "resumptionToken": resumption_token}
        else:
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            if from_date:
                params["from"] = from_date.isoformat()
            if until:
                params["until"] = until.isoformat()
            if set_spec:
                params["set"] = set_spec
        while True:
            page = parse_list_records(self._get(params))
            yield page
            if not page.resumption_token:
                return
            # OAI-PMH: a resumption token is the only argument besides the verb.
            params = {"verb": "ListRecords", "resumptionToken": page.resumption_token}

    def _get(self, params: dict) -> bytes:
        failure = ""
        for attempt in range(self.max_retries + 1):
            try:
                response = self.session.get(self.base_url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                failure, wait = f"{type(error).__name__}: {error}", _backoff(attempt)
            else:
                if response.status_code == 200:
                    return response.content
                if response.status_code not in _RETRY_STATUSES:
                    # Some servers send OAI errors with a 4xx status; the parser reads them.
                    if _is_oai_error(response.content):
                        return response.content
                    raise OAIUnavailable(f"{self.base_url} answered HTTP {response.status_code}.")
                failure = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                wait = _backoff(attempt) if wait is None else wait
            if attempt < self.max_retries:
                self.sleep(min(wait, MAX_WAIT_SECONDS))
        raise OAIUnavailable(f"{self.base_url} failed {self.max_retries + 1} times, last with {failure}.")


def _backoff(attempt: int) -> float:
    return min(_BACKOFF_SECONDS * 2**attempt, MAX_WAIT_SECONDS)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


# --- OAI-PMH responses ------------------------------------------------------------------------


def _document(content: bytes) -> Element:
    try:
        root = fromstring(content)
    except (ParseError, DefusedXmlException) as error:
        raise OAIUnavailable(f"The response is not readable XML: {error}") from error
    if root.tag != f"{_OAI}OAI-PMH":
        raise OAIUnavailable(f"The response is not an OAI-PMH document (root element {root.tag}).")
    return root


def _is_oai_error(content: bytes) -> bool:
    try:
        return _document(content).find(f"{_OAI}error") is not None
    except OAIUnavailable:
        return False


def parse_list_records(content: bytes) -> ListRecordsPage:
    """The page a ListRecords response holds; OAIError for an OAI error other than noRecordsMatch."""
    root = _document(content)
    response_date = _response_date(root.findtext(f"{_OAI}responseDate", ""))

    errors = root.findall(f"{_OAI}error")
    for error in errors:
        if error.get("code") != "noRecordsMatch":
            raise OAIError(error.get("code", "unknown"), _collapse(error.text or ""))
    if errors:
        return ListRecordsPage(response_date=response_date)

    list_records = root.find(f"{_OAI}ListRecords")
    if list_records is None:
        raise OAIUnavailable("The response has neither ListRecords nor an error.")
    page = ListRecordsPage(response_date=response_date)
    for record in list_records.iterfind(f"{_OAI}record"):
        header = record.find(f"{_OAI}header")
        identifier = (header.findtext(f"{_OAI}identifier", "") if header is not None else "").strip()
        if header is not None and header.get("status") == "deleted":
            page.deleted.append(identifier)
            continue
        try:
            page.records.append(metadata_record(record.find(f"{_OAI}metadata")))
        except RecordError as error:
            page.skipped.append(SkippedRecord(identifier, str(error)))

    token = list_records.find(f"{_OAI}resumptionToken")
    if token is not None:
        # arXiv ends a list with an empty (sometimes whitespace-only) token that still carries the counts.
        page.resumption_token = (token.text or "").strip()
        page.complete_list_size = _int_or_none(token.get("completeListSize"))
        page.cursor = _int_or_none(token.get("cursor"))
    return page


def _response_date(text: str) -> date:
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError as error:
        raise OAIUnavailable(f"The response has no readable responseDate ({text!r}).") from error


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


# --- arXiv metadata formats -------------------------------------------------------------------


def metadata_record(metadata: Element | None) -> PaperRecord:
    """The PaperRecord of a record's <metadata>, in the arXiv or arXivRaw format."""
    element = next(iter(metadata), None) if metadata is not None else None
    if element is None:
        raise RecordError("no metadata")
    name = _local_name(element.tag)
    if name == "arXiv":
        return arxiv_record(element)
    if name == "arXivRaw":
        return arxiv_raw_record(element)
    raise RecordError(f"unsupported metadata format “{name}”")


def arxiv_record(element: Element) -> PaperRecord:
    """<arXiv xmlns="http://arxiv.org/OAI/arXiv/">: structured authors, created/updated dates."""
    authors = []
    for author in element.iterfind("{*}authors/{*}author"):
        parts = (_child_text(author, name) for name in ("forenames", "keyname", "suffix"))
        if name := " ".join(latex_to_text(part) for part in parts if part.strip()):
            authors.append(name)
    published = _iso_date(_child_text(element, "created"))
    return PaperRecord(
        **_common_fields(element),
        authors=authors,
        published=published,
        year=published.year if published else None,
        updated=_iso_date(_child_text(element, "updated")),
    )


def arxiv_raw_record(element: Element) -> PaperRecord:
    """<arXivRaw>: authors as one string, a <version> per version with its submission date."""
    versions = sorted(
        (number, _rfc2822_date(_child_text(version, "date")))
        for version in element.iterfind("{*}version")
        if (number := _version_number(version.get("version", ""))) is not None
    )
    published = versions[0][1] if versions else None
    return PaperRecord(
        **_common_fields(element),
        authors=split_authors(_child_text(element, "authors")),
        published=published,
        year=published.year if published else None,
        updated=versions[-1][1] if len(versions) > 1 else None,
        arxiv_version=versions[-1][0] if versions else None,
        arxiv_version_dates=version_dates(versions),
    )


def _common_fields(element: Element) -> dict:
    """The fields both formats spell the same way."""
    identifier = parse_or_none(_child_text(element, "id").strip())
    if identifier is None or identifier.kind is not Kind.ARXIV:
        raise RecordError(f"“{_child_text(element, 'id').strip()}” is not an arXiv id")
    title = latex_to_text(_child_text(element, "title"))
    if not title:
        raise RecordError(f"{identifier.value}: no title")
    return {
        "arxiv_id": identifier.value,
        "title": title,
        "abstract": latex_to_text(_child_text(element, "abstract")),
        "categories": _child_text(element, "categories").split(),
        "doi": arxiv_doi(_child_text(element, "doi")),
        "journal_ref": latex_to_text(_child_text(element, "journal-ref"))[: _max_length("journal_ref")],
    }


def arxiv_doi(text: str) -> str | None:
    """The first real DOI of arXiv's doi field (which may list several), lower-cased; None without one."""
    for candidate in re.split(r"[\s,;]+", text):
        identifier = parse_or_none(candidate)
        if identifier and identifier.kind is Kind.DOI and len(identifier.value) <= _max_length("doi"):
            return identifier.value
    return None


_AUTHOR_SEPARATOR = re.compile(r",|;|\s+and\s+|\s*&\s*")
_ET_AL = re.compile(r"^et\.?\s+al\.?$", re.IGNORECASE)


def split_authors(text: str) -> list[str]:
    """Names from arXivRaw's author string: "A. Bal\\'azs (MIT), B. Berger and C. Yuan" -> ["A. Balázs", ...].

    Affiliations in parentheses, including "((1) MIT, (2) CERN)" footnotes, are dropped.
    """
    names = []
    for piece in _AUTHOR_SEPARATOR.split(_outside_parentheses(text)):
        name = latex_to_text(piece)
        if name and not _ET_AL.match(name):
            names.append(name)
    return names


def _outside_parentheses(text: str) -> str:
    kept, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def _child_text(element: Element, name: str) -> str:
    return element.findtext(f"{{*}}{name}", "") or ""


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def _rfc2822_date(text: str) -> date | None:
    """ "Mon, 2 Apr 2007 19:18:42 GMT" -> 2007-04-02."""
    try:
        return email.utils.parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError):
        return None


def _version_number(text: str) -> int | None:
    match = re.fullmatch(r"v(\d+)", text.strip())
    return int(match.group(1)) if match else None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _max_length(field_name: str) -> int:
    return Paper._meta.get_field(field_name).max_length
