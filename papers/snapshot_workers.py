"""What the worker processes of `import_arxiv_snapshot --jobs` run.

They are spawned, not forked (a fork copies whatever locks the command's other threads hold at that
moment, and a worker that needs one waits forever), so they start from nothing: this module imports
no model until `start` has set Django up.
"""

import django


def start(database: dict) -> None:
    """Set Django up and point it at the command's database (in tests, a test database that exists
    only in the parent's settings)."""
    django.setup()
    from django.db import DEFAULT_DB_ALIAS, connections

    connections[DEFAULT_DB_ALIAS].settings_dict.update(database)


def import_chunk(first_line: int, lines: list[bytes]):
    """Parse and write one chunk of the snapshot's lines, on this worker's own connection."""
    from papers.importers import records_write, snapshot_records

    return records_write(list(snapshot_records(lines, first_line=first_line)))
