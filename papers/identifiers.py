"""Parse every way people write a paper's identifier into one normalised `Identifier`.

The paper URL, the summary form, `\\cite{...}` and the importers all go through `parse`,
so a paper reached by any spelling of any of its identifiers is the same paper.
"""

import re
from dataclasses import dataclass
from enum import StrEnum


class InvalidIdentifier(ValueError):
    """The text is not an arXiv id, a DOI or a plausible BibTeX key."""


class Kind(StrEnum):
    ARXIV = "arxiv"
    DOI = "doi"
    BIBTEX = "bibtex"


@dataclass(frozen=True)
class Identifier:
    kind: Kind
    value: str  # arXiv id without version, lower-cased DOI, or BibTeX key as written
    version: int | None = None  # arXiv version, when one was given

    def __str__(self) -> str:
        return self.value


# New-style ids (0704.0001 onwards) have a 4-digit yymm and a 4- or 5-digit number.
_ARXIV_NEW = r"(?P<new>\d{4}\.\d{4,5})"
# Old-style ids name the archive (and maybe a subject class): hep-th/9901001, math.GT/0309136.
_ARXIV_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})"
_ARXIV_ID = rf"(?:{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>\d+))?"

# re.ASCII throughout: "١٧٠٦.٠٣٧٦٢" has Unicode digits but names no paper.
_ARXIV_BARE = re.compile(rf"^(?:arxiv:\s*)?{_ARXIV_ID}$", re.IGNORECASE | re.ASCII)
_ARXIV_URL = re.compile(
    rf"^(?:https?:/+)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/{_ARXIV_ID}(?:\.pdf)?/?$",
    re.IGNORECASE | re.ASCII,
)
# arXiv registers a DOI for every paper (10.48550/arXiv.<id>); it names the arXiv paper.
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.{_ARXIV_ID}$", re.IGNORECASE | re.ASCII)

_DOI_PREFIX = re.compile(r"^(?:doi:\s*|(?:https?:/+)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
# Braces, quotes and backslashes never occur in real DOIs, and would break out of a BibTeX field; nor
# do control characters (PostgreSQL refuses NUL). 300 characters is the DOI column's size.
DOI_MAX_LENGTH = 300
_DOI = re.compile(r'^10\.\d{4,9}/[^\s{}"\\\x00-\x1f\x7f]+$', re.ASCII)

# DBLP-style keys (journals/jmlr/LarochelleM11) and the usual hand-made ones (vaswani2017attention).
_BIBTEX_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:/.+'-]{0,199}$")
# cs.LG, hep-th, astro-ph.CO, cond-mat.mes-hall, q-bio.NC: an archive, then optionally a subject class.
_ARXIV_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?", re.ASCII)
ARXIV_CATEGORY_MAX_LENGTH = 40


def _arxiv(match: re.Match) -> Identifier:
    new, old, version = match.group("new"), match.group("old"), match.group("version")
    if old:
        # arXiv names old papers by archive and number only: math.GT/0309136 is math/0309136.
        archive, number = old.split("/")
        old = f"{archive.partition('.')[0].lower()}/{number}"
    return Identifier(Kind.ARXIV, new or old, int(version) if version else None)


def parse(text: str) -> Identifier:
    """Return the identifier that `text` names, or raise InvalidIdentifier."""
    text = (text or "").strip()
    if not text:
        raise InvalidIdentifier("An identifier is required.")

    for pattern in (_ARXIV_BARE, _ARXIV_URL):
        if match := pattern.match(text):
            return _arxiv(match)

    doi = _DOI_PREFIX.sub("", text)
    if match := _ARXIV_DOI.match(doi):
        return _arxiv(match)
    if _DOI.match(doi):
        if len(doi) > DOI_MAX_LENGTH:
            raise InvalidIdentifier(f"“{text[:60]}…” is not a valid DOI: it is longer than {DOI_MAX_LENGTH} characters.")
        return Identifier(Kind.DOI, doi.lower())
    if doi != text:
        raise InvalidIdentifier(f"“{text}” is not a valid DOI.")

    if "://" not in text and _BIBTEX_KEY.match(text):
        return Identifier(Kind.BIBTEX, text)
    raise InvalidIdentifier(f"“{text}” is not an arXiv id, a DOI or a BibTeX key.")


def parse_or_none(text: str) -> Identifier | None:
    try:
        return parse(text)
    except InvalidIdentifier:
        return None


def is_arxiv_category(name: str) -> bool:
    """Whether `name` is shaped like an arXiv category (cs.LG, hep-th); not whether arXiv has it."""
    return len(name) <= ARXIV_CATEGORY_MAX_LENGTH and _ARXIV_CATEGORY.fullmatch(name) is not None
