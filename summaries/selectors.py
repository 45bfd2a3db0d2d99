"""Every read of summaries for a page: each selector owns its query shape, so cards cost no extra queries."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from library.models import SavedPaper
from library.selectors import saved_annotation, saved_entry
from shortscience import auth_backends
from summaries.models import Comment, Summary, SummaryRevision, Vote
from summaries.popularity import POPULAR_ORDERING

FEED_ORDERINGS = {
    "recent": ("-created_at", "-id"),
    "top": ("-score", "-created_at", "-id"),
    "popular": POPULAR_ORDERING,  # recent votes and views, decaying with age: see summaries.popularity
}
# Top's periods: how far back a summary may have been written to count.
FEED_PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "year": timedelta(days=365), "all": None}
# A paper page shows this many summaries that cite it, and links to the rest.
CITING_ON_PAPER_PAGE = 5


def _comment_count() -> Coalesce:
    """Comments a reader sees under the summary (not hidden, not deleted), counted in the card's own query."""
    shown = (
        Comment.objects.filter(summary=OuterRef("pk"), is_hidden=False, is_deleted=False)
        .order_by()
        .values("summary")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(shown, output_field=IntegerField()), 0)


def _cards(viewer=None, *, with_own: bool = False, excerpts: bool = True) -> QuerySet[Summary]:
    """Public summaries with everything a card shows, including the viewer's own vote, the comment count
    and whether the viewer saved the paper to their library.

    `with_own` adds the viewer's own private (and hidden) ones, where their author should find them.
    `excerpts`: the cards show excerpts, so the whole text is not read from the database.
    """
    summaries = Summary.objects.visible_to(viewer) if with_own else Summary.objects.public()
    # The Markdown source is never shown on a card: leave its kilobytes in the database; nor, for an excerpt, the HTML.
    cards = summaries.select_related("paper", "author", "author__profile").annotate(
        comment_count=_comment_count(), viewer_saved=saved_annotation(viewer)
    )
    cards = cards.defer("body", "body_html") if excerpts else cards.defer("body")
    if viewer is not None and viewer.is_authenticated:
        own_vote = Vote.objects.filter(summary=OuterRef("pk"), voter=viewer).values("value")[:1]
        return cards.annotate(viewer_vote=Subquery(own_vote, output_field=IntegerField()))
    return cards.annotate(viewer_vote=Value(None, output_field=IntegerField()))


def feed_cards(*, order: str = "recent", period: str = "all", viewer=None) -> QuerySet[Summary]:
    """The feed in `order`; `period` ("week", "month", "year" or "all") keeps only summaries written within it."""
    cards = _cards(viewer).order_by(*FEED_ORDERINGS.get(order, FEED_ORDERINGS["recent"]))
    since = FEED_PERIODS.get(period)
    return cards.filter(created_at__gte=timezone.now() - since) if since else cards


# A reader's votes and saved papers, as cards show them, kept beside their user row in the cache
# (shortscience.auth_backends.user_copy); votes' and saves' signals drop it (summaries.signals).
READER_CARD_STATE = "reader-card-state"
# A reader with more votes and saves than this is asked about each page's cards instead: every request would
# fetch the whole copy.
CARD_STATE_COPIED_UP_TO = 2_000


def reader_card_state(*, reader, summary_ids: list[int], paper_ids: list[int]) -> tuple[dict[int, int], set[int]]:
    """The reader's vote (1 or -1) on each of the summaries they voted on, and which of the papers they saved:
    what _cards annotates as viewer_vote and viewer_saved, for cards read without the reader.

    A logged-in reader's shared page (summaries.card_fragments.CardViewer) asks on every request: it comes from
    the reader's copy of all their votes and saves, fetched with their user row, and is read from the database
    only after it changed.
    """
    everything = auth_backends.user_copy(reader, READER_CARD_STATE)
    if everything is None:
        return _card_state_rows(reader, summary_ids=summary_ids, paper_ids=paper_ids)
    votes, saved = everything
    return {pk: votes[pk] for pk in summary_ids if pk in votes}, {pk for pk in paper_ids if pk in saved}


def all_card_state(reader) -> tuple[dict[int, int], set[int]] | None:
    """All the reader's votes and saved papers, or None when there are more than a copy should hold."""
    votes, saved = _card_state_rows(reader, limit=CARD_STATE_COPIED_UP_TO + 1)
    return None if len(votes) + len(saved) > CARD_STATE_COPIED_UP_TO else (votes, saved)


def _card_state_rows(reader, *, summary_ids=None, paper_ids=None, limit=None) -> tuple[dict[int, int], set[int]]:
    """The reader's votes (among `summary_ids`, if given) and saved papers (among `paper_ids`), in one round trip:
    raw SQL, since building two ORM queries would cost more than running them."""
    votes, saved = {}, set()
    if summary_ids == [] and paper_ids == []:
        return votes, saved
    quote = connection.ops.quote_name
    vote, saved_paper = Vote._meta, SavedPaper._meta
    vote_summary, vote_value, voter = (quote(vote.get_field(name).column) for name in ("summary", "value", "voter"))
    saved_reader, saved_paper_id = (quote(saved_paper.get_field(name).column) for name in ("reader", "paper"))
    among_summaries = "" if summary_ids is None else f" AND {vote_summary} IN {placeholders(summary_ids)}"
    among_papers = "" if paper_ids is None else f" AND {saved_paper_id} IN {placeholders(paper_ids)}"
    sql = (
        f"SELECT 0, {vote_summary}, {vote_value} FROM {quote(vote.db_table)} WHERE {voter} = %s{among_summaries}"
        f" UNION ALL SELECT 1, {saved_paper_id}, 1 FROM {quote(saved_paper.db_table)}"
        f" WHERE {saved_reader} = %s{among_papers}"
    )
    params = [reader.pk, *(summary_ids or []), reader.pk, *(paper_ids or [])]
    if limit is not None:
        sql, params = sql + " LIMIT %s", [*params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for is_saved, row_id, value in cursor.fetchall():
            if is_saved:
                saved.add(row_id)
            else:
                votes[row_id] = value
    return votes, saved


def placeholders(values: list) -> str:
    """SQL for `IN` over `values`, one parameter each (none matches nothing)."""
    return "(" + ", ".join(["%s"] * len(values)) + ")" if values else "(NULL)"


def summaries_for_paper(*, paper, viewer=None) -> QuerySet[Summary]:
    """A paper's summaries in full, best first; the viewer also sees their own private one."""
    return _cards(viewer, with_own=True, excerpts=False).filter(paper=paper).order_by(*FEED_ORDERINGS["top"])


def summaries_citing(*, paper, viewer=None) -> QuerySet[Summary]:
    """Summaries of other papers that \\cite this one (the viewer's own private ones included)."""
    return _cards(viewer, with_own=True).filter(cited_papers=paper).exclude(paper=paper).order_by(*FEED_ORDERINGS["top"])


def summaries_of_papers(*, papers, viewer=None) -> QuerySet[Summary]:
    """Public summaries of any of `papers` (a queryset, used as a subquery), best first."""
    return _cards(viewer).filter(paper__in=papers).order_by(*FEED_ORDERINGS["top"])


def summaries_by_author(*, author, viewer=None) -> QuerySet[Summary]:
    """A profile's list: the author sees all their summaries; everyone else only public ones signed with their name."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == author.pk:
        cards = _cards(viewer, with_own=True).filter(author=author)
    else:
        cards = _cards(viewer).filter(author=author, is_anonymous=False)
    return cards.order_by(*FEED_ORDERINGS["recent"])


def summary_readable(*, pk: int, viewer=None, share_token: str = "") -> Summary:
    """One summary for its permalink or history, if `viewer` may read it (Summary.can_read); else DoesNotExist."""
    summary = (
        Summary.objects.select_related("paper", "author", "author__profile").annotate(comment_count=_comment_count()).get(pk=pk)
    )
    if not summary.can_read(viewer, share_token):
        raise Summary.DoesNotExist
    return summary


def summary_card(*, pk: int, viewer=None, share_token: str = "") -> Summary:
    """One summary for its permalink: public ones for all; hidden ones for author and staff; private ones also by share link."""
    summary = summary_readable(pk=pk, viewer=viewer, share_token=share_token)
    summary.viewer_saved = saved_entry(reader=viewer, paper=summary.paper) is not None
    summary.viewer_vote = (
        Vote.objects.filter(summary=summary, voter=viewer).values_list("value", flat=True).first()
        if viewer is not None and viewer.is_authenticated
        else None
    )
    return summary


def summary_history(*, summary: Summary, viewer=None) -> list[SummaryRevision]:
    """Every revision, newest first, each with `editor_name` and `editor_url` as `viewer` may see them.

    On an anonymous summary, only staff see who the author is: others read "the author".
    """
    revisions = list(summary.revisions.select_related("editor", "editor__profile").order_by("-number"))
    if not revisions or revisions[0].number != summary.revision:
        # Written before revisions were kept: its current text is the revision it claims to be.
        revisions.insert(
            0,
            SummaryRevision(
                summary=summary, number=summary.revision, body=summary.body, editor=summary.author, created_at=summary.updated_at
            ),
        )
    sees_everyone = viewer is not None and viewer.is_authenticated and viewer.is_staff
    for revision in revisions:
        editor = revision.editor
        if editor is None:
            revision.editor_name, revision.editor_url = "a former member", ""
        elif summary.is_anonymous and editor.pk == summary.author_id and not sees_everyone:
            revision.editor_name, revision.editor_url = "the author", ""
        else:
            profile = getattr(editor, "profile", None)
            revision.editor_name = profile.name if profile is not None else editor.get_username()
            revision.editor_url = reverse("summaries:profile", kwargs={"username": editor.get_username()})
    return revisions
