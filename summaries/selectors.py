"""Every read of summaries for a page: each selector owns its query shape, so cards cost no extra queries."""

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value

from summaries.models import Summary, Vote

FEED_ORDERINGS = {
    "recent": ("-created_at", "-id"),
    "top": ("-score", "-created_at", "-id"),
}


def _cards(viewer=None) -> QuerySet[Summary]:
    """Public summaries with everything a card shows, including the viewer's own vote."""
    cards = Summary.objects.public().select_related("paper", "author", "author__profile")
    if viewer is not None and viewer.is_authenticated:
        own_vote = Vote.objects.filter(summary=OuterRef("pk"), voter=viewer).values("value")[:1]
        return cards.annotate(viewer_vote=Subquery(own_vote, output_field=IntegerField()))
    return cards.annotate(viewer_vote=Value(None, output_field=IntegerField()))


def feed_cards(*, order: str = "recent", viewer=None) -> QuerySet[Summary]:
    return _cards(viewer).order_by(*FEED_ORDERINGS.get(order, FEED_ORDERINGS["recent"]))


def summaries_for_paper(*, paper, viewer=None) -> QuerySet[Summary]:
    """A paper's summaries, best first."""
    return _cards(viewer).filter(paper=paper).order_by(*FEED_ORDERINGS["top"])


def summaries_citing(*, paper, viewer=None) -> QuerySet[Summary]:
    """Summaries of other papers that \\cite this one."""
    return _cards(viewer).filter(cited_papers=paper).exclude(paper=paper).order_by(*FEED_ORDERINGS["top"])


def summaries_by_author(*, author, viewer=None) -> QuerySet[Summary]:
    return _cards(viewer).filter(author=author).order_by(*FEED_ORDERINGS["recent"])


def summary_card(*, pk: int, viewer=None) -> Summary:
    """One public summary for its permalink; its author and staff also see it while hidden."""
    summary = Summary.objects.select_related("paper", "author", "author__profile").get(pk=pk)
    if summary.is_hidden and not summary.can_edit(viewer):
        raise Summary.DoesNotExist
    summary.viewer_vote = (
        Vote.objects.filter(summary=summary, voter=viewer).values_list("value", flat=True).first()
        if viewer is not None and viewer.is_authenticated
        else None
    )
    return summary
