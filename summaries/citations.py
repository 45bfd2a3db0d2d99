"""Citations that heal: a summary citing a paper we did not have is rendered again when that paper arrives,
so its "[1207.0580]" becomes "Srivastava et al., 2012" and the paper lists the summary among those citing it."""

from papers.identifiers import Kind
from summaries import services
from summaries.models import Summary, UnresolvedCitation

_KIND_OF_FIELD = {"arxiv_id": Kind.ARXIV, "doi": Kind.DOI, "bibtex_key": Kind.BIBTEX}
# An import batch holds 10,000 papers; SQLite limits the parameters of one query.
_VALUES_PER_QUERY = 500


def citations_heal(*, identifiers: dict[str, list[str]]) -> int:
    """Re-render the summaries citing any of `identifiers` ({"arxiv_id": [...], "doi": [...], "bibtex_key": [...]},
    papers that have just been written) that they could not resolve before; return how many.

    Safe to run twice: a summary whose citations now resolve has no unresolved row left to match.
    """
    if not citations_waiting():
        return 0
    waiting = UnresolvedCitation.objects.exclude(kind="")
    summary_ids = set()
    for field, values in identifiers.items():
        for start in range(0, len(values), _VALUES_PER_QUERY):
            chunk = values[start : start + _VALUES_PER_QUERY]
            matching = waiting.filter(kind=_KIND_OF_FIELD[field], value__in=chunk)
            summary_ids.update(matching.values_list("summary_id", flat=True))
    for summary in Summary.objects.filter(pk__in=summary_ids):
        services.summary_rerender(summary=summary)
    return len(summary_ids)


def citations_waiting() -> bool:
    """Whether any summary waits for a paper by an identifier: when none does, an import queues no healing."""
    return UnresolvedCitation.objects.exclude(kind="").exists()
