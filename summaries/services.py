"""Every write to summaries and votes: create, update, delete and restore, vote, re-render (hiding is
summaries.moderation, which logs it)."""

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.selectors import is_claimed_author
from papers.models import Paper
from shortscience import page_cache
from summaries import comments as comment_services
from summaries import excerpts, rendering
from summaries.models import Comment, Profile, Report, Summary, SummaryRevision, UnresolvedCitation, Vote

logger = logging.getLogger(__name__)


def _apply_rendering(summary: Summary, *, update_fields: list[str] | None = None) -> None:
    rendered = rendering.render(summary.body)
    summary.body_html = rendered.html
    excerpt = excerpts.excerpt(rendered.html)
    summary.excerpt_html, summary.excerpt_is_whole = excerpt.html, excerpt.is_whole
    summary.rendered_version = rendering.RENDERER_VERSION
    summary.save(update_fields=update_fields and [*update_fields, "excerpt_html", "excerpt_is_whole"])
    summary.cited_papers.set(rendered.cited_papers)
    _unresolved_citations_record(summary, rendered.unresolved_citations)


_CITATION_VALUE_MAX_LENGTH = UnresolvedCitation._meta.get_field("value").max_length


def _unresolved_citations_record(summary: Summary, unresolved: list[rendering.UnresolvedCitation]) -> None:
    """Keep the keys that named no paper at this rendering, so summaries.citations heals them when the paper arrives."""
    summary.unresolved_citations.all().delete()
    rows = []
    for citation in unresolved:
        identifier = citation.identifier
        # A key that names no identifier (a title), or one too long for any paper, can never arrive: kept for the record.
        can_arrive = identifier is not None and len(identifier.value) <= _CITATION_VALUE_MAX_LENGTH
        rows.append(
            UnresolvedCitation(
                summary=summary,
                key=citation.key,
                kind=identifier.kind if can_arrive else "",
                value=identifier.value if can_arrive else "",
            )
        )
    UnresolvedCitation.objects.bulk_create(rows)


class EditConflict(Exception):
    """The summary was saved by someone else after this edit began: saving would silently overwrite their text."""

    def __init__(self, current: Summary):
        super().__init__(f"Summary {current.pk} is at revision {current.revision} now.")
        self.current = current


def _keep_unrecorded_text(summary: Summary, *, body: str) -> None:
    """Summaries written before revisions were kept have no row for their text: record it before it is replaced."""
    if SummaryRevision.objects.filter(summary=summary, number=summary.revision).exists():
        return
    revision = SummaryRevision.objects.create(summary=summary, number=summary.revision, body=body, editor=summary.author)
    SummaryRevision.objects.filter(pk=revision.pk).update(created_at=summary.updated_at)


def _store_text(summary: Summary, *, body: str, editor: AbstractBaseUser, fields: list[str]) -> None:
    """Save `body` as the next revision of `summary`, a new one or one whose row the caller has locked."""
    if summary.pk is None:
        summary.body, summary.revision = body, 1
        _apply_rendering(summary)
    else:
        _keep_unrecorded_text(summary, body=summary.body)
        summary.body, summary.revision = body, summary.revision + 1
        _apply_rendering(summary, update_fields=[*fields, "body", "body_html", "rendered_version", "revision", "updated_at"])
    SummaryRevision.objects.create(summary=summary, number=summary.revision, body=body, editor=editor)


@transaction.atomic
def summary_save(
    *,
    paper: Paper,
    author: AbstractBaseUser,
    body: str,
    is_anonymous: bool | None = None,
    is_private: bool | None = None,
    base_revision: int | None = None,
) -> Summary:
    """Create the author's summary of `paper`, or update it: a user has one summary per paper.

    `base_revision` is the revision the writer started from (0 for a blank form); when the summary
    is at another one, EditConflict is raised and nothing is saved. None skips the check (scripts).
    """
    existing = Summary.all_objects.select_for_update().filter(paper=paper, author=author).first()
    if existing is not None and existing.deleted_at is not None:
        # Writing again after deleting brings the summary back with the new text (the old ones stay in its
        # history); the writer never saw the deleted text, so there is nothing to conflict with.
        Summary.all_objects.filter(pk=existing.pk).update(deleted_at=None, deleted_by=None)
        base_revision = None
    if existing is None:
        summary = Summary(
            paper=paper, author=author, is_anonymous=bool(is_anonymous), is_private=bool(is_private),
            arxiv_version=paper.arxiv_version,
        )  # fmt: skip
        try:
            with transaction.atomic():
                _store_text(summary, body=body, editor=author, fields=[])
            return summary
        except IntegrityError:
            # The same author published this paper's summary a moment ago, in another tab.
            existing = Summary.objects.select_for_update().filter(paper=paper, author=author).first()
            if existing is None:
                raise
    return summary_update(
        summary=existing,
        body=body,
        editor=author,
        is_anonymous=is_anonymous,
        is_private=is_private,
        base_revision=base_revision,
    )


@transaction.atomic
def summary_update(
    *,
    summary: Summary,
    body: str,
    editor: AbstractBaseUser | None = None,
    is_anonymous: bool | None = None,
    is_private: bool | None = None,
    base_revision: int | None = None,
) -> Summary:
    """Change a summary's text (a new revision, when it differs) and its anonymity and privacy (None: unchanged).

    The row is locked, and an edit that started from `base_revision` while the summary has moved on
    raises EditConflict carrying the current summary: two editors never silently overwrite each other.
    """
    current = Summary.objects.select_for_update().get(pk=summary.pk)
    if base_revision is not None and base_revision != current.revision:
        raise EditConflict(current)
    fields = []
    for field, value in (("is_anonymous", is_anonymous), ("is_private", is_private)):
        if value is not None and getattr(current, field) != value:
            setattr(current, field, value)
            fields.append(field)
    if body != current.body:
        _store_text(current, body=body, editor=editor or current.author, fields=fields)
    elif fields:
        current.save(update_fields=fields)
    summary.refresh_from_db()
    return summary


@transaction.atomic
def summary_restore(*, summary: Summary, number: int, editor: AbstractBaseUser, base_revision: int | None = None) -> Summary:
    """Make the text of revision `number` the summary's text again, as a new revision: nothing is lost."""
    old = SummaryRevision.objects.get(summary=summary, number=number)
    return summary_update(summary=summary, body=old.body, editor=editor, base_revision=base_revision)


@transaction.atomic
def summary_revision_record(*, summary: Summary, editor: AbstractBaseUser, previous_body: str | None = None) -> None:
    """Record the text the admin has just saved as the summary's next revision (`previous_body`: the text it replaced).

    The site's own forms go through summary_save and summary_update, which do this themselves.
    """
    current = Summary.objects.select_for_update().get(pk=summary.pk)
    if previous_body is not None:
        _keep_unrecorded_text(current, body=previous_body)
        latest = SummaryRevision.objects.filter(summary=current).aggregate(number=Max("number"))["number"]
        current.revision = max(current.revision, latest or 0) + 1
    Summary.objects.filter(pk=current.pk).update(revision=current.revision)
    SummaryRevision.objects.create(summary=current, number=current.revision, body=current.body, editor=editor)
    summary.revision = current.revision


def summary_delete(*, summary: Summary, actor: AbstractBaseUser) -> None:
    """Take a summary off every page, keeping it (and others' comments and reports on it) for staff to restore."""
    Summary.all_objects.filter(pk=summary.pk, deleted_at__isnull=True).update(deleted_at=timezone.now(), deleted_by=actor)
    page_cache.content_changed()  # update() sends no model signals


def summaries_undelete(*, summaries) -> list[Summary]:
    """Bring deleted summaries back as they were; return those that were deleted."""
    restoring = list(Summary.all_objects.filter(pk__in=[summary.pk for summary in summaries], deleted_at__isnull=False))
    Summary.all_objects.filter(pk__in=[summary.pk for summary in restoring]).update(deleted_at=None, deleted_by=None)
    page_cache.content_changed()
    return restoring


def summaries_purge(*, deleted_before_days: int) -> tuple[int, int]:
    """Remove for good the summaries deleted more than `deleted_before_days` ago, with their comments, votes and
    revisions; one with an open report waits until a moderator has handled it. Returns (purged, waiting)."""
    due = Summary.all_objects.filter(deleted_at__lt=timezone.now() - timedelta(days=deleted_before_days))
    reported = due.filter(reports__status=Report.OPEN).distinct()
    waiting = reported.count()
    purged = list(due.exclude(pk__in=reported.values("pk")).values_list("pk", flat=True))
    Summary.all_objects.filter(pk__in=purged).delete()
    return len(purged), waiting


def summary_rerender(*, summary: Summary) -> None:
    """Bring stored HTML up to the current renderer (after the renderer or a cited paper changed).

    A stored body over the rendering budget keeps the HTML it has: one hostile text must not stop a sweep."""
    try:
        with transaction.atomic():
            # Only the rendering: a concurrent vote's score must survive, and nothing was edited.
            _apply_rendering(summary, update_fields=["body_html", "rendered_version"])
    except rendering.RenderingTooSlow:
        logger.warning("Summary %s not re-rendered: over the rendering budget.", summary.pk)


# Rows fetched at a time while re-rendering, so memory stays flat however many there are.
RERENDER_CHUNK_SIZE = 500


def _in_chunks(rows, *, unit: str):
    return rows.iterator(chunk_size=RERENDER_CHUNK_SIZE)


def citing_summaries_rerender(*, paper_ids: list[int]) -> int:
    """Re-render the summaries citing any of these papers, whose citations ("Vaswani et al., 2017") may read
    differently after an update of their authors or year; return how many. Running it twice changes nothing."""
    citing = Summary.objects.filter(cited_papers__in=paper_ids).distinct().order_by("pk")
    count = 0
    for summary in _in_chunks(citing, unit="summary"):
        summary_rerender(summary=summary)
        count += 1
    return count


def stored_html_rerender(*, everything: bool = False, progress=_in_chunks) -> tuple[int, int]:
    """Re-render the summaries and comments stored by an older renderer (every one with `everything`).

    Returns how many summaries and comments were re-rendered; running it twice re-renders nothing more.
    `progress(rows, unit=...)` iterates the rows (the command wraps them in a progress bar).
    """
    stale = {} if everything else {"rendered_version__lt": rendering.RENDERER_VERSION}
    summaries = Summary.objects.filter(**stale).order_by("pk")
    # A deleted comment's HTML stays empty: readers get a placeholder, not its text.
    comments = Comment.objects.filter(is_deleted=False, **stale).order_by("pk")
    summary_count = comment_count = 0
    for summary in progress(summaries, unit="summary"):
        summary_rerender(summary=summary)
        summary_count += 1
    for comment in progress(comments, unit="comment"):
        comment_services.comment_rerender(comment=comment)
        comment_count += 1
    return summary_count, comment_count


@transaction.atomic
def vote_cast(*, summary: Summary, voter: AbstractBaseUser, value: int) -> int:
    """Record `voter`'s vote (+1, -1, or 0 to take it back); return the summary's new score.

    The summary row is locked while the vote changes, and the score is recomputed from the
    votes themselves, so concurrent voters can neither lose nor double-count a vote.
    """
    if value not in (Vote.UP, Vote.DOWN, 0):
        raise ValueError("A vote is +1, -1 or 0.")
    if summary.author_id == voter.pk:
        raise PermissionError("You cannot vote on your own summary.")
    if value != 0 and is_claimed_author(user=voter, paper_id=summary.paper_id):
        raise PermissionError("You are an author of this paper: your votes on its summaries do not count.")
    Summary.objects.select_for_update().filter(pk=summary.pk).first()
    if value == 0:
        Vote.objects.filter(summary=summary, voter=voter).delete()
    else:
        Vote.objects.update_or_create(summary=summary, voter=voter, defaults={"value": value})
    score = Vote.objects.filter(summary=summary).aggregate(total=Coalesce(Sum("value"), 0))["total"]
    Summary.objects.filter(pk=summary.pk).update(score=score)
    summary.score = score
    return score


def profile_for(user: AbstractBaseUser) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user: AbstractBaseUser, **fields: str) -> Profile:
    """Set the profile's public fields: display_name, bio, affiliation, website, orcid (those given)."""
    profile = profile_for(user)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save(update_fields=list(fields))
    return profile


PROFILE_FIELDS = ("display_name", "bio", "affiliation", "website", "orcid")
