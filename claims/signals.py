"""Receivers: claimed authors hear of new public summaries of their papers and new comments on them, after commit.

Nothing records these emails as owed, so with the broker down they are sent here rather than dropped."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from claims import tasks
from shortscience.background import enqueue_on_commit
from summaries.models import Comment, Summary


@receiver(post_save, sender=Summary)
def tell_authors_of_summary(sender, instance, created, **kwargs):
    if created and instance.is_public:
        enqueue_on_commit(tasks.summary_notify_authors, run_here_if_broker_down=True, summary_id=instance.pk)


@receiver(post_save, sender=Comment)
def tell_authors_of_comment(sender, instance, created, **kwargs):
    if created:
        enqueue_on_commit(tasks.comment_notify_authors, run_here_if_broker_down=True, comment_id=instance.pk)
