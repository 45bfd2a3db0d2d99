"""Pages rendered for one logged-in reader, gzipped where every reader sees the same bytes: their cards.

A visitor's page and the page logged-in readers share are gzipped when stored (shortscience.page_cache). A page
rendered for one reader (a logged-in reader's permalink or profile, a paper page with their own private summary
on it) holds text of theirs beside text others write, and compressing the two together leaks the first (BREACH),
so it used to be sent uncompressed: ~365 KB for a paper page of six summaries with typeset math, against ~16 KB
for a visitor's.

Its cards' shared parts (summaries.card_fragments: the paper, the summary, the byline, rendered from those values
only, never from the request or the reader) are most of its bytes and hold nothing of the reader's. While such a
page renders, `{% shared_card %}` marks each (`mark`); the middleware sends the page gzipped with each card's part
compressed on its own, and everything else, the reader's parts and CSRF token among them, as uncompressed blocks
(shortscience.gzip_pieces). So no secret is ever compressed, nor anything an attacker steers beside one.

A page the page cache does not hold (a search, a category, a list of citing summaries, an address with a query
no page reads) goes to a visitor gzipped whole, by Django's GZipMiddleware (which also pads each response
against BREACH-style guessing), when it was made for no one (shortscience.page_cache.made_for_no_one: the request
brought no session or messages, the response sets no cookie, no CSRF token went into it): it then holds nothing
an attacker could not fetch at that address themselves. Uncompressed, the bench's feed is ~370 KB.
"""

import hashlib
import secrets

from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from shortscience import gzip_pieces, page_cache
from shortscience.recent import Recent

# NUL never appears in a page (PostgreSQL text holds none, and shortscience.input_guard refuses control
# characters); the random part is this process's own.
_START = "\x00shared" + secrets.token_hex(6) + "["
_END = "\x00shared" + secrets.token_hex(6) + "]"
_START_BYTES, _END_BYTES = _START.encode(), _END.encode()
_MARKED = "shared_gzip_marks"  # the request attribute that asks templates to mark


def mark(request, html: str) -> str:
    """`html`, the same for every reader, marked to be compressed on its own when `request` is a logged-in
    reader's that this middleware will gzip; otherwise as it is."""
    if getattr(request, _MARKED, False) and request.user.is_authenticated:
        return f"{_START}{html}{_END}"
    return html


def gzip_shared_parts(get_response):
    """Middleware: see the module's docstring. Outside the page cache, whose pages are never marked (visitors' and
    the shared page are rendered for no one), and which it leaves as they come (gzipped when stored)."""

    whole = GZipMiddleware(get_response)

    def middleware(request):
        if gzip_pieces.accepted_by(request):
            setattr(request, _MARKED, True)
        response = get_response(request)
        if not getattr(request, _MARKED, False) or response.streaming or response.has_header("Content-Encoding"):
            return response
        first, *marked = response.content.split(_START_BYTES)
        if not marked:
            if page_cache.made_for_no_one(request, response) and _compressible(response):
                return whole.process_response(request, response)
            return response
        parts: list = [first]
        for chunk in marked:
            shared, _, rest = chunk.partition(_END_BYTES)
            parts += [_compressed(shared), rest]
        response.content = gzip_pieces.assemble(parts)
        response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ("Accept-Encoding",))
        return response

    return middleware


# Text worth compressing: pages, feeds, sitemaps, JSON. Images and downloads come compressed or streamed.
_COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml", "application/rss+xml")


def _compressible(response) -> bool:
    return response.get("Content-Type", "").startswith(_COMPRESSIBLE_TYPES)


def _compressed(shared: bytes) -> gzip_pieces.Piece:
    digest = hashlib.blake2b(shared, digest_size=16).digest()
    piece = _pieces.get(digest)
    if piece is None:
        piece = gzip_pieces.compress(shared)
        _pieces.remember(digest, piece)
    return piece


# A card's part is compressed once per process while it stays the same: a permalink's or a profile's cards come
# back for every reader who opens it. Keyed by the part's digest, so its bytes are not held beside their
# compressed copy.
_pieces = Recent(kept=512)
