"""Search and browsing indexes for papers; PostgreSQL only, SQLite keeps the plain table.

A stored generated `search_vector` (title A, authors B, abstract C, venue D) with a GIN index
serves full-text search; pg_trgm on the title finds misspelled titles; the other indexes serve
the category and venue pages and similar papers. The model does not declare the column:
papers.search reads it with raw SQL, and Django never writes it.
"""

from django.db import migrations

from shortscience.migration_sql import run_on_postgresql

SEARCH_VECTOR = """
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
    || setweight(jsonb_to_tsvector('english', coalesce(authors, '[]'::jsonb), '["string"]'), 'B')
    || setweight(to_tsvector('english', coalesce(abstract, '')), 'C')
    || setweight(to_tsvector('english', coalesce(venue, '')), 'D')
"""

SEARCH_WORDS = """
    SELECT word, ndoc FROM ts_stat($$
        SELECT to_tsvector('simple', title) || jsonb_to_tsvector('simple', authors, '["string"]') FROM papers_paper
    $$)
    WHERE length(word) BETWEEN 3 AND 40 AND word ~ '^[[:alpha:]]+$' AND ndoc >= 2
"""

FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"ALTER TABLE papers_paper ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED",
    # Keep rows (abstract and vector included) inline instead of in TOAST: ranking reads the vector
    # of every candidate, and a TOAST fetch per row made that three to four times slower.
    "ALTER TABLE papers_paper SET (toast_tuple_target = 8160)",
    "ALTER TABLE papers_paper ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX papers_paper_search_vector ON papers_paper USING gin (search_vector)",
    # Title-only matches become candidates even when thousands of abstracts share the words.
    "CREATE INDEX papers_paper_title_fts ON papers_paper USING gin (to_tsvector('english', title))",
    "CREATE INDEX papers_paper_title_trgm ON papers_paper USING gin (title gin_trgm_ops)",
    # A pasted title finds its paper whatever the case, spacing and punctuation.
    "CREATE INDEX papers_paper_title_key ON papers_paper (md5(regexp_replace(lower(title), '[^[:alnum:]]+', '', 'g')))",
    "CREATE INDEX papers_paper_categories ON papers_paper USING gin (categories jsonb_path_ops)",
    "CREATE INDEX papers_paper_published ON papers_paper (published DESC, id DESC)",
    # Most arXiv papers have no venue, so the venue indexes leave them out.
    "CREATE INDEX papers_paper_venue_year ON papers_paper (venue, year, published DESC, id DESC) WHERE venue <> ''",
    "CREATE INDEX papers_paper_venue_published ON papers_paper (venue, published DESC, id DESC) WHERE venue <> ''",
    # The words of titles and author names, for correcting misspelled query words by trigram
    # similarity (fast: a few hundred thousand short words, not millions of titles).
    # papers.search.refresh_search_words() refreshes it after imports.
    f"CREATE MATERIALIZED VIEW papers_searchword AS {SEARCH_WORDS}",
    "CREATE UNIQUE INDEX papers_searchword_word ON papers_searchword (word)",
    "CREATE INDEX papers_searchword_trgm ON papers_searchword USING gin (word gin_trgm_ops)",
]

BACKWARDS = [
    "DROP MATERIALIZED VIEW IF EXISTS papers_searchword",
    "DROP INDEX IF EXISTS papers_paper_venue_published",
    "DROP INDEX IF EXISTS papers_paper_venue_year",
    "DROP INDEX IF EXISTS papers_paper_published",
    "DROP INDEX IF EXISTS papers_paper_categories",
    "DROP INDEX IF EXISTS papers_paper_title_key",
    "DROP INDEX IF EXISTS papers_paper_title_trgm",
    "DROP INDEX IF EXISTS papers_paper_title_fts",
    "ALTER TABLE papers_paper DROP COLUMN IF EXISTS search_vector",  # drops its index too
    "ALTER TABLE papers_paper RESET (toast_tuple_target)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0002_harvest_state"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARDS), run_on_postgresql(BACKWARDS), elidable=False),
    ]
