"""What reference managers and indexers read: Highwire citation_* tags on paper pages (none on summary pages),
Schema.org JSON-LD, COinS spans on lists and cards, and unAPI."""

import datetime
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs

import bibtexparser
import pytest
import rispy

from summaries.models import Profile
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


class MetadataParser(HTMLParser):
    """Every <meta name>, every JSON-LD block, every COinS span and unAPI id and link of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.json_ld, self.coins, self.unapi_ids, self.links = [], [], [], [], {}
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta.append((attrs["name"], attrs.get("content")))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")
        elif tag == "span" and attrs.get("class") == "Z3988":
            self.coins.append(parse_qs(attrs["title"]))
        elif tag == "abbr" and attrs.get("class") == "unapi-id":
            self.unapi_ids.append(attrs["title"])
        elif tag == "link":
            self.links[attrs.get("rel")] = attrs

    def handle_endtag(self, tag):
        self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data

    def citation(self, name):
        return [content for key, content in self.meta if key == name]


def parsed(client, url) -> MetadataParser:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = MetadataParser()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def conference_paper():
    return PaperFactory(
        title="Attention Is All You Need",
        authors=["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"],
        abstract="The dominant sequence\ntransduction models.",
        arxiv_id="1706.03762",
        arxiv_version=7,
        doi="10.5555/3295222.3295349",
        venue="NeurIPS",
        year=2017,
        published=datetime.date(2017, 6, 12),
    )


def test_paper_pages_carry_highwire_tags(client, conference_paper):
    page = parsed(client, "/paper/1706.03762/")
    assert page.citation("citation_title") == ["Attention Is All You Need"]
    assert page.citation("citation_author") == ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"]
    assert page.citation("citation_publication_date") == ["2017/06/12"]
    assert page.citation("citation_online_date") == ["2017/06/12"]
    assert page.citation("citation_arxiv_id") == ["1706.03762"]
    assert page.citation("citation_doi") == ["10.5555/3295222.3295349"]
    assert page.citation("citation_pdf_url") == ["https://arxiv.org/pdf/1706.03762v7"]
    assert page.citation("citation_conference_title") == ["NeurIPS"]
    assert page.citation("citation_journal_title") == []
    assert page.citation("citation_abstract") == ["The dominant sequence transduction models."]


def test_a_journal_paper_without_arxiv_has_a_journal_title_and_no_empty_tags(client):
    PaperFactory(title="Deep learning", venue="Nature", year=2015, arxiv_id=None, doi="10.1038/nature14539", abstract="")
    page = parsed(client, "/paper/10.1038/nature14539/")
    assert page.citation("citation_journal_title") == ["Nature"]
    assert page.citation("citation_publication_date") == ["2015"]
    for absent in ["citation_arxiv_id", "citation_pdf_url", "citation_online_date", "citation_abstract", "citation_conference_title"]:
        assert page.citation(absent) == [], absent


def test_summary_pages_carry_no_citation_tags(client, conference_paper):
    summary = SummaryFactory(paper=conference_paper)
    page = parsed(client, summary.get_absolute_url())
    assert not [name for name, _ in page.meta if name.startswith("citation_")]


def test_paper_pages_describe_a_scholarly_article(client, conference_paper):
    [block] = parsed(client, "/paper/1706.03762/").json_ld
    article = json.loads(block)
    assert article["@context"] == "https://schema.org" and article["@type"] == "ScholarlyArticle"
    assert article["name"] == "Attention Is All You Need"
    assert article["url"] == "http://testserver/paper/1706.03762/"
    assert [author["name"] for author in article["author"]] == ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"]
    assert article["datePublished"] == "2017-06-12"
    assert {"@type": "PropertyValue", "propertyID": "arXiv", "value": "1706.03762"} in article["identifier"]
    assert "https://doi.org/10.5555/3295222.3295349" in article["sameAs"]


def test_json_ld_cannot_end_its_script_element(client):
    hostile = 'Nets </script><script>alert(1)</script> <!-- & "quotes"'
    paper = PaperFactory(title=hostile, authors=["</SCRIPT>Eve"])
    html = client.get(paper.get_absolute_url()).content.decode()
    block = html[html.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<" not in block[1:] and ">" not in block[block.index(">") + 1 :]
    article = json.loads(block[block.index(">") + 1 :])
    assert article["name"] == hostile and article["author"][0]["name"] == "</SCRIPT>Eve"
    assert "<script>alert(1)" not in html


def test_summary_pages_describe_a_review_of_the_article_by_its_author(client, conference_paper, user, settings):
    Profile.objects.filter(user=user).update(display_name="Ada Lovelace")
    summary = SummaryFactory(paper=conference_paper, author=user, body="Attention, *all* of it.")
    [block] = parsed(client, summary.get_absolute_url()).json_ld
    review = json.loads(block)
    assert review["@type"] == "Review" and review["url"] == f"http://testserver/summary/{summary.pk}/"
    assert review["author"] == {"@type": "Person", "name": "Ada Lovelace", "url": "http://testserver/user/ada/"}
    assert review["itemReviewed"]["@type"] == "ScholarlyArticle"
    assert review["itemReviewed"]["url"] == "http://testserver/paper/1706.03762/"
    assert review["description"] == "Attention, all of it."
    assert review["license"] == settings.SUMMARY_LICENCE["url"]


def test_an_anonymous_reviews_json_ld_names_nobody(client, conference_paper):
    ghost = UserFactory(username="ghostwriter")
    Profile.objects.filter(user=ghost).update(display_name="Secret Person")
    summary = SummaryFactory(paper=conference_paper, author=ghost, is_anonymous=True)
    [block] = parsed(client, summary.get_absolute_url()).json_ld
    assert "author" not in json.loads(block)
    assert "ghostwriter" not in block and "Secret Person" not in block


def test_cards_and_lists_carry_coins_for_each_paper(client, conference_paper):
    SummaryFactory(paper=conference_paper)
    SummaryFactory(paper=PaperFactory(title="R&D: 50% more", authors=["A. Person"]))
    feed = parsed(client, "/")
    assert len(feed.coins) == 2
    coins = next(span for span in feed.coins if span["rft.atitle"] == ["Attention Is All You Need"])
    assert coins["ctx_ver"] == ["Z39.88-2004"] and coins["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:journal"]
    assert coins["rft.genre"] == ["proceeding"] and coins["rft.jtitle"] == ["NeurIPS"]
    assert coins["rft.au"] == ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"]
    assert coins["rft.date"] == ["2017-06-12"]
    assert coins["rft_id"] == ["info:doi/10.5555/3295222.3295349", "info:arxiv/1706.03762", "https://arxiv.org/abs/1706.03762"]
    assert any(span["rft.atitle"] == ["R&D: 50% more"] for span in feed.coins)
    assert len(parsed(client, "/papers/category/cs.LG/").coins) == 2
    assert len(parsed(client, "/search/?q=attention").coins) == 1


def test_unapi_is_announced_and_lists_bibtex_and_ris(client, conference_paper):
    SummaryFactory(paper=conference_paper)
    feed = parsed(client, "/")
    assert feed.links["unapi-server"]["href"] == "/unapi" and feed.unapi_ids == ["1706.03762"]
    response = client.get("/unapi")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml; charset=utf-8"
    formats = dict(re.findall(r'<format name="(\w+)" type="([^"]+)"', response.content.decode()))
    assert formats == {"bibtex": "application/x-bibtex", "ris": "application/x-research-info-systems"}
    one = client.get("/unapi?id=1706.03762")
    assert one.status_code == 300 and '<formats id="1706.03762">' in one.content.decode()


def test_unapi_serves_a_paper_as_bibtex_and_ris(client, conference_paper):
    [entry] = bibtexparser.parse_string(client.get("/unapi?id=1706.03762&format=bibtex").content.decode()).entries
    assert entry.key == "vaswani2017attention" and entry["eprint"] == "1706.03762"
    [record] = rispy.loads(client.get("/unapi?id=arXiv:1706.03762v2&format=ris").content.decode())
    assert record["title"] == "Attention Is All You Need"


def test_unapi_refuses_clearly(client, conference_paper):
    assert client.get("/unapi?id=9999.99999&format=ris").status_code == 404
    nul = client.get("/unapi?id=nonsense%00&format=ris")
    assert nul.status_code == 400 and "control character" in nul.content.decode()  # the input guard's answer
    response = client.get("/unapi?id=1706.03762&format=mods")
    assert response.status_code == 406 and "bibtex, ris" in response.content.decode()
