"""Summary requests: readers ask for a summary of a paper, /requests/ lists the most wanted, and askers hear
(once) when the first public summary appears."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.db.models import BooleanField, Count, Exists, Min, OuterRef, Q, QuerySet, Value
from django.template.loader import render_to_string

from papers.models import Paper
from summaries import notifications
from summaries.models import Summary, SummaryRequest
from summaries.site_address import absolute_url


def summary_request_create(*, paper: Paper, requester: AbstractBaseUser) -> SummaryRequest:
    """Ask for a summary of `paper`; asking twice is asking once."""
    request, _ = SummaryRequest.objects.get_or_create(paper=paper, requester=requester)
    return request


def summary_request_withdraw(*, paper: Paper, requester: AbstractBaseUser) -> None:
    SummaryRequest.objects.filter(paper=paper, requester=requester).delete()


@dataclass(frozen=True)
class RequestTally:
    count: int
    viewer_asked: bool


def request_tally(*, paper: Paper, viewer: AbstractBaseUser | None) -> RequestTally:
    """How many readers asked for a summary of `paper`, and whether the viewer is one of them; one query."""
    mine = Q(requester=viewer) if viewer is not None and viewer.is_authenticated else Q(pk__in=[])
    tally = SummaryRequest.objects.filter(paper=paper).aggregate(count=Count("pk"), mine=Count("pk", filter=mine))
    return RequestTally(count=tally["count"], viewer_asked=bool(tally["mine"]))


def requested_papers(*, viewer: AbstractBaseUser | None = None) -> QuerySet[Paper]:
    """Papers readers asked for that have no public summary yet: most asked first, then longest waiting."""
    has_public_summary = Exists(Summary.objects.public().filter(paper=OuterRef("pk")))
    if viewer is not None and viewer.is_authenticated:
        viewer_asked = Exists(SummaryRequest.objects.filter(paper=OuterRef("pk"), requester=viewer))
    else:
        viewer_asked = Value(False, output_field=BooleanField())
    return (
        # Filtering on the requests before annotating makes it one inner join over requests, not all papers.
        Paper.objects.filter(summary_requests__isnull=False)
        .annotate(
            request_count=Count("summary_requests"),
            first_requested_at=Min("summary_requests__created_at"),
            viewer_asked=viewer_asked,
        )
        .filter(~has_public_summary)
        .order_by("-request_count", "first_requested_at", "pk")
    )


def _notification(request: SummaryRequest, summary: Summary, *, connection) -> mail.EmailMessage:
    context = {
        "requester": request.requester,
        "paper_title": summary.paper.title,
        "byline": summary.byline,  # "Anonymous" for anonymous summaries
        "summary_url": absolute_url(summary.get_absolute_url()),
    }
    subject = f"A summary of “{summary.paper.title[:150]}” is up on {settings.SITE_NAME}"
    body = render_to_string("summaries/email/summary_request_fulfilled.txt", context)
    return mail.EmailMessage(subject, body, to=[request.requester.email], connection=connection)


def summary_requests_notify(summary: Summary) -> int:
    """Email everyone still waiting for a summary of `summary.paper`, if `summary` is public; return how many.

    Each request is marked notified when it is claimed, so two summaries published at once cannot both
    notify, and a second run sends nothing; if sending fails the requests wait again for a retry.
    """
    if not summary.is_public:
        return 0
    waiting = SummaryRequest.objects.filter(paper_id=summary.paper_id).select_related("requester", "requester__profile")
    with notifications.unnotified_claimed(waiting) as claimed:
        recipients = [r for r in claimed if r.requester_id != summary.author_id and r.requester.email]
        if not recipients:
            return 0
        summary = Summary.objects.select_related("paper", "author", "author__profile").filter(pk=summary.pk).first()
        if summary is None:
            return 0
        with mail.get_connection() as connection:
            return connection.send_messages([_notification(r, summary, connection=connection) for r in recipients]) or 0
