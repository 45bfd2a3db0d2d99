"""Search and browsing selectors: ranked, highlighted paper and summary results, category and venue lists.

On PostgreSQL, papers are found through the stored `search_vector` and the trigram index that
papers/migrations/0003_search.py creates, summaries through summaries/migrations/0002_search.py.
Every query is bounded: a full-text match contributes at most CANDIDATES rows, which are then
ranked, so a word found in half a million papers costs what one found in a thousand does.
SQLite, for development, gets plain substring matching.
"""

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.identifiers import Kind, parse_or_none
from papers.models import Paper
from summaries.models import Summary

# How many full-text matches are ranked; past that the result count reads "1,000+".
CANDIDATES = 1000
TITLE_CANDIDATES = 300
# Fewer full-text candidates than this and misspelled titles are looked for too.
ENOUGH_FOR_NO_FUZZY = 5
FUZZY_CANDIDATES = 50
# Browsing pages count at most this many papers (10,000 = 500 pages of 20).
BROWSE_COUNT_CAP = 10_000
MAX_QUERY_LENGTH = 300

# ts_headline marks matches with two private-use characters; the text is escaped and only then
# are they turned into <mark>, so no user text ever reaches the page unescaped.
START, STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)
_HEADLINE_MARKS = f'StartSel="{START}", StopSel="{STOP}"'
TITLE_HEADLINE = f"HighlightAll=true, {_HEADLINE_MARKS}"
ABSTRACT_HEADLINE = f'MaxFragments=2, MaxWords=28, MinWords=12, FragmentDelimiter=" … ", {_HEADLINE_MARKS}'
AUTHORS_SHOWN = 4


def page_size() -> int:
    return getattr(settings, "SEARCH_PAGE_SIZE", 20)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def clean_query(text: str) -> str:
    """Whitespace collapsed, NUL characters (which PostgreSQL refuses in text) dropped, length capped."""
    return " ".join((text or "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]


# --- Highlighting -------------------------------------------------------------------------------


def marked_html(text: str) -> SafeString:
    """Escape text carrying START/STOP marks, then turn each marked stretch into <mark>."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(text or ""))
    return mark_safe(html.replace(START, "").replace(STOP, ""))


def mark_words(text: str, words: list[str]) -> str:
    """SQLite's highlighter: put START/STOP around each case-insensitive occurrence of the words."""
    words = sorted({word for word in words if word}, key=len, reverse=True)
    if not words or not text:
        return text or ""
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    return pattern.sub(lambda match: f"{START}{match.group(0)}{STOP}", text)


def excerpt(text: str, words: list[str], length: int = 240) -> str:
    """Up to `length` characters of text around the first of the words, for SQLite's snippets."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    lowered = text.lower()
    positions = [lowered.find(word.lower()) for word in words if word and word.lower() in lowered]
    start = max(0, min(positions) - length // 3) if positions else 0
    snippet = text[start : start + length]
    return ("… " if start else "") + snippet + (" …" if start + length < len(text) else "")


def _authors_html(marked_authors: list[str]) -> SafeString:
    """The first few authors, plus any later one the query matched, each escaped and highlighted."""
    shown = [(index, name) for index, name in enumerate(marked_authors) if index < AUTHORS_SHOWN or START in name]
    parts = []
    for position, (index, name) in enumerate(shown):
        if position and index != shown[position - 1][0] + 1:
            parts.append("…")
        parts.append(marked_html(name))
    html = ", ".join(parts)
    if len(shown) < len(marked_authors):
        html += " et al."
    return mark_safe(html)


# --- Pagination ---------------------------------------------------------------------------------


class CappedPaginator(Paginator):
    """Counts at most `cap` rows, so page one of a category with 300,000 papers costs what a small one does."""

    def __init__(self, object_list, per_page, cap: int = BROWSE_COUNT_CAP):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


def _ranked_page(ranked_ids: list[int], page_number, fetch, *, capped: bool) -> Page:
    paginator = Paginator(ranked_ids, page_size())
    paginator.is_capped = capped
    page = paginator.get_page(page_number)
    rows = {row.pk: row for row in fetch(list(page.object_list))} if page.object_list else {}
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


# --- Identifiers --------------------------------------------------------------------------------


def paper_for_identifier(query: str) -> Paper | None:
    """The paper an arXiv id, DOI or existing BibTeX key names; None for ordinary words."""
    identifier = parse_or_none(query)
    if identifier is None:
        return None
    return Paper.objects.matching(identifier).first()


def names_an_identifier(query: str) -> bool:
    """True for text that is unmistakably an arXiv id or DOI (a BibTeX key looks like any word)."""
    identifier = parse_or_none(query)
    return identifier is not None and identifier.kind in (Kind.ARXIV, Kind.DOI)


# --- Papers -------------------------------------------------------------------------------------


def public_summary_count() -> Coalesce:
    """Public summaries of the row's paper, counted in a subquery that runs only for the rows shown."""
    public = (
        Summary.objects.public()
        .filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(public, output_field=IntegerField()), Value(0))


def ranked_papers_sql(query: str) -> tuple[str, list]:
    """The PostgreSQL ranking query: (id, rank, anywhere_count) for every bounded candidate, best first.

    Candidates are the union of: the exactly pasted title (md5 index), title matches (title GIN
    index), matches anywhere (search_vector GIN index), and, only when those are fewer than
    ENOUGH_FOR_NO_FUZZY, titles within trigram distance of the query (trigram GIN index; the
    one-time filter skips that scan entirely otherwise).
    """
    sql = """
        WITH exact AS (
            SELECT id FROM papers_paper
            WHERE md5(regexp_replace(lower(title), '[^[:alnum:]]+', '', 'g'))
                = md5(regexp_replace(lower(%(q)s), '[^[:alnum:]]+', '', 'g'))
            LIMIT 10
        ), in_title AS (
            SELECT id FROM papers_paper
            WHERE to_tsvector('english', title) @@ websearch_to_tsquery('english', %(q)s)
            LIMIT %(title_candidates)s
        ), anywhere AS (
            SELECT id FROM papers_paper
            WHERE search_vector @@ websearch_to_tsquery('english', %(q)s)
            LIMIT %(candidates)s
        ), textual AS (
            SELECT id FROM exact UNION SELECT id FROM in_title UNION SELECT id FROM anywhere
        ), fuzzy AS (
            SELECT id FROM papers_paper
            WHERE (SELECT count(*) FROM textual) < %(enough)s AND %(q)s <%% title
            ORDER BY word_similarity(%(q)s, title) DESC
            LIMIT %(fuzzy_candidates)s
        )
        SELECT p.id,
               ts_rank(p.search_vector, websearch_to_tsquery('english', %(q)s)) + similarity(p.title, %(q)s) AS rank,
               (SELECT count(*) FROM anywhere) AS anywhere_count
        FROM papers_paper p
        WHERE p.id IN (SELECT id FROM textual UNION SELECT id FROM fuzzy)
        ORDER BY rank DESC, p.published DESC NULLS LAST, p.id DESC
    """
    params = {
        "q": query,
        "candidates": CANDIDATES,
        "title_candidates": TITLE_CANDIDATES,
        "enough": ENOUGH_FOR_NO_FUZZY,
        "fuzzy_candidates": FUZZY_CANDIDATES,
    }
    return sql, params


def _ranked_paper_ids(query: str) -> tuple[list[int], bool]:
    if is_postgresql():
        sql, params = ranked_papers_sql(query)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [row[0] for row in rows], bool(rows) and rows[0][2] >= CANDIDATES
    words = query.split()[:8]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(abstract__icontains=word) | Q(authors__icontains=word)
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    ids = list(
        Paper.objects.filter(condition)
        .annotate(in_title=ExpressionWrapper(in_title, output_field=BooleanField()))
        .order_by("-in_title", "-published", "-id")
        .values_list("pk", flat=True)[: CANDIDATES + 1]
    )
    return ids[:CANDIDATES], len(ids) > CANDIDATES


def _paper_rows(ids: list[int], query: str) -> QuerySet[Paper]:
    rows = Paper.objects.filter(pk__in=ids).annotate(summary_count=public_summary_count())
    if not is_postgresql():
        return rows
    tsquery = "websearch_to_tsquery('english', %s)"
    return rows.annotate(
        title_marked=RawSQL(f"ts_headline('english', papers_paper.title, {tsquery}, %s)", [query, TITLE_HEADLINE]),
        abstract_marked=RawSQL(
            f"ts_headline('english', papers_paper.abstract, {tsquery}, %s)", [query, ABSTRACT_HEADLINE]
        ),
        authors_marked=RawSQL(
            f"ARRAY(SELECT ts_headline('english', name, {tsquery}, %s) "
            "FROM jsonb_array_elements_text(papers_paper.authors) AS name)",
            [query, TITLE_HEADLINE],
        ),
    )


def _with_highlights(papers, query: str) -> list[Paper]:
    words = query.split()
    papers = list(papers)
    for paper in papers:
        if is_postgresql():
            title, abstract, authors = paper.title_marked, paper.abstract_marked, paper.authors_marked
        else:
            title = mark_words(paper.title, words)
            abstract = mark_words(excerpt(paper.abstract, words), words)
            authors = [mark_words(name, words) for name in paper.authors]
        paper.title_html = marked_html(title)
        paper.abstract_html = marked_html(abstract)
        paper.authors_html = _authors_html(authors or [])
    return papers


def paper_results(*, query: str, page_number=1) -> Page:
    """Papers matching the words of `query` in title, authors, abstract or venue, best first.

    Two queries whatever the page holds: the ranked ids, then the page's rows with highlights
    and public summary counts. page.paginator.is_capped says the count stopped at CANDIDATES.
    """
    query = clean_query(query)
    if not query:
        return _ranked_page([], page_number, list, capped=False)
    ids, capped = _ranked_paper_ids(query)
    return _ranked_page(ids, page_number, lambda page_ids: _with_highlights(_paper_rows(page_ids, query), query), capped=capped)


# --- Summaries ----------------------------------------------------------------------------------


def _ranked_summary_ids(query: str) -> tuple[list[int], bool]:
    public = Summary.objects.public()
    if is_postgresql():
        # Unqualified search_vector: Django re-aliases the table inside the IN subquery.
        matches = RawSQL("search_vector @@ websearch_to_tsquery('english', %s)", [query], output_field=BooleanField())
        rank = RawSQL("ts_rank(search_vector, websearch_to_tsquery('english', %s))", [query], output_field=FloatField())
        newest_matches = public.filter(matches).order_by("-created_at", "-id").values("pk")[: CANDIDATES + 1]
        ids = list(
            Summary.objects.filter(pk__in=newest_matches)
            .annotate(rank=rank)
            .order_by("-rank", "-created_at", "-id")
            .values_list("pk", flat=True)
        )
        if len(ids) > CANDIDATES:  # the extra one only says there are more; drop the lowest ranked
            ids.pop()
            return ids, True
        return ids, False
    condition = Q()
    for word in query.split()[:8]:
        condition &= Q(body__icontains=word)
    ids = list(public.filter(condition).order_by("-created_at", "-id").values_list("pk", flat=True)[: CANDIDATES + 1])
    return ids[:CANDIDATES], len(ids) > CANDIDATES


def _summary_rows(ids: list[int], query: str) -> list[Summary]:
    rows = Summary.objects.filter(pk__in=ids).select_related("paper", "author", "author__profile")
    if is_postgresql():
        rows = rows.annotate(
            body_marked=RawSQL(
                "ts_headline('english', summaries_summary.body, websearch_to_tsquery('english', %s), %s)",
                [query, ABSTRACT_HEADLINE],
            )
        )
    words = query.split()
    rows = list(rows)
    for summary in rows:
        marked = summary.body_marked if is_postgresql() else mark_words(excerpt(summary.body, words), words)
        summary.snippet_html = marked_html(marked)
    return rows


def summary_results(*, query: str, page_number=1) -> Page:
    """Public summaries whose text matches `query`, best first, each with a highlighted snippet."""
    query = clean_query(query)
    if not query:
        return _ranked_page([], page_number, list, capped=False)
    ids, capped = _ranked_summary_ids(query)
    return _ranked_page(ids, page_number, lambda page_ids: _summary_rows(page_ids, query), capped=capped)


# --- Browsing -----------------------------------------------------------------------------------


def _newest_first(papers: QuerySet[Paper]) -> QuerySet[Paper]:
    return papers.annotate(summary_count=public_summary_count()).order_by("-published", "-id")


def papers_in_category(category: str) -> QuerySet[Paper]:
    category = category.replace("\x00", "")
    if is_postgresql():
        return Paper.objects.filter(categories__contains=[category])  # categories @> '["cs.LG"]', GIN index
    # SQLite has no JSON containment; the quoted name inside the JSON text is close enough.
    return Paper.objects.filter(categories__icontains=f'"{category}"')


def category_page(*, category: str, page_number=1) -> Page:
    """Papers listing `category` among their arXiv categories, newest first, with public summary counts."""
    return CappedPaginator(_newest_first(papers_in_category(category)), page_size()).get_page(page_number)


def venue_page(*, venue: str, year: int | None = None, page_number=1) -> Page:
    """Papers published at `venue` (in `year`, if given), newest first, with public summary counts."""
    papers = Paper.objects.filter(venue=venue.replace("\x00", "")).exclude(venue="")
    if year is not None:
        papers = papers.filter(year=year)
    return CappedPaginator(_newest_first(papers), page_size()).get_page(page_number)


def venue_years(venue: str) -> list[int]:
    """The years a venue has papers in, newest first, for the year filter."""
    return list(
        Paper.objects.filter(venue=venue.replace("\x00", ""), year__isnull=False)
        .exclude(venue="")
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- Similar papers -----------------------------------------------------------------------------


def similar_papers(*, paper: Paper, limit: int = 5) -> list[Paper]:
    """Papers of the same primary category whose title and abstract are closest to this one's.

    PostgreSQL: candidates share the primary category and match any of the title's words in
    their title (GIN indexes on both, at most CANDIDATES of them), ranked by how much of the
    title and abstract they share. SQLite: the newest papers of the same category.
    """
    primary = paper.categories[0] if paper.categories else None
    if not primary:
        return []
    if not is_postgresql():
        return list(papers_in_category(primary).exclude(pk=paper.pk).order_by("-published", "-id")[:limit])
    words = re.findall(r"\w{3,}", paper.title)[:16]
    if not words:
        return list(papers_in_category(primary).exclude(pk=paper.pk).order_by("-published", "-id")[:limit])
    any_title_word = " or ".join(words)
    sql = """
        WITH candidates AS (
            SELECT id FROM papers_paper
            WHERE to_tsvector('english', title) @@ websearch_to_tsquery('english', %(words)s)
              AND categories @> %(category)s::jsonb
              AND id <> %(id)s
            LIMIT %(candidates)s
        )
        SELECT p.id FROM papers_paper p
        WHERE p.id IN (SELECT id FROM candidates) AND p.categories ->> 0 = %(primary)s
        ORDER BY ts_rank(p.search_vector, websearch_to_tsquery('english', %(words)s))
                 + similarity(p.title, %(title)s) DESC,
                 p.published DESC NULLS LAST, p.id DESC
        LIMIT %(limit)s
    """
    params = {
        "words": any_title_word,
        "category": json.dumps([primary]),
        "primary": primary,
        "id": paper.pk,
        "title": paper.title,
        "candidates": CANDIDATES,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    papers = Paper.objects.in_bulk(ids)
    return [papers[pk] for pk in ids if pk in papers]


# --- The search page ----------------------------------------------------------------------------

KINDS = ("papers", "summaries")


@dataclass
class SearchResults:
    query: str
    kind: str  # which list `page` holds: "papers" or "summaries"
    page: Page
    paper_count: int
    papers_capped: bool
    summary_count: int
    summaries_capped: bool


def search_results(*, query: str, kind: str = "papers", page_number=1) -> SearchResults:
    """Both result lists' counts, and one page of the kind asked for: three queries whatever the page holds."""
    query = clean_query(query)
    kind = kind if kind in KINDS else "papers"
    paper_ids, papers_capped = _ranked_paper_ids(query) if query else ([], False)
    summary_ids, summaries_capped = _ranked_summary_ids(query) if query else ([], False)
    if kind == "papers":
        fetch = lambda ids: _with_highlights(_paper_rows(ids, query), query)  # noqa: E731
        page = _ranked_page(paper_ids, page_number, fetch, capped=papers_capped)
    else:
        page = _ranked_page(summary_ids, page_number, lambda ids: _summary_rows(ids, query), capped=summaries_capped)
    return SearchResults(
        query=query,
        kind=kind,
        page=page,
        paper_count=len(paper_ids),
        papers_capped=papers_capped,
        summary_count=len(summary_ids),
        summaries_capped=summaries_capped,
    )
