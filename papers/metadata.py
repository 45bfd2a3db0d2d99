"""What reference managers and indexers read from our pages: Highwire citation_* tags, Schema.org JSON-LD and
COinS (OpenURL ContextObjects in spans)."""

import json

from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from papers.bibtex import entry_type_and_venue
from papers.models import Paper

# Inside <script>, "</script>" or "<!--" in a title would end or bend the element; escaped, JSON reads the same.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _slashed_date(paper: Paper) -> str:
    """Google Scholar's form: 2017/06/12, or the year alone when that is all we know."""
    if paper.published:
        return paper.published.strftime("%Y/%m/%d")
    return str(paper.year) if paper.year else ""


def citation_tags(paper: Paper) -> list[tuple[str, str]]:
    """Highwire Press tags, in the order Google Scholar's inclusion guidelines list them; empty ones left out."""
    tags = [("citation_title", paper.title)]
    tags += [("citation_author", name) for name in paper.authors if name.strip()]
    tags.append(("citation_publication_date", _slashed_date(paper)))
    if paper.published:
        tags.append(("citation_online_date", paper.published.strftime("%Y/%m/%d")))
    entry_type, venue = entry_type_and_venue(paper)
    if venue:
        tags.append(("citation_conference_title" if entry_type == "inproceedings" else "citation_journal_title", venue[1]))
    tags += [
        ("citation_arxiv_id", paper.arxiv_id or ""),
        ("citation_doi", paper.doi or ""),
        # The author's own PDF at arXiv (or the publisher's), never a copy of ours.
        ("citation_pdf_url", paper.pdf_link),
        ("citation_abstract", " ".join(paper.abstract.split())),
    ]
    return [(name, value) for name, value in tags if value]


def scholarly_article(paper: Paper, *, url: str) -> dict:
    """Schema.org ScholarlyArticle for the paper whose page is `url`."""
    article = {
        "@type": "ScholarlyArticle",
        "name": paper.title,
        "headline": paper.title[:110],
        "url": url,
        "author": [{"@type": "Person", "name": name} for name in paper.authors if name.strip()],
    }
    if paper.published or paper.year:
        article["datePublished"] = paper.published.isoformat() if paper.published else str(paper.year)
    if paper.abstract:
        article["abstract"] = " ".join(paper.abstract.split())
    identifiers = [("arXiv", paper.arxiv_id), ("DOI", paper.doi)]
    article["identifier"] = [{"@type": "PropertyValue", "propertyID": kind, "value": value} for kind, value in identifiers if value]
    article["sameAs"] = [link for link in (paper.abstract_url, f"https://doi.org/{paper.doi}" if paper.doi else "") if link]
    _, venue = entry_type_and_venue(paper)
    if venue:
        article["isPartOf"] = {"@type": "Periodical" if venue[0] == "journal" else "PublicationEvent", "name": venue[1]}
    if paper.categories:
        article["keywords"] = paper.categories
    return article


def json_ld_script(data: dict) -> SafeString:
    """`data` as a JSON-LD data block (never executed, so a strict CSP allows it), safe in any HTML."""
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def coins_context(paper: Paper) -> str:
    """The OpenURL 1.0 ContextObject (KEV) that Zotero reads from a span.Z3988, unescaped: the template escapes it."""
    entry_type, venue = entry_type_and_venue(paper)
    fields = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "proceeding" if entry_type == "inproceedings" else "article"),
        ("rft.atitle", paper.title),
    ]
    fields += [("rft.jtitle", venue[1] if venue else "arXiv")] if venue or paper.arxiv_id else []
    fields += [("rft.au", name) for name in paper.authors if name.strip()]
    if paper.published or paper.year:
        fields.append(("rft.date", paper.published.isoformat() if paper.published else str(paper.year)))
    if paper.doi:
        fields.append(("rft_id", f"info:doi/{paper.doi}"))
    if paper.arxiv_id:
        fields.append(("rft_id", f"info:arxiv/{paper.arxiv_id}"))
    if paper.abstract_url:
        fields.append(("rft_id", paper.abstract_url))
    return urlencode(fields)
