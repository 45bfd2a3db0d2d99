"""Full-text search over summary text; PostgreSQL only, SQLite searches with LIKE.

A stored generated `search_vector` of the Markdown source with a GIN index; the model does not
declare it (papers.search reads it with raw SQL).
"""

from django.db import migrations

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


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False),
    ]
