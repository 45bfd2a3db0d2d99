"""The parts of a summary's permalink that depend on who reads it: the reader parts that let logged-in readers
share the rest of the page (shortscience.reader_parts) instead of each having it rendered, 6 queries and ~13 ms,
for them.

- `SummaryTools`: the author's and moderators' tools under the summary (the version it was written for, Edit,
  Delete) and the History link. Every other reader gets it as a visitor does.
- `Comments`: the thread with its forms (a reply box under each comment, the box for a new one) and each comment's
  Report link. The same for every reader who wrote none of its comments: no Edit or Delete link is theirs, no
  hidden comment of theirs is shown to them alone. Moderators, who get Hide buttons and hidden comments, and
  readers who commented get the page rendered for them.

The page is shared only for a public summary (summaries.views.summary_detail); a reader either part declines
(its author, a moderator, a commenter) gets the page rendered for them. What every other reader gets is rendered
once per process from the summary's state at the content version (every comment and profile write bumps it), with
a stand-in reader who has no account's id: nothing of any reader's is in it, and their CSRF token goes in last. The
thread is kept compressed, a piece between each two tokens (reader_parts.compressed): a long thread would
otherwise be most of a shared permalink's bytes, sent as they are.
"""

import functools
from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection

from shortscience import reader_parts
from shortscience.recent import Recent
from summaries.models import Comment, Summary
from summaries.selectors import placeholders


class ToolsState(NamedTuple):
    """What the tools show every reader who is neither the summary's author nor a moderator."""

    summary_id: int
    author_id: int | None
    revision: int


class ThreadState(NamedTuple):
    """The summary as its comment thread reads it (bylines, Report links), for readers who wrote none of it."""

    summary_id: int
    author_id: int | None
    is_anonymous: bool
    is_private: bool
    is_hidden: bool


@reader_parts.register("summary-tools")
class SummaryTools(reader_parts.ReaderPart):
    template_name = "summaries/_summary_tools.html"

    def shared_state(self, context) -> ToolsState:
        summary = context["summary"]
        return ToolsState(summary.pk, summary.author_id, summary.revision)

    def declines(self, request, states: Sequence[ToolsState]) -> bool:
        # Declining the author also keeps their views of their own summary uncounted where the shared page is
        # served without the view (count_cached_view is not told who wrote it).
        reader = request.user
        return reader.is_staff or any(state.author_id == reader.pk for state in states)

    def fill(self, request, states: Sequence[ToolsState], *, version: int) -> list[str]:
        return [_tools_for_readers(state) for state in states]

    def forget(self) -> None:
        _tools_for_readers.cache_clear()


@reader_parts.register("comments")
class Comments(reader_parts.ReaderPart):
    template_name = "summaries/_comments.html"

    def shared_state(self, context) -> ThreadState:
        summary = context["summary"]
        return ThreadState(summary.pk, summary.author_id, summary.is_anonymous, summary.is_private, summary.is_hidden)

    def declines(self, request, states: Sequence[ThreadState]) -> bool:
        reader = request.user
        if reader.is_staff:
            return True
        return _wrote_in_threads(reader, [state.summary_id for state in states])

    def fill(self, request, states: Sequence[ThreadState], *, version: int) -> list[reader_parts.Compressed]:
        return [_thread_for_readers(state, version) for state in states]

    def forget(self) -> None:
        _threads.clear()


def _wrote_in_threads(reader, summary_ids: list[int]) -> bool:
    """Whether the reader wrote any comment under these summaries (deleted ones too: a placeholder is the same for
    everyone, but one rule is simpler than two). Raw SQL: building the ORM's query costs more than running it."""
    quote = connection.ops.quote_name
    comment = Comment._meta
    sql = (
        f"SELECT 1 FROM {quote(comment.db_table)} WHERE {quote(comment.get_field('author').column)} = %s"
        f" AND {quote(comment.get_field('summary').column)} IN {placeholders(summary_ids)} LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [reader.pk, *summary_ids])
        return cursor.fetchone() is not None


# The tools as every reader but the summary's author and moderators gets them: the History link. Nothing in them
# changes but with the state.
@functools.lru_cache(maxsize=4096)
def _tools_for_readers(state: ToolsState) -> str:
    summary = Summary(pk=state.summary_id, author_id=state.author_id, revision=state.revision)
    values = {"summary": summary, "user": reader_parts.reader_with_no_ties(), "share_url": "", "share_query": ""}
    return reader_parts.render_part("summary-tools", values)


# The thread as every reader who wrote none of it gets it, read from the database once per process at the content
# version, which every comment and profile write bumps. Only the latest version of each summary's thread is kept,
# and only the threads of the summaries read most lately (`_threads`): a thread has no length limit, and the
# version moves with every write anywhere on the site.
def _thread_for_readers(state: ThreadState, version: int) -> reader_parts.Compressed:
    remembered = _threads.get(state.summary_id)
    if remembered is not None and remembered[:2] == (state, version):
        _threads.remember(state.summary_id, remembered)  # read lately: the last to make room
        return remembered[2]
    summary = Summary(
        pk=state.summary_id, author_id=state.author_id, is_anonymous=state.is_anonymous, is_private=state.is_private,
        is_hidden=state.is_hidden,
    )  # fmt: skip
    # No request: the only link that reads it (log in to comment) is a visitor's.
    html = reader_parts.render_part("comments", {"summary": summary, "user": reader_parts.reader_with_no_ties(), "request": None})
    thread = reader_parts.compressed(html)  # once, not per request: a thread is most of a shared permalink's bytes
    _threads.remember(state.summary_id, (state, version, thread))
    return thread


# By summary: its thread at one state and version, for the 512 summaries read most lately.
_threads = Recent(kept=512)
