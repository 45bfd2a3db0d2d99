from django.db import models


class OwedBump(models.Model):
    """A generation bump (shortscience.generations) a process could not make because the shared cache was away,
    kept in PostgreSQL so that it is made even if that process stops before the cache answers it again."""

    key = models.CharField(max_length=200, primary_key=True)
    # A later failed bump of the same key moves this on, so settling never drops a bump owed after it read the row.
    owed_since = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} (owed since {self.owed_since:%Y-%m-%d %H:%M:%S})"
