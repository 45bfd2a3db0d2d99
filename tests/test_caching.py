"""Cached pages stay fresh: anonymous readers get pages from the cache, and every write shows on every page at once."""

import gzip
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers import typesetting
from papers.models import Paper
from shortscience import page_cache, release
from shortscience.url_templates import url_for
from summaries import card_fragments, selectors, views
from summaries.models import Profile, Summary, Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (Macintosh) Safari/605"


@pytest.fixture
def summary(paper, other_user):
    return SummaryFactory(paper=paper, author=other_user, body="Pixels, one at a time: $x_{i,j}$.")


def _queries(client, url: str, **headers) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url, HTTP_USER_AGENT=BROWSER, **headers).content.decode()
    return len(queries), html


@pytest.mark.parametrize("page", ["feed", "paper", "permalink"])
def test_an_anonymous_reader_gets_the_page_from_the_cache(client, summary, page):
    url = {"feed": "/", "paper": summary.paper.get_absolute_url(), "permalink": summary.get_absolute_url()}[page]
    first_count, first = _queries(client, url)
    again_count, again = _queries(client, url)
    assert first_count > 0
    # The permalink still counts the view, but this reader was counted already: nothing else reaches the database.
    assert again_count == 0
    assert again == first
    assert client.get(url)["Vary"] == "Cookie, Accept-Encoding"  # what a proxy must key a copy on


def _record_cache_calls(monkeypatch) -> tuple[list[str], list[str]]:
    """The cache calls the site makes, in order (not those one call makes of another, as locmem's get_many does),
    and every key those calls read."""
    backend, calls, keys_read, depth = caches["default"], [], [], []

    def recording(name, real):
        def call(*args, **kwargs):
            if not depth:
                calls.append(name)
                if name in ("get", "get_many"):
                    keys_read.extend([args[0]] if name == "get" else args[0])
            depth.append(name)
            try:
                return real(*args, **kwargs)
            finally:
                depth.pop()

        return call

    for name in ("get", "get_many", "set", "set_many", "add", "incr", "delete"):
        monkeypatch.setattr(backend, name, recording(name, getattr(backend, name)))
    return calls, keys_read


def _record_round_trips(monkeypatch) -> list[str]:
    return _record_cache_calls(monkeypatch)[0]


def _keys_fetched(monkeypatch) -> list[str]:
    return _record_cache_calls(monkeypatch)[1]


def test_a_cached_permalink_counts_its_readers_with_no_cache_round_trip(client, summary, monkeypatch):
    monkeypatch.setattr(page_cache, "_clock", lambda: 1000.0)  # all in the moment the version read is trusted
    url = summary.get_absolute_url()
    client.get(url, HTTP_USER_AGENT=BROWSER)  # rendered, stored, and this reader's view counted
    round_trips = _record_round_trips(monkeypatch)
    for agent in (BROWSER, SAFARI, SAFARI):  # a reload, another reader and their reload
        assert client.get(url, HTTP_USER_AGENT=agent).status_code == 200
    assert round_trips == []
    assert summary.views.count == 2


@pytest.mark.parametrize("page", ["feed", "paper", "permalink"])
def test_a_logged_in_reader_s_page_costs_one_round_trip_once_this_process_knows_whose_session_it_is(client, summary, user, page, monkeypatch):
    url = {"feed": "/", "paper": summary.paper.get_absolute_url(), "permalink": summary.get_absolute_url()}[page]
    client.force_login(user)
    client.get(url, HTTP_USER_AGENT=BROWSER)  # stores the page readers share; whose session this is, learnt here
    round_trips = _record_round_trips(monkeypatch)
    html = client.get(url, HTTP_USER_AGENT=BROWSER).content.decode()
    assert 'action="/accounts/logout/"' in html  # the page filled for them
    # Their session, user row, votes and saves came in the page's round trip, none in one of their own.
    assert round_trips == ["get_many"]


def test_a_wrong_guess_of_whose_session_it_is_costs_a_round_trip_and_nothing_else(client, summary, user, monkeypatch):
    stranger = UserFactory(username="mallory")
    client.force_login(user)
    client.get("/", HTTP_USER_AGENT=BROWSER)
    (session_key,) = page_cache._session_users
    page_cache._session_users.remember(session_key, stranger.pk)  # their row comes with the page instead
    round_trips = _record_round_trips(monkeypatch)
    html = client.get("/", HTTP_USER_AGENT=BROWSER).content.decode()
    assert "/user/ada/" in html and "mallory" not in html
    assert round_trips == ["get_many", "get_many"]
    assert page_cache._session_users[session_key] == user.pk  # and the guess is mended


@pytest.mark.parametrize("page", ["feed", "paper", "permalink"])
def test_a_page_asked_for_again_at_once_is_not_fetched_from_the_cache_again(client, summary, page, monkeypatch):
    url = {"feed": "/", "paper": summary.paper.get_absolute_url(), "permalink": summary.get_absolute_url()}[page]
    first = client.get(url, HTTP_USER_AGENT=BROWSER).content
    fetched = _keys_fetched(monkeypatch)
    again = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert again.content == first
    assert not [key for key in fetched if key.startswith("page:")]
    # Nothing at all in the moment after the version was read: the permalink's on-hit hook (counting a view) has
    # nothing to do for a reader this process counted today.
    assert page_cache.VERSION_KEY not in fetched


def test_a_write_through_another_server_shows_on_a_held_page_after_a_moment(client, summary, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(page_cache, "_clock", lambda: now[0])
    client.get("/", HTTP_USER_AGENT=BROWSER)
    cache.incr(page_cache.VERSION_KEY)  # another server's write: this process's bump would forget what it read
    now[0] += page_cache._VERSION_TRUSTED_SECONDS - 0.1
    assert _queries(client, "/")[0] == 0  # held, and the version read a moment ago
    now[0] += 0.2
    assert _queries(client, "/")[0] > 0  # the version asked again: the page is rendered anew
    assert page_cache._VERSION_TRUSTED_SECONDS <= 1, "pages promise to show a write within 2 s"


def test_a_held_page_is_fetched_again_once_a_write_makes_it_stale(client, summary, monkeypatch):
    client.get("/")
    summary.paper.title = "Renamed while held"
    summary.paper.save()
    fetched = _keys_fetched(monkeypatch)
    assert "Renamed while held" in client.get("/").content.decode()
    assert [key for key in fetched if key.startswith("page:")]


def test_a_page_another_process_stored_comes_from_the_cache(client, summary):
    first = client.get("/", HTTP_USER_AGENT=BROWSER).content
    page_cache._held.clear()  # as a process that never held it
    count, again = _queries(client, "/")
    assert count == 0 and again.encode() == first


def test_a_held_page_outlives_its_cache_entry_by_a_moment_only(client, summary, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(page_cache, "_clock", lambda: now[0])
    client.get("/")
    (key,) = page_cache._held
    cache.delete(key)  # as if it expired
    now[0] += page_cache._HELD_SECONDS - 0.1
    assert _queries(client, "/")[0] == 0  # still held
    now[0] += 0.2
    assert _queries(client, "/")[0] > 0  # rendered again


def test_a_process_holds_a_bounded_number_of_pages(client, summary, monkeypatch):
    monkeypatch.setattr(page_cache, "_HELD_PAGES", 2)
    for url in ("/", summary.paper.get_absolute_url(), summary.get_absolute_url()):
        client.get(url)
    assert len(page_cache._held) == 2
    fetched = _keys_fetched(monkeypatch)
    client.get("/")  # the one held longest was let go: fetched again
    assert [key for key in fetched if key.startswith("page:")]


@pytest.mark.parametrize("page", ["feed", "paper", "permalink"])
def test_a_cached_page_keeps_every_header_the_site_sent_with_it(client, summary, page):
    url = {"feed": "/", "paper": summary.paper.get_absolute_url(), "permalink": summary.get_absolute_url()}[page]
    rendered = client.get(url, HTTP_USER_AGENT=BROWSER)
    with CaptureQueriesContext(connection) as queries:
        cached = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert len(queries) == 0  # from the cache
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Content-Type", "Vary"):
        assert cached[header] == rendered[header], header


def test_each_host_the_site_serves_gets_its_own_cached_page(client, summary, settings):
    settings.ALLOWED_HOSTS = ["shortscience.org", "www.shortscience.org"]
    for host in ("shortscience.org", "www.shortscience.org"):
        for _ in range(2):  # rendered, then from the cache
            page = client.get("/", HTTP_HOST=host).content.decode()
            assert f'<link rel="canonical" href="http://{host}/">' in page


def test_a_cached_page_whose_hook_no_view_registers_is_still_served(client, summary, caplog):
    url = summary.get_absolute_url()
    first = client.get(url, HTTP_USER_AGENT=BROWSER).content
    page_cache._ON_HIT_HOOKS.pop("summaries.views.count_cached_view")  # as if a deploy had renamed it
    try:
        again = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (Macintosh) Safari/605")
    finally:
        page_cache._ON_HIT_HOOKS["summaries.views.count_cached_view"] = views.count_cached_view
    assert again.status_code == 200 and again.content == first
    assert "which no view registers" in caplog.text


def test_a_cached_page_is_not_served_to_a_host_the_site_does_not_serve(summary):
    client = Client(raise_request_exception=False)  # as the server answers: a 400, not the exception
    assert client.get("/").status_code == 200
    assert client.get("/", HTTP_HOST="attacker.example").status_code == 400


def test_browsers_that_accept_gzip_get_the_cached_page_compressed(client, summary):
    plain = client.get("/").content
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"]
    assert gzip.decompress(response.content) == plain
    assert len(response.content) < len(plain) / 2


def test_the_visitor_whose_request_renders_a_page_gets_it_gzipped_as_the_next_one_does(summary):
    first = Client().get(summary.paper.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")  # a miss: rendered, stored
    second = Client().get(summary.paper.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")  # from the cache
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    assert first.content == second.content and int(first["Content-Length"]) == len(first.content)
    assert "Accept-Encoding" in first["Vary"]


def test_logged_in_readers_and_visitors_with_messages_are_never_served_a_cached_page(client, summary, user):
    client.get("/")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "Log out" in html and 'href="/accounts/login/' not in html


def test_pages_with_a_csrf_token_or_an_error_are_not_cached(client):
    assert client.get("/summary/999999/").status_code == 404
    assert client.get("/summary/999999/").status_code == 404
    response = client.get("/accounts/login/")
    assert "csrfmiddlewaretoken" in response.content.decode()


def _log_in(client, username: str):
    client.force_login(UserFactory(username=username))


# Each write goes through the site as a reader would make it, then an anonymous reader reads the cached page.
def _new_summary(client, summary):
    paper = PaperFactory(title="A brand new paper", arxiv_id="1706.03762")
    _log_in(client, "writer")
    client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"paper": paper.arxiv_id, "body": "Freshly written summary."})
    return "Freshly written summary."


def _edit(client, summary):
    client.force_login(summary.author)
    client.post(f"/summary/{summary.pk}/edit/", {"body": "Edited: pixels in raster order.", "base_revision": summary.revision})
    return "Edited: pixels in raster order."


def _vote(client, summary):
    for name in ("voter1", "voter2", "voter3"):
        _log_in(client, name)
        client.post(f"/summary/{summary.pk}/vote/", {"value": "up"})
    assert Vote.objects.filter(summary=summary).count() == 3
    return '<span class="score">3<'


def _comment(client, summary):
    _log_in(client, "commenter")
    client.post(f"/summary/{summary.pk}/comments/", {"body": "A comment worth reading."})
    return "A comment worth reading."


WRITES_AND_PAGES_SHOWING_THEM = [
    (_new_summary, "feed"),
    *[(write, page) for write in (_edit, _vote) for page in ("feed", "paper", "permalink")],
    (_comment, "permalink"),
]


@pytest.mark.parametrize("write, page", WRITES_AND_PAGES_SHOWING_THEM)
def test_every_write_shows_at_once_on_every_cached_page_that_displays_it(client, summary, write, page):
    url = {"feed": "/", "paper": summary.paper.get_absolute_url(), "permalink": summary.get_absolute_url()}[page]
    client.get(url)  # cached now
    shown = write(client, summary)
    client.logout()
    assert shown in client.get(url).content.decode()


def test_a_write_made_outside_any_request_bumps_the_pages_too(client, summary):
    client.get("/")
    summary.paper.title = "Renamed by a harvest"
    summary.paper.save()
    assert "Renamed by a harvest" in client.get("/").content.decode()


def test_caching_can_be_switched_off(client, summary, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    count, _ = _queries(client, "/")
    assert count > 0


@pytest.mark.parametrize(
    "viewname, kwargs",
    [
        ("summaries:detail", {"pk": 42}),
        ("summaries:profile", {"username": "ada.lovelace+test@example"}),
        ("papers:detail", {"identifier": "1706.03762"}),
        ("papers:detail", {"identifier": "10.1007/978-3-319-24574-4_28"}),
        ("papers:detail", {"identifier": "journals/jmlr/LarochelleM11"}),
        ("papers:detail", {"identifier": "10.1000/a b<c>#d?e%f"}),
        ("papers:author", {"name": "Jürgen Schmidhuber"}),
        ("papers:author", {"name": "O'Neil/Smith, J. & Co. #1 100%"}),
    ],
)
def test_card_urls_are_what_reverse_gives(viewname, kwargs):
    assert url_for(viewname, **kwargs) == reverse(viewname, kwargs=kwargs)


def test_the_content_version_moves_on_every_change():
    before = page_cache.content_version()
    page_cache.content_changed()
    assert page_cache.content_version() != before


def test_signing_up_and_logging_in_leave_every_cached_page_cached(client, summary, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"  # signed up, then logged in at once
    visitor = Client()
    _queries(visitor, "/")
    password = "radium-and-polonium-1898"
    client.post("/accounts/signup/", {"email": "marie@example.org", "username": "marie", "password1": password, "password2": password})
    client.logout()
    client.post("/accounts/login/", {"login": "marie", "password": password})
    assert Profile.objects.filter(user__username="marie").exists() and "_auth_user_id" in client.session
    # A new account shows on no page yet, and last_login on none: the visitor's page is still the cached one.
    assert _queries(visitor, "/")[0] == 0


def test_a_renamed_account_shows_at_once(summary):
    visitor = Client()
    assert f"/user/{summary.author.username}/" in _queries(visitor, "/")[1]
    summary.author.username = "renamed"
    summary.author.save()
    assert "/user/renamed/" in _queries(visitor, "/")[1]


# ---- Summary cards: the part every reader sees alike is cached, keyed by what it shows --------------------

# Each page: its address, how it shows cards, and its card as the page's selector reads it.
CARD_PAGES = {
    "feed": (
        lambda summary: "/", card_fragments.Variant(),
        lambda summary, viewer: selectors.feed_cards(viewer=viewer).get(pk=summary.pk),
    ),
    "paper": (
        lambda summary: summary.paper.get_absolute_url(), card_fragments.Variant(full=True, hide_paper=True),
        lambda summary, viewer: selectors.summaries_for_paper(paper=summary.paper, viewer=viewer).get(pk=summary.pk),
    ),
    "permalink": (
        lambda summary: summary.get_absolute_url(), card_fragments.Variant(full=True, title_tag="h1"),
        lambda summary, viewer: selectors.summary_card(pk=summary.pk, viewer=viewer),
    ),
}  # fmt: skip


def _card_key(summary, viewer, page) -> str:
    """The key the page looks the card up by."""
    _, variant, read_card = CARD_PAGES[page]
    card = read_card(summary, viewer)
    typesetting.typeset_papers([card])
    return card_fragments.key(card, variant)


@pytest.mark.parametrize("page", CARD_PAGES)
def test_a_logged_in_reader_gets_the_shared_part_of_each_card_from_the_cache(client, summary, user, page, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the cards alone: logged-in readers' feed is also shared whole (test_reader_pages)
    url = CARD_PAGES[page][0]
    client.force_login(user)
    first = client.get(url(summary)).content.decode()
    card_key = _card_key(summary, user, page)
    rendered = cache.get(card_key)
    assert "Pixels, one at a time" in rendered and rendered in first
    # Whatever the cache holds under the card's key is what the next page shows.
    cache.set(card_key, '<article class="card"><p>Straight from the cache</p>')
    again = client.get(url(summary)).content.decode()
    assert "Straight from the cache" in again and rendered not in again


def test_what_only_the_author_sees_never_reaches_another_reader_through_a_cached_card(client, paper, other_user):
    mine = SummaryFactory(paper=paper, author=other_user, body="Signed by nobody.", is_anonymous=True)
    client.force_login(other_user)  # the author renders the card first: its shared part is cached now
    assert "badge-anonymous" in client.get("/").content.decode()
    client.force_login(UserFactory(username="bystander"))
    page = client.get("/").content.decode()
    assert "Signed by nobody." in page
    assert "badge-anonymous" not in page and other_user.username not in page and f"/summary/{mine.pk}/edit/" not in page


def test_every_page_that_lists_cards_finds_them_in_the_cache(client, paper, other_user, user):
    """Each view prepares its cards for the variant its template shows; were they to disagree, every card
    would be rendered and never stored, a slowdown no other test would see."""
    cited = PaperFactory(title="Conditional image generation", arxiv_id="1606.05328", authors=["Aaron van den Oord"])
    citing = SummaryFactory(paper=paper, author=other_user, body="Builds on \\cite{1606.05328}.")
    pages = {
        "profile": (f"/user/{other_user.username}/", card_fragments.Variant(),
                    selectors.summaries_by_author(author=other_user, viewer=user)),
        "author": (f"/author/{paper.authors[0]}/", card_fragments.Variant(title_tag="h3"),
                   selectors.summaries_of_papers(papers=Paper.objects.filter(pk=paper.pk), viewer=user)),
        "cited by": (f"{cited.get_absolute_url()}cited-by/", card_fragments.Variant(),
                     selectors.summaries_citing(paper=cited, viewer=user)),
    }  # fmt: skip
    client.force_login(user)
    for name, (url, variant, cards) in pages.items():
        assert client.get(url).status_code == 200, name
        card = cards.get(pk=citing.pk)
        typesetting.typeset_papers([card])
        assert cache.get(card_fragments.key(card, variant)) is not None, name


def test_the_reader_s_own_part_of_a_cached_card_is_theirs(client, summary, user):
    client.force_login(user)
    client.post(f"/summary/{summary.pk}/vote/", {"value": "up"})
    voter_page = client.get("/").content.decode()
    client.force_login(summary.author)
    author_page = client.get("/").content.decode()
    client.force_login(UserFactory(username="bystander"))
    bystander_page = client.get("/").content.decode()
    assert 'class="vote-up active" aria-pressed="true"' in voter_page
    assert 'aria-pressed="true"' not in bystander_page and ">report<" in bystander_page
    assert f'href="/summary/{summary.pk}/edit/">edit<' in author_page and ">report<" not in author_page
    assert voter_page.count('<span class="score">1<') == bystander_page.count('<span class="score">1<') == 1


def _rename_paper_behind_the_models_back(client, summary):
    # As a bulk import does: no signal, no auto_now.
    Paper.objects.filter(pk=summary.paper_id).update(title="Renamed by a bulk upsert")
    return "Renamed by a bulk upsert"


def _rename_author(client, summary):
    Profile.objects.filter(user=summary.author).update(display_name="Grace B. Hopper")
    return "Grace B. Hopper"


def _hide(client, summary):
    Summary.objects.filter(pk=summary.pk).update(is_hidden=True)
    client.force_login(summary.author)  # only its author (and moderators) still see it
    return "Hidden by a moderator"


def _first_comment(client, summary):
    _comment(client, summary)
    return "1 comment<"


@pytest.mark.parametrize(
    "change, page",
    [
        (_edit, "feed"), (_edit, "paper"), (_edit, "permalink"),
        (_rename_paper_behind_the_models_back, "feed"), (_rename_paper_behind_the_models_back, "permalink"),
        (_rename_author, "feed"), (_rename_author, "permalink"),
        (_hide, "permalink"),
        (_first_comment, "feed"),
        (_vote, "feed"), (_vote, "paper"),
    ],
)  # fmt: skip
def test_a_cached_card_shows_any_change_to_what_it_shows_at_once(client, summary, user, change, page, settings):
    # The cards alone, changed even behind the models' back: whole pages are fresh through the content version,
    # which every write the site makes bumps (the tests above).
    settings.PAGE_CACHE_SECONDS = 0
    url = CARD_PAGES[page][0](summary)
    client.force_login(user)
    client.get(url)  # the card is cached now
    shown = change(client, summary)
    if not client.session.get("_auth_user_id"):
        client.force_login(user)
    assert shown in client.get(url).content.decode()


def test_card_caching_can_be_switched_off(client, summary, user, settings):
    settings.CARD_CACHE_SECONDS = 0
    client.force_login(user)
    assert "Pixels, one at a time" in client.get("/").content.decode()
    assert cache.get(_card_key(summary, user, "feed")) is None


def test_a_deploy_that_changes_code_or_a_template_starts_with_new_cache_keys(tmp_path, settings):
    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "__init__.py").write_text("")
    (tmp_path / "templates").mkdir()
    card = tmp_path / "templates" / "card.html"
    card.write_text("<article>{{ summary }}</article>")
    (tmp_path / "tests").mkdir()
    settings.BASE_DIR = tmp_path

    def digest() -> str:
        release.code_digest.cache_clear()
        return release.code_digest()

    try:
        before = digest()
        (tmp_path / "tests" / "test_new.py").write_text("def test(): pass")
        assert digest() == before  # tests render no page
        card.write_text("<article class='card'>{{ summary }}</article>")
        assert digest() != before
    finally:
        release.code_digest.cache_clear()


# ---- What a cached page's key holds of the query --------------------------------------------------------


def test_made_up_query_strings_are_rendered_and_never_stored(client, summary):
    for url in ("/?x=1", "/?order=newest", "/?page=01", "/?order=top&order=recent"):
        client.get(url, HTTP_USER_AGENT=BROWSER)
        count, _ = _queries(client, url)
        assert count > 0, url


def test_the_feed_s_own_parameters_share_one_entry_in_any_order_and_shared_links_tags_are_ignored(client, summary):
    client.get("/?order=top&period=week", HTTP_USER_AGENT=BROWSER)
    assert _queries(client, "/?period=week&order=top")[0] == 0
    client.get("/", HTTP_USER_AGENT=BROWSER)
    assert _queries(client, "/?utm_source=mastodon&fbclid=abc")[0] == 0
    assert _queries(client, "/?mc_cid=8e1f0c&mc_eid=52ab9d")[0] == 0  # a link in a Mailchimp newsletter
    assert _queries(client, "/?ref=producthunt")[0] == 0


def test_no_view_reads_a_parameter_the_page_cache_leaves_out_of_its_key():
    # A view that read one would be served, from the cache, the page rendered for whichever value came first.
    read = set()
    packages = [init.parent for init in Path(settings.BASE_DIR).glob("*/__init__.py") if init.parent.name != "tests"]
    for source in (source for package in packages for source in package.glob("**/*.py")):
        code = source.read_text()
        read |= set(re.findall(r"""GET(?:\.get|\.getlist)?\(?\[?["']([A-Za-z_]+)["']""", code))
        read |= set(re.findall(r"""["']([A-Za-z_]+)["']\s+(?:not\s+)?in\s+request\.GET""", code))
    for template in [*Path(settings.BASE_DIR, "templates").glob("**/*.html"), *Path(settings.BASE_DIR).glob("*/templates/**/*.html")]:
        read |= set(re.findall(r"request\.GET\.([A-Za-z_]+)", template.read_text()))
    assert {"page", "share", "next", "q"} <= read  # the patterns find what views and templates read
    assert not read & set(settings.PAGE_CACHE_IGNORED_QUERY)


def test_links_to_the_next_page_never_carry_the_first_readers_tracking_tags(client, make_summaries):
    make_summaries(settings.FEED_PAGE_SIZE + 1)
    first = client.get("/?order=top&utm_source=mastodon&gclid=abc", HTTP_USER_AGENT=BROWSER).content.decode()
    assert 'href="?order=top&amp;page=2"' in first and "mastodon" not in first and "gclid" not in first


def test_a_paper_pages_follow_and_log_in_links_never_carry_the_first_visitors_tracking_tags(client, paper):
    first = client.get(f"{paper.get_absolute_url()}?utm_source=mailinglist42&fbclid=abc", HTTP_USER_AGENT=BROWSER)
    later = client.get(paper.get_absolute_url(), HTTP_USER_AGENT=BROWSER)  # the same cached page
    for page in (first.content.decode(), later.content.decode()):
        assert "next=" in page and "mailinglist42" not in page and "fbclid" not in page


def test_the_cached_query_values_are_the_feeds_own():
    assert set(settings.PAGE_CACHE_QUERY["order"].split("|")) == set(selectors.FEED_ORDERINGS)
    assert set(settings.PAGE_CACHE_QUERY["period"].split("|")) == set(selectors.FEED_PERIODS)


def test_a_private_summary_read_by_its_share_link_is_never_stored(client, paper, other_user):
    private = SummaryFactory(paper=paper, author=other_user, body="For my group only.", is_private=True)
    shared = f"{private.get_absolute_url()}?share={private.share_token}"
    for _ in range(2):
        count, page = _queries(client, shared)
        assert count > 0 and "For my group only." in page
    assert client.get(private.get_absolute_url()).status_code == 404
