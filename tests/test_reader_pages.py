"""Pages logged-in readers share (shortscience.reader_parts): rendered once for everyone, each reader's own parts
filled in, so a logged-in reader gets exactly the page rendered for them, and nothing of anyone else's."""

import gzip
import itertools
import re
from importlib import import_module
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.contrib import messages
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls.resolvers import URLResolver
from django.utils.autoreload import file_changed

from claims.models import AuthorClaim
from library.models import SavedPaper
from papers import paper_panels
from papers import services as paper_services
from shortscience import auth_backends, page_cache, reader_parts
from summaries import card_fragments, comments, following, moderation, permalink_parts, profile_parts, selectors
from summaries import services as summary_services
from summaries.models import Comment, Follow, Profile, Summary, SummaryRequest, SummaryView, Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}"')


def _without_tokens(html: str) -> str:
    """Masked CSRF tokens differ on every call; everything else must be the same byte for byte."""
    return _TOKENS.sub(r'\1TOKEN"', html)


def _page(client, url: str = "/") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.fixture
def cards(other_user, staff_user):
    """Cards in every state a reader part can show: anonymous, hidden from the feed, voted on, saved, one of a kind."""
    writer = UserFactory(username="writer")
    return [
        SummaryFactory(author=other_user, body="Grace's summary, with $x_{i,j}$."),
        SummaryFactory(author=writer, body="Writer's anonymous summary.", is_anonymous=True),
        SummaryFactory(author=staff_user, body="A moderator's summary."),
        SummaryFactory(author=writer, body="Private: never on the feed.", is_private=True),
        *[SummaryFactory(author=writer, body=f"Filler {n}.") for n in range(3)],
    ]


def _readers(cards, other_user, staff_user):
    """Readers who each see the feed differently."""
    voter = UserFactory(username="voter")
    Vote.objects.create(summary=cards[0], voter=voter, value=1)
    Vote.objects.create(summary=cards[2], voter=voter, value=-1)
    SavedPaper.objects.create(reader=voter, paper=cards[1].paper)
    Profile.objects.update_or_create(user=voter, defaults={"display_name": "Vera Voter"})
    return {
        "a reader who voted and saved": voter,
        "the author of one card": other_user,
        "the author of an anonymous card": cards[1].author,
        "a moderator": staff_user,
        "a reader with nothing": UserFactory(username="newcomer"),
    }


@pytest.mark.parametrize("url", ["/", "/?order=top", "/?order=top&period=week", "/?order=popular"])
def test_each_reader_gets_the_shared_page_exactly_as_it_would_be_rendered_for_them(client, settings, cards, other_user, staff_user, url):
    readers = _readers(cards, other_user, staff_user)
    Client().get(url)  # a visitor's page is cached too: the readers' is a different entry
    for who, reader in readers.items():
        shared, rendered = _shared_and_rendered(client, settings, reader, url)
        assert _without_tokens(shared) == _without_tokens(rendered), who


def _shared_and_rendered(client, settings, reader, url: str) -> tuple[str, str]:
    """The page `reader` gets at `url` filled into the page readers share, and rendered for them part by part."""
    client.force_login(reader)
    settings.PAGE_CACHE_SECONDS = 600
    _page(client, url)  # the first reader renders the shared page; the rest are filled from it
    _, shared = _page(client, url)
    settings.PAGE_CACHE_SECONDS, settings.CARD_CACHE_SECONDS = 0, 0
    _, rendered = _page(client, url)  # every part by its template
    settings.CARD_CACHE_SECONDS = 86400
    return shared, rendered


def _pages_with_cards(cards, *, logged_in: bool) -> list[str]:
    writer = cards[1].author
    return [
        "/", "/?order=top", "/?utm_source=newsletter", cards[0].paper.get_absolute_url(), cards[0].get_absolute_url(),
        cards[1].get_absolute_url(), f"/user/{writer.username}/", f"/user/{cards[0].author.username}/",
        *(["/following/"] if logged_in else []),
    ]  # fmt: skip


def test_a_page_rendered_for_its_reader_has_each_card_part_exactly_as_its_template_makes_it(client, settings, cards, other_user, staff_user):
    """The parts a reader's own page gets from what was rendered for an earlier reader in the same state
    (CardViewer.render_in_place) are byte for byte what the template makes, for visitors and every reader."""
    readers = {"a visitor": None, **_readers(cards, other_user, staff_user)}
    settings.PAGE_CACHE_SECONDS = 0
    for who, reader in readers.items():
        client.logout()
        if reader is not None:
            client.force_login(reader)
        for url in _pages_with_cards(cards, logged_in=reader is not None):
            settings.CARD_CACHE_SECONDS = 0
            templated = client.get(url)
            settings.CARD_CACHE_SECONDS = 86400
            client.get(url)  # the parts rendered once, then
            remembered = client.get(url)  # made from what was remembered
            assert templated.status_code == remembered.status_code == 200, (who, url)
            assert _without_tokens(remembered.content.decode()) == _without_tokens(templated.content.decode()), (who, url)
            assert "readerpartcsrf" not in remembered.content.decode()


def test_card_parts_are_not_remembered_for_made_up_addresses(client, cards):
    card_fragments._card_viewer_html.cache_clear()
    client.get("/?" + "x" * 300)
    assert card_fragments._card_viewer_html.cache_info().currsize == 0
    client.get("/?order=top")
    assert card_fragments._card_viewer_html.cache_info().currsize > 0


def test_an_edited_template_is_used_at_once_by_a_development_server(client, cards):
    client.get("/")
    assert card_fragments._card_viewer_html.cache_info().currsize > 0
    file_changed.send(sender=None, file_path=Path(settings.BASE_DIR) / "templates" / "includes" / "_vote.html")
    assert card_fragments._card_viewer_html.cache_info().currsize == 0


def test_a_visitors_page_with_remembered_card_parts_asks_for_no_csrf_token_and_is_cached(client, cards):
    client.get("/")  # the parts rendered and remembered, the page cached
    page_cache._held.clear()
    cache.clear()  # the page is gone; the parts are remembered by this process
    first = client.get("/")
    assert "csrftoken" not in first.cookies
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").content == first.content
    assert len(queries) == 0  # stored: it asked for no token


def test_a_readers_remembered_card_parts_carry_their_own_csrf_token(user, cards):
    first = Client(enforce_csrf_checks=True)
    first.force_login(UserFactory(username="first"))
    first.get(cards[0].paper.get_absolute_url())  # the parts of a reader in this state are remembered
    reader = Client(enforce_csrf_checks=True)  # their own CSRF cookie: the first reader's token would not do
    reader.force_login(user)
    html = reader.get(cards[0].paper.get_absolute_url()).content.decode()
    vote_form = html[html.index(f'action="/summary/{cards[0].pk}/vote/"') :]  # not another form's token
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', vote_form).group(1)
    response = reader.post(f"/summary/{cards[0].pk}/vote/", {"value": "up", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Vote.objects.filter(voter=user, summary=cards[0]).exists()


def test_a_reader_gets_their_own_name_votes_and_library_never_another_readers(client, cards, other_user, staff_user):
    readers = _readers(cards, other_user, staff_user)
    client.force_login(readers["a reader who voted and saved"])
    _, voter_page = _page(client)
    assert "Vera Voter" in voter_page and voter_page.count('aria-pressed="true"') == 3  # an up, a down, a Saved
    client.force_login(readers["a reader with nothing"])
    _, newcomer_page = _page(client)
    assert "Vera Voter" not in newcomer_page and "newcomer" in newcomer_page
    assert 'aria-pressed="true"' not in newcomer_page
    assert "Moderate" not in newcomer_page and "badge-anonymous" not in newcomer_page
    client.force_login(readers["a moderator"])
    assert 'href="/admin/"' in _page(client)[1]


def test_a_shared_page_costs_the_same_few_queries_however_many_cards_it_has(client, user, make_summaries):
    make_summaries(2)
    client.force_login(UserFactory(username="first"))
    _page(client)
    client.force_login(user)
    _page(client)  # this reader's session and user rows are read once
    few, _ = _page(client)
    make_summaries(15)
    client.force_login(UserFactory(username="second"))
    _page(client)
    client.force_login(user)
    _page(client)
    many, html = _page(client)
    assert html.count('class="card-viewer"') == 17
    # Their session, user row, votes and saved papers all come from the cache: no card query, no render.
    assert few == many == 0


def test_what_a_reader_does_shows_on_their_next_page_at_once(client, user, cards):
    client.force_login(user)
    _page(client)
    assert client.post(f"/summary/{cards[0].pk}/vote/", {"value": "up"}).status_code in (200, 302)
    assert client.post("/library/save/", {"paper": cards[2].paper_id, "next": "/"}).status_code == 302
    _, html = _page(client)
    card = html[html.index(f'id="summary-{cards[0].pk}"') :]
    assert 'class="vote-up active"' in card[: card.index("</article>")]
    saved_card = html[html.index(f'id="summary-{cards[2].pk}"') :]
    assert "★ Saved" in saved_card[: saved_card.index("</article>")]


def _card(html: str, summary) -> str:
    card = html[html.index(f'id="summary-{summary.pk}"') :]
    return card[: card.index("</article>")]


def _reads_of_card_state(queries, user) -> int:
    return sum(f'WHERE "voter_id" = {user.pk} UNION ALL' in query["sql"] for query in queries)


def test_a_readers_votes_and_saves_are_read_at_log_in_then_come_with_their_user_row(client, user, other_user, cards):
    someone = Client()
    someone.force_login(other_user)
    _page(someone)  # stores the page readers share
    client.force_login(user)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    auth_backends.users_changed([user.pk])  # their copies are gone (evicted, or something of theirs changed)
    with CaptureQueriesContext(connection) as after_a_change:
        client.get("/")
    again, _ = _page(client)
    assert _reads_of_card_state(first, user) == 0 and _reads_of_card_state(after_a_change, user) == 1
    assert again == 0


def test_a_vote_or_save_made_elsewhere_shows_on_the_readers_next_page(client, user, cards):
    client.force_login(user)
    _page(client)
    # Another server, a script or the admin: no request of this reader's session is involved.
    summary_services.vote_cast(summary=cards[0], voter=user, value=1)
    SavedPaper.objects.create(reader=user, paper=cards[2].paper)
    _, html = _page(client)
    assert 'class="vote-up active"' in _card(html, cards[0]) and "★ Saved" in _card(html, cards[2])
    summary_services.vote_cast(summary=cards[0], voter=user, value=0)
    SavedPaper.objects.filter(reader=user).delete()
    _, html = _page(client)
    assert 'class="vote-up active"' not in _card(html, cards[0]) and "★ Saved" not in _card(html, cards[2])


def test_a_card_state_read_before_a_vote_commits_is_dropped_when_it_does(client, user, cards, django_capture_on_commit_callbacks):
    client.force_login(user)
    _page(client)
    with django_capture_on_commit_callbacks(execute=True):
        Vote.objects.create(summary=cards[0], voter=user, value=-1)
        # Another request reads the reader's votes between the save and the commit, and caches them.
        reader = auth_backends.cached_user(user.pk)
        selectors.reader_card_state(reader=reader, summary_ids=[cards[0].pk], paper_ids=[])
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    # Read again: what was cached in between went under the generation that the commit bumped.
    assert _reads_of_card_state(queries, user) == 1
    assert 'class="vote-down active"' in _card(html, cards[0])


def test_a_reader_with_more_votes_than_a_copy_holds_is_asked_about_each_pages_cards(client, user, cards, monkeypatch):
    monkeypatch.setattr(selectors, "CARD_STATE_COPIED_UP_TO", 1)
    Vote.objects.create(summary=cards[0], voter=user, value=1)
    Vote.objects.create(summary=cards[2], voter=user, value=-1)
    client.force_login(user)
    _page(client)
    queries, html = _page(client)
    assert queries == 1  # their votes among the page's cards, every time
    assert 'class="vote-up active"' in _card(html, cards[0]) and 'class="vote-down active"' in _card(html, cards[2])


def test_a_user_copy_must_be_registered_to_come_with_the_users_row(user):
    with pytest.raises(ValueError, match="register_user_copy"):
        auth_backends.user_copy(user, "not-registered")


def test_another_readers_vote_shows_on_every_readers_shared_page(client, user, cards):
    client.force_login(user)
    _page(client)
    for name in ("v1", "v2"):
        voter = Client()
        voter.force_login(UserFactory(username=name))
        voter.post(f"/summary/{cards[0].pk}/vote/", {"value": "up"})
    _, html = _page(client)
    card = html[html.index(f'id="summary-{cards[0].pk}"') :]
    assert '<span class="score">2<' in card[: card.index("</article>")]


def test_the_forms_of_a_shared_page_carry_a_csrf_token_that_works(user, cards):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(UserFactory(username="first"))
    reader.get("/")
    reader.force_login(user)
    html = reader.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', html).group(1)
    response = reader.post(f"/summary/{cards[0].pk}/vote/", {"value": "up", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Vote.objects.filter(voter=user, summary=cards[0]).exists()
    assert reader.post(f"/summary/{cards[2].pk}/vote/", {"value": "up", "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_a_reader_with_a_message_waiting_gets_it(client, user, cards):
    client.force_login(user)
    _page(client)
    client.post("/library/save/", {"paper": cards[0].paper_id, "next": "/"})  # says "Saved to your library"
    html = client.get("/").content.decode()
    assert 'class="messages"' in html


def _reader_request(user, path: str = "/"):
    """A logged-in reader's request, as the middleware leaves it for the view."""
    request = RequestFactory().get(path)
    request.user, request.session = user, import_module(settings.SESSION_ENGINE).SessionStore()
    request.session["kept"] = "the reader's"
    request.auser, request._messages = None, FallbackStorage(request)
    return request


def test_a_page_that_uses_a_token_or_writes_the_session_or_a_message_is_not_shared(user):
    request = _reader_request(user)

    def page_with_a_form():
        return HttpResponse(f'<form method="post"><input value="{get_token(request)}"></form>')

    def page_that_remembers_something():
        request.session["seen"] = True
        return HttpResponse(f"<p>{request.session.get('kept')}</p>")

    def page_that_says_something():
        messages.info(request, "Welcome")
        return HttpResponse("<p>the same for all</p>")

    for page in (page_with_a_form, page_that_remembers_something, page_that_says_something):
        assert reader_parts.render_shared(request, page) is None, page.__name__
    shared = reader_parts.render_shared(request, lambda: HttpResponse(f"<p>{request.session.get('kept')}</p>"))
    assert shared is not None and shared[2] == [b"<p>None</p>"]  # rendered with no session of the reader's
    # The reader is back once the shared page is rendered, their session as it was.
    assert request.user == user and dict(request.session) == {"kept": "the reader's"}
    assert len(request._messages) == 0


def test_a_page_found_not_shareable_is_rendered_once_per_request_and_logged(user, caplog):
    request, renders = _reader_request(user), []

    def page_with_a_form():
        renders.append(1)
        return HttpResponse(f'<form method="post"><input value="{get_token(request)}"></form>')

    assert page_cache._shared_page_for_reader(request, page_with_a_form) is None
    assert page_cache._shared_page_for_reader(request, page_with_a_form) is None
    assert renders == [1]  # the second request knows, and renders only for its reader
    assert "can't be shared by logged-in readers" in caplog.text


def test_the_card_part_reads_nothing_its_stand_ins_lack(settings, cards, other_user, staff_user):
    """The part is filled from plain values: a field the template read and the values lacked would go blank."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "MISSING:%s"}}]
    for card in cards[:3]:
        state = card_fragments.CardViewer().shared_state({"summary": card, "hide_paper": False})
        for reader in itertools.product((True, False), (1, -1, None), (True, False), (True, False), (True, False)):
            html = card_fragments._card_viewer_html.__wrapped__(state, card_fragments.CardReader(*reader), "/?order=top")
            assert "MISSING" not in html


def test_a_visitor_never_gets_a_readers_page_nor_a_reader_a_visitors(client, user, cards):
    visitor = Client()
    client.force_login(user)
    _page(client)
    assert "Log in" in visitor.get("/").content.decode()
    visitor.get("/")
    assert "Log out" in _page(client)[1]


def test_pending_messages_are_counted_without_being_used(user):
    request = _reader_request(user)
    request._messages.add(constants.INFO, "Welcome back")
    assert not reader_parts.may_share(request)
    assert [str(message) for message in get_messages(request)] == ["Welcome back"]


def test_a_new_name_or_a_staff_flag_shows_in_the_header_at_once(client, user, cards):
    client.force_login(user)
    assert "Moderate" not in _page(client)[1]
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.display_name = "Ada Lovelace"
    profile.save()
    assert '<a class="profile-link" href="/user/ada/">Ada Lovelace</a>' in _page(client)[1]
    user.is_staff = True
    user.save()
    assert 'href="/admin/"' in _page(client)[1]


def test_browsers_get_the_shared_page_gzipped_with_their_parts_left_uncompressed(client, user, cards):
    client.force_login(user)
    _page(client)
    plain = client.get("/").content
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    assert "Accept-Encoding" in client.get("/")["Vary"]  # the plain answer depends on it too
    assert int(response["Content-Length"]) == len(response.content) < len(plain)
    assert _without_tokens(gzip.decompress(response.content).decode()) == _without_tokens(plain.decode())
    # The CSRF token, a secret, travels in the clear inside the stream: never compressed beside the page (BREACH).
    assert re.search(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', response.content)


def test_account_links_are_remembered_by_plain_values_never_by_the_request(client, user, cards):
    """request.user is a lazy object holding the whole request: remembered, it would keep every request alive."""
    client.force_login(user)
    _page(client)
    _page(client)
    remembered = [value for key in reader_parts._account_links for value in key]
    assert remembered and all(type(value) in (int, str, bool) for value in remembered)


def test_tracking_tags_neither_reach_a_readers_links_nor_multiply_what_is_remembered(client, user, cards):
    client.force_login(user)
    _page(client, "/?utm_source=first")
    remembered = card_fragments._card_viewer_html.cache_info().currsize
    _, html = _page(client, "/?utm_source=second&gclid=abc")
    assert card_fragments._card_viewer_html.cache_info().currsize == remembered
    assert "second" not in html and "gclid" not in html


def _headers(response) -> dict:
    """Every header, with the CSRF cookie's value (new when a reader has none) left out."""
    cookies = {name: {key: morsel[key] for key in ("max-age", "path", "samesite", "secure", "httponly")} for name, morsel in response.cookies.items()}
    return {**dict(response.items()), "cookies": cookies}


def test_a_shared_page_is_served_ahead_of_the_middleware_exactly_as_the_whole_stack_serves_it(user, other_user, cards):
    page_cache._shared_paths.clear()
    whole_stack, ahead = Client(), Client()
    whole_stack.force_login(other_user)
    ahead.force_login(other_user)
    first = whole_stack.get("/")  # renders and stores the shared page
    with mock.patch.object(URLResolver, "resolve", wraps=URLResolver.resolve, autospec=True) as routing:
        response = ahead.get("/")
    assert routing.call_count == 0  # served before Django routed it: no middleware but the ones it needs ran
    assert _headers(response) == _headers(first)
    assert response.cookies[settings.CSRF_COOKIE_NAME].value  # the reader's CSRF cookie, set as the stack sets it
    assert _without_tokens(response.content.decode()) == _without_tokens(first.content.decode())
    # The token it carries works like any other.
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', response.content.decode()).group(1)
    ahead_checked = Client(enforce_csrf_checks=True)
    ahead_checked.cookies = ahead.cookies
    vote = ahead_checked.post(f"/summary/{cards[2].pk}/vote/", {"value": "up", "csrfmiddlewaretoken": token})
    assert vote.status_code == 302 and Vote.objects.filter(voter=other_user, summary=cards[2]).exists()


def test_who_cannot_be_given_the_shared_page_ahead_of_the_middleware_gets_their_own(client, user, cards):
    page_cache._shared_paths.clear()
    client.force_login(user)
    _page(client)
    _page(client)
    assert "/" in page_cache._shared_paths
    # A visitor whose session holds no log-in (a vote kept while they log in): the visitor's page.
    visitor = Client()
    visitor.get(f"/summary/{cards[0].pk}/vote/after-login/?value=up&next=/")
    assert settings.SESSION_COOKIE_NAME in visitor.cookies
    assert "Log in" in visitor.get("/").content.decode()
    # A reader logged out elsewhere (their password changed): a visitor's page, and their session cookie ends.
    user.set_password("changed-elsewhere-1")
    user.save()
    response = client.get("/")
    assert "Log in" in response.content.decode() and response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    # A reader with a message waiting: rendered for them, the message shown.
    client.force_login(user)
    client.post("/library/save/", {"paper": cards[0].paper_id, "next": "/"})
    assert 'class="messages"' in client.get("/").content.decode()


def test_pages_no_reader_shares_never_try_the_shared_page(client, user, cards):
    client.force_login(user)
    with mock.patch.object(page_cache, "_shared_page_ahead_of_middleware", wraps=page_cache._shared_page_ahead_of_middleware) as ahead:
        assert client.get(cards[0].get_absolute_url()).status_code == 200
        assert client.get(f"/user/{cards[0].author.username}/").status_code == 200
    assert ahead.call_count == 0


def test_a_middleware_that_is_more_than_hooks_sends_shared_pages_through_the_whole_stack(settings, caplog):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_reader_pages.function_middleware"]
    assert page_cache._middleware_around_shared_pages(lambda request: None) is None
    assert "more than hooks" in caplog.text


def function_middleware(get_response):
    return get_response


# The paper page: shared but for its panels (papers.paper_panels), and for a reader whose own private or hidden
# summary is on it, who gets the page rendered for them.


@pytest.fixture
def paper_pages(cards, other_user, staff_user):
    """Readers in every state a paper page's panels show, on a paper with a public summary and on one without."""
    with_summary, without = cards[0].paper, cards[3].paper  # cards[3] is its writer's private summary
    saver, follower, claimant, author, asker = (UserFactory(username=name) for name in ("saver", "follower", "claimant", "author", "asker"))
    SavedPaper.objects.create(reader=saver, paper=with_summary, state=SavedPaper.READ, tags=["attention", "to cite"])
    Follow.objects.create(follower=follower, kind=Follow.PAPER, paper=with_summary)
    Follow.objects.create(follower=follower, kind=Follow.AUTHOR, name=with_summary.authors[1])
    Follow.objects.create(follower=follower, kind=Follow.CATEGORY, name=with_summary.categories[0])
    AuthorClaim.objects.create(claimant=claimant, paper=with_summary)  # pending
    AuthorClaim.objects.create(claimant=author, paper=with_summary, status=AuthorClaim.APPROVED, notify=False)
    Profile.objects.update_or_create(user=author, defaults={"display_name": "Ann Author"})
    SummaryRequest.objects.create(paper=without, requester=asker)
    for citing in (cards[1], cards[2]):  # the writer's anonymous summary and a moderator's cite it
        citing.cited_papers.add(with_summary)
    readers = {
        "a reader who saved the paper": saver, "a follower of the paper, an author and a category": follower,
        "a reader whose claim waits": claimant, "an accepted author": author, "a reader who asked for a summary": asker,
        "the author of the private summary": cards[3].author, "a moderator": staff_user, "a reader with nothing": other_user,
    }  # fmt: skip
    urls = [with_summary.get_absolute_url(), f"{with_summary.get_absolute_url()}?utm_source=newsletter", without.get_absolute_url()]
    return urls, readers


@pytest.mark.parametrize("pages", ["paper_pages", "permalinks", "profiles"])
def test_each_reader_gets_each_shared_page_exactly_as_it_would_be_rendered_for_them(request, client, settings, pages):
    """Paper pages, permalinks and profiles (the fixtures of those names), at each address, for readers in every state."""
    urls, readers = request.getfixturevalue(pages)
    settings.FEED_PAGE_SIZE = 2  # a profile then has a second page for every reader (no other page here has pages)
    for url, (who, reader) in itertools.product(urls, readers.items()):
        shared, rendered = _shared_and_rendered(client, settings, reader, url)
        assert _without_tokens(shared) == _without_tokens(rendered), (who, url)
        assert "readerpartcsrf" not in shared and "\x00" not in shared and "newsletter" not in shared


def test_the_panels_show_each_reader_their_own_state(client, paper_pages):
    (with_summary, _, without), readers = paper_pages
    client.force_login(readers["a reader who saved the paper"])
    _, html = _page(client, with_summary)
    assert "to cite" in html and "I am an author of this paper" in html
    client.force_login(readers["a follower of the paper, an author and a category"])
    _, html = _page(client, with_summary)
    assert html.count("✓ Following") == 3 and "to cite" not in html
    client.force_login(readers["a reader whose claim waits"])
    assert "Your authorship claim waits for a moderator." in _page(client, with_summary)[1]
    client.force_login(readers["an accepted author"])
    assert "Email me about new summaries and comments" in _page(client, with_summary)[1]
    client.force_login(readers["a reader who asked for a summary"])
    _, html = _page(client, without)
    assert "Withdraw my request" in html and "1 reader asked for a summary" in html
    client.force_login(readers["a reader with nothing"])
    _, html = _page(client, without)
    assert "Ask for a summary" in html and "Withdraw my request" not in html and "Your authorship claim" not in html
    assert "✓ Author: Ann Author" in _page(client, with_summary)[1]  # the accepted badge, every reader's


def test_a_readers_own_private_or_hidden_summary_on_a_paper_page_is_theirs_alone(client, cards, other_user):
    paper = cards[0].paper
    citing = SummaryFactory(author=other_user, body="A hidden summary that cites the paper.", is_hidden=True)
    citing.cited_papers.add(paper)
    private = SummaryFactory(author=cards[1].author, paper=paper, body="A private draft of this paper's summary.", is_private=True)
    seen_by = {}
    for reader in (UserFactory(username="first"), other_user, cards[1].author, UserFactory(username="last")):
        client.force_login(reader)
        _page(client, paper.get_absolute_url())
        seen_by[reader.username] = _page(client, paper.get_absolute_url())[1]
    assert citing.body in seen_by[other_user.username] and private.body not in seen_by[other_user.username]
    assert private.body in seen_by[cards[1].author.username] and citing.body not in seen_by[cards[1].author.username]
    for shared in (seen_by["first"], seen_by["last"]):  # before and after the two were rendered for their authors
        assert private.body not in shared and citing.body not in shared
    assert paper_panels.reader_ties(other_user, [_state(paper)]).has_unlisted
    assert not paper_panels.reader_ties(other_user, [_state(PaperFactory())]).has_unlisted


def test_a_shared_paper_page_costs_the_same_few_queries_however_many_summaries_it_shows(client, user, make_summaries):
    paper = PaperFactory()
    make_summaries(2, paper=paper)
    url = paper.get_absolute_url()
    client.force_login(UserFactory(username="first"))
    _page(client, url)
    client.force_login(user)
    _page(client, url)
    few, _ = _page(client, url)
    make_summaries(12, paper=paper)
    client.force_login(UserFactory(username="second"))
    _page(client, url)
    client.force_login(user)
    _page(client, url)
    many, html = _page(client, url)
    assert html.count('class="card-viewer"') == 14
    # What ties them to the paper (none: the panels any reader without ties gets), in one query; no summary is read.
    assert few == many == 1


def test_what_a_reader_does_on_a_paper_page_shows_on_their_next_one_and_no_one_elses(client, user, other_user, cards):
    paper = cards[0].paper
    onlooker = Client()
    onlooker.force_login(other_user)
    client.force_login(user)
    _page(client, paper.get_absolute_url())
    assert client.post("/library/save/", {"paper": paper.pk, "next": paper.get_absolute_url()}).status_code == 302
    assert client.post("/following/follow/", {"kind": "paper", "paper": paper.pk, "next": paper.get_absolute_url()}).status_code == 302
    _, html = _page(client, paper.get_absolute_url())
    assert "Tags, note, read?" in html and "✓ Following this paper" in html
    _, theirs = _page(onlooker, paper.get_absolute_url())
    assert "Tags, note, read?" not in theirs and "✓ Following" not in theirs


def test_a_paper_the_site_must_fetch_is_looked_up_once_for_a_logged_in_reader(client, user, settings):
    settings.PAGE_CACHE_SECONDS = 600
    client.force_login(user)
    with mock.patch.object(paper_services, "_fetch_record", wraps=paper_services._fetch_record) as fetched:
        response = client.get("/paper/1912.99999/")  # tests reach no outside service: arXiv is "down"
    assert response.status_code == 503 and fetched.call_count == 1


def test_a_declined_reader_is_asked_once_a_request_and_no_part_is_filled_for_them(client, cards, settings):
    paper = cards[0].paper
    private = SummaryFactory(author=cards[1].author, paper=paper, body="Only mine for now.", is_private=True)
    first = Client()
    first.force_login(UserFactory(username="first"))
    first.get(paper.get_absolute_url())
    first.get(paper.get_absolute_url())  # stored, and this path is tried ahead of the middleware
    client.force_login(private.author)
    client.get(paper.get_absolute_url())
    asked = mock.patch.object(paper_panels, "reader_ties", wraps=paper_panels.reader_ties)
    filled = mock.patch.object(card_fragments.CardViewer, "fill", autospec=True, side_effect=card_fragments.CardViewer.fill)
    with asked as asking, filled as filling:
        declined_queries, page = _page(client, paper.get_absolute_url())
    assert private.body in page and asking.call_count == 1 and filling.call_count == 0
    settings.PAGE_CACHE_SECONDS = 0
    rendered_queries, _ = _page(client, paper.get_absolute_url())
    assert declined_queries == rendered_queries + 1  # the question asked, nothing else besides


def test_a_summary_that_goes_public_or_is_hidden_moves_in_or_out_of_the_shared_paper_page(client, cards, other_user, staff_user):
    paper, writer, graces = cards[0].paper, cards[1].author, cards[0]
    draft = SummaryFactory(author=writer, paper=paper, body="A draft that will go public.", is_private=True)
    reader, grace = Client(), Client()
    reader.force_login(UserFactory(username="reader"))
    grace.force_login(other_user)
    client.force_login(writer)
    assert draft.body in _page(client, paper.get_absolute_url())[1]  # declined: rendered for its author
    assert draft.body not in _page(reader, paper.get_absolute_url())[1]
    summary_services.summary_save(paper=paper, author=writer, body=draft.body, is_private=False)
    assert not paper_panels.reader_ties(writer, [_state(paper)]).has_unlisted
    assert draft.body in _page(client, paper.get_absolute_url())[1] and draft.body in _page(reader, paper.get_absolute_url())[1]
    card = f'id="summary-{graces.pk}"'
    assert card in _page(reader, paper.get_absolute_url())[1] and card in _page(grace, paper.get_absolute_url())[1]
    moderation.summaries_set_hidden(summaries=Summary.objects.filter(pk=graces.pk), hidden=True, moderator=staff_user)
    assert card not in _page(reader, paper.get_absolute_url())[1]
    assert card in _page(grace, paper.get_absolute_url())[1]  # its author still sees it, on their own page


def test_a_shared_paper_pages_panels_go_uncompressed_beside_the_compressed_page(client, user, cards):
    paper = cards[0].paper
    SavedPaper.objects.create(reader=user, paper=paper, tags=["secret-project-tag"])
    Client().get(paper.get_absolute_url())
    client.force_login(UserFactory(username="first"))
    client.get(paper.get_absolute_url())
    client.force_login(user)
    packed = client.get(paper.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip").content
    page = gzip.decompress(packed).decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page)
    assert tokens and "secret-project-tag" in page
    for secret in ["secret-project-tag", *tokens]:
        assert secret.encode() in packed  # in an uncompressed block, byte for byte
    assert paper.abstract in page and paper.abstract.encode() not in packed  # the shared page around them is compressed


def test_the_paths_tried_ahead_of_the_middleware_are_the_latest_few(client, user, monkeypatch):
    monkeypatch.setattr(page_cache._shared_paths, "kept", 2)
    page_cache._shared_paths.clear()
    papers = [PaperFactory() for _ in range(3)]
    client.force_login(user)
    for paper in [papers[0], papers[1], papers[0], papers[2]]:
        client.get(paper.get_absolute_url())
    assert list(page_cache._shared_paths) == [papers[0].get_absolute_url(), papers[2].get_absolute_url()]


def _state(paper) -> paper_panels.PaperState:
    return paper_panels.PaperState(paper.pk, paper.title, tuple(paper.authors), tuple(paper.categories), True)


def test_every_tie_a_reader_has_to_a_paper_is_found_in_one_query(user, other_user, django_assert_num_queries):
    papers = [PaperFactory(authors=[f"Author {n}"], categories=[f"cs.X{n}"]) for n in range(8)]
    SummaryFactory(paper=papers[0], author=user, body="Mine, public: no tie.")
    AuthorClaim.objects.create(claimant=user, paper=papers[1])
    SavedPaper.objects.create(reader=user, paper=papers[2])
    Follow.objects.create(follower=user, kind=Follow.PAPER, paper=papers[3])
    Follow.objects.create(follower=user, kind=Follow.AUTHOR, name="Author 4")
    Follow.objects.create(follower=user, kind=Follow.CATEGORY, name="cs.X5")
    SummaryRequest.objects.create(paper=papers[6], requester=user)
    AuthorClaim.objects.create(claimant=other_user, paper=papers[7])  # another reader's ties are not this one's
    SavedPaper.objects.create(reader=other_user, paper=papers[7])
    SummaryRequest.objects.create(paper=papers[7], requester=other_user)
    with django_assert_num_queries(1):
        ties = paper_panels.reader_ties(user, [_state(paper) for paper in papers])
    panels = {papers[1]: "claims", papers[2]: "library", papers[3]: "follow", papers[4]: "follow", papers[5]: "follow", papers[6]: "request"}
    assert ties == paper_panels.ReaderTies(False, {paper.pk: {panel} for paper, panel in panels.items()})
    for paper in papers:
        alone = paper_panels.reader_ties(user, [_state(paper)])
        assert alone.panels == ({paper.pk: {panels[paper]}} if paper in panels else {}), paper.authors


def test_an_unlisted_summary_of_the_reader_is_found_on_its_papers_and_the_papers_it_cites(user, staff_user):
    paper, cited, elsewhere = PaperFactory(), PaperFactory(), PaperFactory()
    hidden = SummaryFactory(paper=paper, author=user, body="Hidden.")
    hidden.cited_papers.add(cited)
    moderation.summaries_set_hidden(summaries=Summary.objects.filter(pk=hidden.pk), hidden=True, moderator=staff_user)
    assert paper_panels.reader_ties(user, [_state(paper)]).has_unlisted
    assert paper_panels.reader_ties(user, [_state(cited)]).has_unlisted
    assert not paper_panels.reader_ties(user, [_state(elsewhere)]).has_unlisted
    assert not paper_panels.reader_ties(staff_user, [_state(paper)]).has_unlisted  # a moderator's page is the shared one
    summary_services.summary_delete(summary=hidden, actor=user)
    assert not paper_panels.reader_ties(user, [_state(paper)]).has_unlisted


def test_readers_share_each_panel_they_have_no_tie_to_rendered_once_for_the_papers_state(client, cards):
    paper = cards[0].paper
    readers = [UserFactory(username=name) for name in ("first", "second", "third")]
    Follow.objects.create(follower=readers[2], kind=Follow.CATEGORY, name=paper.categories[0])
    paper_panels._panel_without_ties.cache_clear()
    for reader in readers:
        client.force_login(reader)
        client.get(paper.get_absolute_url())
    remembered = paper_panels._panel_without_ties.cache_info()
    # One of each of the four panels; then the second reader's four, and the follower's three but the follow panel.
    assert remembered.misses == 4 and remembered.hits == 4 + 3
    assert "✓ Following" in client.get(paper.get_absolute_url()).content.decode()


# The permalink: shared but for its tools and its comment thread (summaries.permalink_parts), and for the summary's
# author, moderators and commenters, who get the page rendered for them.


@pytest.fixture
def permalinks(cards, other_user, staff_user):
    """A thread in every state a reader can see it in (a reply, a comment hidden by a moderator, a deleted one
    still answered, the summary's author commenting), on a signed and an anonymous summary, and its readers."""
    signed, anonymous = cards[0], cards[1]
    commenter, hidden_commenter = UserFactory(username="commenter"), UserFactory(username="hidden-commenter")
    for summary in (signed, anonymous):
        first = comments.comment_post(summary=summary, author=commenter, body="A question about $x_{i,j}$?")
        comments.comment_post(summary=summary, author=summary.author, body="The author's answer.", parent=first)
        hidden = comments.comment_post(summary=summary, author=hidden_commenter, body="Rude remark.")
        comments.comments_set_hidden(comments=Comment.objects.filter(pk=hidden.pk), hidden=True, moderator=staff_user)
        gone = comments.comment_post(summary=summary, author=commenter, body="Taken back.")
        comments.comment_post(summary=summary, author=other_user, body="Too late, I read it.", parent=gone)
        comments.comment_delete(comment=gone, actor=commenter)
    voter = UserFactory(username="voter")
    Vote.objects.create(summary=signed, voter=voter, value=1)
    SavedPaper.objects.create(reader=voter, paper=signed.paper)
    readers = {  # a declined reader first: the page everyone shares is rendered by their request
        "a moderator": staff_user, "a reader with nothing": UserFactory(username="newcomer"),
        "a reader who voted and saved": voter, "the summary's author": signed.author,
        "the anonymous summary's author": anonymous.author, "a commenter": commenter,
        "a reader whose comment was hidden": hidden_commenter,
    }  # fmt: skip
    urls = [signed.get_absolute_url(), f"{signed.get_absolute_url()}?utm_source=newsletter", anonymous.get_absolute_url()]
    return urls, readers


def test_the_permalinks_tools_and_thread_show_each_reader_their_own(client, permalinks):
    (signed, _, anonymous), readers = permalinks
    client.force_login(readers["a reader with nothing"])
    _, html = _page(client, signed)  # first: the page every later reader shares is rendered now
    assert "Post reply" in html and "Add a comment" in html and "Rude remark" not in html and "Hide</button>" not in html
    assert ">Edit</a>" not in html and "History" in html
    client.force_login(readers["the summary's author"])
    _, html = _page(client, signed)
    assert ">Edit</a> · <a" in html and "Rude remark" not in html
    client.force_login(readers["a moderator"])
    _, html = _page(client, signed)
    assert "Rude remark" in html and "Restore</button>" in html and "Hide</button>" in html
    client.force_login(readers["a reader whose comment was hidden"])
    _, html = _page(client, signed)
    assert "Rude remark" in html and "Hidden by a moderator" in html
    client.force_login(readers["a commenter"])
    _, html = _page(client, signed)
    assert html.count(">Edit</a>") == 1 and "/delete/" in html  # their question's: the deleted one is a placeholder
    client.force_login(readers["a reader who voted and saved"])
    _, html = _page(client, anonymous)  # the anonymous summary's author answers as "Summary author", unnamed
    anonymous_author = readers["the anonymous summary's author"]
    assert "Summary author" in html and f">{anonymous_author.username}<" not in html
    assert "Rude remark" not in html and ">Edit</a>" not in html and "Hide</button>" not in html


def test_a_shared_permalink_costs_the_same_few_queries_however_many_comments_it_has(client, user, cards):
    summary = cards[0]
    client.force_login(user)
    counts = []
    for _ in range(2):
        for n in range(15):
            comments.comment_post(summary=summary, author=UserFactory(password=None), body=f"Comment {n} with $x_{n}$.")
        client.get(summary.get_absolute_url())  # rendered afresh: the thread was written to
        counts.append(_page(client, summary.get_absolute_url())[0])
    assert counts[0] == counts[1] <= 1  # whether the reader wrote in the thread; the rest comes with the page
    assert _page(client, summary.get_absolute_url())[1].count("Post reply") == 30


def _threads_rendered(render_part) -> int:
    return sum(1 for call in render_part.call_args_list if call.args[0] == "comments")


def test_readers_who_wrote_no_comment_share_the_thread_rendered_once_for_the_summarys_state(client, cards):
    summary = cards[0]
    comments.comment_post(summary=summary, author=cards[2].author, body="A comment.")
    readers = [UserFactory(username=name) for name in ("first", "second", "third")]
    with mock.patch.object(reader_parts, "render_part", wraps=reader_parts.render_part) as render_part:
        for reader in readers:
            client.force_login(reader)
            assert "A comment." in client.get(summary.get_absolute_url()).content.decode()
        assert _threads_rendered(render_part) == 1
        comments.comment_post(summary=cards[2], author=cards[0].author, body="A write elsewhere on the site.")
        client.get(summary.get_absolute_url())
        assert _threads_rendered(render_part) == 2  # a new content version: rendered again, and only that one kept
    kept_state, kept_version, _ = permalink_parts._threads[summary.pk]
    assert kept_state.summary_id == summary.pk and kept_version == page_cache.content_version()


def test_only_the_threads_of_the_summaries_read_most_lately_are_kept(client, user, cards, monkeypatch):
    monkeypatch.setattr(permalink_parts._threads, "kept", 2)
    permalink_parts._threads.clear()
    client.force_login(user)
    for summary in (cards[0], cards[1], cards[0], cards[2]):
        client.get(summary.get_absolute_url())
    assert list(permalink_parts._threads) == [cards[0].pk, cards[2].pk]


def test_a_new_comment_shows_on_every_readers_shared_permalink_at_once(client, user, other_user, cards):
    summary = cards[0]
    client.force_login(user)
    client.get(summary.get_absolute_url())
    assert "Just posted" not in _page(client, summary.get_absolute_url())[1]
    poster = Client()
    poster.force_login(other_user)
    poster.post(f"/summary/{summary.pk}/comments/", {"body": "Just posted."})
    assert Comment.objects.filter(summary=summary, body="Just posted.").exists()
    assert "Just posted" in _page(client, summary.get_absolute_url())[1]


def test_a_shared_thread_goes_compressed_with_the_readers_csrf_tokens_uncompressed_between_its_pieces(client, user, cards):
    summary = cards[0]
    for n in range(3):
        comments.comment_post(summary=summary, author=UserFactory(password=None), body=f"Long comment {n}: " + "words " * 200)
    client.force_login(UserFactory(username="first"))
    client.get(summary.get_absolute_url())
    client.force_login(user)
    packed = client.get(summary.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip").content
    page = gzip.decompress(packed).decode()
    thread = page[page.index('<section class="comments"') :]
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', thread)
    assert len(tokens) == 4  # a reply box under each comment, and the box for a new one
    assert all(token.encode() in packed for token in tokens)  # each in an uncompressed block, byte for byte
    assert "Long comment 2: words" in page and b"Long comment" not in packed  # the thread around them is compressed
    assert len(packed) < len(page) / 2
    # A browser that takes no gzip gets the same page, unpacked.
    assert _without_tokens(client.get(summary.get_absolute_url()).content.decode()) == _without_tokens(page)


def test_a_logged_in_readers_view_of_a_shared_permalink_counts_once_a_day_never_the_authors(client, cards, settings):
    summary = cards[0]
    first, second, robot = UserFactory(username="first"), UserFactory(username="second"), UserFactory(username="robot")
    page_cache._shared_paths.clear()
    browser, crawler = "Mozilla/5.0 Firefox/140", "Mozilla/5.0 (compatible; Googlebot/2.1)"
    with mock.patch.object(page_cache, "_run_hook", wraps=page_cache._run_hook) as hook:
        # The first through the view; then ahead of the middleware, where the view's on-hit hook counts: the
        # second reader (twice: once a day), a robot and a HEAD (neither counted), the author (declined: the view).
        for reader, method, user_agent in [
            (first, "get", browser), (second, "get", browser), (second, "get", browser), (robot, "get", crawler),
            (second, "head", browser), (summary.author, "get", browser),
        ]:  # fmt: skip
            client.force_login(reader)
            assert getattr(client, method)(summary.get_absolute_url(), HTTP_USER_AGENT=user_agent).status_code == 200
        assert hook.call_count == 4
    counted = SummaryView.objects.filter(summary=summary)
    assert sorted(counted.values_list("reader", flat=True)) == sorted([f"user:{first.pk}", f"user:{second.pk}"])
    assert summary.views.count == 2  # the page rendered for no one, to be shared, counted no one


def test_a_summary_that_goes_private_hidden_or_deleted_leaves_the_shared_permalink_at_once(client, cards, staff_user):
    summary, reader = cards[0], UserFactory(username="reader")
    client.force_login(reader)
    for _ in range(2):  # stored, then served ahead of the middleware
        assert client.get(summary.get_absolute_url()).status_code == 200
    summary_services.summary_update(summary=summary, editor=summary.author, body=summary.body, is_anonymous=False, is_private=True)
    assert client.get(summary.get_absolute_url()).status_code == 404
    client.force_login(summary.author)
    assert "Share link" in _page(client, summary.get_absolute_url())[1]  # the private summary is its author's alone
    summary_services.summary_update(summary=summary, editor=summary.author, body=summary.body, is_anonymous=False, is_private=False)
    client.force_login(reader)
    assert client.get(summary.get_absolute_url()).status_code == 200
    moderation.summaries_set_hidden(summaries=Summary.objects.filter(pk=summary.pk), hidden=True, moderator=staff_user)
    assert client.get(summary.get_absolute_url()).status_code == 404
    moderation.summaries_set_hidden(summaries=Summary.objects.filter(pk=summary.pk), hidden=False, moderator=staff_user)
    assert client.get(summary.get_absolute_url()).status_code == 200
    summary_services.summary_delete(summary=Summary.objects.get(pk=summary.pk), actor=summary.author)
    assert client.get(summary.get_absolute_url()).status_code == 404


def test_a_comment_edited_hidden_or_deleted_changes_every_readers_shared_thread_at_once(client, cards, other_user, staff_user):
    summary, reader = cards[0], UserFactory(username="reader")
    comment = comments.comment_post(summary=summary, author=other_user, body="First draft.")
    client.force_login(reader)
    for _ in range(2):
        assert "First draft." in _page(client, summary.get_absolute_url())[1]
    comments.comment_edit(comment=comment, editor=other_user, body="Second thoughts.")
    html = _page(client, summary.get_absolute_url())[1]
    assert "Second thoughts." in html and "First draft." not in html
    moderation.comments_set_hidden(comments=Comment.objects.filter(pk=comment.pk), hidden=True, moderator=staff_user)
    assert "Second thoughts." not in _page(client, summary.get_absolute_url())[1]
    moderation.comments_set_hidden(comments=Comment.objects.filter(pk=comment.pk), hidden=False, moderator=staff_user)
    assert "Second thoughts." in _page(client, summary.get_absolute_url())[1]
    comments.comment_delete(comment=Comment.objects.get(pk=comment.pk), actor=other_user)
    assert "Second thoughts." not in _page(client, summary.get_absolute_url())[1]


def test_each_permalink_part_declines_whom_it_shows_more_than_the_shared_page(cards, other_user, staff_user):
    summary = cards[0]  # other_user's
    commenter = UserFactory(username="commenter")
    comments.comment_post(summary=summary, author=commenter, body="A comment.")
    tools = [permalink_parts.SummaryTools().shared_state({"summary": summary})]
    thread = [permalink_parts.Comments().shared_state({"summary": summary})]
    declined = {}
    for reader in (other_user, staff_user, commenter, UserFactory(username="newcomer")):
        request = RequestFactory().get(summary.get_absolute_url())
        request.user = reader
        declined[reader.username] = (
            permalink_parts.SummaryTools().declines(request, tools), permalink_parts.Comments().declines(request, thread)
        )  # fmt: skip
    # The author gets the tools; a moderator, the tools and Hide buttons; a commenter, Edit and Delete links.
    assert declined == {"grace": (True, False), "moderator": (True, True), "commenter": (False, True), "newcomer": (False, False)}


# The profile: shared but for its Follow button (summaries.profile_parts), and for the summarizer themselves.


@pytest.fixture
def profiles(cards, other_user, staff_user):
    """A summarizer with public, anonymous and private summaries, and readers who see their profile differently."""
    writer = cards[1].author  # cards[1] is anonymous, cards[3] private
    follower = UserFactory(username="follower")
    Follow.objects.create(follower=follower, kind=Follow.USER, name=writer.username)
    Profile.objects.update_or_create(user=writer, defaults={"display_name": "Wren Writer", "bio": "I write."})
    readers = {  # the summarizer first: the page everyone shares is rendered by their request
        "the summarizer": writer, "a follower": follower, "a moderator": staff_user, "a reader with nothing": other_user,
    }  # fmt: skip
    url = f"/user/{writer.username}/"
    return [url, f"{url}?utm_source=newsletter", f"/user/{other_user.username}/", f"{url}?page=2"], readers


def test_the_profile_shows_each_reader_their_own_follow_and_the_summarizer_their_own_summaries(client, cards, profiles):
    (url, *_), readers = profiles
    for who, present, absent in [
        ("a reader with nothing", "+ Follow", "✓ Following"), ("a follower", "✓ Following", "+ Follow"),
        ("the summarizer", "Edit your profile", "+ Follow"),
    ]:  # fmt: skip
        client.force_login(readers[who])
        for _ in range(2):  # the shared page stored, then filled (the summarizer's rendered for them each time)
            html = _page(client, url)[1]
            assert present in html and absent not in html, who
            assert ("Private: never on the feed." in html) == (who == "the summarizer"), who
    # A follow is read on every request, the shared page left as it is (follows are on no page readers share).
    target = following.follow_target(kind=Follow.USER, name=readers["the summarizer"].username)
    client.force_login(readers["a follower"])
    following.follow_delete(follower=readers["a follower"], target=target)
    assert "+ Follow" in _page(client, url)[1]
    following.follow_create(follower=readers["a follower"], target=target)
    assert "✓ Following" in _page(client, url)[1]


def test_a_summarizer_suspended_renamed_or_back_changes_their_cached_and_shared_profile_at_once(client, cards, profiles, staff_user):
    (url, *_), readers = profiles
    writer = readers["the summarizer"]
    client.force_login(readers["a reader with nothing"])
    for _ in range(2):
        assert "+ Follow" in _page(client, url)[1] and "+ Follow" in _page(Client(), url)[1]
    moderation.users_suspend(users=[writer], moderator=staff_user)
    for reader_client in (client, Client()):
        html = _page(reader_client, url)[1]
        assert "+ Follow" not in html and '<meta name="robots" content="noindex">' in html
    moderation.users_unsuspend(users=[writer], moderator=staff_user)
    for reader_client in (client, Client()):
        html = _page(reader_client, url)[1]
        assert "+ Follow" in html and "noindex" not in html
    writer.username = "wren"
    writer.save()  # as the user admin renames
    assert client.get(url).status_code == 404 and Client().get(url).status_code == 404
    assert "@wren" in _page(client, "/user/wren/")[1]


def test_a_remembered_follow_button_is_made_again_at_the_next_content_version(client, profiles):
    (url, *_), readers = profiles
    writer = readers["the summarizer"]
    client.force_login(readers["a reader with nothing"])
    _page(client, url)  # the shared page, stored while the summarizer is active
    # The moment between a suspension's commit and the bump after it: the page says active, the row does not.
    type(writer).objects.filter(pk=writer.pk).update(is_active=False)
    profile_parts._actions_for_readers.cache_clear()  # a process that had not rendered the button yet
    assert "+ Follow" not in _page(client, url)[1]  # the button asks the row, and is remembered so
    type(writer).objects.filter(pk=writer.pk).update(is_active=True)
    page_cache.content_changed()  # as unsuspending does
    assert "+ Follow" in _page(client, url)[1]


def test_a_visitors_profile_comes_from_the_cache_fresh_and_without_another_visitors_tracking_tags(client, cards, profiles):
    (url, tagged, *_), _ = profiles
    assert client.get(tagged).status_code == 200  # stored under the address without its tags
    queries, html = _page(Client(), url)
    assert queries == 0 and "newsletter" not in html  # neither in the follow link nor in the export links
    SummaryFactory(author=cards[1].author, body="A new summary, just written.")
    assert "A new summary, just written." in _page(Client(), url)[1]


def test_a_shared_profile_costs_the_same_few_queries_however_many_summaries_it_lists(client, user, other_user):
    client.force_login(user)
    counts = []
    for _ in range(2):
        for n in range(10):
            SummaryFactory(author=other_user, body=f"Summary {n} with $x_{n}$.")
        client.get(f"/user/{other_user.username}/")  # rendered afresh: a summary was written
        counts.append(_page(client, f"/user/{other_user.username}/")[0])
    assert counts[0] == counts[1] <= 1  # whether the reader follows the summarizer; the rest comes with the page
