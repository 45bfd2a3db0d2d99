"""sitemap.xml lists what search engines may index: nothing hidden, private or tied to an anonymous author."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def everything(client):
    return [loc for section in locations(client, "/sitemap.xml") for loc in locations(client, section)]


def test_index_lists_the_three_sections(client):
    assert locations(client, "/sitemap.xml") == [
        "http://testserver/sitemap-papers.xml",
        "http://testserver/sitemap-summaries.xml",
        "http://testserver/sitemap-profiles.xml",
    ]


def test_only_papers_with_a_public_summary(client, paper, user):
    SummaryFactory(paper=paper, author=user)
    only_private = SummaryFactory(body="Private.", is_private=True).paper
    only_hidden = SummaryFactory(body="Hidden.", is_hidden=True).paper
    PaperFactory(title="Never summarized", arxiv_id="1701.00001")
    urls = locations(client, "/sitemap-papers.xml")
    assert urls == ["http://testserver/paper/1601.06759/"]
    assert only_private.get_absolute_url() not in str(urls)
    assert only_hidden.get_absolute_url() not in str(urls)


def test_only_public_summaries(client, user):
    public = SummaryFactory(author=user)
    anonymous = SummaryFactory(is_anonymous=True)
    SummaryFactory(is_private=True)
    SummaryFactory(is_hidden=True)
    assert locations(client, "/sitemap-summaries.xml") == [
        f"http://testserver/summary/{public.pk}/",
        f"http://testserver/summary/{anonymous.pk}/",
    ]


def test_profiles_only_of_users_signing_a_public_summary(client, user):
    SummaryFactory(author=user)
    SummaryFactory(author=user, is_hidden=True)
    ghost = UserFactory(username="ghostwriter")
    SummaryFactory(author=ghost, is_anonymous=True)
    hermit = UserFactory(username="hermit")
    SummaryFactory(author=hermit, is_private=True)
    UserFactory(username="lurker")
    suspended = UserFactory(username="spammer", is_active=False)
    SummaryFactory(author=suspended)
    assert locations(client, "/sitemap-profiles.xml") == ["http://testserver/user/ada/"]


def test_an_anonymous_summary_never_puts_its_author_in_the_sitemap(client):
    ghost = UserFactory(username="ghostwriter")
    SummaryFactory(author=ghost, is_anonymous=True)
    SummaryFactory(author=ghost, is_anonymous=True)
    assert not any("ghostwriter" in url for url in everything(client))


def test_sections_carry_lastmod(client, user):
    summary = SummaryFactory(author=user)
    body = client.get("/sitemap-summaries.xml").content.decode()
    assert f"<lastmod>{summary.updated_at.date().isoformat()}</lastmod>" in body


def test_unknown_section_is_404(client, db):
    assert client.get("/sitemap-secrets.xml").status_code == 404


def test_sitemap_query_count_does_not_grow(client, user):
    def queries_for_whole_sitemap():
        with CaptureQueriesContext(connection) as queries:
            everything(client)
        return len(queries)

    SummaryFactory.create_batch(3, author=user)
    queries_for_whole_sitemap()  # Django's view also reads the Sites row once into its cache
    few = queries_for_whole_sitemap()
    SummaryFactory.create_batch(30, author=user)
    SummaryFactory.create_batch(10)
    assert queries_for_whole_sitemap() == few <= 14


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_off_forms_and_searches(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    for path in ("/accounts/", "/search/", "/papers/suggest/", "/following/", "/lookup/", "/summaries/new/"):
        assert f"Disallow: {path}" in text.splitlines()
