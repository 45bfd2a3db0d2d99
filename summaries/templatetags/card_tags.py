"""{% shared_card %}: the part of a summary card that every reader sees alike, from the cache when the page
prefetched it (summaries.card_fragments), and compressed on its own on a page rendered for one reader
(shortscience.shared_gzip)."""

from django import template

from shortscience import shared_gzip
from summaries import card_fragments

register = template.Library()


class SharedCardNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        card = context["summary"]
        variant = card_fragments.Variant(
            full=bool(context.get("full")), hide_paper=bool(context.get("hide_paper")), title_tag=context.get("title_tag") or "h2"
        )
        # Not prefetched, or prefetched for another variant than this page shows: rendered, and nothing stored.
        if getattr(card, "shared_card_variant", None) != variant:
            html = self._render(card, variant, context)
        elif card.shared_card_html is None:
            html = card.shared_card_html = self._render(card, variant, context)
            card_fragments.store(card.shared_card_key, html)
        else:
            html = card.shared_card_html
        return shared_gzip.mark(context.get("request"), html)

    def _render(self, card, variant: card_fragments.Variant, context) -> str:
        # Only what the key is made of: no reader (user, request, their vote) can reach what every reader is served.
        shown = {"summary": card, "full": variant.full, "hide_paper": variant.hide_paper, "title_tag": variant.title_tag}
        return self.nodelist.render(context.new(shown))


@register.tag
def shared_card(parser, token) -> SharedCardNode:
    nodelist = parser.parse(("end_shared_card",))
    parser.delete_first_token()
    return SharedCardNode(nodelist)
