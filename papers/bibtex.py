"""BibTeX export of a Paper: one entry, ready to paste into a .bib file."""

import re
import unicodedata
from collections import Counter

from papers.models import Paper, surname

# Venues whose papers are conference proceedings (booktitle), not journal articles.
CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|"
    r"coling|aaai|ijcai|kdd|aistats|uai|colt|sigir|www|chi|icra|iros|rss|corl|interspeech|icassp|miccai)\b",
    re.IGNORECASE,
)
# Words skipped when a key is made from the title: "vaswani2017attention", not "vaswani2017the".
KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "towards", "toward", "is", "are"}
SPECIAL = re.compile(r"(?<!\\)([&%#])")


def ascii_letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def generated_key(paper: Paper) -> str:
    """First author's surname, year and first meaningful title word: vaswani2017attention."""
    who = ascii_letters(surname(paper.authors[0])) if paper.authors else ""
    words = [ascii_letters(word) for word in re.findall(r"[^\W_]+", paper.title)]
    first_word = next((word for word in words if word and word not in KEY_STOPWORDS), "")
    key = f"{who or 'paper'}{paper.year or ''}{first_word}"
    return key if key != "paper" else f"paper{paper.pk}"


def citation_key(paper: Paper) -> str:
    return paper.bibtex_key or generated_key(paper)


def balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def field_value(text: str) -> str:
    """Collapse whitespace, escape & % #, and drop braces that would unbalance the entry."""
    text = SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return text if balanced(text) else text.replace("{", "").replace("}", "")


def _protect(match: re.Match) -> str:
    word = match.group(0)
    return f"{{{word}}}" if any(char.isupper() for char in word[1:]) else word


def protected_title(title: str) -> str:
    """Brace words whose capitals a style must keep (GANs, ImageNet, LSTM); leave $math$ and \\commands alone."""
    parts = re.split(r"(\$[^$]*\$)", field_value(title))
    return "".join(
        part if index % 2 else re.sub(r"(?<![\\\w{])[^\W_][\w'-]*(?![\w}])", _protect, part)
        for index, part in enumerate(parts)
    )


def entry_type_and_venue(paper: Paper) -> tuple[str, tuple[str, str] | None]:
    if paper.venue:
        if CONFERENCE_WORDS.search(paper.venue):
            return "inproceedings", ("booktitle", paper.venue)
        return "article", ("journal", paper.venue)
    return "misc", None


def paper_bibtex(paper: Paper, key: str = "") -> str:
    """The paper as one BibTeX entry (under `key`, else its citation_key); arXiv papers carry eprint and
    archivePrefix as biblatex expects."""
    entry_type, venue = entry_type_and_venue(paper)
    fields = [("title", protected_title(paper.title))]
    if paper.authors:
        names = [f"{{{name}}}" if " and " in name else name for name in (field_value(name) for name in paper.authors)]
        fields.append(("author", " and ".join(names)))
    if venue:
        fields.append((venue[0], field_value(venue[1])))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", paper.categories[0]))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.abstract_url:
        fields.append(("url", paper.abstract_url))
    if paper.journal_ref and paper.journal_ref != paper.venue:
        fields.append(("note", field_value(paper.journal_ref)))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{key or citation_key(paper)},\n{body}\n}}\n"


def export_keys(papers) -> dict[int, str]:
    """Each paper's key in one export file: its citation_key, which is the same in every export, except that
    papers which would share a key each get their own identifier appended (smith2020deep1601.00001)."""
    keys = {paper.pk: citation_key(paper) for paper in papers}
    shared = {key for key, count in Counter(keys.values()).items() if count > 1}
    return {
        paper.pk: keys[paper.pk] + re.sub(r"[^A-Za-z0-9.:_-]", "", paper.identifier) if keys[paper.pk] in shared else keys[paper.pk]
        for paper in papers
    }


def bibliography(papers) -> str:
    """Several papers as one .bib file, in the order given, every key distinct."""
    papers = list(papers)
    keys = export_keys(papers)
    return "\n".join(paper_bibtex(paper, keys[paper.pk]) for paper in papers)
