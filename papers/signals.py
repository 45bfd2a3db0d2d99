"""Signals other apps listen to without papers knowing them."""

from django.dispatch import Signal

# Sent after each batch papers_upsert writes (on commit of the caller's transaction, for receivers that
# use transaction.on_commit), with `identifiers`: {"arxiv_id": [...], "doi": [...], "bibtex_key": [...]},
# every identifier the batch's papers hold, so citations of them can be resolved.
papers_written = Signal()
