"""The panels of a paper's page that depend on who reads it (their authorship claim, their library entry, what
they follow, whether they asked for a summary): the page's reader part, so that logged-in readers share the rest
of the page (shortscience.reader_parts) instead of each having it rendered, 8 queries and ~25 ms, for them.

The panels are the same inclusion tags whether rendered in place or filled in: filled, they read the reader's
state afresh on every request (one query each), so nothing of theirs is ever remembered between requests.
"""

from collections.abc import Sequence
from typing import NamedTuple

from papers.models import Paper
from shortscience import reader_parts
from summaries import selectors
from summaries.templatetags.community_widgets import AUTHOR_BUTTONS_SHOWN


class PaperState(NamedTuple):
    """What the panels show every reader alike: the paper as they read it (its first authors, whom one may
    follow), and whether it has a public summary (then nobody is asked to request one)."""

    paper_id: int
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    has_public_summary: bool


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
        return selectors.has_unlisted_summaries_on_paper_pages(author=request.user, paper_ids={state.paper_id for state in states})

    def fill(self, request, states: Sequence[PaperState], *, version: int) -> list[str]:
        reader = request.user
        return [
            reader_parts.render_part(
                "paper-panels",
                {"paper": _stand_in(state), "has_public_summary": state.has_public_summary, "user": reader, "request": request},
            )
            for state in states
        ]


def _stand_in(state: PaperState) -> Paper:
    # An unsaved row with nothing but what the panels ask of the paper: no query, and the rest left empty.
    return Paper(pk=state.paper_id, title=state.title, authors=list(state.authors), categories=list(state.categories))
