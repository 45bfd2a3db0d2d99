"""Where a feed page's time goes, part by part, in-process (no HTTP, no gunicorn): the breakdown behind
bench_http.py's "caches off" and "logged-in" rows.

    .venv/bin/python bench/bench_http.py                   # once: loads the data this reads
    .venv/bin/python bench/bench_page_parts.py             # then: milliseconds per part, median of --repeat runs

It reads bench_http.py's database (shortscience_bench_http) with Redis database 9 as the cache, in production
mode, and times each part of a feed page for an anonymous reader: the cards' query, typesetting the titles and
fetching the cards' shared parts (card_fragments.prepare), rendering the template with the shared parts from the
cache and without it, and compressing the page as a page-cache miss stores it. Then whole requests through
Django's WSGI handler, every middleware included, the last four a logged-in reader's feed, paper page, permalink
and profile filled into the pages readers share (shortscience.reader_parts).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_http import session_cookie, site_env  # noqa: E402

PAPER_PAGE = "/paper/2101.00000/"  # bench_http.py's paper page, six summaries


def timed(function, repeat: int) -> float:
    function()  # warm: templates compiled, connections open
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ.update(site_env(PAGE_CACHE_SECONDS="0"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    cookie = session_cookie()  # sets Django up

    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.test.utils import override_settings

    from shortscience import gzip_pieces
    from summaries import card_fragments, selectors

    reader = AnonymousUser()
    request = RequestFactory().get("/")
    request.user = reader
    cards = list(selectors.feed_cards(viewer=reader)[: settings.FEED_PAGE_SIZE])
    card_fragments.prepare(cards)  # stores nothing yet; the render below fills the cache
    context = {"page": Paginator(cards, settings.FEED_PAGE_SIZE).page(1), "order": "recent", "period": "all",
               "periods": selectors.FEED_PERIODS, "canonical": "/"}  # fmt: skip
    render_to_string("summaries/feed.html", context, request=request)

    def cards_rendered():
        for card in cards:
            card.shared_card_variant = None  # as with the card cache off
        render_to_string("summaries/feed.html", context, request=request)

    feed_page = render_to_string("summaries/feed.html", context, request=request).encode()
    handler = WSGIHandler()
    permalink, profile = cards[0].get_absolute_url(), f"/user/{cards[0].author.username}/"

    def whole_request(cookie_header: str = "", path: str = "/"):
        environ = RequestFactory()._base_environ(
            PATH_INFO=path, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip", HTTP_USER_AGENT="bench"
        )
        if cookie_header:
            environ["HTTP_COOKIE"] = cookie_header
        answered = []
        b"".join(handler(environ, lambda status, headers, exc_info=None: answered.append(status)))
        if not answered[0].startswith("200"):
            raise SystemExit(f"{path} answered {answered[0]}; not timing it")

    def whole_request_cards_off():
        with override_settings(CARD_CACHE_SECONDS=0):
            whole_request()

    def shared_page_for_reader(path: str):
        with override_settings(PAGE_CACHE_SECONDS=600):
            whole_request(cookie, path)

    parts = {
        "the cards' query (20 rows, 4 tables, 3 annotations)": lambda: list(selectors.feed_cards(viewer=reader)[:20]),
        "card_fragments.prepare (typeset check, keys, one get_many)": lambda: card_fragments.prepare(cards),
        "feed.html, shared parts from the cache": lambda: render_to_string("summaries/feed.html", context, request=request),
        "feed.html, every card rendered": cards_rendered,
        "gzip_pieces.compress of the feed (what a page-cache miss stores)": lambda: gzip_pieces.compress(feed_page),
        "whole request, anonymous, card cache off (bench: caches off)": whole_request_cards_off,
        "whole request, anonymous, card cache on (a page-cache miss)": whole_request,
        "whole request, logged-in reader, page cache off, card cache on": lambda: whole_request(cookie),
        "whole request, logged-in reader, the feed readers share (bench: logged-in)": lambda: shared_page_for_reader("/"),
        "whole request, logged-in reader, a paper page readers share": lambda: shared_page_for_reader(PAPER_PAGE),
        "whole request, logged-in reader, a permalink readers share": lambda: shared_page_for_reader(permalink),
        "whole request, logged-in reader, a profile readers share": lambda: shared_page_for_reader(profile),
    }
    print(f"median of {args.repeat} runs, ms\n\n| part | ms |\n|---|---:|")
    for label, function in parts.items():
        print(f"| {label} | {timed(function, args.repeat):.2f} |")


if __name__ == "__main__":
    main()
