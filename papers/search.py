"""Search and browsing selectors: ranked, highlighted paper and summary results, category and venue lists.

On PostgreSQL, papers are found through the stored `search_vector` and the trigram index that
papers/migrations/0003_search.py creates, summaries through summaries/migrations/0002_search.py.
Every query is bounded: a full-text match contributes at most CANDIDATES rows, which are then
ranked, so a word found in half a million papers costs what one found in a thousand does.
SQLite, for development, gets plain substring matching.
"""

import difflib
import hashlib
import re
from html import unescape
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
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
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from papers.identifiers import Kind, parse_or_none
from papers.models import Paper, json_list_contains
from summaries import katex
from summaries.models import Summary

# How many full-text matches are ranked; past that the result count reads "200+" or "300+".
CANDIDATES = 300
TITLE_CANDIDATES = 200
# Abstracts are searched only when titles match fewer papers than this (two pages' worth); past it
# the count reads "N+", since abstracts would add more.
ANYWHERE_BELOW = 40
# Fewer matches than this as typed and corrected spellings are tried too.
ENOUGH_AS_TYPED = 5
FUZZY_CANDIDATES = 50
# Browsing pages go this deep (50 pages of 20 = the newest 1,000 papers); search finds the rest.
BROWSE_MAX_PAGE = 50
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
    if shown and shown[-1][0] < len(marked_authors) - 1:
        html += " et al."
    return mark_safe(html)


# --- Pagination ---------------------------------------------------------------------------------


class BrowsePage:
    """One page of a newest-first list, without a total: counting a category of 300,000 papers
    reads its whole GIN posting list, while the page itself is a short walk down an index.

    Has what the page templates use of a Django Page (iteration, has_next, next_page_number...).
    """

    def __init__(self, papers: list[Paper], number: int, has_next: bool):
        self.object_list, self.number, self._has_next = papers, number, has_next
        self.paginator = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def browse_page(papers: QuerySet[Paper], page_number) -> BrowsePage:
    """Page `page_number` of `papers`, newest first, with public summary counts: one query.

    The page's ids are picked in a subquery, so the summary counts run for its rows only (an
    OFFSET would otherwise evaluate them for every skipped row too).
    """
    try:
        number = int(page_number or 1)
    except (TypeError, ValueError):
        raise PageNotAnInteger("That page number is not an integer.")
    if not 1 <= number <= BROWSE_MAX_PAGE:
        raise EmptyPage(f"Pages run from 1 to {BROWSE_MAX_PAGE}.")
    size = page_size()
    newest = papers.order_by("-published", "-id")
    page_ids = newest.values("pk")[(number - 1) * size : number * size + 1]  # one more: is there a next page?
    rows = list(
        Paper.objects.filter(pk__in=page_ids)
        .annotate(summary_count=public_summary_count())
        .order_by("-published", "-id")
    )
    if not rows and number > 1:
        raise EmptyPage("That page contains no results.")
    return BrowsePage(rows[:size], number, has_next=len(rows) > size and number < BROWSE_MAX_PAGE)


def _ranked_page(ranked_ids: list[int], page_number, fetch, *, capped: bool) -> Page:
    paginator = Paginator(ranked_ids, page_size())
    paginator.is_capped = capped
    page = paginator.page(page_number or 1)  # InvalidPage past the last page or for "abc"
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


# The PostgreSQL planner's JIT costs tens of milliseconds per query and saves nothing on these
# bounded queries; SET LOCAL in the same round trip turns it off for that statement's transaction.
NO_JIT = "SET LOCAL jit = off;"
TSQUERY_SQL = {
    False: "websearch_to_tsquery('english', %(tsq)s)",  # the query as typed: quotes, or, -word
    True: "to_tsquery('english', %(tsq)s)",  # built here from corrected words, see Terms
}


@dataclass(frozen=True)
class Terms:
    """What the words of a query are matched as: the text as typed, or a tsquery with corrections."""

    tsquery: str
    corrected: bool = False
    # (typed word, [known words it may have meant]) for each word that was corrected
    corrections: tuple = ()

    @property
    def sql(self) -> str:
        return TSQUERY_SQL[self.corrected]


def ranked_papers_sql(query: str, terms: Terms | None = None, *, fuzzy: bool = False) -> tuple[str, dict]:
    """The PostgreSQL ranking query: (id, rank, more) for every bounded candidate, best first.

    Candidates are the union of: the exactly pasted title (md5 index), up to TITLE_CANDIDATES
    title matches (title GIN index), up to CANDIDATES matches anywhere (search_vector GIN index)
    when the titles gave fewer than ANYWHERE_BELOW (ENOUGH_AS_TYPED for corrected terms: their
    corrections come from the words of titles and names, so they are a title or a name typed from
    memory, and a misspelled word OR-ed with its neighbours matches abstracts by the ten thousand),
    and, with `fuzzy` and only when nothing
    else matched, titles within trigram distance of the query (trigram GIN index). One-time
    filters skip the scans that are not needed.
    """
    terms = terms or Terms(query)
    sql = f"""
        WITH exact AS (
            SELECT id FROM papers_paper
            WHERE md5(regexp_replace(lower(title), '[^[:alnum:]]+', '', 'g'))
                = md5(regexp_replace(lower(%(q)s), '[^[:alnum:]]+', '', 'g'))
            LIMIT 10
        ), in_title AS (
            SELECT id FROM papers_paper
            WHERE to_tsvector('english', title) @@ {terms.sql}
            LIMIT %(title_candidates)s
        ), anywhere AS (
            -- Abstracts only when titles alone fall short: a common word's title postings are a
            -- tenth of its abstract postings (the GIN scan reads them all), and title matches
            -- outrank the rest anyway.
            SELECT id FROM papers_paper
            WHERE (SELECT count(*) FROM in_title) < %(anywhere_below)s AND search_vector @@ {terms.sql}
            LIMIT %(candidates)s
        ), textual AS (
            SELECT id FROM exact UNION SELECT id FROM in_title UNION SELECT id FROM anywhere
        ), fuzzy AS (
            SELECT id FROM papers_paper
            WHERE %(fuzzy)s AND NOT EXISTS (SELECT FROM textual) AND %(q)s <%% title
            ORDER BY word_similarity(%(q)s, title) DESC
            LIMIT %(fuzzy_candidates)s
        )
        SELECT p.id,
               ts_rank(p.search_vector, {terms.sql}) + similarity(p.title, %(q)s) AS rank,
               (SELECT count(*) FROM in_title) >= %(anywhere_below)s
                   OR (SELECT count(*) FROM anywhere) >= %(candidates)s AS more
        FROM papers_paper p
        WHERE p.id IN (SELECT id FROM textual UNION SELECT id FROM fuzzy)
        ORDER BY rank DESC, p.published DESC NULLS LAST, p.id DESC
    """
    params = {
        "q": query,
        "tsq": terms.tsquery,
        "candidates": CANDIDATES,
        "title_candidates": TITLE_CANDIDATES,
        "anywhere_below": ENOUGH_AS_TYPED if terms.corrected else ANYWHERE_BELOW,
        "fuzzy": fuzzy,
        "fuzzy_candidates": FUZZY_CANDIDATES,
    }
    return sql, params


CORRECTIONS_SQL = """
    SELECT typed.word,
           numnode(plainto_tsquery('english', typed.word)) = 0 AS typed_is_stopword,
           coalesce(array_agg(known.word ORDER BY known.similarity DESC) FILTER (WHERE known.word IS NOT NULL), '{}'),
           coalesce(bool_or(known.is_stopword), false)
    FROM unnest(%(words)s::text[]) WITH ORDINALITY AS typed(word, position)
    LEFT JOIN LATERAL (
        SELECT word, similarity(word, typed.word) AS similarity,
               numnode(plainto_tsquery('english', word)) = 0 AS is_stopword
        FROM papers_searchword
        WHERE word %% typed.word AND word <> typed.word
          -- Known words are left alone; a word of a single paper may be that paper's typo, so it
          -- is offered as a correction but doesn't count as known.
          AND NOT EXISTS (SELECT FROM papers_searchword same WHERE same.word = typed.word AND same.ndoc >= 2)
        ORDER BY similarity(word, typed.word) DESC, ndoc DESC
        LIMIT %(alternatives)s
    ) AS known ON true
    GROUP BY typed.word, typed.position
    ORDER BY typed.position
"""
CORRECTIONS_PER_WORD = 3


def corrected_terms(query: str) -> Terms | None:
    """Each query word that no title or author name contains, OR-ed with the known words nearest to it.

    "atention is al you need" -> (atention | attention) & need: stop words and words of two
    letters ("al") constrain nothing, nor does a word whose neighbour is a stop word. None when
    no word needed correcting (or there is no word list).
    """
    words = [word.lower() for word in re.findall(r"[^\W_]+", query)][:12]
    if not words or not _has_search_words():
        return None
    with connection.cursor() as cursor:
        cursor.execute(CORRECTIONS_SQL, {"words": words, "alternatives": CORRECTIONS_PER_WORD})
        rows = cursor.fetchall()
    groups, corrections = [], []
    for word, is_stopword, alternatives, may_be_stopword in rows:
        # Two letters say too little to correct ("al": all? also? Alan?), so they constrain nothing.
        if is_stopword or may_be_stopword or len(word) < 3:
            continue
        if alternatives:
            corrections.append((word, list(alternatives)))
            groups.append(f"({' | '.join([word, *alternatives])})")
        else:
            groups.append(word)
    if not corrections:
        return None
    # Words are letters only ([^\W_]+ here, [[:alpha:]]+ in the word list): no tsquery syntax in them.
    return Terms(" & ".join(groups), corrected=True, corrections=tuple(corrections))


_search_words_checked: dict[str, bool] = {}


def _has_search_words() -> bool:
    """Whether papers_searchword exists (a database migrated before it was added has none)."""
    name = connection.settings_dict["NAME"]
    if name not in _search_words_checked:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('papers_searchword') IS NOT NULL")
            _search_words_checked[name] = cursor.fetchone()[0]
    return _search_words_checked[name]


def refresh_search_words() -> None:
    """Rebuild the word list misspellings are corrected against; run after an import (a minute for arXiv)."""
    if is_postgresql() and _has_search_words():
        with connection.cursor() as cursor:
            cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY papers_searchword")


def _run_ranking(query: str, terms: Terms, *, fuzzy: bool) -> list[tuple]:
    sql, params = ranked_papers_sql(query, terms, fuzzy=fuzzy)
    with connection.cursor() as cursor:
        cursor.execute(NO_JIT + sql, params)
        return cursor.fetchall()


@dataclass
class Ranking:
    ids: list[int]
    capped: bool  # the candidates stopped at CANDIDATES: there are more matches
    terms: Terms | None = None
    # The query with its misspelled words replaced by the words papers use, when that found the results.
    corrected_query: str = ""


def _corrected_query(query: str, corrections) -> str:
    """`query` with each corrected word replaced by its likeliest meaning: what "Showing results for" names."""
    best = {typed: known[0] for typed, known in corrections if known}
    return " ".join(best.get(word.lower(), word) for word in query.split())


def _ranked_paper_ids(query: str) -> Ranking:
    if is_postgresql():
        terms = Terms(query)
        rows = _run_ranking(query, terms, fuzzy=False)
        if len(rows) < ENOUGH_AS_TYPED:
            # Little matches as typed: try corrected spellings, and if even those find nothing,
            # titles within trigram distance of the whole query.
            corrected = corrected_terms(query)
            seen = {row[0] for row in rows}
            rows += [row for row in _run_ranking(query, corrected or terms, fuzzy=True) if row[0] not in seen]
            terms = corrected or terms
        corrected_query = _corrected_query(query, terms.corrections) if rows and terms.corrections else ""
        return Ranking([row[0] for row in rows], any(row[2] for row in rows), terms, corrected_query)
    ranking = _words_ranking(query)
    if len(ranking.ids) < ENOUGH_AS_TYPED:
        ranking = _sqlite_spelling_fallback(query, ranking)
    return ranking


def _words_ranking(query: str) -> Ranking:
    """Without PostgreSQL's full-text search: papers with every word in title, abstract or authors, title matches first."""
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
    return Ranking(ids[:CANDIDATES], len(ids) > CANDIDATES)


# SQLite has no trigram index: spelling is corrected against the titles and authors of this many newest
# papers, read once per search that finds too little (a development database has a few thousand).
SQLITE_SPELLING_PAPERS = 20_000
SQLITE_WORD_CUTOFF = 0.75  # difflib's ratio between a typed word and a known one
SQLITE_TITLE_CUTOFF = 0.6  # between the whole query and a title, when correcting words found nothing
_WORD = re.compile(r"[^\W_]+")


def _sqlite_spelling_fallback(query: str, as_typed: Ranking) -> Ranking:
    """Few papers match as typed: correct each word no known title or author uses to the nearest one that does,
    and search again; if that finds nothing either, the titles nearest to the whole query."""
    papers = list(Paper.objects.order_by("-published", "-id").values_list("pk", "title", "authors")[:SQLITE_SPELLING_PAPERS])
    known_words = {word.lower() for _, title, authors in papers for word in _WORD.findall(f"{title} {' '.join(authors or [])}")}
    corrections = []
    for word in dict.fromkeys(word.lower() for word in _WORD.findall(query)):
        # Two letters say too little to correct, and match inside longer words anyway.
        if len(word) < 3 or word in known_words:
            continue
        if nearest := difflib.get_close_matches(word, known_words, n=1, cutoff=SQLITE_WORD_CUTOFF):
            corrections.append((word, nearest))
    if corrections:
        corrected_query = _corrected_query(query, corrections)
        corrected = _words_ranking(corrected_query)
        if len(corrected.ids) > len(as_typed.ids):
            corrected.corrected_query = corrected_query
            return corrected
    if as_typed.ids:
        return as_typed
    wanted = query.lower()
    scored = []
    for pk, title, _ in papers:
        matcher = difflib.SequenceMatcher(None, wanted, title.lower(), autojunk=False)
        if matcher.real_quick_ratio() >= SQLITE_TITLE_CUTOFF and matcher.quick_ratio() >= SQLITE_TITLE_CUTOFF:
            if (ratio := matcher.ratio()) >= SQLITE_TITLE_CUTOFF:
                scored.append((ratio, pk))
    scored.sort(reverse=True)
    return Ranking([pk for _, pk in scored[:FUZZY_CANDIDATES]], False)


def _paper_rows(ids: list[int], terms: Terms | None) -> QuerySet[Paper]:
    rows = Paper.objects.filter(pk__in=ids).annotate(summary_count=public_summary_count())
    if terms is None:
        return rows
    tsquery = terms.sql.replace("%(tsq)s", "%s")
    return rows.annotate(
        title_marked=RawSQL(f"ts_headline('english', papers_paper.title, {tsquery}, %s)", [terms.tsquery, TITLE_HEADLINE]),
        abstract_marked=RawSQL(
            f"ts_headline('english', papers_paper.abstract, {tsquery}, %s)", [terms.tsquery, ABSTRACT_HEADLINE]
        ),
        authors_marked=RawSQL(
            f"ARRAY(SELECT ts_headline('english', name, {tsquery}, %s) "
            "FROM jsonb_array_elements_text(papers_paper.authors) AS name)",
            [terms.tsquery, TITLE_HEADLINE],
        ),
    )


def _with_highlights(papers, query: str, terms: Terms | None) -> list[Paper]:
    words = query.split()
    papers = list(papers)
    for paper in papers:
        if terms is not None:
            title, abstract, authors = paper.title_marked, paper.abstract_marked, paper.authors_marked
        else:
            title = mark_words(paper.title, words)
            abstract = mark_words(excerpt(paper.abstract, words), words)
            authors = [mark_words(name, words) for name in paper.authors]
        # A title with math shows typeset (papers.typesetting), unhighlighted: marks would cut formulas.
        paper.title_html = "" if katex.has_math(paper.title) else marked_html(title)
        paper.abstract_html = marked_html(abstract)
        paper.authors_html = _authors_html(authors or [])
    return papers


def paper_results(*, query: str, page_number=1) -> Page:
    """Papers matching the words of `query` in title, authors, abstract or venue, best first.

    Two queries whatever the page holds (four when too little matches as typed): the ranked ids,
    then the page's rows with highlights and public summary counts. page.paginator.is_capped
    says the count stopped at CANDIDATES.
    """
    query = clean_query(query)
    if not query:
        return _ranked_page([], page_number, list, capped=False)
    ranking = _ranked_paper_ids(query)
    fetch = lambda ids: _with_highlights(_paper_rows(ids, ranking.terms), query, ranking.terms)  # noqa: E731
    return _ranked_page(ranking.ids, page_number, fetch, capped=ranking.capped)


SUGGESTIONS = 8
SUGGEST_MIN_LENGTH = 3


def paper_suggestions(*, text: str, limit: int = SUGGESTIONS) -> list[Paper]:
    """The papers best matching `text` (a title as typed, or words of one), for "which paper?" boxes: two queries
    (up to five on PostgreSQL when too little matches as typed and spellings are corrected), no highlighting."""
    query = clean_query(text)
    if len(query) < SUGGEST_MIN_LENGTH:
        return []
    ids = _ranked_paper_ids(query).ids[:limit]
    papers = Paper.objects.in_bulk(ids)
    return [papers[pk] for pk in ids if pk in papers]


# --- Summaries ----------------------------------------------------------------------------------


def _ranked_summary_ids(query: str) -> tuple[list[int], bool]:
    public = Summary.objects.public()
    if is_postgresql():
        # Unqualified search_vector: Django re-aliases the table inside the IN subquery.
        matches = RawSQL("search_vector @@ websearch_to_tsquery('english', %s)", [query], output_field=BooleanField())
        rank = RawSQL("ts_rank(search_vector, websearch_to_tsquery('english', %s))", [query], output_field=FloatField())
        newest_matches = public.filter(matches).order_by("-created_at", "-id").values("pk")[: CANDIDATES + 1]
        ranked = (
            Summary.objects.filter(pk__in=newest_matches)
            .annotate(rank=rank)
            .order_by("-rank", "-created_at", "-id")
            .values_list("pk", flat=True)
        )
        # Built by the ORM (so public() stays the one definition), run with JIT off like the rest.
        sql, params = ranked.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(NO_JIT + sql, params)
            ids = [row[0] for row in cursor.fetchall()]
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
    """The page's summaries, each with a snippet of its text as readers see it: no Markdown or TeX source,
    every formula whole (typeset by the page), the query's words marked. Two queries."""
    rows = list(Summary.objects.filter(pk__in=ids).select_related("paper", "author", "author__profile"))
    texts = [_text_with_formulas(summary.body_html) for summary in rows]
    if is_postgresql() and rows:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ts_headline('english', text, websearch_to_tsquery('english', %s), %s) "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS texts(text, position) ORDER BY position",
                [query, ABSTRACT_HEADLINE, [text for text, _ in texts]],
            )
            marked = [headline for (headline,) in cursor.fetchall()]
    else:
        words = query.split()
        marked = [mark_words(excerpt(text, words), words) for text, _ in texts]
    for summary, headline, (_, formulas) in zip(rows, marked, texts):
        summary.snippet_html = _with_formulas(marked_html(headline), formulas)
    return rows


# Each formula of the rendered summary (its whole typeset element, found by katex.formula_spans)
_FORMULA_MARKS = 0xE100
_MAX_FORMULAS = 0x700
_FORMULA_MARK = re.compile(f"[{chr(_FORMULA_MARKS)}-{chr(_FORMULA_MARKS + _MAX_FORMULAS - 1)}]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_BLOCK_END = re.compile(r"</(?:h[1-6]|li|td|th)>")
_SEPARATORS = re.compile(r"·(?: ·)+")


def _text_with_formulas(body_html: str) -> tuple[str, list[str]]:
    """(the summary's text, each formula a mark character), and the formulas' typeset HTML in mark order."""
    body_html = _PRIVATE_USE.sub("", body_html or "")
    formulas: list[str] = []
    parts, position = [], 0
    for start, end in katex.formula_spans(body_html):
        parts.append(body_html[position:start])
        if len(formulas) < _MAX_FORMULAS:
            formulas.append(body_html[start:end])
            parts.append(f" {chr(_FORMULA_MARKS + len(formulas) - 1)} ")
        else:
            parts.append(" ")
        position = end
    marked = "".join(parts) + body_html[position:]
    # A heading, list item or table cell would otherwise run into the next: "Idea Scaled dot-product…".
    text = " ".join(unescape(strip_tags(_BLOCK_END.sub(" · ", marked))).split())
    return _SEPARATORS.sub("·", text).strip(" ·"), formulas


def _with_formulas(snippet_html: SafeString, formulas: list[str]) -> SafeString:
    """The escaped snippet with each formula mark replaced by the formula, typeset as stored."""
    if not formulas:
        return snippet_html

    def formula(mark: re.Match) -> str:
        # Sanitized when the summary was rendered. A display formula's box becomes inline in a snippet.
        html = formulas[ord(mark.group()) - _FORMULA_MARKS]
        return f"<span{html[4:-6]}</span>" if html.startswith("<div") else html

    # Only our own marks can be there: private-use characters were taken out of the text first.
    return mark_safe(_FORMULA_MARK.sub(formula, snippet_html))


def summary_results(*, query: str, page_number=1) -> Page:
    """Public summaries whose text matches `query`, best first, each with a highlighted snippet."""
    query = clean_query(query)
    if not query:
        return _ranked_page([], page_number, list, capped=False)
    ids, capped = _ranked_summary_ids(query)
    return _ranked_page(ids, page_number, lambda page_ids: _summary_rows(page_ids, query), capped=capped)


# --- Browsing -----------------------------------------------------------------------------------


def papers_in_category(category: str) -> QuerySet[Paper]:
    return Paper.objects.filter(json_list_contains("categories", category))


def category_page(*, category: str, page_number=1) -> BrowsePage:
    """Papers listing `category` among their arXiv categories, newest first, with public summary counts."""
    return browse_page(papers_in_category(category), page_number)


def venue_page(*, venue: str, year: int | None = None, page_number=1) -> BrowsePage:
    """Papers published at `venue` (in `year`, if given), newest first, with public summary counts."""
    papers = Paper.objects.filter(venue=venue).exclude(venue="")
    if year is not None:
        papers = papers.filter(year=year)
    return browse_page(papers, page_number)


def venue_years(venue: str) -> list[int]:
    """The years a venue has papers in, newest first, for the year filter."""
    return list(
        Paper.objects.filter(venue=venue, year__isnull=False)
        .exclude(venue="")
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- Similar papers -----------------------------------------------------------------------------


SIMILAR_QUERY_WORDS = 4
# A word in more titles than this says little about a paper, and its GIN posting list is long.
SIMILAR_MAX_WORD_PAPERS = 5_000
# The title's rarest words (by how many papers use them) are the most telling, and their short
# GIN posting lists keep the candidate scan cheap; a title of common words only has no similar
# papers. Before the word list is first filled (a new site), any title word will do.
SIMILAR_TSQUERY_FROM_RARE_WORDS = """
    CASE WHEN EXISTS (SELECT FROM papers_searchword) THEN
        (SELECT to_tsquery('english', string_agg(word, ' | '))
         FROM (SELECT known.word FROM papers_searchword known
               WHERE known.word = ANY(%(words)s::text[]) AND known.ndoc <= %(max_word_papers)s
                 AND numnode(plainto_tsquery('english', known.word)) > 0
               ORDER BY known.ndoc LIMIT %(query_words)s) AS rare)
    ELSE websearch_to_tsquery('english', %(any_word)s) END
"""
SIMILAR_TSQUERY_FROM_ANY_WORD = "websearch_to_tsquery('english', %(any_word)s)"


def similar_papers(*, paper: Paper, limit: int = 5) -> list[Paper]:
    """Papers of the same primary category whose title and abstract are closest to this one's.

    PostgreSQL: candidates share the primary category and, in their title, one of this title's
    rarest words (title GIN index; at most CANDIDATES of them), ranked by how much of the title
    and abstract they share. SQLite: the newest papers of the same category.

    The ranking (~10 ms of a paper page rendered for its reader) is remembered in the cache for
    SIMILAR_PAPERS_CACHE_SECONDS under this paper's title and primary category, which it is made from:
    a paper that comes in may take that long to show among another's similar papers, but the papers
    shown are read fresh every time (a renamed one shows its new title, a deleted one goes).
    """
    primary = paper.categories[0] if paper.categories else None
    if not primary:
        return []
    remembered_for = settings.SIMILAR_PAPERS_CACHE_SECONDS
    made_from = hashlib.blake2b(f"{primary}\n{paper.title}".encode(), digest_size=12).hexdigest()
    key = f"papers:similar:{paper.pk}:{limit}:{made_from}"
    ids = cache.get(key) if remembered_for > 0 else None
    if ids is None:
        ids = _similar_paper_ids(paper, primary, limit)
        if remembered_for > 0:
            cache.set(key, ids, remembered_for)
    papers = Paper.objects.in_bulk(ids)
    return [papers[pk] for pk in ids if pk in papers]


def _similar_paper_ids(paper: Paper, primary: str, limit: int) -> list[int]:
    newest = papers_in_category(primary).exclude(pk=paper.pk).order_by("-published", "-id").values_list("pk", flat=True)
    if not is_postgresql():
        return list(newest[:limit])
    # Letters only: safe inside to_tsquery, and the shape of the word list's entries.
    words = list(dict.fromkeys(word.lower() for word in re.findall(r"[^\W\d_]{3,}", paper.title)))[:24]
    if not words:
        return list(newest[:limit])
    tsquery = SIMILAR_TSQUERY_FROM_RARE_WORDS if _has_search_words() else SIMILAR_TSQUERY_FROM_ANY_WORD
    sql = f"""
        WITH query AS (SELECT {tsquery} AS tsquery), candidates AS (
            SELECT id FROM papers_paper
            WHERE to_tsvector('english', title) @@ (SELECT tsquery FROM query)
              -- Not categories @> [...]: its GIN posting list (a tenth of all papers for cs.LG)
              -- costs more than checking the few title matches' rows.
              AND categories ->> 0 = %(primary)s
              AND id <> %(id)s
            LIMIT %(candidates)s
        )
        SELECT p.id FROM papers_paper p
        WHERE p.id IN (SELECT id FROM candidates)
        ORDER BY ts_rank(p.search_vector, (SELECT tsquery FROM query)) + similarity(p.title, %(title)s) DESC,
                 p.published DESC NULLS LAST, p.id DESC
        LIMIT %(limit)s
    """
    params = {
        "words": words,
        "any_word": " or ".join(words),
        "query_words": SIMILAR_QUERY_WORDS,
        "max_word_papers": SIMILAR_MAX_WORD_PAPERS,
        "primary": primary,
        "id": paper.pk,
        "title": paper.title,
        "candidates": CANDIDATES,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(NO_JIT + sql, params)
        return [row[0] for row in cursor.fetchall()]


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
    corrections: tuple = ()  # (typed word, [words also searched for]) when spellings were corrected
    corrected_query: str = ""  # the query as corrected, when the results come from correcting it


def search_results(*, query: str, kind: str = "papers", page_number=1) -> SearchResults:
    """Both result lists' counts, and one page of the kind asked for: three queries whatever the page holds."""
    query = clean_query(query)
    kind = kind if kind in KINDS else "papers"
    ranking = _ranked_paper_ids(query) if query else Ranking([], False)
    summary_ids, summaries_capped = _ranked_summary_ids(query) if query else ([], False)
    if kind == "papers":
        marked = ranking.corrected_query or query  # on SQLite the corrected words are the ones found
        fetch = lambda ids: _with_highlights(_paper_rows(ids, ranking.terms), marked, ranking.terms)  # noqa: E731
        page = _ranked_page(ranking.ids, page_number, fetch, capped=ranking.capped)
    else:
        page = _ranked_page(summary_ids, page_number, lambda ids: _summary_rows(ids, query), capped=summaries_capped)
    return SearchResults(
        query=query,
        kind=kind,
        page=page,
        paper_count=len(ranking.ids),
        papers_capped=ranking.capped,
        summary_count=len(summary_ids),
        summaries_capped=summaries_capped,
        corrections=ranking.terms.corrections if ranking.terms else (),
        corrected_query=ranking.corrected_query,
    )
