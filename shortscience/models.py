from django.db import models


class OwedBump(models.Model):
    """A generation bump (shortscience.generations) a process could not make because the shared cache was away,
    kept in PostgreSQL so that it is made even if that process stops before the cache answers it again."""

    key = models.CharField(max_length=200, primary_key=True)
    # Each failed bump of the key adds one, so settling never drops a bump owed after it read the row.
    times_owed = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.key} (owed {self.times_owed} times)"
