"""Page metadata for search engines and link previews: canonical URLs, plain-text excerpts, noindex."""

import html
import re

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost

from papers import metadata
from summaries import katex, site_address

register = template.Library()

EXCERPT_LENGTH = 200


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str = "") -> str:
    """`path` (default: this page's path, without its query) as an absolute URL on the host the page was asked for."""
    request = context.get("request")
    if request is None:
        return path
    try:
        return request.build_absolute_uri(path or request.path)
    except DisallowedHost:
        # The 400 page for a host the site does not serve: its links name the site's own address instead.
        return site_address.absolute_url(path or request.path)


# Stored HTML is sanitized, so a tag is "<...>" and nothing else; the result is escaped wherever it is shown.
_TAG = re.compile(r"<[^>]*>")
_TEX_SOURCE = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.DOTALL)


@register.filter
def plain_text(value: str, length: int = EXCERPT_LENGTH) -> str:
    """Stored HTML as one line of text, cut at a word boundary: "<p>A &amp; B</p>" -> "A & B".

    A typeset formula reads as its TeX source (its markup would read as each glyph two or three times), and
    tags go by a pattern, not an HTML parser: a typeset summary is tens of kilobytes of markup, of which only
    the beginning is read, up to the first `length` characters of text (a permalink asks for three excerpts).
    """
    value = value or ""
    pieces, position = [], 0
    for start, end in katex.iter_formula_spans(value):
        tex = _TEX_SOURCE.search(value, start, end)
        pieces += [_text(value[position:start]), _text(f" {tex.group(1)} " if tex else " ")]
        position = end
        if len(_one_line("".join(pieces))) > length + 1:
            break  # what follows moves nothing in the first length + 1 characters
    else:
        pieces.append(_text(value[position:]))
    text = _one_line("".join(pieces)).rstrip()
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " " and " " in cut:  # don't end on half a word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def _text(stored_html: str) -> str:
    # A tag never straddles two pieces: they are cut where a formula's element opens and closes.
    return html.unescape(_TAG.sub(" ", stored_html))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).lstrip()


@register.simple_tag(takes_context=True)
def summary_json_ld(context, summary):
    """A Schema.org Review of the paper (its itemReviewed), by the summary's byline: no author when anonymous."""
    absolute = context["request"].build_absolute_uri
    review = {
        "@type": "Review",
        "name": f"Summary of {summary.paper.title}",
        "url": absolute(summary.get_absolute_url()),
        "datePublished": summary.created_at.isoformat(),
        "dateModified": summary.updated_at.isoformat(),
        "description": plain_text(summary.body_html),
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": absolute("/")},
        "itemReviewed": metadata.scholarly_article(summary.paper, url=absolute(summary.paper.get_absolute_url())),
        "license": settings.SUMMARY_LICENCE["url"],
    }
    if summary.byline_url:
        review["author"] = {"@type": "Person", "name": summary.byline, "url": absolute(summary.byline_url)}
    return metadata.json_ld_script(review)


@register.inclusion_tag("includes/_licence.html")
def licence_notice(lead: str = "Summaries are published under"):
    """The licence of summaries (settings.SUMMARY_LICENCE), with rel="license" for machines."""
    return {"lead": lead, "licence": settings.SUMMARY_LICENCE}
