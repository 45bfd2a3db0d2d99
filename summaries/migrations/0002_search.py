"""Full-text search over summary text; PostgreSQL only, SQLite searches with LIKE.

A stored generated `search_vector` of the Markdown source with a GIN index; the model does not
declare it (papers.search reads it with raw SQL).
"""

from django.db import migrations

from shortscience.migration_sql import run_on_postgresql

FORWARDS = [
    "ALTER TABLE summaries_summary ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', coalesce(body, ''))) STORED",
    # Keep the vector inline rather than in TOAST: ranking reads it for every candidate.
    "ALTER TABLE summaries_summary SET (toast_tuple_target = 8160)",
    "ALTER TABLE summaries_summary ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX summaries_summary_search_vector ON summaries_summary USING gin (search_vector)",
]

BACKWARDS = [
    "ALTER TABLE summaries_summary DROP COLUMN IF EXISTS search_vector",  # drops its index too
    "ALTER TABLE summaries_summary RESET (toast_tuple_target)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARDS), run_on_postgresql(BACKWARDS), elidable=False),
    ]
