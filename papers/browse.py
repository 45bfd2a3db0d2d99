"""The browsing indexes: every arXiv category and every venue with their counts, and an author's papers."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields import BooleanField

from papers.categories import ARXIV_GROUPS, category_name
from papers.models import Paper, json_list_contains

# The counts read every paper's categories (or venue): a few seconds for millions of papers, so the
# indexes show counts up to this many seconds old.
COUNTS_CACHE_SECONDS = 600
CATEGORY_COUNTS_CACHE_KEY = "papers:category-counts:v1"
VENUE_COUNTS_CACHE_KEY = "papers:venue-counts:v1"

_PUBLIC_SUMMARIES = "summaries_summary.paper_id = papers_paper.id AND NOT summaries_summary.is_hidden AND NOT summaries_summary.is_private"


def _category_elements() -> str:
    """A FROM item yielding each of a paper's categories as `element.value`."""
    if connection.vendor == "postgresql":
        return "jsonb_array_elements_text(papers_paper.categories) AS element(value)"
    return "json_each(papers_paper.categories) AS element"


def _counts(sql: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class BrowseEntry:
    key: str  # the category ("cs.LG") or the venue
    name: str  # arXiv's name for a category, "" when it has none
    paper_count: int
    summary_count: int


def _category_counts() -> tuple[dict[str, int], dict[str, int]]:
    def compute():
        elements = _category_elements()
        papers = _counts(f"SELECT element.value, COUNT(*) FROM papers_paper, {elements} GROUP BY element.value")
        summaries = _counts(
            f"SELECT element.value, COUNT(*) FROM summaries_summary, papers_paper, {elements} "
            f"WHERE {_PUBLIC_SUMMARIES} GROUP BY element.value"
        )
        return papers, summaries

    return cache.get_or_set(CATEGORY_COUNTS_CACHE_KEY, compute, COUNTS_CACHE_SECONDS)


def category_index() -> list[tuple[str, list[BrowseEntry]]]:
    """Every arXiv category, grouped by archive in arXiv's order, with its papers and public summaries here;
    then the categories papers carry that arXiv no longer lists. Two queries (none while cached)."""
    papers, summaries = _category_counts()

    def entry(category: str, name: str) -> BrowseEntry:
        return BrowseEntry(category, name, papers.get(category, 0), summaries.get(category, 0))

    groups = [(group, [entry(category, name) for category, name in categories]) for group, categories in ARXIV_GROUPS]
    others = sorted(category for category in papers if not category_name(category))
    if others:
        groups.append(("Other categories", [entry(category, "") for category in others]))
    return groups


def venue_index() -> list[BrowseEntry]:
    """Every venue papers here name, alphabetically, with its papers and public summaries. Two queries (none while cached)."""

    def compute():
        papers = _counts("SELECT venue, COUNT(*) FROM papers_paper WHERE venue <> '' GROUP BY venue")
        summaries = _counts(
            f"SELECT venue, COUNT(*) FROM summaries_summary, papers_paper WHERE {_PUBLIC_SUMMARIES} AND venue <> '' GROUP BY venue"
        )
        return [BrowseEntry(venue, "", count, summaries.get(venue, 0)) for venue, count in sorted(papers.items(), key=lambda item: item[0].lower())]

    return cache.get_or_set(VENUE_COUNTS_CACHE_KEY, compute, COUNTS_CACHE_SECONDS)


def papers_by_author(name: str) -> QuerySet[Paper]:
    """Papers listing exactly `name` among their authors."""
    papers = Paper.objects.filter(json_list_contains("authors", name))
    if connection.vendor != "postgresql":
        return papers
    # No index serves JSON containment on authors; the search vector's (which holds their words) narrows first.
    words_match = RawSQL(
        "(numnode(plainto_tsquery('english', %s)) = 0 OR search_vector @@ plainto_tsquery('english', %s))",
        [name, name],
        output_field=BooleanField(),
    )
    return papers.filter(words_match)
