"""The Crossref client: one work fetched by DOI and read into a PaperRecord. HTTP and JSON only."""

import html
import re
from datetime import date
from xml.etree.ElementTree import Element
from urllib.parse import quote

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings

from papers.identifiers import Kind, parse_or_none
from papers.models import Paper
from papers.services import PaperRecord

USER_AGENT = "ShortScience/1.0 (+https://www.shortscience.org; fetches one paper when a contributor asks for it)"


class CrossrefError(Exception):
    """Crossref gave no work; the subclass says why."""


class CrossrefDoiMissing(CrossrefError):
    """Crossref has no work with this DOI (it may be registered elsewhere, e.g. DataCite)."""


class CrossrefUnavailable(CrossrefError):
    """Crossref could not be reached, answered with an error, or answered something that isn't a work."""


class CrossrefTimeout(CrossrefError):
    """Crossref did not answer within EXTERNAL_API_TIMEOUT seconds."""


def fetch(doi: str) -> PaperRecord:
    """The work with this DOI as Crossref describes it.

    Raises CrossrefDoiMissing, CrossrefUnavailable or CrossrefTimeout.
    """
    # The DOI's "/" encoded too: "10.5555/../../members" must stay one path segment under /works/, never
    # dot segments that climb out of it.
    url = f"{settings.CROSSREF_API_URL.rstrip('/')}/{quote(doi, safe='')}"
    try:
        response = requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=settings.EXTERNAL_API_TIMEOUT)
    except requests.Timeout as error:
        raise CrossrefTimeout(str(error)) from error
    except requests.RequestException as error:
        raise CrossrefUnavailable(str(error)) from error
    if response.status_code == 404:
        raise CrossrefDoiMissing(doi)
    if response.status_code != 200:
        raise CrossrefUnavailable(f"Crossref answered {response.status_code}")
    try:
        work = response.json()["message"]
    except (ValueError, KeyError, TypeError) as error:
        raise CrossrefUnavailable(f"not a Crossref work: {error}") from error
    record = work_record(work)
    if record is None:
        raise CrossrefUnavailable("the work has no DOI or no title")
    return record


def work_record(work: dict) -> PaperRecord | None:
    """A Crossref `message` as a PaperRecord; None without a usable DOI or title."""
    identifier = parse_or_none(str(work.get("DOI", "")))
    title = strip_markup(_first(work.get("title")))
    if identifier is None or identifier.kind is not Kind.DOI or not title:
        return None
    published = _date(work.get("issued"))
    return PaperRecord(
        title=title,
        authors=[name for author in work.get("author") or [] if (name := _author_name(author))],
        abstract=strip_markup(work.get("abstract") or ""),
        venue=strip_markup(_first(work.get("container-title")))[: _max_length("venue")],
        year=_year(work.get("issued")),
        published=published,
        doi=identifier.value,
    )


def strip_markup(text: str) -> str:
    """Plain text of a JATS or HTML fragment: tags dropped, entities decoded, paragraphs kept apart.

    The result is text, never markup: templates escape it like anything else a user could type.
    """
    try:
        # Crossref's fragments use the jats: prefix without declaring it, and may have several roots.
        root = fromstring(f"<root {_NAMESPACES}>{text}</root>")
    except (ParseError, DefusedXmlException):
        # Not XML (an HTML entity, a stray "<"): drop anything tag-shaped and decode the rest.
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())
    paragraphs = "".join(_text_with_breaks(root)).split(_BREAK)
    return "\n\n".join(joined for paragraph in paragraphs if (joined := " ".join(paragraph.split())))


_NAMESPACES = 'xmlns:jats="http://www.ncbi.nlm.nih.gov/JATS1" xmlns:mml="http://www.w3.org/1998/Math/MathML"'
_BLOCKS = {"p", "sec", "title", "list-item", "div"}
_BREAK = "\x00"  # never in XML text, so it can only be a paragraph break we put there


def _text_with_breaks(element: Element):
    name = element.tag.rsplit("}", 1)[-1]
    if name == "title" and "".join(element.itertext()).strip().lower() == "abstract":
        return  # the heading JATS abstracts often open with
    if name in _BLOCKS:
        yield _BREAK
    yield element.text or ""
    for child in element:
        yield from _text_with_breaks(child)
        yield child.tail or ""
    if name in _BLOCKS:
        yield _BREAK


def _first(values) -> str:
    return str(values[0]) if isinstance(values, list) and values else ""


def _author_name(author: dict) -> str:
    # People have given and family names; organisations (consortia) have only a name.
    name = " ".join(part for part in (author.get("given"), author.get("family")) if part) or author.get("name", "")
    return " ".join(strip_markup(name).split())


def _date_parts(issued) -> list:
    try:
        parts = issued["date-parts"][0]
    except (KeyError, IndexError, TypeError):
        return []
    return [part for part in parts if isinstance(part, int)] if isinstance(parts, list) else []


def _year(issued) -> int | None:
    parts = _date_parts(issued)
    return parts[0] if parts else None


def _date(issued) -> date | None:
    """The issue date when Crossref knows the day; a year alone is not a date."""
    parts = _date_parts(issued)
    try:
        return date(*parts[:3]) if len(parts) >= 3 else None
    except ValueError:
        return None


def _max_length(field_name: str) -> int:
    return Paper._meta.get_field(field_name).max_length
