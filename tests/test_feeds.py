"""Atom and RSS feeds of public summaries, read back with feedparser as a feed reader would."""

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from summaries.feeds import absolute_links
from summaries.models import Profile
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

FORMATS = ["atom", "rss"]


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return response, parsed


@pytest.fixture
def cast(paper, user):
    """One summary of each kind, with a body that says which it is."""
    paper.bibtex_key = "oord2016pixel"
    paper.save()
    Profile.objects.filter(user=user).update(display_name="Ada Lovelace")
    ghost = UserFactory(username="ghostwriter")
    Profile.objects.filter(user=ghost).update(display_name="Secret Person")
    other_paper = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762", categories=["cs.CL"])
    return {
        "signed": SummaryFactory(paper=paper, author=user, body="Signed & **bold** text.", score=7),
        "anonymous": SummaryFactory(paper=other_paper, author=ghost, body="Anonymous words.", is_anonymous=True, score=2),
        "private": SummaryFactory(paper=paper, author=ghost, body="Private words.", is_private=True),
        "hidden": SummaryFactory(paper=other_paper, author=user, body="Hidden words.", is_hidden=True),
    }


def feed_urls(fmt):
    return [
        f"/feeds/latest.{fmt}",
        f"/feeds/top.{fmt}",
        f"/feeds/paper/1601.06759.{fmt}",
        f"/feeds/paper/1706.03762.{fmt}",
        f"/feeds/user/ada.{fmt}",
        f"/feeds/user/ghostwriter.{fmt}",
        f"/feeds/category/cs.LG.{fmt}",
        f"/feeds/category/cs.CL.{fmt}",
    ]


@pytest.mark.parametrize("fmt,content_type", [("atom", "application/atom+xml"), ("rss", "application/rss+xml")])
def test_latest_feed_items_carry_the_summary(client, cast, fmt, content_type):
    response, parsed = read(client, f"/feeds/latest.{fmt}")
    assert response["Content-Type"].startswith(content_type)
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")
    assert parsed.feed.link == "http://testserver/"
    entries = {entry.link: entry for entry in parsed.entries}
    signed = cast["signed"]
    entry = entries[f"http://testserver/summary/{signed.pk}/"]
    assert entry.title == "Pixel Recurrent Neural Networks"
    html = entry.content[0].value if fmt == "atom" else entry.summary
    assert html == signed.body_html
    assert "<strong>bold</strong>" in html
    assert entry.author == "Ada Lovelace"
    assert entry.published_parsed[:3] == signed.created_at.timetuple()[:3]
    if fmt == "atom":
        assert entry.updated_parsed[:3] == signed.updated_at.timetuple()[:3]
    assert entry.ss_arxiv_id == "1601.06759"
    assert entry.ss_bibtex_key == "oord2016pixel"
    assert entry.ss_score == "7"
    assert [tag.term for tag in entry.tags] == ["cs.LG"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_our_elements_are_declared_in_our_namespace(client, cast, fmt):
    response, parsed = read(client, f"/feeds/latest.{fmt}")
    assert parsed.namespaces["ss"] == "https://shortscience.org/ns/feed/1.0"
    assert b"<ss:score>7</ss:score>" in response.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_anonymous_summaries_never_name_their_author(client, cast, fmt):
    # Their own (empty) feed names them, of course; no other feed may.
    for url in [url for url in feed_urls(fmt) if "ghostwriter" not in url]:
        response, parsed = read(client, url)
        xml = response.content.decode()
        assert "ghostwriter" not in xml, url
        assert "Secret Person" not in xml, url
    _, parsed = read(client, f"/feeds/latest.{fmt}")
    anonymous = next(entry for entry in parsed.entries if entry.link.endswith(f"/summary/{cast['anonymous'].pk}/"))
    assert anonymous.author == "Anonymous"
    assert "href" not in anonymous.get("author_detail", {})


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_users_feed_leaves_out_their_anonymous_summaries(client, cast, fmt):
    _, parsed = read(client, f"/feeds/user/ghostwriter.{fmt}")
    assert parsed.entries == []
    _, parsed = read(client, f"/feeds/user/ada.{fmt}")
    assert [entry.link for entry in parsed.entries] == [f"http://testserver/summary/{cast['signed'].pk}/"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_private_and_hidden_summaries_are_in_no_feed(client, cast, fmt):
    for url in feed_urls(fmt):
        xml = client.get(url).content.decode()
        assert "Private words" not in xml, url
        assert "Hidden words" not in xml, url
        assert f"/summary/{cast['private'].pk}/" not in xml, url
        assert f"/summary/{cast['hidden'].pk}/" not in xml, url


@pytest.mark.parametrize("fmt", FORMATS)
def test_paper_and_category_feeds_hold_only_their_summaries(client, cast, fmt):
    signed, anonymous = cast["signed"].get_absolute_url(), cast["anonymous"].get_absolute_url()
    for url, expected in [
        (f"/feeds/paper/1601.06759.{fmt}", signed),
        (f"/feeds/paper/1706.03762.{fmt}", anonymous),
        (f"/feeds/category/cs.LG.{fmt}", signed),
        (f"/feeds/category/cs.CL.{fmt}", anonymous),
    ]:
        _, parsed = read(client, url)
        assert [entry.link for entry in parsed.entries] == [f"http://testserver{expected}"], url
    _, parsed = read(client, f"/feeds/category/math.GT.{fmt}")
    assert parsed.entries == []


def test_top_feed_is_ordered_by_score(client, cast):
    SummaryFactory(body="Best of all.", score=50)
    _, parsed = read(client, "/feeds/top.atom")
    assert [entry.ss_score for entry in parsed.entries] == ["50", "7", "2"]


def test_a_paper_feed_answers_under_a_doi(client, user):
    paper = PaperFactory(arxiv_id=None, doi="10.1000/xyz.123", title="A DOI paper")
    SummaryFactory(paper=paper, author=user)
    _, parsed = read(client, "/feeds/paper/10.1000/xyz.123.rss")
    assert parsed.feed.link == "http://testserver/paper/10.1000/xyz.123/"
    assert len(parsed.entries) == 1


@pytest.mark.parametrize(
    "url", ["/feeds/paper/9999.99999.atom", "/feeds/paper/not an id.atom", "/feeds/user/nobody.rss", "/feeds/latest.json"]
)
def test_unknown_targets_are_404_and_never_fetched(client, db, url):
    # The autouse external_http fixture fails any network call; a 404 proves none was needed.
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("category", ["%00", "cs.LG%00", "cs.LG%0A", "%3Cscript%3E", "cs..LG", "CS.LG"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_category_feed_answers_only_for_what_looks_like_an_arxiv_category(client, db, category, fmt):
    # As the category page does; a NUL used to reach the XML writer and fail there with a 500.
    assert client.get(f"/feeds/category/{category}.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_links_in_an_item_are_absolute_so_they_work_in_a_feed_reader(client, paper, user, fmt):
    body = (
        r"Builds on \cite{1601.06759}; see [the paper's page](/paper/1601.06759/), [below](#comments) "
        "and ![a figure](https://example.org/figure.png) from [arXiv](https://arxiv.org/abs/1601.06759)."
    )
    summary = SummaryFactory(paper=PaperFactory(categories=["cs.CV"]), author=user, body=body)
    _, parsed = read(client, f"/feeds/category/cs.CV.{fmt}")
    html = parsed.entries[0].content[0].value if fmt == "atom" else parsed.entries[0].summary
    assert 'href="/' not in html
    assert html.count('href="http://testserver/paper/1601.06759/"') == 2
    assert f'href="http://testserver/summary/{summary.pk}/#comments"' in html
    assert 'src="https://example.org/figure.png"' in html
    assert 'href="https://arxiv.org/abs/1601.06759"' in html


SUMMARY_URL = "https://shortscience.test/summary/7/"


@pytest.mark.parametrize(
    "stored,in_the_feed",
    [
        ('<a class="cite" href="/paper/1601.06759/">Oord et al., 2016</a>',
         '<a class="cite" href="https://shortscience.test/paper/1601.06759/">Oord et al., 2016</a>'),
        ('<a href="#comments">below</a>', '<a href="https://shortscience.test/summary/7/#comments">below</a>'),
        ('<img alt="figure" src="/media/figure.png">', '<img alt="figure" src="https://shortscience.test/media/figure.png">'),
        ('<a href="https://arxiv.org/abs/1601.06759" rel="nofollow ugc noopener">arXiv</a>',) * 2,
        ('<a href="mailto:ada@example.org">Ada</a>',) * 2,
        ("<p>Tom &amp; Jerry, &lt;mask&gt;, it&#39;s <code>a &lt; b</code><br>$x_1$</p>",) * 2,
    ],
)  # fmt: skip
def test_absolute_links_resolve_relative_links_against_the_summary_and_change_nothing_else(stored, in_the_feed):
    assert absolute_links(stored, base=SUMMARY_URL) == in_the_feed


def test_feeds_cost_a_fixed_number_of_queries(client, user):
    urls = ["/feeds/latest.atom", "/feeds/top.rss", "/feeds/paper/1601.00000.atom", "/feeds/category/cs.LG.atom", "/feeds/user/ada.rss"]

    def queries_for_every_feed():
        with CaptureQueriesContext(connection) as queries:
            for url in urls:
                assert client.get(url).status_code == 200
        return len(queries)

    SummaryFactory(author=user, paper=PaperFactory(arxiv_id="1601.00000"))
    SummaryFactory.create_batch(2, author=user)
    queries_for_every_feed()  # the first request also reads the Sites row into its cache
    few = queries_for_every_feed()
    SummaryFactory.create_batch(40, author=user)
    assert queries_for_every_feed() == few <= 2 * len(urls)


@pytest.mark.parametrize(
    "page,feeds",
    [
        ("/", ["/feeds/latest.atom", "/feeds/latest.rss", "/feeds/top.atom", "/feeds/top.rss"]),
        ("/paper/1601.06759/", ["/feeds/paper/1601.06759.atom", "/feeds/paper/1601.06759.rss"]),
        ("/user/ada/", ["/feeds/user/ada.atom", "/feeds/user/ada.rss"]),
        ("/papers/category/cs.LG/", ["/feeds/category/cs.LG.atom", "/feeds/category/cs.LG.rss"]),
    ],
)
def test_pages_link_the_feeds_that_mirror_them(client, cast, page, feeds):
    html = client.get(page).content.decode()
    head = html[: html.index("</head>")]
    for feed in feeds:
        kind = "application/atom+xml" if feed.endswith(".atom") else "application/rss+xml"
        assert f'<link rel="alternate" type="{kind}"' in head
        assert f'href="{feed}"' in head, feed
        assert client.get(feed).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_items_carry_math_as_mathml_alone(client, paper, user, fmt):
    SummaryFactory(paper=paper, author=user, body="The loss $\\frac{1}{n}\\sum_i x_i^2$ falls.")
    response, parsed = read(client, f"/feeds/latest.{fmt}")
    [entry] = parsed.entries
    content = entry.content[0].value if fmt == "atom" else entry.description
    assert "<math" in content and "<mfrac>" in content and "<msub>" in content
    assert '<annotation encoding="application/x-tex">\\frac{1}{n}\\sum_i x_i^2</annotation>' in content
    # KaTeX's visual markup reads as garbled duplicate text without its stylesheet: it is left out.
    assert "katex-html" not in content and "vlist" not in content
