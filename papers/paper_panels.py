"""The panels of a paper's page that depend on who reads it (their authorship claim, their library entry, what
they follow, whether they asked for a summary): the page's reader part, so that logged-in readers share the rest
of the page (shortscience.reader_parts) instead of each having it rendered, 8 queries and ~25 ms, for them.

One query a request asks what ties the reader has to the page's papers (`reader_ties`): their own private or
hidden summaries on it (then the page is theirs alone: declined), a claim, a library entry, a follow, a request.
A panel the reader has no tie to is what any reader without one gets, remembered per process for the paper's
state, the content version and the address; a panel they have a tie to comes from the same inclusion tag as on a
page rendered for them, which reads their rows afresh, so nothing of theirs is ever remembered. Most readers
have no tie to most papers; one who follows a category has the follow panel rendered for them, and no other.
"""

import functools
from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection

from claims.models import AuthorClaim
from library.models import SavedPaper
from papers.models import Paper
from shortscience import reader_parts, tracking_params
from summaries.models import Follow, Summary, SummaryRequest
from summaries.selectors import placeholders
from summaries.templatetags.community_widgets import AUTHOR_BUTTONS_SHOWN


class PaperState(NamedTuple):
    """What the panels show every reader alike: the paper as they read it (its first authors, whom one may
    follow), and whether it has a public summary (then nobody is asked to request one)."""

    paper_id: int
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    has_public_summary: bool


# The panels in the page's order; each shows the reader's own ties of one kind: a claim, a library entry, follows
# (of the paper, one of its authors or categories), a summary request.
PANELS = ("claims", "library", "follow", "request")


class ReaderTies(NamedTuple):
    """Whether a summary of the reader's that no one else sees (private or hidden) is on the papers' pages (of one
    of them, or citing one), and for each paper the panels that show a tie of the reader's to it."""

    has_unlisted: bool
    panels: dict[int, set[str]]


@reader_parts.register("paper-panels")
class PaperPanels(reader_parts.ReaderPart):
    template_name = "papers/_reader_panels.html"

    def shared_state(self, context) -> PaperState:
        paper = context["paper"]
        # Only the authors the follow panel shows: a paper can list thousands, and the state is stored with the page.
        authors = tuple((paper.authors or ())[:AUTHOR_BUTTONS_SHOWN])
        return PaperState(paper.pk, paper.title, authors, tuple(paper.categories or ()), context["has_public_summary"])

    def declines(self, request, states: Sequence[PaperState]) -> bool:
        # A reader's own private or hidden summary on the page is theirs alone: the page is then rendered for them.
        return _ties_of_request(request, states).has_unlisted

    def fill(self, request, states: Sequence[PaperState], *, version: int) -> list[str]:
        tied = _ties_of_request(request, states).panels
        path = tracking_params.address_without_tracking(request.get_full_path())
        return [
            "".join(
                _panel(state, panel, request.user, request) if panel in tied.get(state.paper_id, ())
                else _panel_without_ties(state, panel, version, path)
                for panel in PANELS
            )
            for state in states
        ]  # fmt: skip

    def render_in_place(self, context) -> str:
        with context.push(panels=PANELS):
            return context.template.engine.get_template(self.template_name).render(context)

    def forget(self) -> None:
        _panel_without_ties.cache_clear()


def _panel(state: PaperState, panel: str, user, request) -> str:
    values = {
        "paper": _stand_in(state), "has_public_summary": state.has_public_summary, "user": user, "request": request,
        "panels": (panel,),
    }  # fmt: skip
    return reader_parts.render_part("paper-panels", values)


# A panel as every reader without a tie of its kind to the paper gets it: rendered once per process for the
# paper's state, at the content version (the claims' badges and the requests' count are read by the panels, and
# any change to them bumps it), for the address their forms come back to. A stand-in reader with no account's id
# asks the panel's query.
@functools.lru_cache(maxsize=4096)
def _panel_without_ties(state: PaperState, panel: str, version: int, path: str) -> str:
    return _panel(state, panel, reader_parts.reader_with_no_ties(), reader_parts.request_at(path))


def _stand_in(state: PaperState) -> Paper:
    # An unsaved row with nothing but what the panels ask of the paper: no query, and the rest left empty.
    return Paper(pk=state.paper_id, title=state.title, authors=list(state.authors), categories=list(state.categories))


def _ties_of_request(request, states: Sequence[PaperState]) -> ReaderTies:
    # Asked by `declines`, then by `fill`, of the same request: one query.
    ties = request.__dict__.get("paper_panel_ties")
    if ties is None:
        ties = request.paper_panel_ties = reader_ties(request.user, states)
    return ties


def reader_ties(reader, states: Sequence[PaperState]) -> ReaderTies:
    """The reader's ties to the papers of `states`, in one round trip: raw SQL over five tables, since building
    five ORM queries would cost more than running them. A followed author or category ties the follow panel of
    every paper whose panel shows it."""
    paper_ids = sorted({state.paper_id for state in states})
    names = sorted({name for state in states for name in (*state.authors, *state.categories)})
    quote = connection.ops.quote_name
    summary, cited = Summary._meta, Summary.cited_papers.through._meta
    among = placeholders(paper_ids)
    # 'unlisted': what Summary.objects.visible_to adds for its author (not public, not deleted), on these papers
    # or citing them, as summaries_for_paper and summaries_citing read it with `with_own`.
    sql = f"""
        SELECT 'unlisted', s.{quote("paper_id")}, NULL FROM {quote(summary.db_table)} s
        WHERE s.{quote("author_id")} = %s AND s.{quote("deleted_at")} IS NULL
          AND (s.{quote("is_private")} OR s.{quote("is_hidden")})
          AND (s.{quote("paper_id")} IN {among} OR EXISTS (
              SELECT 1 FROM {quote(cited.db_table)} c
              WHERE c.{quote("summary_id")} = s.{quote("id")} AND c.{quote("paper_id")} IN {among}))
        UNION ALL SELECT 'claims', {quote("paper_id")}, NULL FROM {quote(AuthorClaim._meta.db_table)}
            WHERE {quote("claimant_id")} = %s AND {quote("paper_id")} IN {among}
        UNION ALL SELECT 'library', {quote("paper_id")}, NULL FROM {quote(SavedPaper._meta.db_table)}
            WHERE {quote("reader_id")} = %s AND {quote("paper_id")} IN {among}
        UNION ALL SELECT 'request', {quote("paper_id")}, NULL FROM {quote(SummaryRequest._meta.db_table)}
            WHERE {quote("requester_id")} = %s AND {quote("paper_id")} IN {among}
        UNION ALL SELECT 'follow', {quote("paper_id")}, NULL FROM {quote(Follow._meta.db_table)}
            WHERE {quote("follower_id")} = %s AND {quote("paper_id")} IN {among}
        UNION ALL SELECT 'follow', NULL, {quote("name")} FROM {quote(Follow._meta.db_table)}
            WHERE {quote("follower_id")} = %s AND {quote("kind")} IN (%s, %s) AND {quote("name")} IN {placeholders(names)}
    """
    reader_id = reader.pk
    params = [
        reader_id, *paper_ids, *paper_ids, reader_id, *paper_ids, reader_id, *paper_ids, reader_id, *paper_ids,
        reader_id, *paper_ids, reader_id, Follow.AUTHOR, Follow.CATEGORY, *names,
    ]  # fmt: skip
    has_unlisted, panels = False, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tie, paper_id, followed_name in cursor.fetchall():
            if tie == "unlisted":
                has_unlisted = True
                continue
            showing = [paper_id] if followed_name is None else [
                state.paper_id for state in states if followed_name in (*state.authors, *state.categories)
            ]  # fmt: skip
            for shown_on in showing:
                panels.setdefault(shown_on, set()).add(tie)
    return ReaderTies(has_unlisted, panels)
