"""{% reader_part "name" %}: a part of the page that depends on who reads it (shortscience.reader_parts).

Rendered in place like an include of the part's template (or as the part makes it without: ReaderPart.render_in_place),
except while a page logged-in readers share is rendered: then it is a hole, filled for each reader when the page is
served."""

from django import template

from shortscience import reader_parts

register = template.Library()


class ReaderPartNode(template.Node):
    def __init__(self, name: str):
        self.name = name

    def render(self, context) -> str:
        mark = reader_parts.hole(context, self.name)
        return reader_parts.render_in_place(context, self.name) if mark is None else mark


@register.tag
def reader_part(parser, token) -> ReaderPartNode:
    try:
        _, quoted_name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("reader_part takes one argument: the part's name") from None
    name = quoted_name.strip("\"'")
    if name not in reader_parts.PARTS:
        raise template.TemplateSyntaxError(f"no reader part is named {name!r}: see shortscience.reader_parts")
    return ReaderPartNode(name)
