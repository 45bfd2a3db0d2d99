"""Template tags for the comment thread under a summary and the image upload beside the summary form."""

from django import template
from django.conf import settings

from summaries import comments

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context, summary) -> dict:
    """{% comment_thread summary as thread %}: thread.comments, .size and .can_comment, in two queries at most."""
    viewer = context.get("user")
    thread = comments.comment_thread(summary=summary, viewer=viewer)
    return {
        "comments": thread,
        "size": comments.thread_size(thread),
        "can_comment": comments.summary_commentable(summary=summary, user=viewer),
    }


@register.simple_tag
def image_max_megabytes() -> str:
    return f"{settings.SUMMARY_IMAGE_MAX_BYTES / (1024 * 1024):g}"
