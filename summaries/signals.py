"""Receivers: every user gets a profile (so pages can show display names without checking), readers who
asked for a summary hear when a public one appears, a "Follow" pressed or a vote clicked before logging in is
made at log-in, a reader's votes and saves drop their cached card state, and summaries citing a paper that
arrives are healed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from library.models import SavedPaper
from papers.signals import papers_written
from shortscience import auth_backends
from shortscience.background import enqueue_on_commit
from summaries import citations, following, tasks, versions, votes_after_login
from summaries.models import Profile, Summary, Vote


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created, **kwargs):
    if created:
        Profile.objects.get_or_create(user=instance)


@receiver(post_save, sender=Vote, dispatch_uid="card_state:vote_saved")
@receiver(post_delete, sender=Vote, dispatch_uid="card_state:vote_deleted")
def forget_voters_card_state(sender, instance, **kwargs):
    """The voter's copy of their votes (selectors.reader_card_state) is stale."""
    auth_backends.users_changed([instance.voter_id])


@receiver(post_save, sender=SavedPaper, dispatch_uid="card_state:save_saved")
@receiver(post_delete, sender=SavedPaper, dispatch_uid="card_state:save_deleted")
def forget_readers_card_state(sender, instance, **kwargs):
    """The reader's copy of their saved papers (selectors.reader_card_state) is stale."""
    auth_backends.users_changed([instance.reader_id])


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


@receiver(papers_written, dispatch_uid="citations_heal")
def heal_citations_of_written_papers(sender, *, identifiers: dict[str, list[str]], **kwargs):
    """Summaries waiting for one of these papers are re-rendered on the worker once the papers are committed;
    one query per batch, and no task when no summary waits for any paper."""
    if any(identifiers.values()) and citations.citations_waiting():
        enqueue_on_commit(tasks.citations_heal, identifiers=identifiers, run_here_if_broker_down=True)


@receiver(user_logged_in)
def follow_after_login(sender, request, user, **kwargs):
    if request is None:
        return
    target = following.follow_after_login_complete(session=request.session, user=user)
    if target is not None:
        # fail_silently: logins made outside a page (the test client, scripts) have no message storage.
        messages.success(request, following.FOLLOWED_MESSAGE.format(target=target), fail_silently=True)


@receiver(papers_written, dispatch_uid="new_versions_notify")
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
