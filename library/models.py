"""A reader's own library: papers saved with tags, a private note and a read / to-read state."""

from django.conf import settings
from django.db import models

from papers.models import Paper

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_NOTE_LENGTH = 10_000


class SavedPaper(models.Model):
    TO_READ, READ = "to-read", "read"
    STATES = [(TO_READ, "to read"), (READ, "read")]

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_papers")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="saved_by")
    state = models.CharField(max_length=10, choices=STATES, default=TO_READ)
    # The reader's own words, as typed; kept on the row (a JSON list) since a library is one reader's short list.
    tags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=MAX_NOTE_LENGTH, help_text="Private: only its reader sees it.")
    saved_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-saved_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["reader", "paper"], name="save_a_paper_once")]
        indexes = [models.Index(fields=["reader", "-saved_at"], name="library_newest")]

    def __str__(self) -> str:
        return f"{self.reader} saved {self.paper_id} ({self.state})"
