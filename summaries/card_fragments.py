"""The part of a summary card every reader sees alike, cached under a key made of what it shows.

A card's key digests the values its shared part is made from (the summary's row but its score, the paper's
row, the byline, the comment count), the card's variant and the site's code and templates (shortscience.release).
Any change to any of them is a new key, so nothing is ever invalidated and a stale card cannot be served; old
entries just expire.
A page asks for each list of its cards in one round trip (`prepare`); the `{% shared_card %}` tag
(summaries/templatetags/card_tags.py) renders and stores the ones missing. The viewer's own part of a card
(their vote, Save, report and edit links) is `CardViewer`, a reader part: filled into a page that logged-in
readers share (shortscience.reader_parts), or on a page rendered for its reader made in place, both from what was
rendered for the last reader in the same state on the same page.
"""

import functools
import hashlib
import operator
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache

from papers import typesetting
from shortscience import reader_parts, release, tracking_params
from shortscience.url_templates import url_for
from summaries import selectors
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


class CardState(NamedTuple):
    """What a card's reader part shows every reader alike (includes/_card_viewer.html reads no more)."""

    summary_id: int
    author_id: int | None
    is_anonymous: bool
    is_public: bool
    score: int
    paper_id: int
    paper_title: str
    hide_paper: bool


class CardReader(NamedTuple):
    """What the part shows of the reader: whether they wrote the summary, their vote, their library, staff, and
    whether they are logged in at all (a visitor's part links to log-in instead of posting)."""

    is_author: bool
    vote: int | None
    saved: bool
    is_staff: bool
    logged_in: bool


@reader_parts.register("card")
class CardViewer(reader_parts.ReaderPart):
    """A card's reader part (includes/_card_viewer.html): their vote, Save button, report and edit links."""

    template_name = "includes/_card_viewer.html"

    def shared_state(self, context) -> CardState:
        summary = context["summary"]
        return CardState(
            summary.pk, summary.author_id, summary.is_anonymous, summary.is_public, summary.score, summary.paper_id,
            summary.paper.title, bool(context.get("hide_paper")),
        )  # fmt: skip

    def fill(self, request, states: Sequence[CardState], *, version: int) -> list[str]:
        # `version` is not needed: the states come from the page rendered at it, and the reader's are read now.
        reader = request.user
        votes, saved = selectors.reader_card_state(
            reader=reader,
            summary_ids=[state.summary_id for state in states],
            paper_ids=[state.paper_id for state in states if not state.hide_paper],
        )
        # The template drops tracking parameters from its links: keyed without them, utm_* variants share one entry.
        path = tracking_params.address_without_tracking(request.get_full_path())
        reader_id, is_staff = reader.pk, reader.is_staff  # read once: request.user is a lazy object
        return [
            _card_viewer_html(
                state, CardReader(state.author_id == reader_id, votes.get(state.summary_id), state.paper_id in saved, is_staff, True), path
            )
            for state in states
        ]  # fmt: skip

    def forget(self) -> None:
        _card_viewer_html.cache_clear()

    def render_in_place(self, context) -> str | None:
        # A page rendered for its reader (a page-cache miss, a paper page, a permalink) takes the part from what was
        # rendered for the last reader in the same state on the same page, as the shared feed's holes do: the part's
        # template was ~70% of such a page's template time. It is card caching, so CARD_CACHE_SECONDS=0 stops it.
        request, user = context.get("request"), context.get("user")
        if settings.CARD_CACHE_SECONDS <= 0 or request is None or user is None:
            return None
        path = tracking_params.address_without_tracking(request.get_full_path())
        if len(path) > _PATH_REMEMBERED_UP_TO:
            return None  # the path is in the key and in the HTML: made-up queries must not fill memory
        summary = context["summary"]
        reader = CardReader(
            summary.author_id == user.pk, getattr(summary, "viewer_vote", None), bool(getattr(summary, "viewer_saved", False)),
            user.is_staff, user.is_authenticated,
        )  # fmt: skip
        html = _card_viewer_html(self.shared_state(context), reader, path)
        if reader_parts.CSRF_PLACEHOLDER not in html:
            return html  # a visitor's part: no token asked for, so the page stays cacheable
        token = str(context.get("csrf_token") or "")
        return html.replace(reader_parts.CSRF_PLACEHOLDER, token) if token not in ("", "NOTPROVIDED") else None


# Every address the site links to is shorter; a longer one is a made-up query, whose parts are not remembered.
_PATH_REMEMBERED_UP_TO = 200


# A reader's part depends only on these values, so readers in the same state share what was rendered. (The states
# are named tuples, not dataclasses: every card of every page a logged-in reader asks for makes and hashes two.)
@functools.lru_cache(maxsize=8192)
def _card_viewer_html(state: CardState, reader: CardReader, path: str) -> str:
    summary = SimpleNamespace(
        pk=state.summary_id, author_id=state.author_id, is_anonymous=state.is_anonymous, is_public=state.is_public,
        score=state.score, paper=SimpleNamespace(pk=state.paper_id, title=state.paper_title),
        report_url=url_for("summaries:summary_report", pk=state.summary_id),
        viewer_vote=reader.vote, viewer_saved=reader.saved,
    )  # fmt: skip
    # Stand-ins with nothing but what the template asks of the reader and the page: no name, no session.
    user = SimpleNamespace(
        pk=state.author_id if reader.is_author else reader_parts.NO_ONE, is_authenticated=reader.logged_in, is_staff=reader.is_staff
    )  # fmt: skip
    return reader_parts.render_part(
        "card", {"summary": summary, "user": user, "request": reader_parts.request_at(path), "hide_paper": state.hide_paper}
    )
