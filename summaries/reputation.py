"""Reputation: a contributor's summary count and score, the /users/ ranking, and exporting one's own summaries.

What counts publicly toward a visible identity is only what strangers can read under that name: public
(not hidden, not private), non-anonymous summaries. A user looking at their own profile sees all of theirs.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from papers.models import Paper
from summaries.models import Summary

PAPERS_SHOWN = 100
EXPORT_CSV_COLUMNS = ["id", "paper identifier", "paper title", "created", "updated", "score", "anonymous", "private", "body"]


@dataclass(frozen=True)
class AuthorStats:
    summary_count: int
    total_score: int
    average_score: float | None
    papers: list[Paper]
    includes_unlisted: bool  # private, hidden or anonymous summaries are counted (the owner's own view)

    @property
    def more_papers(self) -> int:
        return self.summary_count - len(self.papers)


def credited_summaries(*, author: AbstractBaseUser, viewer: AbstractBaseUser | None) -> QuerySet[Summary]:
    """The author's summaries that count on their profile for this viewer."""
    summaries = Summary.objects.filter(author=author)
    if viewer is not None and viewer.is_authenticated and viewer.pk == author.pk:
        return summaries
    return summaries.public().filter(is_anonymous=False)


def author_stats(*, author: AbstractBaseUser, viewer: AbstractBaseUser | None) -> AuthorStats:
    """Count, total and average score, and papers summarized; two queries."""
    summaries = credited_summaries(author=author, viewer=viewer)
    totals = summaries.aggregate(count=Count("pk"), total=Coalesce(Sum("score"), 0), average=Avg("score"))
    papers = [
        summary.paper
        for summary in summaries.select_related("paper").only("paper").order_by("-created_at", "-id")[:PAPERS_SHOWN]
    ]
    return AuthorStats(
        summary_count=totals["count"],
        total_score=totals["total"],
        average_score=totals["average"],
        papers=papers,
        includes_unlisted=viewer is not None and viewer.is_authenticated and viewer.pk == author.pk,
    )


def contributor_ranking() -> QuerySet:
    """Users with credited summaries, by total score, then number of summaries; one query per page."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__suspended_at__isnull=True)
        # Filtering the join before annotating counts only credited summaries, and skips users without any.
        .filter(
            summaries__deleted_at__isnull=True,
            summaries__is_hidden=False,
            summaries__is_private=False,
            summaries__is_anonymous=False,
        )
        .select_related("profile")
        .annotate(summary_count=Count("summaries"), total_score=Coalesce(Sum("summaries__score"), 0))
        .order_by("-total_score", "-summary_count", "username", "pk")
    )


# --- Export: everything the user wrote, private and anonymous included, since it is their own ---


def exported_summaries(*, author: AbstractBaseUser) -> QuerySet[Summary]:
    return Summary.objects.filter(author=author).select_related("paper").order_by("created_at", "id")


def _yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, escapes and all.
    return json.dumps(text, ensure_ascii=False)


def summary_markdown(summary: Summary) -> str:
    """One summary as a Markdown file with a YAML front matter."""
    paper = summary.paper
    front_matter = [
        ("paper_title", _yaml_string(paper.title)),
        ("paper_identifier", _yaml_string(paper.identifier)),
        ("summary_id", str(summary.pk)),
        ("created", summary.created_at.isoformat()),
        ("updated", summary.updated_at.isoformat()),
        ("score", str(summary.score)),
        ("anonymous", "true" if summary.is_anonymous else "false"),
        ("private", "true" if summary.is_private else "false"),
        ("hidden", "true" if summary.is_hidden else "false"),
    ]
    lines = ["---", *(f"{key}: {value}" for key, value in front_matter), "---", ""]
    return "\n".join(lines) + "\n" + summary.body.rstrip("\n") + "\n"


def summary_export_filename(summary: Summary) -> str:
    identifier = slugify(summary.paper.identifier.replace("/", "-").replace(".", "-")) or "paper"
    return f"{summary.created_at:%Y-%m-%d}-{identifier}-{summary.pk}.md"


def export_zip(*, author: AbstractBaseUser) -> bytes:
    """A zip of one Markdown file per summary, under shortscience-summaries/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for summary in exported_summaries(author=author).iterator(chunk_size=200):
            archive.writestr(f"shortscience-summaries/{summary_export_filename(summary)}", summary_markdown(summary))
    return buffer.getvalue()


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def export_csv_lines(*, author: AbstractBaseUser) -> Iterator[str]:
    """CSV lines (header first) of every summary the user wrote, for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_CSV_COLUMNS)
    for summary in exported_summaries(author=author).iterator(chunk_size=200):
        yield writer.writerow(
            [
                summary.pk,
                summary.paper.identifier,
                summary.paper.title,
                summary.created_at.isoformat(),
                summary.updated_at.isoformat(),
                summary.score,
                "true" if summary.is_anonymous else "false",
                "true" if summary.is_private else "false",
                summary.body,
            ]
        )
