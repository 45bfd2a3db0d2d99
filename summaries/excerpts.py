"""A card's excerpt of a summary: its first blocks of rendered HTML, about EXCERPT_CHARACTERS of text.

Computed once at save time from the sanitized HTML (never per request) and stored beside it. Blocks are
taken whole, so a formula, a table or a code block is never cut in half; a long list is cut between its
items, never inside one; a paragraph's own text may be cut, at a space between words, never inside a link,
a formula or any other inline element.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

EXCERPT_CHARACTERS = 600
# A paragraph is cut only when it runs this far past the budget: cutting a few words saves nothing.
_CUT_SLACK = 200
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ul", "ol"}
# A list item takes at least a line of the card, however short: it counts as at least this much text.
_ITEM_LINE = 60
_VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "col", "area", "base", "embed", "param", "track"}
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Excerpt:
    html: str
    is_whole: bool  # the excerpt is the whole summary: nothing more to read


@dataclass
class _Block:
    tag: str
    start: int
    end: int = 0
    text_length: int = 0
    # (start, end, text before it) of each run of text lying directly inside the block: the only
    # places a cut may fall. None for blocks that are never cut.
    own_text: list[tuple[int, int, int]] | None = None
    # A list's own items, in order (a nested list comes whole with its item). None for other blocks.
    items: list["_Block"] | None = None

    @property
    def length(self) -> int:
        """How much of the budget the block takes: its text, but a line at least for each item of a list."""
        if self.items is None:
            return self.text_length
        return sum(max(item.text_length, _ITEM_LINE) for item in self.items)


class _BlockScanner(HTMLParser):
    """Finds the top-level elements of an HTML fragment, with their offsets and the length of their text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: list[_Block] = []
        self._depth = 0
        # By "\n" alone, as getpos() counts lines: splitlines() would also break at U+2028 and the like.
        self._line_offsets = [0]
        for line in html.split("\n"):
            self._line_offsets.append(self._line_offsets[-1] + len(line) + 1)
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_offsets[line - 1] + column

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._depth == 0:
            self.blocks.append(
                _Block(tag=tag, start=self._offset(), own_text=[] if tag == "p" else None, items=[] if tag in _LISTS else None)
            )
        elif self._depth == 1 and tag == "li" and self.blocks[-1].items is not None:
            self.blocks[-1].items.append(_Block(tag=tag, start=self._offset()))
        if tag in _VOID:
            self._close_top_level_void()
        else:
            self._depth += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        if self._depth == 0:
            self.blocks.append(_Block(tag=tag, start=self._offset()))
        self._close_top_level_void()

    def _close_top_level_void(self) -> None:
        if self._depth == 0:
            self.blocks[-1].end = self._offset() + len(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self._depth = max(self._depth - 1, 0)
        if self._depth == 0 and self.blocks:
            self.blocks[-1].end = self._offset() + len(f"</{tag}>")
        elif self._depth == 1 and tag == "li" and self.blocks[-1].items:
            self.blocks[-1].items[-1].end = self._offset() + len("</li>")

    def handle_data(self, data: str) -> None:
        self._count_text(len(data), own_length=len(data))

    def handle_entityref(self, name: str) -> None:
        self._count_text(1)

    def handle_charref(self, name: str) -> None:
        self._count_text(1)

    def _count_text(self, length: int, own_length: int = 0) -> None:
        if self._depth == 0 or not self.blocks:
            return  # whitespace between blocks
        block = self.blocks[-1]
        if own_length and self._depth == 1 and block.own_text is not None:
            start = self._offset()
            block.own_text.append((start, start + own_length, block.text_length))
        block.text_length += length
        if self._depth >= 2 and block.items:
            block.items[-1].text_length += length


def excerpt(html: str, *, characters: int = EXCERPT_CHARACTERS) -> Excerpt:
    """The first whole blocks of `html` holding about `characters` of text (a heading brings the block after it)."""
    blocks = [block for block in _BlockScanner(html).blocks if block.end > block.start]
    taken: list[str] = []
    text_so_far = 0
    for index, block in enumerate(blocks):
        budget = characters - text_so_far
        follows_heading = index > 0 and blocks[index - 1].tag in _HEADINGS and len(taken) == index
        if taken and budget <= 0 and not follows_heading:
            break
        must_take = not taken or follows_heading
        if block.tag == "p" and block.length > max(budget, characters // 2) + _CUT_SLACK:
            cut = _cut_paragraph(html, block, max(budget, characters // 2))
            if cut is not None:
                taken.append(cut)
                return Excerpt(html="\n".join(taken), is_whole=False)
        if block.items and block.length > max(budget, 0) + _CUT_SLACK:
            cut = _cut_list(html, block, max(budget, characters // 2) if must_take else budget, at_least_one=must_take)
            if cut is not None:
                taken.append(cut)
                return Excerpt(html="\n".join(taken), is_whole=False)
        if taken and block.length > budget + _CUT_SLACK and not follows_heading:
            break  # a table, a formula, a list whose first item is too big or a long paragraph: stop before it
        taken.append(html[block.start : block.end])
        text_so_far += block.length
    is_whole = len(taken) == len(blocks)
    return Excerpt(html=html if is_whole else "\n".join(taken), is_whole=is_whole)


def _cut_list(html: str, block: _Block, budget: int, *, at_least_one: bool) -> str | None:
    """The list's first items up to about `budget` characters of text (a line at least for each), the list
    closed after them.

    None when every item fits (nothing to cut) or when not one does and none has to.
    """
    items = block.items or []
    text = kept = 0
    for item in items:
        if item.end <= item.start:
            break  # an item never closed: nothing after it can be cut cleanly
        item_length = max(item.text_length, _ITEM_LINE)
        if text + item_length > budget + _CUT_SLACK and (kept > 0 or not at_least_one):
            break
        text += item_length
        kept += 1
    if kept == 0 or kept == len(items):
        return None
    return html[block.start : items[kept - 1].end] + f"\n</{block.tag}>"


def _cut_paragraph(html: str, block: _Block, budget: int) -> str | None:
    """The paragraph's beginning up to a space near `budget` characters of its text, closed with an ellipsis.

    Text in child elements counts towards the budget but is never cut: only the paragraph's own text is.
    """
    for start, end, text_before in block.own_text or []:
        if text_before + (end - start) < budget:
            continue
        room = max(budget - text_before, 0)
        space = html.rfind(" ", start, start + room + 1)
        if space <= start:
            space = html.find(" ", start + room, end)
        if space <= start:
            continue  # no space in this run: try the next one
        return html[block.start : space].rstrip() + _ELLIPSIS + "</p>"
    return None
