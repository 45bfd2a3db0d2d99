"""What the PostgreSQL-only migrations (search: tsvector, GIN and trigram indexes) share."""


def run_on_postgresql(statements: list[str]):
    """A RunPython function that executes `statements` in order on PostgreSQL and does nothing on SQLite.

    SQLite, for development, keeps the plain tables; search falls back to substring matching there.
    """

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run
