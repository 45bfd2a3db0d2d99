"""Reputation: profile stats, the /users/ ranking, and exporting one's own summaries (zip of Markdown, CSV)."""

import csv
import io
import re
import zipfile

import pytest

from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _stat(html: str, name: str) -> str:
    return re.search(rf'<dd class="stat-{name}">([^<]*)</dd>', html).group(1)


@pytest.fixture
def ada_summaries(user):
    """Ada's public summaries score 5, 3 and -2; her anonymous, private and hidden ones must never count publicly."""
    SummaryFactory(author=user, paper=PaperFactory(title="Public paper one"), score=5)
    SummaryFactory(author=user, paper=PaperFactory(title="Public paper two"), score=3)
    SummaryFactory(author=user, paper=PaperFactory(title="Public paper three"), score=-2)
    SummaryFactory(author=user, paper=PaperFactory(title="Anonymous paper"), score=100, is_anonymous=True)
    SummaryFactory(author=user, paper=PaperFactory(title="Private paper"), score=50, is_private=True)
    SummaryFactory(author=user, paper=PaperFactory(title="Hidden paper"), score=40, is_hidden=True)


def test_others_see_only_public_signed_summaries_in_the_stats(client, other_user, ada_summaries):
    for viewer in [None, other_user]:
        if viewer:
            client.force_login(viewer)
        html = client.get("/user/ada/").content.decode()
        assert (_stat(html, "count"), _stat(html, "total"), _stat(html, "average")) == ("3", "6", "2.0")
        assert "Public paper one" in html and "Public paper three" in html
        for secret in ["Anonymous paper", "Private paper", "Hidden paper"]:
            assert secret not in html
        assert "/settings/export.zip" not in html


def test_the_author_sees_all_their_summaries_counted_and_the_export_links(client, user, ada_summaries):
    client.force_login(user)
    html = client.get("/user/ada/").content.decode()
    assert (_stat(html, "count"), _stat(html, "total"), _stat(html, "average")) == ("6", "196", "32.7")
    assert "Anonymous paper" in html and "Private paper" in html
    assert 'href="/settings/export.zip"' in html and 'href="/settings/export.csv"' in html


def test_a_profile_without_summaries_shows_zeroes(client, user):
    html = client.get("/user/ada/").content.decode()
    assert (_stat(html, "count"), _stat(html, "total"), _stat(html, "average")) == ("0", "0", "–")


def test_profile_query_count_does_not_grow_with_papers(client, user, django_assert_max_num_queries):
    for _ in range(2):
        SummaryFactory(author=user)
    with django_assert_max_num_queries(12) as few:
        client.get("/user/ada/")
    for _ in range(10):
        SummaryFactory(author=user)
    with django_assert_max_num_queries(12) as many:
        client.get("/user/ada/")
    assert len(many.captured_queries) == len(few.captured_queries)


# --- /users/ ---


def _ranked_names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/user/([^/]+)/">', html)


def test_contributors_are_ranked_by_total_score_then_count(client):
    turing, hopper, noether = UserFactory(username="turing"), UserFactory(username="hopper"), UserFactory(username="noether")
    SummaryFactory(author=turing, score=10)
    SummaryFactory(author=hopper, score=4)
    SummaryFactory(author=hopper, score=6)
    SummaryFactory(author=noether, score=25)
    html = client.get("/users/").content.decode()
    assert _ranked_names(html) == ["noether", "hopper", "turing"]
    assert re.search(r'/user/hopper/">hopper</a></td>\s*<td class="total-score">10</td>\s*<td class="summary-count">2</td>', html)


def test_anonymous_private_and_hidden_summaries_count_toward_no_one_in_the_ranking(client):
    shy, secret, hidden, visible = (UserFactory(username=name) for name in ["shy", "secret", "hidden", "visible"])
    SummaryFactory(author=shy, score=100, is_anonymous=True)
    SummaryFactory(author=secret, score=100, is_private=True)
    SummaryFactory(author=hidden, score=100, is_hidden=True)
    SummaryFactory(author=visible, score=1)
    SummaryFactory(author=visible, score=99, is_anonymous=True)
    html = client.get("/users/").content.decode()
    assert _ranked_names(html) == ["visible"]
    assert '<td class="total-score">1</td>' in html


def test_ranking_is_paginated_with_a_fixed_number_of_queries(client, settings, django_assert_max_num_queries):
    settings.FEED_PAGE_SIZE = 3
    for n in range(4):
        SummaryFactory(author=UserFactory(username=f"writer{n}"), score=n)
    with django_assert_max_num_queries(4) as small:
        client.get("/users/")
    for n in range(4, 10):
        SummaryFactory(author=UserFactory(username=f"writer{n}"), score=n)
    with django_assert_max_num_queries(4) as large:
        first = client.get("/users/").content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert _ranked_names(first) == ["writer9", "writer8", "writer7"]
    assert "Page 1 of 4" in first
    last = client.get("/users/?page=4").content.decode()
    assert _ranked_names(last) == ["writer0"]
    assert "<td>10</td>" in last  # the rank continues across pages


# --- Export ---


@pytest.fixture
def ada_export(user):
    paper = PaperFactory(title='Attention "Is" All You Need', arxiv_id="1706.03762")
    doi_paper = PaperFactory(title="A DOI paper", arxiv_id=None, doi="10.1000/xyz-123")
    signed = SummaryFactory(author=user, paper=paper, body="Self-attention, $QK^T$.\n\nSecond, paragraph; with \"quotes\".", score=7)
    secret = SummaryFactory(author=user, paper=doi_paper, body="My private notes.", is_private=True, is_anonymous=True)
    SummaryFactory(paper=paper, body="Someone else's summary.")
    return signed, secret


@pytest.mark.parametrize("path", ["/settings/export.zip", "/settings/export.csv"])
def test_export_requires_login(client, path):
    assert "/accounts/login/" in client.get(path)["Location"]


def test_zip_export_has_one_markdown_file_per_summary_with_front_matter(client, user, ada_export):
    signed, secret = ada_export
    client.force_login(user)
    response = client.get("/settings/export.zip")
    assert response["Content-Type"] == "application/zip"
    assert 'attachment; filename="shortscience-summaries.zip"' == response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == [
        f"shortscience-summaries/{signed.created_at:%Y-%m-%d}-1706-03762-{signed.pk}.md",
        f"shortscience-summaries/{secret.created_at:%Y-%m-%d}-10-1000-xyz-123-{secret.pk}.md",
    ]
    text = archive.read(names[0]).decode()
    front, body = text.split("\n---\n\n", 1)
    assert front.startswith("---\n")
    assert 'paper_title: "Attention \\"Is\\" All You Need"' in front
    assert 'paper_identifier: "1706.03762"' in front
    assert f"summary_id: {signed.pk}" in front
    assert f"created: {signed.created_at.isoformat()}" in front and "updated: " in front
    assert "score: 7" in front and "anonymous: false" in front and "private: false" in front
    assert body == signed.body + "\n"
    private_text = archive.read(names[1]).decode()
    assert "anonymous: true" in private_text and "private: true" in private_text
    assert 'paper_identifier: "10.1000/xyz-123"' in private_text
    assert "My private notes." in private_text
    assert "Someone else" not in "".join(archive.read(name).decode() for name in names)


def test_csv_export_rows_parse_back(client, user, ada_export):
    signed, secret = ada_export
    client.force_login(user)
    response = client.get("/settings/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "paper identifier", "paper title", "created", "updated", "score", "anonymous", "private", "body"]
    assert rows[1] == [
        str(signed.pk),
        "1706.03762",
        'Attention "Is" All You Need',
        signed.created_at.isoformat(),
        signed.updated_at.isoformat(),
        "7",
        "false",
        "false",
        signed.body,
    ]
    assert rows[2][:2] == [str(secret.pk), "10.1000/xyz-123"] and rows[2][6:] == ["true", "true", "My private notes."]
    assert len(rows) == 3


def test_an_export_with_nothing_written_is_valid_and_empty(client, user):
    client.force_login(user)
    assert zipfile.ZipFile(io.BytesIO(client.get("/settings/export.zip").content)).namelist() == []
    assert client.get("/settings/export.csv").content.decode().count("\n") == 1
