"""RIS export of papers, the format Zotero, Mendeley and EndNote import: one tagged line per field."""

from papers.bibtex import entry_type_and_venue, export_keys
from papers.models import Paper, surname

# Zotero reads UNPB as a manuscript and GEN as a document: the nearest types for a preprint and an unknown.
RIS_TYPES = {"article": "JOUR", "inproceedings": "CPAPER"}


def one_line(text) -> str:
    """RIS has no escaping: a field is the rest of its line, so it must not hold a line break."""
    return " ".join(str(text).split())


def ris_name(name: str) -> str:
    """"Ashish Vaswani" -> "Vaswani, Ashish"; "van den Oord" keeps its particle with the surname."""
    name = one_line(name)
    if "," in name:
        return name
    family = surname(name)
    given = name[: len(name) - len(family)].strip()
    return f"{family}, {given}" if given else family


def paper_ris(paper: Paper, key: str = "") -> str:
    entry_type, venue = entry_type_and_venue(paper)
    record_type = RIS_TYPES.get(entry_type) or ("UNPB" if paper.arxiv_id else "GEN")
    fields = [("TY", record_type), ("ID", key or paper.identifier), ("TI", paper.title)]
    fields += [("AU", ris_name(name)) for name in paper.authors if name.strip()]
    if paper.year:
        fields.append(("PY", str(paper.year)))
    if paper.published:
        fields.append(("DA", paper.published.strftime("%Y/%m/%d/")))
    if venue:
        fields.append(("JO" if record_type == "JOUR" else "T2", venue[1]))
    elif paper.arxiv_id:
        fields.append(("T2", "arXiv"))
    if paper.abstract:
        fields.append(("AB", paper.abstract))
    if paper.doi:
        fields.append(("DO", paper.doi))
    if paper.arxiv_id:
        fields.append(("AN", f"arXiv:{paper.arxiv_id}"))
    if paper.abstract_url:
        fields.append(("UR", paper.abstract_url))
    if paper.pdf_link:
        fields.append(("L1", paper.pdf_link))
    fields += [("KW", category) for category in paper.categories or []]
    lines = [f"{tag}  - {one_line(value)}" for tag, value in fields if one_line(value)]
    return "\r\n".join([*lines, "ER  - ", ""])


def bibliography(papers) -> str:
    """Several papers as one .ris file, each record's ID its BibTeX key in the same export."""
    papers = list(papers)
    keys = export_keys(papers)
    return "\r\n".join(paper_ris(paper, keys[paper.pk]) for paper in papers)
