"""The public read-only API at /api/v1/: schema, papers by any identifier, summaries, contributors, the arXiv
lookup, cursors, ETags, CORS, the per-address rate limit, and nothing private ever in it."""

import gzip
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from openapi_spec_validator import validate

from summaries.models import Profile, Summary
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def get_json(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


@pytest.fixture
def attention(db):
    return PaperFactory(
        title="Attention Is All You Need", authors=["Ashish Vaswani"], arxiv_id="1706.03762", arxiv_version=7,
        doi="10.48550/arxiv.1706.03762x", bibtex_key="vaswani2017attention", year=2017,
    )  # fmt: skip


@pytest.fixture
def mixed_summaries(attention, user, other_user):
    Profile.objects.filter(user=user).update(display_name="Ada Lovelace")
    signed = SummaryFactory(paper=attention, author=user, body="Signed *text*.", score=5)
    anonymous = SummaryFactory(paper=attention, author=other_user, body="Anonymous text.", is_anonymous=True, score=2)
    SummaryFactory(paper=attention, author=UserFactory(username="private"), body="Private text.", is_private=True)
    SummaryFactory(paper=attention, author=UserFactory(username="hidden"), body="Hidden text.", is_hidden=True)
    return {"signed": signed, "anonymous": anonymous}


# --- Schema and docs ----------------------------------------------------------------------------


def test_the_openapi_schema_validates_and_lists_every_resource(client):
    schema = get_json(client, "/api/v1/openapi.json")
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/papers/{identifier}", "/api/v1/summaries/", "/api/v1/summaries/{summary_id}", "/api/v1/users/",
        "/api/v1/users/{username}", "/api/v1/arxiv/{arxiv_id}",
    }  # fmt: skip
    assert list(schema["paths"]["/api/v1/summaries/"]) == ["get"]


def test_the_docs_page_loads_nothing_from_other_sites(client):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "//" not in html.replace("://www.w3.org", "")


# --- Papers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["1706.03762", "1706.03762v2", "arXiv:1706.03762", "https://arxiv.org/abs/1706.03762v7", "https://arxiv.org/pdf/1706.03762",
     "vaswani2017attention"],
)  # fmt: skip
def test_a_paper_by_any_identifier_spelling(client, attention, mixed_summaries, spelling):
    paper = get_json(client, f"/api/v1/papers/{spelling}")
    assert paper["identifier"] == "1706.03762" and paper["title"] == "Attention Is All You Need"
    assert paper["identifiers"] == {
        "arxiv_id": "1706.03762", "arxiv_version": 7, "doi": "10.48550/arxiv.1706.03762x", "bibtex_key": "vaswani2017attention",
    }  # fmt: skip
    assert paper["url"] == "http://127.0.0.1:8000/paper/1706.03762/"
    assert paper["summary_count"] == 2 and len(paper["summaries"]) == 2


def test_a_papers_summaries_are_public_ones_with_html_markdown_and_licence(client, mixed_summaries, settings):
    paper = get_json(client, "/api/v1/papers/1706.03762")
    signed, anonymous = paper["summaries"]
    assert signed["body_markdown"] == "Signed *text*." and signed["body_html"] == mixed_summaries["signed"].body_html
    assert signed["author"] == {"username": "ada", "name": "Ada Lovelace", "url": "http://127.0.0.1:8000/user/ada/"}
    assert signed["licence"] == settings.SUMMARY_LICENCE
    assert anonymous["author"] is None and anonymous["body_markdown"] == "Anonymous text."


def test_nothing_private_leaks_anywhere(client, mixed_summaries, attention):
    responses = [
        client.get("/api/v1/papers/1706.03762"),
        client.get("/api/v1/summaries/"),
        client.get("/api/v1/summaries/?paper=1706.03762&order=top"),
        client.get("/api/v1/users/"),
        client.get("/api/v1/users/ada"),
        client.get("/api/v1/arxiv/1706.03762"),
    ]
    for response in responses:
        text = response.content.decode()
        for secret in ["Private text", "Hidden text", "grace", "@example.org", "password", "share_token", "is_private"]:
            assert secret not in text, (response.wsgi_request.path, secret)
    hidden = Summary.objects.get(body="Hidden text.")
    assert client.get(f"/api/v1/summaries/{hidden.pk}").status_code == 404
    assert client.get("/api/v1/summaries/?author=grace").json()["items"] == []
    assert client.get("/api/v1/users/grace").status_code == 404  # only anonymous summaries: no public contributor


def test_an_unknown_paper_is_a_404_with_a_reason_and_nothing_is_fetched(client, external_http):
    body = get_json(client, "/api/v1/papers/2101.99999", status=404)
    assert "No paper here has this identifier" in body["detail"]
    assert len(external_http.calls) == 0
    assert client.get("/api/v1/papers/not%20an%20identifier%00").status_code == 404


# --- Summaries, cursors -------------------------------------------------------------------------


def test_summaries_filter_by_paper_author_and_since(client, mixed_summaries, user):
    other = SummaryFactory(author=user, body="Another paper.")
    Summary.objects.filter(pk=mixed_summaries["signed"].pk).update(created_at=timezone.now() - timedelta(days=10))
    by_paper = get_json(client, "/api/v1/summaries/?paper=arXiv:1706.03762")["items"]
    assert {item["body_markdown"] for item in by_paper} == {"Signed *text*.", "Anonymous text."}
    by_author = get_json(client, "/api/v1/summaries/?author=ada")["items"]
    assert [item["id"] for item in by_author] == [other.pk, mixed_summaries["signed"].pk]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = get_json(client, "/api/v1/summaries/", data={"since": since})["items"]
    assert mixed_summaries["signed"].pk not in [item["id"] for item in recent] and len(recent) == 2
    assert get_json(client, "/api/v1/summaries/?paper=2101.99999", status=404)["detail"]


def test_bad_parameters_are_clear_client_errors(client, db):
    assert client.get("/api/v1/summaries/?since=yesterday").status_code == 422
    assert client.get("/api/v1/summaries/?order=best").status_code == 422
    assert "not one we gave out" in get_json(client, "/api/v1/summaries/?cursor=garbage", status=400)["detail"]


@pytest.mark.parametrize("order", ["recent", "top", "popular"])
def test_cursors_walk_every_summary_once(client, settings, order):
    settings.API_PAGE_SIZE = 3
    made = [SummaryFactory(score=n % 4) for n in range(8)]
    Summary.objects.filter(pk=made[0].pk).update(created_at=made[1].created_at)  # a tie the keyset must break by id
    seen, url = [], f"/api/v1/summaries/?order={order}"
    while url:
        page = get_json(client, url)
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        url = page["next"] and page["next"].removeprefix("http://127.0.0.1:8000")
        if url and len(seen) == 3:
            SummaryFactory(score=99)  # a new summary mid-walk shifts nothing on a keyset ordering
    if order != "popular":
        assert sorted(seen) == sorted(summary.pk for summary in made)
    else:
        assert set(summary.pk for summary in made) <= set(seen)
    assert len(seen) == len(set(seen)) or order == "popular"


def test_top_orders_by_score(client, db):
    low, high = SummaryFactory(score=1), SummaryFactory(score=9)
    assert [item["id"] for item in get_json(client, "/api/v1/summaries/?order=top")["items"]] == [high.pk, low.pk]


def test_a_cursor_from_one_ordering_is_refused_by_another(client, settings):
    settings.API_PAGE_SIZE = 1
    SummaryFactory(), SummaryFactory()
    cursor = get_json(client, "/api/v1/summaries/?order=recent")["next_cursor"]
    assert "another list or ordering" in get_json(client, f"/api/v1/summaries/?order=top&cursor={cursor}", status=400)["detail"]


def test_summary_lists_run_a_fixed_number_of_queries(client, settings, django_assert_max_num_queries):
    SummaryFactory()
    with django_assert_max_num_queries(3) as one:
        client.get("/api/v1/summaries/")
    for _ in range(20):
        SummaryFactory()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/summaries/").json()["items"]) == 21


# --- Users --------------------------------------------------------------------------------------


def test_contributors_list_and_detail(client, mixed_summaries):
    users = get_json(client, "/api/v1/users/")["items"]
    assert [user["username"] for user in users] == ["ada"]
    ada = get_json(client, "/api/v1/users/ada")
    assert ada == {
        "username": "ada", "name": "Ada Lovelace", "url": "http://127.0.0.1:8000/user/ada/", "bio": "",
        "summary_count": 1, "total_score": 5,
    }  # fmt: skip


# --- The arXiv lookup ---------------------------------------------------------------------------


def test_arxiv_lookup_counts_public_summaries_and_says_where(client, mixed_summaries, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/arxiv/1706.03762v5")
    answer = response.json()
    assert answer["arxiv_id"] == "1706.03762" and answer["found"] is True
    assert answer["paper_url"] == "http://127.0.0.1:8000/paper/1706.03762/"
    assert answer["summary_count"] == 2
    assert [summary["author"] for summary in answer["summaries"]] == ["Ada Lovelace", "Anonymous"]
    assert answer["summaries"][0]["url"] == f"http://127.0.0.1:8000/summary/{mixed_summaries['signed'].pk}/"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]


def test_arxiv_lookup_of_a_paper_we_dont_have(client, db, external_http):
    answer = get_json(client, "/api/v1/arxiv/hep-th/9901001")
    assert answer == {
        "arxiv_id": "hep-th/9901001", "found": False, "paper_url": None, "summary_count": 0, "summaries": [],
        "write_url": "http://127.0.0.1:8000/summaries/new/?paper=hep-th%2F9901001",
    }  # fmt: skip
    assert len(external_http.calls) == 0
    assert "not an arXiv identifier" in get_json(client, "/api/v1/arxiv/10.1038/nature14539", status=400)["detail"]


# --- HTTP: ETag, CORS, read-only, rate limit ----------------------------------------------------


def test_etag_and_if_none_match(client, mixed_summaries):
    first = client.get("/api/v1/papers/1706.03762")
    etag = first["ETag"]
    assert etag
    again = client.get("/api/v1/papers/1706.03762", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    SummaryFactory(paper=mixed_summaries["signed"].paper, body="A new one.")
    changed = client.get("/api/v1/papers/1706.03762", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_cors_is_open_for_reading_and_the_api_is_read_only(client, attention):
    response = client.get("/api/v1/arxiv/1706.03762", HTTP_ORIGIN="https://arxiv.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/papers/1706.03762", HTTP_ORIGIN="https://arxiv.org",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match")  # fmt: skip
    assert preflight.status_code == 204 and "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    post = client.post("/api/v1/summaries/", {"body": "x"})
    assert post.status_code == 405 and "read-only" in post.json()["detail"]


def test_each_address_is_rate_limited(client, settings, attention):
    settings.API_RATE_LIMIT = "3/h"
    for _ in range(3):
        assert client.get("/api/v1/arxiv/1706.03762").status_code == 200
    limited = client.get("/api/v1/arxiv/1706.03762")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "limit is 3 an hour" in json.loads(limited.content)["detail"]
    assert limited["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/arxiv/1706.03762", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/").status_code == 200  # the site itself is not counted


# --- The tools page and its bookmarklet ---------------------------------------------------------


def test_the_tools_page_offers_the_bookmarklet_and_the_api(client, settings):
    settings.SITE_URL = "https://shortscience.example"
    html = client.get("/tools/").content.decode()
    assert 'href="javascript:(function(){' in html
    assert "window.open(&#x27;https://shortscience.example/lookup/?q=&#x27;+encodeURIComponent(" in html
    assert 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
    assert 'href="/tools/"' in client.get("/").content.decode()


@pytest.mark.parametrize("query", ["1706.03762", "https://arxiv.org/pdf/1706.03762v2", "https://arxiv.org/abs/1706.03762v7"])
def test_what_the_bookmarklet_sends_reaches_the_paper(client, attention, query):
    response = client.get("/lookup/", {"q": query})
    assert response.status_code == 302 and response["Location"] == "/paper/1706.03762/"


def test_answers_come_from_the_page_cache_and_stay_fresh(client, mixed_summaries, django_assert_num_queries):
    first = client.get("/api/v1/arxiv/1706.03762")
    with django_assert_num_queries(0):
        again = client.get("/api/v1/arxiv/1706.03762")
    assert again.content == first.content and again["ETag"] == first["ETag"]
    SummaryFactory(paper=mixed_summaries["signed"].paper, body="A third.")
    assert client.get("/api/v1/arxiv/1706.03762").json()["summary_count"] == 3


def test_the_answer_that_fills_the_cache_comes_gzipped_as_the_next_one_does(client, mixed_summaries):
    first = client.get("/api/v1/arxiv/1706.03762", HTTP_ACCEPT_ENCODING="gzip")  # rendered and stored
    second = client.get("/api/v1/arxiv/1706.03762", HTTP_ACCEPT_ENCODING="gzip")  # from the cache
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    assert first.content == second.content and json.loads(gzip.decompress(first.content))["summary_count"] == 2


def test_gzipped_answers_from_the_cache_are_whole_and_tagged(client, mixed_summaries):
    client.get("/api/v1/arxiv/1706.03762")
    response = client.get("/api/v1/arxiv/1706.03762", HTTP_ACCEPT_ENCODING="gzip")
    body = gzip.decompress(response.content) if response.get("Content-Encoding") == "gzip" else response.content
    assert json.loads(body)["summary_count"] == 2
    assert response["ETag"] and response["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/arxiv/1706.03762", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
