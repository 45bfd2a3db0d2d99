"""Receivers: every user gets a profile (so pages can show display names without checking), readers who
asked for a summary hear when a public one appears, a "Follow" pressed before logging in is made at log-in,
and summaries citing a paper that arrives are healed."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from papers.signals import papers_written
from summaries import citations, following, summary_requests
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
        transaction.on_commit(partial(summary_requests.summary_requests_notify, instance))


papers_written.connect(citations.citations_heal_on_commit, dispatch_uid="citations_heal")


@receiver(user_logged_in)
def follow_after_login(sender, request, user, **kwargs):
    if request is None:
        return
    target = following.follow_after_login_complete(session=request.session, user=user)
    if target is not None:
        # fail_silently: logins made outside a page (the test client, scripts) have no message storage.
        messages.success(request, following.FOLLOWED_MESSAGE.format(target=target), fail_silently=True)
