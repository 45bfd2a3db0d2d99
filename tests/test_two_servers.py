"""Two app servers sharing one PostgreSQL and one Redis behave as one site: sessions, rate limits, arXiv's
request spacing and cached pages are shared, a vote through one shows on the other within 2 seconds, and a reader
both served counts as one view."""

import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection

from summaries.models import SummaryViewCount
from tests.factories import SummaryFactory, UserFactory
from tests.servers import ROOT, RedisServer, SiteServer

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes share a PostgreSQL database"),
]

ARXIV = Path(__file__).parent / "data" / "arxiv"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) two-servers-test"


class RecordedArxiv(BaseHTTPRequestHandler):
    """arXiv's API answering from recorded responses, over real HTTP, for servers that run in other processes."""

    def do_GET(self):
        arxiv_id = re.search(r"id_list=([^&]+)", self.path).group(1)
        body = (ARXIV / f"{arxiv_id}.xml").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorded_arxiv():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedArxiv)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/query"
    server.shutdown()


@pytest.fixture
def two_servers(transactional_db, tmp_path, recorded_arxiv):
    redis = RedisServer(tmp_path)
    redis.start()
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    servers = [
        # The test's own secret key, so the sessions it writes are the servers' sessions too.
        SiteServer(
            database_url=database_url, redis_url=redis.url, DJANGO_SECRET_KEY=settings.SECRET_KEY,
            ARXIV_API_URL=recorded_arxiv, ARXIV_API_MIN_INTERVAL="2",
        )  # fmt: skip
        for _ in range(2)
    ]
    # As `make serve` does, in production mode: the hashed names and their manifest the servers read.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=servers[0].env, check=True)
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()
    redis.stop()


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _fetch(url: str, *, cookie: str = "", data: dict | None = None) -> tuple[int, str, dict]:
    headers = {"User-Agent": BROWSER, **({"Cookie": cookie} if cookie else {})}
    request = Request(url, data=urlencode(data).encode() if data is not None else None, headers=headers)
    opener = build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except Exception as error:  # urllib raises for 3xx/4xx/5xx; their status is what the test reads
        if not hasattr(error, "code"):
            raise
        return error.code, error.read().decode(), dict(error.headers)


def _session_cookie(user) -> str:
    """Log `user` in as the log-in view does: the session is in PostgreSQL, which both servers read."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0]})
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _vote(server, summary, *, session: str) -> int:
    status, html, headers = _fetch(f"{server.url}{summary.get_absolute_url()}", cookie=session)
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    status, _, _ = _fetch(
        f"{server.url}/summary/{summary.pk}/vote/",
        cookie=f"{session}; csrftoken={csrf_cookie}",
        data={"csrfmiddlewaretoken": token, "value": "up"},
    )
    return status


def _score_shown(server, summary, *, session: str = "") -> str:
    _, html, _ = _fetch(f"{server.url}/", cookie=session)
    return re.search(rf'id="summary-{summary.pk}".*?class="score">(-?\d+)<', html, re.DOTALL).group(1)


@pytest.mark.parametrize("reader", ["a visitor", "a logged-in reader"])
def test_a_vote_through_one_server_shows_on_the_other_within_two_seconds(two_servers, reader):
    first, second = two_servers
    summary = SummaryFactory(body="Shared by both servers.")
    # A visitor's page, or the page logged-in readers share (shortscience.reader_parts), cached on the other server.
    reading = _session_cookie(UserFactory(username="reader")) if reader == "a logged-in reader" else ""
    assert _score_shown(second, summary, session=reading) == "0"
    assert _score_shown(second, summary, session=reading) == "0"

    session = _session_cookie(UserFactory(username="voter"))
    assert _vote(first, summary, session=session) == 302
    voted_at = time.monotonic()
    while _score_shown(second, summary, session=reading) != "1":
        assert time.monotonic() - voted_at < 2, "the vote did not show on the other server within 2 seconds"
        time.sleep(0.1)


def test_sessions_and_rate_limits_are_shared(two_servers, settings):
    first, second = two_servers
    reader = UserFactory(username="reader")
    session = _session_cookie(reader)
    for server in two_servers:
        _, html, _ = _fetch(f"{server.url}/", cookie=session)
        assert "Log out" in html  # the one session is good on both
    summaries = [SummaryFactory() for _ in range(2)]
    assert _vote(first, summaries[0], session=session) == 302
    assert _vote(second, summaries[1], session=session) == 302
    # Both servers counted into the one Redis: the reader's vote count there is 2.
    counts = subprocess.run(
        ["redis-cli", "-u", first.env["REDIS_URL"], "--scan", "--pattern", "ratelimit:*"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    values = [
        subprocess.run(["redis-cli", "-u", first.env["REDIS_URL"], "GET", key], capture_output=True, text=True).stdout.strip()
        for key in counts
    ]
    assert "2" in values


def test_arxiv_request_spacing_is_shared(two_servers):
    first, second = two_servers
    status, _, _ = _fetch(f"{first.url}/lookup/?q=1706.03762")
    assert status == 302
    started = time.monotonic()
    status, _, _ = _fetch(f"{second.url}/lookup/?q=0710.2073")
    assert status == 302
    # The second server waited for the first one's request to be 2 seconds old.
    assert time.monotonic() - started > 1.0


def _read_as(server, summary, agent: str) -> None:
    request = Request(f"{server.url}{summary.get_absolute_url()}", headers={"User-Agent": agent})
    with build_opener().open(request, timeout=30) as response:
        assert response.status == 200


def _views(summary) -> int:
    return SummaryViewCount.objects.filter(summary=summary).values_list("count", flat=True).first() or 0


def test_a_reader_both_servers_saw_today_counts_once_and_the_counts_show_within_two_seconds(two_servers):
    first, second = two_servers
    summary = SummaryFactory()
    for server, agent in ((first, BROWSER), (second, BROWSER), (second, f"{BROWSER} another")):
        _read_as(server, summary, agent)
    read_at = time.monotonic()
    while _views(summary) < 2:
        assert time.monotonic() - read_at < 2, "the servers did not write the views they noted within 2 seconds"
        time.sleep(0.1)
    time.sleep(1.5)  # both servers' flushes are past: the first reader, seen twice, still counts once
    assert _views(summary) == 2


def test_a_server_that_stops_writes_the_views_it_noted(transactional_db, tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    database = connection.settings_dict
    server = SiteServer(
        database_url=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        redis_url=redis.url, DJANGO_SECRET_KEY=settings.SECRET_KEY, VIEW_COUNT_FLUSH_SECONDS="600",
    )  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=server.env, check=True)
    server.start()
    summary = SummaryFactory()
    try:
        for number in range(3):
            _read_as(server, summary, f"{BROWSER} reader/{number}")
        assert _views(summary) == 0  # noted, to be written in ten minutes
    finally:
        server.stop()
        redis.stop()
    assert _views(summary) == 3
