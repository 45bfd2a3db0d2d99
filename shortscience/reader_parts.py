"""Pages logged-in readers share: rendered once for everyone, then each reader's own parts filled in.

A logged-in reader's page differs from a visitor's only where templates say `{% reader_part "name" %}`: the
header's account links, on each card the reader's vote, Save button, report and edit links, on a paper's
page its panels (papers.paper_panels), on a permalink its tools and comment thread (summaries.permalink_parts),
and on a profile its Follow button (summaries.profile_parts).
For a view that opts in (`@cached_page(readers=True)`, or `page_cache.shared_by_readers`), the page is rendered
once *as a visitor* with each reader part left as a hole, stored beside visitors' pages under the same content
version (so it is as fresh as theirs), and every logged-in request fills the holes for its reader:

- each kind of part reads the reader's state for all its holes at once, whatever the page's length (the cards:
  the reader's votes and saved papers among them, from their cached copy (auth_backends.user_copy), a query
  only after it changed; the account links: none, once rendered);
- a card's hole is rendered from plain values only (the card's state and the reader's vote, saved flag,
  authorship and staff flag), so it is remembered for the next reader in the same state; the account links
  are rendered from the reader's own user row and remembered for them until their name or staff flag changes;
- the CSRF token goes in last, one per request;
- a part may decline the reader (`ReaderPart.declines`, asked of every part before any is filled) when the page
  shows them more than the shared page holds: the paper page, a private or hidden summary of their own; the
  permalink, its author, moderators and its commenters; a profile, the summarizer.

Nothing of one reader can reach another: the shared page is rendered for no one (an anonymous user, an empty
session and no messages; a page that used a CSRF token or wrote a cookie, the session or a message is not
shared), and a hole's HTML is made from the values above only.
"""

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage import default_storage
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.autoreload import file_changed

from shortscience import gzip_pieces
from shortscience.recent import Recent

# Where a reader's CSRF token goes in a part's HTML: parts are rendered with this for a token, once per state.
CSRF_PLACEHOLDER = "readerpartcsrf" + secrets.token_hex(16)
# How a shared page marks its holes: NUL never appears in a page (PostgreSQL text holds none, and
# shortscience.input_guard refuses control characters), and the random part is this process's own.
_HOLE = "\x00hole" + secrets.token_hex(6) + ":"
_HOLES = re.compile(re.escape(_HOLE).encode() + rb"(\d+)\x00")


class ReaderPart(ABC):
    """A kind of reader part: its template, what a shared page records of each hole, and how a reader's HTML
    for its holes is made."""

    template_name: str

    @abstractmethod
    def shared_state(self, context) -> Hashable:
        """What the hole shows every reader alike, read from the visitor's rendering of the page (picklable)."""

    @abstractmethod
    def fill(self, request, states: Sequence[Hashable], *, version: int) -> list["str | Compressed"]:
        """The HTML of each hole for request.user, with CSRF_PLACEHOLDER where the CSRF token goes; or, for HTML
        every reader in the same state gets alike and that is remembered, the same `compressed` once.

        `version`: the content version the page was rendered at (shortscience.page_cache), which any change to
        what pages show bumps."""

    def declines(self, request, states: Sequence[Hashable]) -> bool:
        """Whether the page shows request.user more than the shared page holds: then it is rendered for them."""
        return False

    def render_in_place(self, context) -> str | None:
        """The part's HTML on a page rendered for its reader, if made without its template; None: render that."""
        return None

    def forget(self) -> None:
        """Drop whatever HTML of this part is remembered (its template changed)."""


PARTS: dict[str, ReaderPart] = {}


def register(name: str) -> Callable[[type[ReaderPart]], type[ReaderPart]]:
    def registered(part_class: type[ReaderPart]) -> type[ReaderPart]:
        PARTS[name] = part_class()
        return part_class

    return registered


NO_ONE = -1  # a user id no account has


def reader_with_no_ties():
    """The stand-in reader of a part every reader without a tie to it shares: an unsaved user row, logged in, not
    staff, with an id no account has, so no row of anyone's is theirs and nothing of any reader's is rendered."""
    return get_user_model()(pk=NO_ONE)


def request_at(path: str) -> SimpleNamespace:
    """A stand-in request with nothing but the address a part's links and forms come back to."""
    return SimpleNamespace(get_full_path=lambda: path)


def render_part(name: str, values: dict) -> str:
    """The part's template rendered from `values` only (no context processors, so nothing else reaches it)."""
    return get_template(PARTS[name].template_name).render({**values, "csrf_token": CSRF_PLACEHOLDER})


def render_in_place(context, name: str) -> str:
    """The part's HTML on a page rendered for its reader (not a hole: see `hole`)."""
    part = PARTS[name]
    html = part.render_in_place(context)
    if html is None:
        html = context.template.engine.get_template(part.template_name).render(context)
    return html


def hole(context, name: str) -> str | None:
    """While a shared page is rendered, record the hole and return its mark; otherwise None (render the part)."""
    holes = getattr(context.get("request"), "reader_part_holes", None)
    if holes is None:
        return None
    holes.append((name, PARTS[name].shared_state(context)))
    return f"{_HOLE}{len(holes) - 1}\x00"


def may_share(request) -> bool:
    """A logged-in reader whose page holds nothing of theirs beyond its reader parts (no pending messages)."""
    return request.user.is_authenticated and len(get_messages(request)) == 0


def render_shared(request, render: Callable) -> tuple[int, list, list[bytes], list] | None:
    """The page as every reader shares it: (status, headers, the bytes between holes, the holes), or None
    when it cannot be shared (not a 200; a cookie, the session or a message written; a CSRF token used outside
    the reader parts)."""
    with _as_visitor(request) as (holes, visitor):
        response = render()
        if callable(getattr(response, "render", None)):
            response = response.render()  # a TemplateResponse renders now, while the request is the visitor's
        wrote_something = response.cookies or visitor.session.modified or visitor.messages.added_new
        used_csrf = "CSRF_COOKIE_NEEDS_UPDATE" in request.META
    if response.status_code != 200 or getattr(response, "streaming", False) or wrote_something or used_csrf:
        return None
    pieces = _HOLES.split(response.content)
    chunks, numbers = pieces[::2], [int(number) for number in pieces[1::2]]
    if numbers != list(range(len(holes))):
        return None  # a part rendered twice, or not where it was recorded: render it for the reader instead
    return response.status_code, list(response.items()), chunks, holes


@contextmanager
def _as_visitor(request):
    """The request as a visitor's: no user, an empty session and no messages; the reader's back afterwards."""
    reader = (request.user, request.auser, request.session, request._messages)
    csrf_flag = request.META.pop("CSRF_COOKIE_NEEDS_UPDATE", None)
    visitor = SimpleNamespace(session=import_module(settings.SESSION_ENGINE).SessionStore())
    request.user, request.session, request.reader_part_holes = AnonymousUser(), visitor.session, []
    request.auser = _anonymous_user
    request._messages = visitor.messages = default_storage(request)
    try:
        yield request.reader_part_holes, visitor
    finally:
        request.user, request.auser, request.session, request._messages = reader
        del request.reader_part_holes
        request.META.pop("CSRF_COOKIE_NEEDS_UPDATE", None)
        if csrf_flag is not None:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = csrf_flag


async def _anonymous_user():
    return AnonymousUser()


@dataclass(frozen=True)
class Compressed:
    """A part's HTML, compressed once (shortscience.gzip_pieces) a piece between each two CSRF tokens: a reader's
    token goes between the pieces uncompressed, so no secret is ever compressed beside the part's text (BREACH)."""

    pieces: tuple[gzip_pieces.Piece, ...]


def compressed(html: str) -> Compressed:
    """For a part worth compressing (a comment thread can run to tens of KB) that is remembered and so compressed
    once: the reader parts of a shared page otherwise go in as uncompressed blocks."""
    return Compressed(tuple(gzip_pieces.compress(piece.encode()) for piece in html.split(CSRF_PLACEHOLDER)))


def fill(request, holes: list, *, version: int) -> list[list[gzip_pieces.Piece | bytes]] | None:
    """Every hole's content for request.user, in the page's order, as gzip_pieces.assemble takes it (compressed
    pieces, and bytes sent as they are); None if a part declines this reader (asked of every part before any is
    filled)."""
    names = dict.fromkeys(name for name, _ in holes)  # in the page's order
    numbers = {name: [number for number, (kind, _) in enumerate(holes) if kind == name] for name in names}
    states = {name: [holes[number][1] for number in numbered] for name, numbered in numbers.items()}
    if any(PARTS[name].declines(request, states[name]) for name in numbers):
        return None
    html: list[str | Compressed] = [""] * len(holes)
    for name, numbered in numbers.items():
        for number, part_html in zip(numbered, PARTS[name].fill(request, states[name], version=version), strict=True):
            html[number] = part_html
    token = get_token(request)
    return [_with_token(part_html, token) for part_html in html]


def _with_token(part_html: "str | Compressed", token: str) -> list[gzip_pieces.Piece | bytes]:
    if isinstance(part_html, str):
        return [part_html.replace(CSRF_PLACEHOLDER, token).encode()]
    raw_token, content = token.encode(), []
    for piece in part_html.pieces:
        content += [piece, raw_token]
    return content[:-1]


@register("account")
class AccountLinks(ReaderPart):
    """The header's account links: the reader's name and, for staff, Moderate."""

    template_name = "includes/_account_nav.html"

    def shared_state(self, context) -> None:
        return None

    def fill(self, request, states, *, version: int) -> list[str]:
        reader = request.user
        remembered = (reader.pk, reader.get_username(), reader.is_staff, version)
        html = _account_links.get(remembered)
        if html is None:
            html = render_part("account", {"user": reader, "request": None})
            _account_links.remember(remembered, html)
        return [html] * len(states)


@receiver(file_changed, dispatch_uid="reader_parts:template_changed")
def _forget_rendered_parts(sender, file_path, **kwargs) -> None:
    # runserver reloads an edited template without restarting the process: what was rendered from it must go.
    if file_path.suffix == ".html":
        _account_links.clear()
        for part in PARTS.values():
            part.forget()


# Each reader's account links, kept per process until what they show changes: the username and staff flag are in
# the key, and the name shown is the profile's, whose every change bumps the content version. Keyed on plain
# values, never on the user object (request.user is a lazy object that holds on to the whole request).
_account_links = Recent(kept=4096)
