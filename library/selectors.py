"""Every read of a reader's library, each with a fixed number of queries."""

from collections import Counter

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from library.models import SavedPaper
from papers.models import json_list_contains


def _signed_in(viewer) -> bool:
    return viewer is not None and viewer.is_authenticated


def saved_annotation(viewer, paper_field: str = "paper"):
    """An expression for annotating rows that point at a paper: has `viewer` saved it? No query of its own."""
    if not _signed_in(viewer):
        return Value(False, output_field=BooleanField())
    return Exists(SavedPaper.objects.filter(reader=viewer, paper=OuterRef(paper_field)))


def saved_entry(*, reader, paper) -> SavedPaper | None:
    if not _signed_in(reader):
        return None
    return SavedPaper.objects.filter(reader=reader, paper=paper).first()


def library_entries(*, reader, tag: str = "", state: str = "", query: str = "") -> QuerySet[SavedPaper]:
    """The reader's saved papers, newest first, narrowed to one tag, one state and words in title, authors,
    identifiers, tags or note."""
    entries = SavedPaper.objects.filter(reader=reader).select_related("paper")
    if tag:
        entries = entries.filter(json_list_contains("tags", tag))
    if state in dict(SavedPaper.STATES):
        entries = entries.filter(state=state)
    for word in query.split()[:8]:
        entries = entries.filter(
            Q(paper__title__icontains=word)
            | Q(paper__authors__icontains=word)
            | Q(paper__arxiv_id__iexact=word)
            | Q(paper__doi__iexact=word)
            | Q(tags__icontains=word)
            | Q(note__icontains=word)
        )
    return entries.order_by("-saved_at", "-id")


def library_tags(*, reader) -> list[tuple[str, int]]:
    """The reader's tags with how many papers carry each, most used first: one query."""
    counts = Counter(tag for tags in SavedPaper.objects.filter(reader=reader).values_list("tags", flat=True) for tag in tags)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
