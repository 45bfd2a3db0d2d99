"""The part of a summary card every reader sees alike, cached under a key made of what it shows.

A card's key digests the values its shared part is made from (the summary's row but its score, the paper's
row, the byline, the comment count), the card's variant and the site's code and templates (shortscience.release).
Any change to any of them is a new key, so nothing is ever invalidated and a stale card cannot be served; old
entries just expire.
A page asks for each list of its cards in one round trip (`prepare`); the `{% shared_card %}` tag
(summaries/templatetags/card_tags.py) renders and stores the ones missing. The viewer's own part of a card
(their vote, Save, report and edit links) is rendered on every request, which is what lets a logged-in
reader's pages use the cache too.
"""

import functools
import hashlib
import operator
import pickle
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from papers import typesetting
from shortscience import release
from summaries.models import Summary

# Left out of the key: the vote score, shown only in the reader's part (so a vote leaves the shared part's key
# alone), and the typeset title and abstract, which typeset_key, title and abstract (all in the key) determine.
_NOT_SHOWN = frozenset({"score", "title_typeset", "abstract_typeset"})


@dataclass(frozen=True)
class Variant:
    """How a page shows its cards (the card template's hide_paper, full and title_tag)."""

    full: bool = False
    hide_paper: bool = False
    title_tag: str = "h2"


def prepare(cards: Iterable[Summary], variant: Variant = Variant()) -> None:
    """Typeset the cards' paper titles, then fetch the shared part of every card in one round trip.

    Each card remembers its key and what was found. Typesetting first keeps a card's key and its HTML made
    from the same, final values (typesetting stores the titles on the paper's row, which the key reads).
    """
    cards = list(cards)
    typesetting.typeset_papers(cards)
    if settings.CARD_CACHE_SECONDS <= 0:
        return
    keys = {card.pk: key(card, variant) for card in cards}
    found = cache.get_many(list(keys.values()))
    for card in cards:
        card.shared_card_key, card.shared_card_variant = keys[card.pk], variant
        card.shared_card_html = found.get(keys[card.pk])


def key(card: Summary, variant: Variant) -> str:
    paper = card.paper
    shown = (
        _shown_fields(Summary, frozenset(card.get_deferred_fields()))(card),
        _shown_fields(type(paper), frozenset(paper.get_deferred_fields()))(paper),
        card.byline, card.byline_url, getattr(card, "comment_count", None), variant, release.code_digest(),
    )  # fmt: skip
    # pickle, not repr: an excerpt with typeset math is ~20 KB, which pickle copies and repr escapes char by char.
    return "card:" + hashlib.blake2b(pickle.dumps(shown, protocol=5), digest_size=20).hexdigest()


@functools.cache
def _shown_fields(model, deferred: frozenset) -> operator.attrgetter:
    """Every loaded column of the model's row but those a card does not show, read in one C call."""
    names = [field.attname for field in model._meta.concrete_fields]
    return operator.attrgetter(*(name for name in names if name not in deferred and name not in _NOT_SHOWN))


def store(card_key: str, html: str) -> None:
    cache.set(card_key, html, timeout=settings.CARD_CACHE_SECONDS)
