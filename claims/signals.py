"""Receivers: claimed authors hear of new public summaries of their papers and new comments on them, after commit."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from claims import notifications
from summaries.models import Comment, Summary


@receiver(post_save, sender=Summary)
def tell_authors_of_summary(sender, instance, created, **kwargs):
    if created and instance.is_public:
        transaction.on_commit(partial(notifications.summary_notify_authors, summary_id=instance.pk), robust=True)


@receiver(post_save, sender=Comment)
def tell_authors_of_comment(sender, instance, created, **kwargs):
    if created:
        transaction.on_commit(partial(notifications.comment_notify_authors, comment_id=instance.pk), robust=True)
