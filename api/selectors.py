"""The API's reads: public summaries only, each list with a fixed number of queries."""

from django.db.models import QuerySet

from papers import search
from papers.identifiers import Kind, parse_or_none
from papers.models import Paper
from summaries import reputation
from summaries.models import Summary
from summaries.selectors import FEED_ORDERINGS

# Orderings the cursor can resume by the last row's values, descending on each.
KEYSETS = {"recent": ("created_at", "id"), "top": ("score", "created_at", "id")}


def public_summaries() -> QuerySet[Summary]:
    return Summary.objects.public().select_related("paper", "author", "author__profile")


def paper_by_identifier(identifier: str) -> Paper | None:
    """The paper any spelling of its identifier names, if we have it; the API never fetches from arXiv."""
    return search.paper_for_identifier(search.clean_query(identifier))


def summaries_of_paper(paper: Paper) -> list[Summary]:
    return list(public_summaries().filter(paper=paper).order_by(*FEED_ORDERINGS["top"]))


def summary_list(*, order: str, paper: Paper | None = None, author: str = "", since=None) -> QuerySet[Summary]:
    summaries = public_summaries()
    if paper is not None:
        summaries = summaries.filter(paper=paper)
    if author:
        # An anonymous summary must not be found through its author's name.
        summaries = summaries.filter(author__username=author, is_anonymous=False)
    if since is not None:
        summaries = summaries.filter(created_at__gte=since)
    return summaries.order_by(*FEED_ORDERINGS[order])


def contributors() -> QuerySet:
    return reputation.contributor_ranking()


def contributor(username: str):
    """A member with at least one public summary under their name, or None: others have no public page to speak of."""
    return contributors().filter(username=username).first()


def arxiv_id_of(text: str) -> str | None:
    identifier = parse_or_none(text)
    return identifier.value if identifier is not None and identifier.kind is Kind.ARXIV else None


def arxiv_summaries(arxiv_id: str) -> tuple[Paper | None, list[Summary]]:
    """Two queries: the paper, then its public summaries (best first)."""
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    return paper, (summaries_of_paper(paper) if paper is not None else [])
