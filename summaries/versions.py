"""Which arXiv version a summary was written for: its author changes it or confirms the summary still holds for
the latest, and hears when a newer version comes out (after any import or harvest: see signals)."""

import logging

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string

from summaries.models import Summary
from summaries.site_address import absolute_url

logger = logging.getLogger(__name__)


class InvalidVersion(ValueError):
    pass


def summary_version_set(*, summary: Summary, version: int) -> Summary:
    """The summary was written for `version` of its paper (1 to the latest we know)."""
    latest = summary.paper.arxiv_version
    if not latest:
        raise InvalidVersion("This paper has no arXiv versions.")
    if not 1 <= version <= latest:
        raise InvalidVersion(f"The paper has versions 1 to {latest}.")
    summary.arxiv_version = version
    if summary.checked_arxiv_version and summary.checked_arxiv_version <= version:
        summary.checked_arxiv_version = None
    summary.save(update_fields=["arxiv_version", "checked_arxiv_version"])
    return summary


def summary_version_confirm(*, summary: Summary) -> Summary:
    """Its author says the summary still holds for the paper's latest version."""
    latest = summary.paper.arxiv_version
    if not latest:
        raise InvalidVersion("This paper has no arXiv versions.")
    summary.checked_arxiv_version = latest
    summary.arxiv_version = summary.arxiv_version or latest
    summary.save(update_fields=["arxiv_version", "checked_arxiv_version"])
    return summary


def _outdated() -> Q:
    """Written (and checked) for an older version than the paper's latest, whose author hasn't heard of it yet."""
    return (
        Q(arxiv_version__lt=F("paper__arxiv_version"))
        & (Q(checked_arxiv_version__isnull=True) | Q(checked_arxiv_version__lt=F("paper__arxiv_version")))
        & (Q(arxiv_version_notified__isnull=True) | Q(arxiv_version_notified__lt=F("paper__arxiv_version")))
    )


def any_outdated(*, arxiv_ids: list[str]) -> bool:
    """Whether a newer version of one of these papers overtook a summary whose author hasn't heard; one query."""
    return Summary.objects.filter(_outdated(), paper__arxiv_id__in=arxiv_ids).exists()


def outdated_summaries_notify() -> int:
    """Email the author of every summary a newer arXiv version has overtaken, once per version; return how many.

    Each summary is marked told in the transaction that locks it, so two runs cannot both send (a failed send
    is not retried)."""
    with transaction.atomic():
        summaries = list(
            Summary.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(_outdated(), is_hidden=False, author__is_active=True)
            .exclude(author__email="")
            .select_related("paper", "author", "author__profile")
        )
        for summary in summaries:
            Summary.objects.filter(pk=summary.pk).update(arxiv_version_notified=summary.paper.arxiv_version)
    if not summaries:
        return 0
    messages = [
        mail.EmailMessage(
            subject=f"v{summary.paper.arxiv_version} of “{summary.paper.title[:150]}” is out",
            body=render_to_string(
                "summaries/email/new_arxiv_version.txt",
                {"summary": summary, "paper": summary.paper, "site_name": settings.SITE_NAME,
                 "summary_url": absolute_url(summary.get_absolute_url())},
            ),  # fmt: skip
            to=[summary.author.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        for summary in summaries
    ]
    sent = mail.get_connection().send_messages(messages) or 0
    logger.info("New arXiv versions: told the authors of %s summaries.", sent)
    return sent
