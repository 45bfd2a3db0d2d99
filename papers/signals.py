"""Signals the papers app sends for others to act on, without papers knowing who listens."""

from django.dispatch import Signal

# Sent after papers_upsert has written a set of records (an import, a harvest, a fetch): no arguments.
papers_written = Signal()
