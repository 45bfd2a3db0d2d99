"""A page rendered for one logged-in reader comes gzipped where every reader sees the same bytes, its cards, and
with nothing of the reader's compressed; a visitor's page the cache does not hold comes gzipped whole when it
holds nothing of theirs (shortscience.shared_gzip)."""

import gzip
import re

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client

from shortscience import shared_gzip
from summaries import services as summary_services
from summaries.models import Profile
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{64})"')
LONG_BODY = "\n\n".join(
    f"Paragraph {n}: the loss $\\mathcal{{L}}(\\theta) = -\\sum_t \\log p_\\theta(y_t \\mid x)$ falls as $n_{n}$ grows."
    for n in range(12)
)


@pytest.fixture
def ada(db):
    ada = UserFactory(username="ada")
    Profile.objects.update_or_create(user=ada, defaults={"display_name": "Ada Reader"})
    return ada


@pytest.fixture
def reader(ada):
    client = Client()
    client.force_login(ada)
    return client


@pytest.fixture
def paper_with_summaries(ada):
    """A paper page rendered for its reader, not one readers share (shortscience.reader_parts): their own
    private summary is on it."""
    paper = PaperFactory(title="Attention Is All You Need")
    for number in range(4):
        SummaryFactory(paper=paper, body=f"Summary {number}.\n\n{LONG_BODY}")
    SummaryFactory(paper=paper, author=ada, body=f"Ada's draft.\n\n{LONG_BODY}", is_private=True)
    return paper


def _without_tokens(html: bytes) -> bytes:
    """Masked CSRF tokens differ on every response; everything else must be the same byte for byte."""
    return _TOKENS.sub(r'\1TOKEN"', html.decode()).encode()


def test_a_readers_paper_page_comes_gzipped_and_unpacks_to_the_page_rendered_for_them(reader, paper_with_summaries):
    url = paper_with_summaries.get_absolute_url()
    plain = reader.get(url)
    packed = reader.get(url, **GZIP)
    assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and int(packed["Content-Length"]) == len(packed.content)
    assert "Content-Encoding" not in plain  # a client that does not accept gzip gets the page as rendered, unmarked
    assert b"\x00" not in plain.content
    assert _without_tokens(gzip.decompress(packed.content)) == _without_tokens(plain.content)
    assert len(packed.content) < len(plain.content) / 4


def test_nothing_of_the_readers_is_compressed_only_what_every_reader_sees(reader, paper_with_summaries):
    packed = reader.get(paper_with_summaries.get_absolute_url(), **GZIP).content
    page = gzip.decompress(packed).decode()
    tokens = [match.group(2) for match in _TOKENS.finditer(page)]
    assert tokens and "Ada Reader" in page
    for secret in [*tokens, "Ada Reader"]:  # in uncompressed blocks, byte for byte as on the page
        assert secret.encode() in packed
    summary_text = "Summary 0."  # the cards' parts, the same for everyone, are compressed
    assert summary_text in page and summary_text.encode() not in packed


def test_a_readers_permalink_and_profile_come_gzipped_too(reader, paper_with_summaries):
    summary = paper_with_summaries.summaries.first()
    for url in (summary.get_absolute_url(), f"/user/{summary.author.username}/"):
        packed = reader.get(url, **GZIP)
        assert packed["Content-Encoding"] == "gzip", url
        assert _without_tokens(gzip.decompress(packed.content)) == _without_tokens(reader.get(url).content), url


def test_a_card_part_is_compressed_once_and_an_edited_one_again(reader, paper_with_summaries):
    url = paper_with_summaries.get_absolute_url()
    shared_gzip._pieces.clear()
    reader.get(url, **GZIP)
    compressed = dict(shared_gzip._pieces)
    assert len(compressed) == 5  # one per card
    reader.get(url, **GZIP)
    assert shared_gzip._pieces == compressed  # the same pieces, not compressed again
    summary = paper_with_summaries.summaries.first()
    summary_services.summary_save(paper=summary.paper, author=summary.author, body="Rewritten from scratch.")
    page = gzip.decompress(reader.get(url, **GZIP).content).decode()
    assert "Rewritten from scratch." in page and len(shared_gzip._pieces) == 6


def test_visitors_pages_and_the_page_readers_share_carry_no_marks(client, settings, reader, paper_with_summaries):
    settings.PAGE_CACHE_SECONDS = 600
    for url in ("/", paper_with_summaries.get_absolute_url()):
        for _ in range(2):  # rendered and stored, then from the cache
            visitors = client.get(url, **GZIP)
            body = gzip.decompress(visitors.content) if visitors.has_header("Content-Encoding") else visitors.content
            assert b"\x00" not in body and b"<article" in body, url
    for _ in range(2):  # the feed logged-in readers share: rendered as a visitor's, then filled for the reader
        shared = gzip.decompress(reader.get("/", **GZIP).content)
        assert b"\x00" not in shared and b"Ada Reader" in shared


def test_a_readers_page_without_cards_is_left_as_it_is(reader):
    response = reader.get("/accounts/email/", **GZIP)
    assert response.status_code == 200 and not response.has_header("Content-Encoding")


@pytest.mark.parametrize(
    "url, shown",
    [("/?from=a-newsletter", b"Summary 0."), ("/search/?q=attention", b"All You Need"), ("/feeds/latest.atom", b"Summary 0.")],
)
def test_a_visitors_page_the_cache_does_not_hold_comes_gzipped_whole(client, paper_with_summaries, url, shown):
    plain = client.get(url)
    packed = client.get(url, **GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content)
    assert gzip.decompress(packed.content) == plain.content
    assert shown in plain.content
    assert len(packed.content) < len(plain.content) / 2


def test_a_visitors_page_with_a_csrf_token_in_it_is_not_compressed(client):
    response = client.get("/accounts/login/", **GZIP)
    assert response.status_code == 200 and b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


def test_a_visitor_with_a_session_or_messages_gets_pages_uncompressed(client, paper_with_summaries):
    session = client.session
    session["pending_note"] = "the session may hold what is only theirs"
    session.save()
    assert client.cookies[django_settings.SESSION_COOKIE_NAME].value == session.session_key
    assert not client.get("/?from=a-newsletter", **GZIP).has_header("Content-Encoding")

    messages_only = Client()
    messages_only.cookies["messages"] = "a message of theirs"
    assert not messages_only.get("/?from=a-newsletter", **GZIP).has_header("Content-Encoding")


def test_a_client_that_refuses_gzip_gets_the_page_as_rendered(client, paper_with_summaries):
    response = client.get("/?from=a-newsletter", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert not response.has_header("Content-Encoding") and b"Summary 0." in response.content


def _answer(*, content_type="text/html; charset=utf-8", sets_cookie=False, uses_csrf_token=False):
    def view(request):
        if uses_csrf_token:
            get_token(request)
        response = HttpResponse("<p>" + "The same page for every visitor. " * 40 + "</p>", content_type=content_type)
        if sets_cookie:
            response.set_cookie("seen", "1")
        return response

    return view


@pytest.mark.parametrize(
    "view, gzipped",
    [
        pytest.param(_answer(), True, id="a page"),
        pytest.param(_answer(content_type="application/json"), True, id="JSON"),
        pytest.param(_answer(uses_csrf_token=True), False, id="a page with a CSRF token in it"),
        pytest.param(_answer(sets_cookie=True), False, id="a page that sets a cookie"),
        pytest.param(_answer(content_type="image/png"), False, id="an image"),
        pytest.param(_answer(content_type="application/octet-stream"), False, id="a download"),
    ],
)
def test_what_of_a_visitors_answers_is_gzipped_whole(rf, view, gzipped):
    response = shared_gzip.gzip_shared_parts(view)(rf.get("/somewhere/", **GZIP))
    assert response.has_header("Content-Encoding") is gzipped
    if gzipped:
        assert gzip.decompress(response.content) == view(rf.get("/somewhere/")).content
