"""Whole pages from the shared cache, fresh the moment anything they show changes: visitors' pages, and pages
logged-in readers share with their own parts filled in (shortscience.reader_parts).

Every cached page's key carries one content version, a counter in the cache. Any committed write to what pages
show (summaries, votes, comments, papers, profiles, summary requests, author claims: see `content_changed` and
the receivers in `connect_content_signals`) bumps it, so every reader, on every server sharing the cache, gets a
freshly rendered page on their next request. Writes are rare next to reads, and a miss is cheap because cards are
cached one by one (summaries.card_fragments), so one version for the whole site is both simple and obviously fresh.

Pages are served by `serve_cached_pages`, a middleware just inside WhiteNoise: a hit costs one round trip (two for
a page this process held when a write made it stale: `_held`; none for a visitor's page it holds, in the moment
after it read the version: `_held_and_current`) and skips sessions, CSRF, authentication and URL routing, and is
stored with the headers the middleware inside it add (CSP, X-Frame-Options, Vary). Views opt in with
`@cached_page`. The API, which rate-limits every request first, caches its answers with `anonymous_page_cache`
instead. A page logged-in readers share is served from there too, once stored: with the request and response hooks
of the middleware it needs (sessions, CSRF, authentication, messages, CSP, X-Frame-Options), without routing or the
rest.

Only anonymous GETs without cookies that could change the page (a session, pending messages) are served from
or stored in it, only 200 responses that set no cookie and used no CSRF token, and responses say
`Vary: Cookie, Accept-Encoding`, so a proxy never hands a reader's page to someone else, nor gzip to a client
that did not ask for it. Links on cached pages leave tracking parameters out (shortscience.tracking_params).
"""

import copy
import functools
import gzip
import hashlib
import itertools
import logging
import re
import threading
import time
from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from shortscience import auth_backends, generations, gzip_pieces, reader_parts, release
from shortscience.recent import Recent

logger = logging.getLogger(__name__)

VERSION_KEY = "pages:content-version"
# Models whose rows appear on cached pages; their saves and deletes bump the version.
CONTENT_MODELS = (
    "summaries.Summary", "summaries.Vote", "summaries.Comment", "summaries.Profile", "summaries.SummaryRequest",
    "papers.Paper", "claims.AuthorClaim",
)  # fmt: skip


def content_version() -> int:
    return generations.current(VERSION_KEY)


def content_changed() -> None:
    """Pages show something new: every cached page is stale (generations.bump_now_and_on_commit).

    Call it from any write that bypasses model signals (QuerySet.update, bulk_create, COPY).
    """
    generations.bump_now_and_on_commit(VERSION_KEY)


# A new account shows on no page until it writes something: its profile page was a 404, which is never cached.
# So a sign-up, which creates the user's row and then its profile, leaves every cached page as it is.
_UNSEEN_WHEN_NEW = frozenset({"summaries.Profile"})


def _content_saved(sender, created=False, **kwargs) -> None:
    if not (created and sender._meta.label in _UNSEEN_WHEN_NEW):
        content_changed()


def _user_saved(sender, created=False, update_fields=None, **kwargs) -> None:
    # A user's row shows on their profile (their username, whether they are active); a log-in saves last_login
    # alone, which no page shows.
    if not created and (update_fields is None or set(update_fields) - {"last_login"}):
        content_changed()


def connect_content_signals() -> None:
    for label in CONTENT_MODELS:
        model = apps.get_model(label)
        post_save.connect(_content_saved, sender=model, dispatch_uid=f"page_cache:save:{label}")
        post_delete.connect(_content_saved, sender=model, dispatch_uid=f"page_cache:delete:{label}")
    post_save.connect(_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="page_cache:save:user")


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    return _brings_nothing_of_the_readers(request)


def _brings_nothing_of_the_readers(request) -> bool:
    """No session and no messages came with the request."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def made_for_no_one(request, response) -> bool:
    """Whether the response was made from its address alone, so it holds nothing an attacker could not fetch there
    themselves: the request brought no session or messages, the response sets no cookie, and no CSRF token went
    into it (get_token marks the request, and the mark stays, False, after the CSRF middleware has read it)."""
    return (
        _brings_nothing_of_the_readers(request)
        and not response.cookies
        and "CSRF_COOKIE_NEEDS_UPDATE" not in request.META
    )


def _cacheable_response(request, response) -> bool:
    return (
        response.status_code == 200
        and not getattr(response, "streaming", False)
        and made_for_no_one(request, response)
        and not request.user.is_authenticated
    )


# What a cached page runs when it is served from the cache, by name: a stored entry names a hook, and only
# hooks registered here by @cached_page can run (never whatever a cache entry names).
_ON_HIT_HOOKS: dict[str, Callable] = {}


@functools.cache
def _never_cached_prefixes() -> tuple[str, ...]:
    # Files and the API (which caches behind its rate limit) would only cost a round trip that always misses.
    return tuple(prefix for prefix in (settings.STATIC_URL, settings.MEDIA_URL, "/api/") if prefix.startswith("/"))


def serve_cached_pages(get_response):
    """Middleware: anonymous readers' pages from the cache, stored as the site sent them, and pages logged-in
    readers share, filled for them (see the module's docstring)."""
    # Every view, and so every on-hit hook, is registered before the first hit (Django imports the URLconf lazily).
    import_module(settings.ROOT_URLCONF)
    around_shared_pages = _middleware_around_shared_pages(get_response)

    def middleware(request):
        if request.path.startswith(_never_cached_prefixes()):
            return get_response(request)
        if request.path in _shared_paths and _may_be_a_logged_in_reader(request):
            return _shared_page_ahead_of_middleware(request, around_shared_pages) or get_response(request)
        if not _cacheable_request(request):
            return get_response(request)
        query = _cached_query(request)
        if query is None:
            return get_response(request)
        key = _page_key(request, query)
        stored = _held_and_current(key)
        if stored is None:
            version, stored, _ = _lookup(key)
            if stored is None:
                response = get_response(request)
                if getattr(response, "page_cacheable", False) and _cacheable_response(request, response):
                    stored = _stored(version, response, on_hit=response.page_cache_on_hit)
                    _store(key, stored)
                    return _answer_as_stored(request, response, stored)
                return response
        if stored[4] is not None:
            _run_hook(request, *stored[4])  # what the view does for each reader (counting a view)
        return _response_from(stored, gzip_ok=gzip_pieces.accepted_by(request))

    return middleware


# The middleware below serve_cached_pages that a page logged-in readers share needs, run by their own hooks
# around it. The rest do nothing for it: CommonMiddleware redirects addresses no page is stored under (its
# Content-Length is set here), the control-character guard reads a query that _cached_query has allowed, the
# API's middleware only sees /api/, and allauth's only redirects 404s under /accounts/.
_NOT_NEEDED_FOR_SHARED_PAGES = frozenset({
    "django.middleware.common.CommonMiddleware", "shortscience.input_guard.ControlCharacterGuard",
    "api.middleware.public_api", "allauth.account.middleware.AccountMiddleware",
})  # fmt: skip
# Addresses this process has served a shared page at lately, least lately first: only these try the shared page
# ahead of the middleware, so a logged-in reader's other pages never pay for the attempt. (Paper pages are many:
# the least recent make room, and go through the stack once before they are tried ahead again.)
_shared_paths = Recent(kept=4096)


def _middleware_around_shared_pages(get_response) -> list | None:
    """Instances of the middleware below serve_cached_pages that shared pages need, in settings order; None
    (shared pages go through the whole stack) if one of them does more than its request and response hooks.
    (process_view does not run: no view does.)"""
    names = settings.MIDDLEWARE[settings.MIDDLEWARE.index(f"{__name__}.serve_cached_pages") + 1 :]
    needed = [import_string(name) for name in names if name not in _NOT_NEEDED_FOR_SHARED_PAGES]
    if not all(isinstance(kind, type) and issubclass(kind, MiddlewareMixin) and kind.__call__ is MiddlewareMixin.__call__ for kind in needed):
        logger.warning("Shared pages go through every middleware: one of %s is more than hooks.", needed)
        return None
    return [kind(get_response) for kind in needed]


def _shared_page_ahead_of_middleware(request, around: list | None) -> HttpResponse | None:
    """The page logged-in readers share, served before the rest of the middleware with what of it they need
    (their request hooks, then their response hooks in reverse), as the view would serve it; None if it isn't
    stored, or this request can't be given it (then the whole stack runs, as for any page).

    The hooks run on a copy of the request: one that can't be given the page goes through the stack as it came
    (whatever the attempt learnt, its user for one, would otherwise be taken as already known)."""
    if around is None:
        return None
    attempt = copy.copy(request)
    attempt.META = request.META.copy()
    for layer in around:
        if hasattr(layer, "process_request") and layer.process_request(attempt) is not None:
            return None
    response = _shared_page_for_reader(attempt, render=None)
    if response is None:
        # It goes through the stack as it came; a reader a part declined is not asked again there (shared_by_readers).
        request.declined_by_reader_parts = getattr(attempt, "declined_by_reader_parts", False)
        return None
    if response.page_cache_on_hit is not None:
        # The view did not run: what it does for each reader (counting a view) runs here, as for a visitor's hit.
        _run_hook(attempt, *response.page_cache_on_hit)
    response = _vary(response)
    for layer in reversed(around):
        if hasattr(layer, "process_response"):
            response = layer.process_response(attempt, response)
    return response


def cached_page(view=None, *, on_hit=None, readers: bool = False):
    """Let serve_cached_pages store the view's pages for visitors (readers who are not logged in).

    `on_hit(request, **view_kwargs)` runs when the cache answers instead of the view (counting a view): for a
    visitor, and for a logged-in reader given the page they share ahead of the middleware. It runs on every hit,
    so it must cost no round trip (summaries.view_counting notes a view in memory).
    `readers`: logged-in readers share the page too, each with their own parts filled in (shortscience.reader_parts;
    only for pages where nothing but `{% reader_part %}`s depends on who reads them).
    """
    if view is None:
        return functools.partial(cached_page, on_hit=on_hit, readers=readers)
    hook_name = f"{on_hit.__module__}.{on_hit.__qualname__}" if on_hit else None
    if on_hit:
        _ON_HIT_HOOKS[hook_name] = on_hit

    @functools.wraps(view)
    def cacheable_view(request, *args, **kwargs):
        render = functools.partial(view, request, *args, **kwargs)
        # Also on the request: a page logged-in readers share is stored with it (shared_by_readers, in the view or here).
        request.page_cache_on_hit = (hook_name, kwargs) if on_hit else None
        response = shared_by_readers(request, render) if readers else render()
        response.page_cacheable = True
        response.page_cache_on_hit = request.page_cache_on_hit
        return _vary(response)

    return cacheable_view


def shared_by_readers(request, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page logged-in readers share, filled for this one, when it can be; else `render()`, for this reader.

    For a view that must do something as its reader before the page is rendered as a visitor's: @cached_page's
    `readers` shares the whole view. The paper page finds its paper first, so that a lookup that fetches from
    arXiv, or fails, is made once, with the reader's own rate limit; the permalink finds its summary as the
    reader (their own private one is theirs alone) and counts their view."""
    if _may_be_a_logged_in_reader(request) and not getattr(request, "declined_by_reader_parts", False):
        shared = _shared_page_for_reader(request, render)
        if shared is not None:
            return _vary(shared)
    return render()


# Whose each session is, for the sessions this process served a shared page to lately: a guess that lets the
# reader's user row come in the page's round trip rather than a second one of its own. Only a guess (the session's
# content says whose it is, and the row's keys name its user), so nothing follows from a wrong one but that trip.
_session_users = Recent(kept=4096)


def _may_be_a_logged_in_reader(request) -> bool:
    # Who they are is known only once their session is read (with the shared page); no session cookie is a
    # visitor, whose page serve_cached_pages serves or stores.
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME in request.COOKIES
    )


def _shared_page_for_reader(request, render: Callable | None) -> HttpResponse | None:
    """The page logged-in readers share, its reader parts filled for this one; None if it can't be shared, or
    if it isn't stored and there is no `render` to make it.

    Stored gzipped a piece at a time (shortscience.gzip_pieces), so each request adds only its reader's parts.
    A page found not shareable is remembered as such (until the next write), so it is not rendered twice again."""
    query = _cached_query(request)
    if query is None:
        return None
    key = _page_key(request, query, audience="readers")
    # The reader's session comes in the same round trip as the page, before anything asks who they are; and so
    # does their user row, when this process has seen whose session it is and no view has asked for it already
    # (the permalink finds its summary as its reader first).
    session_key = getattr(request.session, "cache_key_for", lambda: None)()
    guessed_user = _session_users.get(session_key) if not hasattr(request, "_cached_user") else None
    user_keys = auth_backends.cache_keys(guessed_user) if guessed_user is not None else []
    version, stored, found = _lookup(key, *([session_key] if session_key else []), *user_keys)
    if session_key:
        request.session.use_cached(found.get(session_key))
    if not version:
        return None  # the cache is away (content_version's 0): nothing to share, nor to key a reader's parts on
    if stored is None and render is None:
        return None  # before asking who the reader is: the stack that renders the page will ask again
    with auth_backends.fetched_with(user_keys, found):
        if not reader_parts.may_share(request):
            return None
    if session_key:
        _session_users.remember(session_key, request.user.pk)
    if stored is None:
        shared = reader_parts.render_shared(request, render)
        if shared is None:
            logger.warning("%s can't be shared by logged-in readers; rendered for each of them.", request.path)
            _store(key, (version, None))
            return None
        status, headers, chunks, holes = shared
        on_hit = getattr(request, "page_cache_on_hit", None)
        stored = (version, status, headers, [gzip_pieces.compress(chunk) for chunk in chunks], holes, on_hit)
        _store(key, stored)
    if stored[1] is None:
        return None
    version, status, headers, pieces, holes, on_hit = stored
    _shared_paths.remember(request.path)
    filled = reader_parts.fill(request, holes, version=version)
    if filled is None:
        request.declined_by_reader_parts = True  # rendered for them, without asking again (shared_by_readers)
        return None
    body = gzip_pieces.assemble(
        itertools.chain.from_iterable((piece, *hole) for piece, hole in zip(pieces, [*filled, []], strict=True))
    )
    response = _response_from((version, status, headers, body, None), gzip_ok=gzip_pieces.accepted_by(request))
    response.page_cache_on_hit = on_hit
    return response


def _run_hook(request, name: str, view_kwargs: dict) -> None:
    hook = _ON_HIT_HOOKS.get(name)
    if hook is None:
        logger.error("A cached page names the on-hit hook %r, which no view registers; served without it.", name)
        return
    try:
        hook(request, **view_kwargs)
    except Exception:
        # Counting a view is worth less than the page: the reader still gets it.
        logger.exception("The on-hit hook %s failed; the cached page is served anyway.", name)


def anonymous_page_cache(view):
    """Cache the view's answers for anonymous readers where it is called (the API, behind its rate limit)."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _cacheable_request(request):
            return _vary(view(request, *args, **kwargs))
        key = _page_key(request)
        version, stored, _ = _lookup(key)
        if stored is not None:
            return _vary(_response_from(stored, gzip_ok=gzip_pieces.accepted_by(request)))
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _cacheable_response(request, response):
            stored = _stored(version, response)
            _store(key, stored)
            return _vary(_answer_as_stored(request, response, stored))
        return _vary(response)

    return cached_view


# Pages this process fetched or stored lately, by key: (until when, the entry). A busy page is asked for many
# times a second, and the content version that comes with every lookup says whether a copy is still current, so
# the page itself (~60 KB for a feed readers share) crosses from Redis once per write, not once per request. The
# copy is kept only for a moment, so a page no write touches still lives no longer than PAGE_CACHE_SECONDS
# allows, give or take that moment.
_held: dict[str, tuple[float, tuple]] = {}
_HELD_SECONDS = 2.0
_HELD_PAGES = 64
_holding = threading.Lock()
_clock = time.monotonic
# For this long after this process last read the content version, a visitor's page it holds is served as current
# without asking the cache: a write on another server shows here at most this much later, well within the 2 s
# pages promise (tests/test_two_servers.py), and at once after a write made here (generations.bump forgets what
# it read). Logged-in readers' pages ask every time.
_VERSION_TRUSTED_SECONDS = 0.5


def _held_and_current(key: str) -> tuple | None:
    """The entry this process holds for `key`, if it was stored under the content version read in the last moment."""
    now = _clock()
    held = _held.get(key)
    if held is None or held[0] <= now:
        return None
    version = generations.seen_since(VERSION_KEY, now - _VERSION_TRUSTED_SECONDS)
    return held[1] if version is not None and held[1][0] == version else None


def _lookup(key: str, *also: str) -> tuple[int, tuple | None, dict]:
    """One round trip: the content version, the entry under `key` if it was stored under that version (else
    None), and whichever of the `also` keys the cache had. The entry comes from this process's copy when it has
    a current one (_held), and takes a second round trip when its copy is stale."""
    asked_at, read_from = _clock(), generations.reading(VERSION_KEY)
    held = _held.get(key)
    if held is not None and held[0] > asked_at:
        found = cache.get_many([VERSION_KEY, *also])
        version = found.get(VERSION_KEY) or content_version()
        generations.saw(VERSION_KEY, version, at=asked_at, read_from=read_from)
        if not version or held[1][0] == version:
            return version, held[1] if version else None, found
        stored = cache.get(key)
    else:
        found = cache.get_many([VERSION_KEY, key, *also])
        version = found.get(VERSION_KEY) or content_version()
        generations.saw(VERSION_KEY, version, at=asked_at, read_from=read_from)
        stored = found.get(key)
    if stored is None or stored[0] != version:
        return version, None, found
    _hold(key, stored)
    return version, stored, found


def _store(key: str, stored: tuple) -> None:
    cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
    _hold(key, stored)


def _hold(key: str, stored: tuple) -> None:
    with _holding:  # threads (runserver's, an ASGI server's) would otherwise let go of the same page twice
        _held.pop(key, None)
        _held[key] = (_clock() + _HELD_SECONDS, stored)
        if len(_held) > _HELD_PAGES:
            del _held[next(iter(_held))]  # the one held longest


def _cached_query(request) -> str | None:
    """The request's query as a cached page's key holds it (settings.PAGE_CACHE_QUERY), or None: not cacheable."""
    kept = []
    for name, values in sorted(request.GET.lists()):
        if name in settings.PAGE_CACHE_IGNORED_QUERY:
            continue
        allowed = _query_patterns().get(name)
        if allowed is None or len(values) != 1 or not allowed.fullmatch(values[0]):
            return None
        kept.append(f"{name}={values[0]}")
    return "&".join(kept)


@functools.cache
def _query_patterns() -> dict[str, re.Pattern]:
    return {name: re.compile(pattern) for name, pattern in settings.PAGE_CACHE_QUERY.items()}


def _page_key(request, query: str | None = None, *, audience: str = "visitors") -> str:
    # Scheme and host too: pages hold absolute addresses (canonical links), and get_host() refuses a host not in
    # ALLOWED_HOSTS (a 400) before any cached page is served to it. The code's digest: see shortscience.release.
    # `query`: the page's own parameters in one order (_cached_query); the API's answers key on their whole query.
    target = request.get_full_path() if query is None else f"{request.path}?{query}"
    address = f"{request.scheme}://{request.get_host()}{target}"
    return f"page:{audience}:{release.code_digest()}:" + hashlib.sha256(address.encode()).hexdigest()


def _stored(version: int, response, *, on_hit: tuple | None = None) -> tuple:
    # Gzipped once when stored: Redis copies a tenth of the bytes, and readers whose browser accepts gzip (all of
    # them) get it as it is. A cached page holds no secret (no CSRF token, no session), so compressing it is safe.
    return (version, response.status_code, list(response.items()), gzip.compress(response.content, mtime=0), on_hit)


def _answer_as_stored(request, response, stored: tuple) -> HttpResponse:
    """The answer to the request whose response was just stored: gzipped, as the next reader gets it, when the
    client takes gzip (a page is ~20 times smaller so); else as rendered, not unpacked again."""
    return _response_from(stored, gzip_ok=True) if gzip_pieces.accepted_by(request) else response


def _response_from(stored: tuple, *, gzip_ok: bool) -> HttpResponse:
    _, status, headers, body, _ = stored
    if not gzip_ok:
        response = HttpResponse(gzip.decompress(body), status=status, headers=dict(headers))
    else:
        response = HttpResponse(body, status=status, headers={**dict(headers), "Content-Encoding": "gzip"})
        patch_vary_headers(response, ("Accept-Encoding",))
    response["Content-Length"] = str(len(response.content))
    return response


def _vary(response):
    """What a cacheable page's answer depends on, for proxies: who asks (their cookies), and whether it came
    gzipped from the cache (Accept-Encoding)."""
    patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
    return response
