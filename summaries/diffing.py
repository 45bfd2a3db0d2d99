"""A readable, HTML-escaped diff of two summary texts, for the history page: diff_html, and
only_whitespace_differs for the changes a diff cannot show."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words and the whitespace between them, so a changed word is marked without its neighbours.
TOKENS = re.compile(r"\s+|[^\s]+")


def _marked(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def _word_diff(old: str, new: str) -> list[str]:
    old_words, new_words = TOKENS.findall(old), TOKENS.findall(new)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed, added = "".join(old_words[old_start:old_end]), "".join(new_words[new_start:new_end])
        if op == "equal":
            parts.append(escape(removed))
        else:
            parts.append(_marked("del", removed) + _marked("ins", added))
    return parts


def diff_html(old: str, new: str) -> SafeString:
    """`new` as it differs from `old`: removed words in <del>, added words in <ins>, everything escaped.

    Lines (paragraphs, for prose) are matched first and only changed lines are compared word by word,
    which keeps the comparison fast on long texts and the result readable. Show it with white-space: pre-wrap.
    """
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    parts = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed, added = "".join(old_lines[old_start:old_end]), "".join(new_lines[new_start:new_end])
        if op == "equal":
            parts.append(escape(removed))
        elif op == "replace":
            parts.extend(_word_diff(removed, added))
        else:
            parts.append(_marked("del", removed) + _marked("ins", added))
    return mark_safe("".join(parts))


def only_whitespace_differs(old: str, new: str) -> bool:
    """The texts differ, but only in spaces, tabs or line breaks: a diff of them shows nothing to see."""
    return old != new and old.split() == new.split()
