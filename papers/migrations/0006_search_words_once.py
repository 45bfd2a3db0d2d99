"""The spelling-correction word list keeps words found in a single title or author list too.

0003 kept only words of two papers or more, so a paper's one distinctive word ("residual" in a
small collection, a method's name in a big one) could never be offered as a correction for it.
Search now treats a word as known (not to be corrected) only when two papers have it, so a typo
that made it into one title is still corrected; see papers.search.CORRECTIONS_SQL.
"""

from django.db import migrations

from shortscience.migration_sql import run_on_postgresql

WORDS = """
    SELECT word, ndoc FROM ts_stat($$
        SELECT to_tsvector('simple', title) || jsonb_to_tsvector('simple', authors, '["string"]') FROM papers_paper
    $$)
    WHERE length(word) BETWEEN 3 AND 40 AND word ~ '^[[:alpha:]]+$'
"""


def _word_list(minimum_papers: int) -> list[str]:
    return [
        "DROP MATERIALIZED VIEW IF EXISTS papers_searchword",
        f"CREATE MATERIALIZED VIEW papers_searchword AS {WORDS} AND ndoc >= {minimum_papers}",
        "CREATE UNIQUE INDEX papers_searchword_word ON papers_searchword (word)",
        "CREATE INDEX papers_searchword_trgm ON papers_searchword USING gin (word gin_trgm_ops)",
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_deferred_index"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(_word_list(1)), run_on_postgresql(_word_list(2)), elidable=False),
    ]
