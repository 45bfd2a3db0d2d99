"""Every write to a reader's library."""

from django.db import transaction

from library.models import SavedPaper
from papers.models import Paper


def saved_paper_add(*, reader, paper: Paper) -> SavedPaper:
    """Save `paper` to the reader's library, to read; saving it again changes nothing."""
    saved, _ = SavedPaper.objects.get_or_create(reader=reader, paper=paper)
    return saved


def saved_paper_remove(*, reader, paper: Paper) -> None:
    SavedPaper.objects.filter(reader=reader, paper=paper).delete()


@transaction.atomic
def saved_paper_update(*, reader, paper: Paper, tags: list[str], note: str, state: str) -> SavedPaper:
    """Set the reader's tags, note and state for `paper`, saving it first if it wasn't saved."""
    saved, _ = SavedPaper.objects.select_for_update().get_or_create(reader=reader, paper=paper)
    saved.tags, saved.note, saved.state = tags, note, state
    saved.save(update_fields=["tags", "note", "state", "updated_at"])
    return saved


def saved_paper_mark(*, reader, paper: Paper, state: str) -> SavedPaper:
    """Mark a saved (or, then, newly saved) paper read or to read."""
    saved = saved_paper_add(reader=reader, paper=paper)
    if saved.state != state:
        saved.state = state
        saved.save(update_fields=["state", "updated_at"])
    return saved
