"""Receivers: every user gets a profile (so pages can show display names without checking), and readers who
asked for a summary hear when a public one appears, and a vote clicked before logging in is cast on logging in."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from papers.signals import papers_written
from shortscience.background import enqueue_on_commit
from summaries import tasks, versions, votes_after_login
from summaries.models import Profile, Summary


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created, **kwargs):
    if created:
        Profile.objects.get_or_create(user=instance)


@receiver(post_save, sender=Summary)
def notify_summary_requesters(sender, instance, update_fields=None, **kwargs):
    """Readers who asked for a summary of the paper hear when a public one is saved: after commit, once each.

    A signal rather than a call in summary_save, so a summary that turns public later (private -> public,
    by whichever service flips it) notifies too; saves that cannot change who may read it are skipped.
    """
    if update_fields is not None and not {"is_private", "is_hidden"} & set(update_fields):
        return
    if instance.is_public:
        enqueue_on_commit(tasks.summary_requests_notify, summary_id=instance.pk)


@receiver(papers_written)
def notify_authors_of_new_versions(sender, identifiers, **kwargs):
    """An import, harvest or fetch of arXiv papers may have brought newer versions: tell the summaries' authors,
    after commit. No task when none of the batch's papers has an overtaken summary.

    With the broker down the task is dropped: the next write of papers finds the same summaries untold."""
    if identifiers["arxiv_id"] and versions.any_outdated(arxiv_ids=identifiers["arxiv_id"]):
        enqueue_on_commit(tasks.outdated_summaries_notify)


@receiver(user_logged_in)
def cast_vote_clicked_before_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        votes_after_login.vote_cast_remembered(request, user)
